"""Bifrost's way of driving Ironic, against ironic-lite: Ansible's openstack.cloud modules.

    python -m tests.lab.bifrost install-collection      # once, into this venv
    python -m tests.lab.bifrost run --auth http_basic   # prints one JSON document

``run`` starts the lab with ironic-lite (``LabStack``: one Redfish machine, booted from
virtual media, its agent run by the machine simulator) with ``auth_strategy`` http_basic or
noauth, writes clouds.yaml as Bifrost does (``auth: {username, password, endpoint}`` for
http_basic, ``auth: {endpoint}`` for noauth; no baremetal_endpoint_override), publishes a
config drive as Bifrost's configdrive role does (a config-2 ISO, ``gzip -c | base64``, line
breaks included), and runs tests/playbooks/bifrost-lifecycle.yml: enrol with nics,
driver_info and properties, wait for cleaning, deploy the lab's qcow2 image by URL with a
sha256 ``image_checksum`` and no disk format, then (second run) undeploy and delete. Between
the two runs it reads the machine's disk: the image's bytes and the config drive's files.

The openstack.cloud collection comes from the ``ansible`` package on PyPI, which bundles it
with ~470 MB of other collections; ``install-collection`` downloads that wheel and unpacks
only ``ansible_collections/openstack/cloud`` (ansible-core itself is in the test extra).
That collection (2.5.0) reads ``openstack.version``, which openstacksdk no longer imports
since 4.15, so every module fails with the SDK of the test extra; the modules therefore run
with openstacksdk 4.14.0 (installed without dependencies beside the collection and put first
on PYTHONPATH), the newest release the collection works with.
"""

import argparse
import base64
import dataclasses
import gzip
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile

import bcrypt

ANSIBLE_WHEEL = "ansible==12.3.0"  # bundles openstack.cloud 2.5.0
MODULES_SDK = "openstacksdk==4.14.0"  # the newest openstack.cloud 2.5.0 works with
COLLECTIONS = os.path.join(sys.prefix, "share", "ansible-collections")
SDK_DIR = os.path.join(sys.prefix, "share", "ansible-openstacksdk")
PLAYBOOK = os.path.join(os.path.dirname(__file__), "..", "playbooks", "bifrost-lifecycle.yml")
USER, PASSWORD = "bifrost-admin", "bifrost-secret"
_RECAP = re.compile(r"^localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")


def collection_installed() -> bool:
    return os.path.isfile(
        os.path.join(COLLECTIONS, "ansible_collections", "openstack", "cloud", "MANIFEST.json")
    ) and os.path.isfile(os.path.join(SDK_DIR, "openstack", "version.py"))


def install_collection() -> None:
    """Unpack openstack.cloud from the ``ansible`` wheel into COLLECTIONS and the modules'
    openstacksdk into SDK_DIR (idempotent)."""
    if collection_installed():
        return
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run(
        [*pip, "install", "--no-deps", "--upgrade", "--target", SDK_DIR, MODULES_SDK],
        check=True,
        timeout=600,
    )
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [*pip, "download", "--no-deps", "-d", tmp, ANSIBLE_WHEEL],
            check=True,
            timeout=600,
        )
        (wheel,) = [f for f in os.listdir(tmp) if f.endswith(".whl")]
        prefix = "ansible_collections/openstack/cloud/"
        with zipfile.ZipFile(os.path.join(tmp, wheel)) as archive:
            members = [m for m in archive.namelist() if m.startswith(prefix)]
            archive.extractall(COLLECTIONS, members)


def tools_missing() -> str | None:
    """Why the playbook cannot run here, or None."""
    if shutil.which("ansible-playbook", path=os.path.dirname(sys.executable)) is None:
        return "ansible-playbook is not installed (ansible-core, in the test extra)"
    if not collection_installed():
        return (
            "the openstack.cloud collection is missing: "
            "python -m tests.lab.bifrost install-collection"
        )
    if shutil.which("qemu-img") is None:
        return "qemu-img is not installed"
    return None


@dataclasses.dataclass
class Recap:
    """One ansible-playbook run: tasks that passed (ok, changed included) and failed."""

    ok: int
    changed: int
    failed: int
    seconds: float
    output: str

    @property
    def failures(self) -> list[str]:
        return [line for line in self.output.splitlines() if line.startswith(("fatal:", "failed:"))]


def clouds_yaml(auth: str, endpoint: str) -> dict:
    """clouds.yaml as Bifrost's bifrost-keystone-client-config role writes it."""
    if auth == "http_basic":
        cloud = {
            "auth_type": "http_basic",
            "auth": {"username": USER, "password": PASSWORD, "endpoint": endpoint},
        }
    else:
        cloud = {"auth_type": "none", "auth": {"endpoint": endpoint}}
    return {"clouds": {"bifrost": cloud}}


def mkisofs(files: dict[str, bytes], label: str = "config-2") -> bytes:
    """An ISO as ``mkisofs -R -V config-2`` makes it (Rock Ridge names, no Joliet tree), as
    Bifrost's configdrive role builds one; ``files`` maps relative paths to contents."""
    import pycdlib

    def iso_name(part: str) -> str:
        return "".join(c if c.isalnum() else "_" for c in part.upper())

    iso = pycdlib.PyCdlib()
    iso.new(interchange_level=3, rock_ridge="1.09", vol_ident=label)
    made: set[str] = set()
    for path, data in sorted(files.items()):
        parts = path.strip("/").split("/")
        for depth in range(1, len(parts)):
            key = "/".join(parts[:depth])
            if key not in made:
                iso_dir = "".join("/" + iso_name(p) for p in parts[:depth])
                iso.add_directory(iso_dir, rr_name=parts[depth - 1])
                made.add(key)
        stem, _, ext = parts[-1].rpartition(".") if "." in parts[-1] else (parts[-1], "", "")
        target = (
            "".join("/" + iso_name(p) for p in parts[:-1]) + f"/{iso_name(stem)}.{iso_name(ext)};1"
        )
        iso.add_fp(io.BytesIO(data), len(data), target, rr_name=parts[-1])
    out = io.BytesIO()
    iso.write_fp(out)
    iso.close()
    return out.getvalue()


def publish_config_drive(http_root: str, http_url: str, name: str) -> tuple[str, dict]:
    """A config drive as Bifrost's configdrive role publishes it: ``gzip -c drive.iso |
    base64`` (76-character lines) under the file server's root; (URL, its files)."""
    files = {
        "openstack/latest/meta_data.json": json.dumps(
            {"uuid": name, "hostname": f"{name}.lab", "public_keys": {"0": "ssh-ed25519 AAAA lab"}}
        ).encode(),
        "openstack/latest/network_data.json": json.dumps({"links": [], "networks": []}).encode(),
        "openstack/latest/user_data": b"#cloud-config\nhostname: lab\n",
    }
    text = base64.b64encode(gzip.compress(mkisofs(files))).decode()
    filename = f"configdrive-{name}.iso.gz"
    with open(os.path.join(http_root, filename), "w") as f:
        f.write("\n".join(textwrap.wrap(text, 76)) + "\n")
    return f"{http_url}/{filename}", files


def play(tags: str, workdir: str, extra_vars: dict, timeout: float = 600) -> Recap:
    with open(os.path.join(workdir, "vars.json"), "w") as f:
        json.dump(extra_vars, f)
    bindir = os.path.dirname(sys.executable)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("OS_", "ANSIBLE_"))},
        "OS_CLIENT_CONFIG_FILE": os.path.join(workdir, "clouds.yaml"),
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
        "PYTHONPATH": SDK_DIR,
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "ANSIBLE_LOCAL_TEMP": os.path.join(workdir, "ansible-tmp"),
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "PATH": f"{bindir}:{os.environ.get('PATH', '')}",
    }
    started = time.monotonic()
    proc = subprocess.run(
        [
            os.path.join(bindir, "ansible-playbook"),
            "-i",
            "localhost,",
            "--tags",
            tags,
            "-e",
            f"@{os.path.join(workdir, 'vars.json')}",
            PLAYBOOK,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=workdir,
    )
    output = proc.stdout + proc.stderr
    with open(os.path.join(workdir, f"ansible-{tags}.log"), "w") as f:
        f.write(output)
    match = next((m for m in map(_RECAP.match, output.splitlines()) if m), None)
    ok, changed, _unreachable, failed = (int(g) for g in match.groups()) if match else (0, 0, 0, 1)
    return Recap(ok, changed, failed, time.monotonic() - started, output)


def run(auth: str, workdir: str, node_uuid: str | None = None) -> dict:
    """The lab, the playbook's two runs and what the disk holds in between (module doc)."""
    from ironic_lite.lab.processes import free_port
    from ironic_lite.lab.stack import LabStack

    os.makedirs(workdir, exist_ok=True)
    # Bifrost's defaults: automated cleaning erases metadata only (cleaning_disk_erase:
    # false), and fast track keeps the agent of cleaning up for the deploy.
    service_conf = (
        "[conductor]\nsync_power_state_interval = 600\n"
        "clean_step_priority_override = deploy.erase_devices:0\n"
        "[deploy]\nfast_track = true\n"
    )
    if auth == "http_basic":
        htpasswd = os.path.join(workdir, "htpasswd")
        digest = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
        with open(htpasswd, "w") as f:
            f.write(f"{USER}:{digest}\n")
        service_conf += (
            f"[DEFAULT]\nauth_strategy = http_basic\nhttp_basic_auth_user_file = {htpasswd}\n"
        )
    stack = LabStack(
        os.path.join(workdir, "lab"),
        nodes=1,
        redfish=1,
        api_url=f"http://127.0.0.1:{free_port()}",
        with_service=True,
        disk_size="128M",  # the image, and the 64 MiB config drive partition at the end
        heartbeat_interval=1,
        service_conf=service_conf,
    )
    result: dict = {"auth": auth}
    stack.up(enroll=False)
    try:
        with open(os.path.join(workdir, "clouds.yaml"), "w") as f:
            json.dump(clouds_yaml(auth, stack.api_url), f)  # JSON is YAML
        http = stack.state["processes"]["http"]
        (machine,) = stack.machines()
        redfish, files = stack.state["redfish"], stack.state["files"]
        system = redfish["systems"][0]
        drive_url, drive_files = publish_config_drive(http["root"], http["url"], machine["name"])
        image = stack.state["image"]
        extra_vars = {
            "name": machine["name"],
            "driver": "redfish",
            "boot_interface": "redfish-virtual-media",
            "driver_info": {
                "redfish_address": redfish["url"],
                "redfish_system_id": system["path"],
                "redfish_username": redfish["username"],
                "redfish_password": redfish["password"],
                "deploy_iso": files["iso"],
            },
            "nics": [{"mac": mac} for mac in machine["macs"]],
            "properties": {"cpu_arch": "x86_64", "ram": 2048, "disk_size": 1, "cpus": 2},
            "deploy_image_source": image["url"],
            "deploy_image_checksum": image["sha256"],
            "deploy_config_drive": drive_url,
            "wait_timeout": 300,
        }
        if node_uuid:  # else `uuid: ""`, as Bifrost sends for an inventory without UUIDs
            extra_vars["uuid"] = node_uuid
        deploy = play("deploy", workdir, extra_vars)
        result["deploy"] = dataclasses.asdict(deploy) | {"failures": deploy.failures}
        result["disk"] = read_disk(stack.path("machines", machine["name"], "disks", "sda.img"))
        result["disk"]["expected_head_sha256"] = image["raw_sha256"]
        result["disk"]["expected_config_drive"] = sorted("/" + p for p in drive_files)
        undeploy = play("undeploy", workdir, extra_vars)
        result["undeploy"] = dataclasses.asdict(undeploy) | {"failures": undeploy.failures}
    finally:
        stack.down(remove=False)
    for phase in ("deploy", "undeploy"):
        if phase in result:
            result[phase].pop("output")
    result["tasks_ok"] = sum(result[p]["ok"] for p in ("deploy", "undeploy") if p in result)
    result["tasks_failed"] = sum(result[p]["failed"] for p in ("deploy", "undeploy") if p in result)
    return result


def read_disk(path: str) -> dict:
    """What a deploy left on a simulated disk: the digest of the image's raw size at its
    start, and the files of the config-2 ISO in its config drive partition (if any)."""
    import hashlib

    import pycdlib

    found: dict = {"head_sha256": None, "config_drive": None}
    if not os.path.exists(path):
        return found
    with open(path, "rb") as f:
        found["head_sha256"] = hashlib.sha256(f.read(4 << 20)).hexdigest()
    try:
        with open(path + ".json") as f:
            part = json.load(f).get("configdrive_partition")
    except (OSError, ValueError):
        part = None
    if part and part["start"] >= 0:
        with open(path, "rb") as f:
            f.seek(part["start"])
            data = f.read(part["size"])
        iso = pycdlib.PyCdlib()
        try:
            iso.open_fp(io.BytesIO(data))
            found["config_drive_label"] = iso.pvd.volume_identifier.decode().strip()
            found["config_drive"] = sorted(
                f"{root.rstrip('/')}/{name}"
                for root, _dirs, names in iso.walk(rr_path="/")
                for name in names
            )
            iso.close()
        except pycdlib.pycdlibexception.PyCdlibException as exc:
            found["config_drive_error"] = str(exc)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.lab.bifrost", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("install-collection", help="unpack openstack.cloud into this venv")
    runner = sub.add_parser("run", help="run the playbook against a lab; print JSON")
    runner.add_argument("--auth", choices=["http_basic", "noauth"], default="http_basic")
    runner.add_argument("--workdir", default=None)
    runner.add_argument("--uuid", default=None, help="the node's UUID in the inventory")
    args = parser.parse_args(argv)
    if args.command == "install-collection":
        install_collection()
        return 0
    missing = tools_missing()
    if missing:
        print(missing, file=sys.stderr)
        return 2
    workdir = args.workdir or tempfile.mkdtemp(prefix=f"bifrost-{args.auth}-")
    print(json.dumps(run(args.auth, workdir, args.uuid), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
