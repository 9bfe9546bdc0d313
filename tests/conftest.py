"""Fixtures shared by every test suite."""

import os
import subprocess
import sys

import pytest

from tests.lab.server import Service


@pytest.fixture(scope="session")
def service():
    """The all-in-one service on SQLite, started once per test process."""
    svc = Service().start()
    yield svc
    svc.stop()


@pytest.fixture(scope="session")
def sdk(service):
    """An openstacksdk connection to the service, as Nova's driver builds one (noauth)."""
    import openstack

    conn = openstack.connect(
        auth_type="none",
        auth={"endpoint": service.url},
        baremetal_endpoint_override=service.url,
        has_compute=False,
        has_image=False,
        load_yaml_config=False,
        load_envvars=False,
    )
    yield conn
    conn.close()


class CLI:
    """Runs ``openstack baremetal ...`` against the service, as an operator would."""

    def __init__(self, url: str):
        self.env = {
            **os.environ,
            "OS_AUTH_TYPE": "none",
            "OS_ENDPOINT": url,
            "OS_BAREMETAL_API_VERSION": "latest",
        }
        for key in list(self.env):
            if key.startswith("OS_") and key not in (
                "OS_AUTH_TYPE",
                "OS_ENDPOINT",
                "OS_BAREMETAL_API_VERSION",
            ):
                del self.env[key]
        self.exe = os.path.join(os.path.dirname(sys.executable), "openstack")

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [self.exe, "baremetal", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"openstack baremetal {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}"
            )
        return proc

    def json(self, *args: str):
        import json

        return json.loads(self.run(*args, "-f", "json").stdout)


@pytest.fixture(scope="session")
def cli(service):
    return CLI(service.url)


@pytest.fixture(scope="session")
def keystone():
    """A real Keystone on loopback (tests/lab/keystone.py), started once per test process.

    Its first use on a machine installs Keystone into a virtualenv of its own under the user's
    cache directory. Outside CI a Keystone that cannot be installed or started skips the
    tests that need it; in CI (``CI`` set) it fails them. Mark modules that use it with
    ``pytest.mark.xdist_group("keystone")`` so one worker runs them all against one Keystone.
    """
    from tests.lab.keystone import Keystone
    from tests.lab.services import in_ci

    ks = Keystone()
    try:
        ks.start()
    except Exception as exc:  # install or start failed: say why, with Keystone's log
        message = f"Keystone could not start: {exc}\n{ks.read_log()[-3000:]}"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    print(f"Keystone started in {ks.timings['total']:.1f} s: {ks.timings}")
    yield ks
    ks.stop()
