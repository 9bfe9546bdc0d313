"""A real Keystone for tests, on loopback, with the users Ironic's default policy talks about.

Keystone is installed once into a virtualenv of its own outside the repository
(``${XDG_CACHE_HOME:-~/.cache}/ironic-lite/keystone-venv``; its pins never touch the project's
environment) and reused afterwards. Its state is made once per cache too: a SQLite database
and fernet/credential keys (``keystone-manage db_sync``, ``fernet_setup``,
``credential_setup``, ``bootstrap``) populated through Keystone's own REST API with:

- ``admin``: the bootstrap administrator (admin on the system and on the ``admin`` project);
- ``system-reader``, ``system-member``: system-scoped reader and member;
- projects ``owner`` and ``lessee``, each with users ``<project>-admin``, ``-manager``,
  ``-member`` and ``-reader`` holding that one role (Keystone's implied roles add the rest);
- project ``third`` with ``third-admin``: a project that owns and leases nothing;
- project ``service`` with ``ironic`` (the API's own user, for keystonemiddleware) and ``nova``
  (Nova's bare-metal driver), both with the ``service`` role.

Each ``Keystone().start()`` copies that state into a fresh directory and serves it with
cheroot on a free port (a few seconds); ``stop()`` ends it by PID.
``python -m tests.lab.keystone`` starts one and prints how to reach it, for trying by hand.
"""

import dataclasses
import fcntl
import hashlib
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time

import requests
import requests.auth

from tests.lab.server import free_port

KEYSTONE_REQUIREMENTS = ("keystone>=30,<31", "cheroot>=10,<12")
REGION = "RegionOne"
ADMIN_PASSWORD = "admin-secret"
PROJECT_ROLES = ("admin", "manager", "member", "reader")
_DATA_VERSION = 2  # bump when _populate changes what it creates

# Keystone reads its configuration from sys.argv when imported; the server is started with a
# bare argv and finds its files through OS_KEYSTONE_CONFIG_FILES.
_SERVE = textwrap.dedent("""\
    import os, sys
    sys.argv = sys.argv[:1]
    from cheroot import wsgi
    from keystone.wsgi.api import application
    wsgi.Server(("127.0.0.1", int(os.environ["KEYSTONE_PORT"])), application,
                numthreads=8, server_name="keystone").safe_start()
    """)


def cache_dir() -> pathlib.Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return pathlib.Path(base) / "ironic-lite"


def venv_dir() -> pathlib.Path:
    return cache_dir() / "keystone-venv"


def ensure_installed(timeout: float = 1200) -> pathlib.Path:
    """Keystone's virtualenv, created (once, under a lock) if missing; returns its bin dir."""
    venv = venv_dir()
    bindir = venv / "bin"
    marker = venv / "ironic-lite-requirements.txt"
    wanted = "\n".join(KEYSTONE_REQUIREMENTS) + "\n"
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / "keystone-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (
            marker.exists()
            and marker.read_text() == wanted
            and (bindir / "keystone-manage").exists()
        ):
            return bindir
        shutil.rmtree(venv, ignore_errors=True)
        deadline = time.monotonic() + timeout
        subprocess.run(
            [sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=120
        )
        proc = subprocess.run(
            [str(bindir / "pip"), "install", "-q", "--disable-pip-version-check",
             *KEYSTONE_REQUIREMENTS],
            capture_output=True,
            text=True,
            timeout=max(60.0, deadline - time.monotonic()),
        )  # fmt: skip
        if proc.returncode != 0:
            raise RuntimeError(f"installing Keystone failed:\n{proc.stdout}\n{proc.stderr}"[-5000:])
        marker.write_text(wanted)
    return bindir


def prepared_state(bindir: pathlib.Path, timeout: float = 300) -> pathlib.Path:
    """A bootstrapped, populated Keystone state directory, made once per cache and reused.

    ``keystone-manage`` and populating take most of a start (about 15 s of CPU); a copy of
    their result takes milliseconds. The key covers what shapes the data, so a change to the
    requirements or to the users below makes a new one.
    """
    shape = repr((KEYSTONE_REQUIREMENTS, sorted(PERSONAS.items()), PROJECT_ROLES, _DATA_VERSION))
    key = hashlib.sha256(shape.encode()).hexdigest()[:16]
    path = cache_dir() / f"keystone-state-{key}"
    with open(cache_dir() / "keystone-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (path / "ids.json").exists():
            return path
        for stale in cache_dir().glob("keystone-state-*"):  # made for older requirements
            shutil.rmtree(stale, ignore_errors=True)
        building = pathlib.Path(tempfile.mkdtemp(prefix="keystone-building-", dir=cache_dir()))
        try:
            Keystone(str(building))._prepare(bindir, timeout)
            building.rename(path)
        finally:
            shutil.rmtree(building, ignore_errors=True)
    return path


@dataclasses.dataclass(frozen=True)
class Persona:
    """A Keystone user and the scope its token asks for (a project name, or the system)."""

    user: str
    password: str
    project: str | None = None  # None: system scope

    def auth(self, auth_url: str) -> dict:
        """The ``auth`` section of an openstacksdk/keystoneauth password configuration."""
        auth = {
            "auth_url": auth_url,
            "username": self.user,
            "password": self.password,
            "user_domain_id": "default",
        }
        if self.project:
            auth.update(project_name=self.project, project_domain_id="default")
        else:
            auth["system_scope"] = "all"
        return auth

    def env(self, auth_url: str) -> dict:
        """``OS_*`` variables for the ``openstack`` CLI."""
        env = {
            "OS_AUTH_TYPE": "password",
            "OS_AUTH_URL": auth_url,
            "OS_IDENTITY_API_VERSION": "3",
            "OS_USERNAME": self.user,
            "OS_PASSWORD": self.password,
            "OS_USER_DOMAIN_ID": "default",
            "OS_REGION_NAME": REGION,
            "OS_INTERFACE": "public",
        }
        if self.project:
            env.update(OS_PROJECT_NAME=self.project, OS_PROJECT_DOMAIN_ID="default")
        else:
            env["OS_SYSTEM_SCOPE"] = "all"
        return env


def _personas() -> dict[str, Persona]:
    people = {
        "system-admin": Persona("admin", ADMIN_PASSWORD),
        "system-member": Persona("system-member", "pw-system-member"),
        "system-reader": Persona("system-reader", "pw-system-reader"),
        "third-admin": Persona("third-admin", "pw-third-admin", "third"),
        "ironic": Persona("ironic", "pw-ironic", "service"),
        "nova": Persona("nova", "pw-nova", "service"),
    }
    for project in ("owner", "lessee"):
        for role in PROJECT_ROLES:
            name = f"{project}-{role}"
            people[name] = Persona(name, f"pw-{name}", project)
    return people


PERSONAS = _personas()


def ironic_conf(keystone: "Keystone", extra: str = "") -> str:
    """ironic-lite configuration for ``auth_strategy = keystone`` against ``keystone``
    (``extra``: more ``[DEFAULT]`` lines)."""
    return f"""
        [DEFAULT]
        auth_strategy = keystone
        {extra}
        [keystone_authtoken]
        www_authenticate_uri = {keystone.url}
        auth_url = {keystone.url}
        auth_type = password
        username = ironic
        password = {PERSONAS["ironic"].password}
        user_domain_id = default
        project_name = service
        project_domain_id = default
        service_token_roles_required = true
        """


def connect(keystone: "Keystone", persona: str, endpoint: str | None = None):
    """An openstacksdk connection logged in as ``persona``; it finds ironic-lite in the
    catalog unless ``endpoint`` names one."""
    import openstack

    extra = {"baremetal_endpoint_override": endpoint} if endpoint else {}
    return openstack.connect(
        auth_type="password",
        auth=PERSONAS[persona].auth(keystone.url),
        region_name=REGION,
        interface="public",
        identity_api_version="3",
        load_yaml_config=False,
        load_envvars=False,
        **extra,
    )


class TokenAuth(requests.auth.AuthBase):
    """``requests`` auth that sends a persona's Keystone token (fetched on first use)."""

    def __init__(self, keystone: "Keystone", persona: str = "system-admin"):
        self.keystone = keystone
        self.persona = persona
        self._token: str | None = None

    def __call__(self, request):
        if self._token is None:
            self._token = self.keystone.token(self.persona)
        request.headers["X-Auth-Token"] = self._token
        return request


class Keystone:
    """One Keystone server with its own state directory; ``stop()`` ends it by PID."""

    def __init__(
        self, state_dir: str | None = None, token_expiration: int = 3600, name: str = "keystone"
    ):
        self.port = free_port()
        self.state_dir = pathlib.Path(state_dir or tempfile.mkdtemp(prefix="keystone-test-"))
        self.url = f"http://127.0.0.1:{self.port}/v3"
        self.name = name
        self.conf = self.state_dir / f"{name}.conf"
        self.log = self.state_dir / f"{name}.log"
        self.token_expiration = token_expiration
        self.proc: subprocess.Popen | None = None
        self.project_ids: dict[str, str] = {}
        self.user_ids: dict[str, str] = {}
        self.timings: dict[str, float] = {}
        self._admin_token: str | None = None

    # --- life cycle ---------------------------------------------------------------------------
    def start(self, timeout: float = 120) -> "Keystone":
        """Copy the prepared database and keys (made once per cache), then serve them."""
        began = time.monotonic()
        bindir = ensure_installed()
        self.timings["install"] = time.monotonic() - began
        step = time.monotonic()
        template = prepared_state(bindir, timeout)
        self.timings["prepare"] = time.monotonic() - step
        step = time.monotonic()
        shutil.copytree(template, self.state_dir, dirs_exist_ok=True)
        ids = json.loads((self.state_dir / "ids.json").read_text())
        self.project_ids, self.user_ids = ids["projects"], ids["users"]
        self._write_conf()
        self._serve(bindir, timeout)
        try:
            # the catalog still names the port the template was made on
            for endpoint in self.api("GET", "/endpoints")["endpoints"]:
                if endpoint["url"].endswith("/v3") and endpoint["url"] != self.url:
                    self.api(
                        "PATCH", f"/endpoints/{endpoint['id']}", {"endpoint": {"url": self.url}}
                    )
        except Exception:
            self.stop()
            raise
        self.timings["serve"] = time.monotonic() - step
        self.timings["total"] = time.monotonic() - began
        return self

    def _prepare(self, bindir: pathlib.Path, timeout: float) -> None:
        """Create, bootstrap and populate a new database (what ``prepared_state`` caches)."""
        self._write_conf()
        self._manage(bindir, timeout)
        self._serve(bindir, timeout)
        try:
            self._populate()
        finally:
            self.stop()
        ids = {"projects": self.project_ids, "users": self.user_ids}
        (self.state_dir / "ids.json").write_text(json.dumps(ids))
        for path in (self.log, self.state_dir / f"{self.name}.out", self.conf):
            path.unlink(missing_ok=True)

    def _write_conf(self) -> None:
        for sub in ("fernet-keys", "credential-keys"):
            (self.state_dir / sub).mkdir(parents=True, exist_ok=True)
        self.conf.write_text(
            textwrap.dedent(f"""\
                [DEFAULT]
                log_file = {self.log}
                [database]
                connection = sqlite:///{self.state_dir}/keystone.sqlite
                [token]
                provider = fernet
                expiration = {self.token_expiration}
                [fernet_tokens]
                key_repository = {self.state_dir}/fernet-keys
                [credential]
                key_repository = {self.state_dir}/credential-keys
                [identity]
                # test passwords: cheap hashes keep user creation and password auth fast
                password_hash_rounds = 4
                """)
        )

    def _run(self, bindir: pathlib.Path, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [str(bindir / "keystone-manage"), "--config-file", str(self.conf), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def _manage(self, bindir: pathlib.Path, timeout: float) -> None:
        owner = ["--keystone-user", str(os.getuid()), "--keystone-group", str(os.getgid())]
        # the key repositories do not need the database: set them up while it migrates
        first = [
            self._run(bindir, "db_sync"),
            self._run(bindir, "fernet_setup", *owner),
            self._run(bindir, "credential_setup", *owner),
        ]
        self._wait_all(first, timeout)
        bootstrap = self._run(
            bindir,
            "bootstrap",
            "--bootstrap-password",
            ADMIN_PASSWORD,
            "--bootstrap-public-url",
            self.url,
            "--bootstrap-internal-url",
            self.url,
            "--bootstrap-region-id",
            REGION,
        )
        self._wait_all([bootstrap], timeout)

    @staticmethod
    def _wait_all(procs: list[subprocess.Popen], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for proc in procs:
            try:
                out, _ = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                for p in procs:
                    p.kill()
                    p.wait(5)
                raise RuntimeError(f"keystone-manage {proc.args[3:5]} timed out") from None
            if proc.returncode != 0:
                raise RuntimeError(f"keystone-manage {proc.args[3:5]} failed:\n{out[-5000:]}")

    def _serve(self, bindir: pathlib.Path, timeout: float) -> None:
        out = open(self.state_dir / f"{self.name}.out", "ab")  # noqa: SIM115 - the child keeps it
        self.proc = subprocess.Popen(
            [str(bindir / "python"), "-c", _SERVE],
            env={
                **os.environ,
                "OS_KEYSTONE_CONFIG_FILES": str(self.conf),
                "KEYSTONE_PORT": str(self.port),
            },
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Keystone exited early:\n{self.read_log()}")
            try:
                if requests.get(self.url, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"Keystone did not answer in {timeout} s:\n{self.read_log()}")

    def stop(self, timeout: float = 15) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def read_log(self) -> str:
        text = ""
        for path in (self.state_dir / f"{self.name}.out", self.log):
            if path.exists():
                text += path.read_text(errors="replace")[-10000:]
        return text

    # --- identity API -------------------------------------------------------------------------
    def token(self, persona: str | Persona) -> str:
        """A fresh token for a persona (a name from PERSONAS, or a Persona)."""
        who = PERSONAS[persona] if isinstance(persona, str) else persona
        identity = {
            "methods": ["password"],
            "password": {
                "user": {"name": who.user, "domain": {"id": "default"}, "password": who.password}
            },
        }
        scope = (
            {"project": {"name": who.project, "domain": {"id": "default"}}}
            if who.project
            else {"system": {"all": True}}
        )
        resp = requests.post(
            self.url + "/auth/tokens",
            json={"auth": {"identity": identity, "scope": scope}},
            timeout=30,
        )
        resp.raise_for_status()
        return resp.headers["X-Subject-Token"]

    def api(self, method: str, path: str, body: dict | None = None) -> dict:
        """Call Keystone's API as the system administrator."""
        if self._admin_token is None:
            self._admin_token = self.token("system-admin")
        resp = requests.request(
            method,
            self.url + path,
            json=body,
            headers={"X-Auth-Token": self._admin_token},
            timeout=30,
        )
        if resp.status_code >= 400:
            raise RuntimeError(f"Keystone {method} {path}: {resp.status_code} {resp.text}")
        return resp.json() if resp.content else {}

    def short_lived_token(self, persona: str, seconds: int) -> str:
        """A token of ``persona`` that expires in ``seconds``.

        A second server on the same database and keys, whose ``[token] expiration`` is that
        short, issues it; this one validates it like any other of its tokens.
        """
        sibling = Keystone(str(self.state_dir), token_expiration=seconds, name="short-lived")
        sibling._write_conf()
        sibling._serve(ensure_installed(), timeout=120)
        try:
            return sibling.token(persona)
        finally:
            sibling.stop()

    def revoke(self, token: str) -> None:
        requests.delete(
            self.url + "/auth/tokens",
            headers={"X-Auth-Token": self.token("system-admin"), "X-Subject-Token": token},
            timeout=30,
        ).raise_for_status()

    def register_endpoint(self, service_type: str, url: str) -> None:
        """Put ``url`` in the catalog as the public endpoint of ``service_type``."""
        services = self.api("GET", f"/services?type={service_type}")["services"]
        if services:
            service_id = services[0]["id"]
            for old in self.api("GET", f"/endpoints?service_id={service_id}")["endpoints"]:
                self.api("DELETE", f"/endpoints/{old['id']}")
        else:
            service_id = self.api(
                "POST", "/services", {"service": {"type": service_type, "name": service_type}}
            )["service"]["id"]
        endpoint = {
            "service_id": service_id,
            "interface": "public",
            "url": url,
            "region_id": REGION,
        }
        self.api("POST", "/endpoints", {"endpoint": endpoint})

    def _populate(self) -> None:
        roles = {r["name"]: r["id"] for r in self.api("GET", "/roles")["roles"]}
        for name in ("admin", "manager", "member", "reader", "service"):
            if name not in roles:
                roles[name] = self.api("POST", "/roles", {"role": {"name": name}})["role"]["id"]
        for project in ("owner", "lessee", "third", "service"):
            self.project_ids[project] = self.api(
                "POST", "/projects", {"project": {"name": project, "domain_id": "default"}}
            )["project"]["id"]
        for name, who in PERSONAS.items():
            if who.user == "admin":
                continue
            user = {"name": who.user, "password": who.password, "domain_id": "default"}
            user_id = self.api("POST", "/users", {"user": user})["user"]["id"]
            self.user_ids[name] = user_id
            role = "service" if who.project == "service" else name.rsplit("-", 1)[1]
            where = f"/projects/{self.project_ids[who.project]}" if who.project else "/system"
            self.api("PUT", f"{where}/users/{user_id}/roles/{roles[role]}")


def main() -> None:
    keystone = Keystone().start()
    print(f"Keystone {keystone.url} (state {keystone.state_dir}); timings {keystone.timings}")
    print("users:", ", ".join(f"{p.user}/{p.password}" for p in PERSONAS.values()))
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        keystone.stop()


if __name__ == "__main__":
    main()
