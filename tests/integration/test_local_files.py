"""Local files through every entry point, end to end: openstacksdk -> the real service ->
sushy-tools' emulator (Redfish BMCs that download what they are given).

The allowed path, ``[conductor] file_url_allowed_paths``, is the test's whole scratch tree,
which also holds the service's state directory (its SQLite database), its configuration and
an htpasswd file: only the hard block keeps those out. The TFTP and HTTP roots are there too,
and an HTTP server on loopback serves the HTTP root to the emulator (``[deploy] http_url``).
Each entry point is tried with files outside the rule (at validate, and at boot time, where
the node must end in a fail state naming the file and the option) and with an allowed file,
which must still work; the files a node got in the roots must be gone after tear-down or a
failed preparation.
"""

import os
import time
import uuid

import pytest

from tests.lab.image_server import ImageServer
from tests.lab.redfish import RedfishLab, started
from tests.lab.server import Service

pytestmark = pytest.mark.xdist_group("redfish")

OPTION = "[conductor] file_url_allowed_paths"
SYSTEMS = 16
PARK = [{"interface": "deploy", "step": "wait", "priority": 200}]


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    base = tmp_path_factory.mktemp("local-files")
    images = base / "images"
    images.mkdir()
    (images / "ipa.kernel").write_bytes(b"deploy kernel")
    (images / "ipa.initramfs").write_bytes(b"deploy initramfs")
    (images / "boot.iso").write_bytes(os.urandom(32 * 1024))
    (images / "bios-2.21.0.bin").write_bytes(os.urandom(4096))
    (images / "configdrive.iso").write_bytes(b"config-2 image")
    (base / "htpasswd").write_text(
        "admin:$2y$05$notarealhashnotarealhashnotarealhashnotarealhash12\n"
    )
    for name in ("http", "tftp", "state"):
        (base / name).mkdir()
    return base


@pytest.fixture(scope="module")
def http_root(tree):
    """Serves [deploy] http_root, as the web server next to a conductor would."""
    server = ImageServer(directory=str(tree / "http"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def remote():
    """An image server elsewhere, whose kernel the tests change (ETag, Last-Modified)."""
    server = ImageServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def lab():
    running = started(RedfishLab(systems=SYSTEMS))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def svc(tree, http_root, lab):
    images = tree / "images"
    service = Service(
        state_dir=str(tree / "state"),
        extra_conf=f"""
        [DEFAULT]
        http_basic_auth_user_file = {tree}/htpasswd
        [conductor]
        file_url_allowed_paths = {tree}
        automated_clean = false
        check_provision_state_interval = 1
        deploy_kernel = /etc/passwd
        deploy_ramdisk = {images}/ipa.initramfs
        deploy_kernel_by_arch = aarch64:file:///proc/self/environ
        deploy_ramdisk_by_arch = aarch64:{images}/ipa.initramfs
        [pxe]
        tftp_root = {tree}/tftp
        [deploy]
        http_root = {tree}/http
        http_url = {http_root.url}
        [redfish]
        connection_attempts = 2
        connection_retry_interval = 0.2
        poll_interval = 0.2
        power_state_change_timeout = 20
        firmware_update_timeout = 20
        """,
    )
    service.start()
    yield service
    service.stop()


@pytest.fixture(scope="module")
def sdk(svc):
    import openstack

    conn = openstack.connect(
        auth_type="none",
        auth={"endpoint": svc.url},
        baremetal_endpoint_override=svc.url,
        has_compute=False,
        has_image=False,
        load_yaml_config=False,
        load_envvars=False,
    )
    yield conn
    conn.close()


_systems = iter(range(SYSTEMS))


def _node(sdk, lab, boot="pxe", port=True, properties=None, own_bmc=True, **driver_info):
    """A redfish node with the fake deploy; ``own_bmc`` False for nodes that are only
    validated (they share the first system)."""
    index = next(_systems) if own_bmc else 0
    node = sdk.baremetal.create_node(
        driver="redfish",
        name=f"lf-{uuid.uuid4().hex[:8]}",
        boot_interface=boot,
        deploy_interface="fake",
        properties=properties or {"cpu_arch": "x86_64"},
        driver_info=lab.driver_info(index, **driver_info),
    )
    if port:
        mac = "52:54:01:" + ":".join(f"{b:02x}" for b in os.urandom(3))
        sdk.baremetal.create_port(node_id=node.id, address=mac)
    return node, index


def _boot_verdict(sdk, node):
    result = sdk.baremetal.validate_node(node, required=())
    return result["boot"].result, result["boot"].reason or ""


def _until(check, timeout=60.0, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _settle(sdk, node, *wanted, timeout=60.0):
    return _until(
        lambda: (n := sdk.baremetal.get_node(node.id)).provision_state in wanted and n,
        timeout=timeout,
        what=f"{node.id} to reach {' or '.join(wanted)}",
    )


def _available(sdk, node):
    sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=60)
    sdk.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=60)


def _files(root) -> set[str]:
    found = set()
    for directory, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != "master_images"]
        for name in names + [d for d in dirs if os.path.islink(os.path.join(directory, d))]:
            found.add(os.path.relpath(os.path.join(directory, name), root))
    return found


# --- validate ---------------------------------------------------------------------------------
def test_validate_refuses_every_file_outside_the_rule(sdk, lab, svc, tree):
    images = tree / "images"
    (images / "innocent.kernel").symlink_to(tree / "state" / "ironic-lite.sqlite")
    database = tree / "state" / "ironic-lite.sqlite"
    config = tree / "state" / "ironic-lite.conf"
    assert database.exists() and config.exists()
    ramdisk = f"{images}/ipa.initramfs"
    cases = [
        ({"deploy_kernel": "/etc/passwd"}, ["/etc/passwd", "driver_info/deploy_kernel"]),
        ({"deploy_kernel": "file:///proc/self/environ"}, ["/proc/self/environ", "never read"]),
        ({"deploy_kernel": f"file://{database}"}, [str(database), "never read"]),
        ({"deploy_kernel": str(images / "innocent.kernel")}, [f"resolves to {database}"]),
        ({"deploy_kernel": f"{images}/../state/ironic-lite.sqlite"}, ["never read"]),
        ({"deploy_kernel": str(config)}, [str(config), "never read"]),
        ({"deploy_kernel": f"{tree}/htpasswd"}, ["htpasswd", "never read"]),
        (
            {"deploy_kernel": f"{images}/ipa.kernel", "rescue_kernel": "/etc/shadow"},
            ["/etc/shadow", "driver_info/rescue_kernel"],
        ),
    ]
    for info, words in cases:
        node, _ = _node(sdk, lab, own_bmc=False, deploy_ramdisk=ramdisk, **info)
        ok, reason = _boot_verdict(sdk, node)
        assert ok is False and OPTION in reason, (info, reason)
        assert all(w in reason for w in words), (info, reason)

    # The [conductor] fallbacks, per architecture too.
    node, _ = _node(sdk, lab, own_bmc=False)
    ok, reason = _boot_verdict(sdk, node)
    assert not ok and "[conductor] deploy_kernel" in reason and "/etc/passwd" in reason
    node, _ = _node(sdk, lab, own_bmc=False, properties={"cpu_arch": "aarch64"})
    ok, reason = _boot_verdict(sdk, node)
    assert not ok and "deploy_kernel_by_arch (aarch64)" in reason, reason
    assert "/proc/self/environ" in reason

    # Virtual media ISOs.
    node, _ = _node(sdk, lab, own_bmc=False, boot="redfish-virtual-media", deploy_iso="/etc/passwd")
    ok, reason = _boot_verdict(sdk, node)
    assert not ok and "driver_info/deploy_iso" in reason and OPTION in reason

    # Allowed files still validate.
    node, _ = _node(
        sdk, lab, own_bmc=False, deploy_kernel=f"file://{images}/ipa.kernel", deploy_ramdisk=ramdisk
    )
    assert _boot_verdict(sdk, node) == (True, "")
    node, _ = _node(
        sdk, lab, own_bmc=False, boot="redfish-virtual-media", deploy_iso=f"{images}/boot.iso"
    )
    assert _boot_verdict(sdk, node) == (True, "")


def test_validate_refuses_a_config_drive_outside_the_rule(sdk, lab, tree, remote):
    node, _ = _node(
        sdk, lab, own_bmc=False, boot="redfish-virtual-media", deploy_iso=remote.put("d.iso", b"i")
    )
    sdk.baremetal.patch_node(
        node, [{"op": "replace", "path": "/deploy_interface", "value": "direct"}]
    )
    instance = {
        "image_source": remote.put("disk.img", b"disk"),
        "image_checksum": "0" * 32,
    }
    for drive, ok in (
        ("file:///etc/passwd", False),
        (f"file://{tree}/images/configdrive.iso", True),
    ):
        sdk.baremetal.patch_node(
            node,
            [{"op": "add", "path": "/instance_info", "value": {**instance, "configdrive": drive}}],
        )
        verdict = sdk.baremetal.validate_node(node, required=())["deploy"]
        assert verdict.result is ok, verdict.reason
        if not ok:
            assert "/etc/passwd" in verdict.reason and "instance_info/configdrive" in verdict.reason
            assert OPTION in verdict.reason


# --- boot time ------------------------------------------------------------------------------
def test_a_file_swapped_after_validation_fails_the_deploy_and_leaves_nothing(sdk, lab, tree):
    images = tree / "images"
    link = images / "swapped.initramfs"
    link.symlink_to(images / "ipa.initramfs")
    node, index = _node(sdk, lab, deploy_kernel=f"{images}/ipa.kernel", deploy_ramdisk=str(link))
    assert _boot_verdict(sdk, node) == (True, "")
    _available(sdk, node)
    link.unlink()
    link.symlink_to(tree / "state" / "ironic-lite.sqlite")
    sdk.baremetal.set_node_provision_state(node, "active")
    node = _settle(sdk, node, "deploy failed")
    assert str(link) in node.last_error and OPTION in node.last_error, node.last_error
    assert "driver_info/deploy_ramdisk" in node.last_error
    # The kernel had been fetched before the ramdisk was refused: it went again.
    assert not (tree / "tftp" / node.id).exists()
    assert not {f for f in _files(tree / "tftp") if node.id in f or "pxelinux.cfg" in f}


def test_a_refused_fallback_fails_the_deploy(sdk, lab, tree):
    node, _ = _node(sdk, lab)  # [conductor] deploy_kernel = /etc/passwd
    _available(sdk, node)
    sdk.baremetal.set_node_provision_state(node, "active")
    node = _settle(sdk, node, "deploy failed")
    assert "/etc/passwd" in node.last_error and "[conductor] deploy_kernel" in node.last_error
    assert OPTION in node.last_error and not (tree / "tftp" / node.id).exists()


def test_an_allowed_kernel_boots_and_tear_down_removes_its_files(sdk, lab, tree):
    images = tree / "images"
    node, _ = _node(
        sdk,
        lab,
        deploy_kernel=f"file://{images}/ipa.kernel",
        deploy_ramdisk=f"{images}/ipa.initramfs",
    )
    _available(sdk, node)
    sdk.baremetal.set_node_provision_state(node, "active", deploy_steps=PARK)
    _settle(sdk, node, "wait call-back")
    assert (tree / "tftp" / node.id / "deploy_kernel").read_bytes() == b"deploy kernel"
    assert (tree / "tftp" / node.id / "deploy_ramdisk").read_bytes() == b"deploy initramfs"
    assert oct(os.stat(tree / "tftp" / node.id / "deploy_kernel").st_mode & 0o777) == "0o644"
    sdk.baremetal.set_node_provision_state(node, "deleted")
    _settle(sdk, node, "available")
    assert not (tree / "tftp" / node.id).exists()


def test_a_changed_kernel_url_is_fetched_again(sdk, lab, tree, remote):
    url = remote.put("changing.kernel", b"kernel one", age=60)
    node, _ = _node(sdk, lab, deploy_kernel=url, deploy_ramdisk=f"{tree}/images/ipa.initramfs")
    _available(sdk, node)
    kernel = tree / "tftp" / node.id / "deploy_kernel"
    for content in (b"kernel one", b"kernel one", b"kernel two"):
        if content == b"kernel two":
            remote.put("changing.kernel", content)
        sdk.baremetal.set_node_provision_state(node, "active", deploy_steps=PARK)
        _settle(sdk, node, "wait call-back")
        assert kernel.read_bytes() == content
        sdk.baremetal.set_node_provision_state(node, "deleted")
        _settle(sdk, node, "available")
    assert remote.statuses("changing.kernel") == [200, 304, 200]


# --- virtual media -----------------------------------------------------------------------------
def _vmedia(sdk, node) -> list[dict]:
    resp = sdk.baremetal.get(f"/nodes/{node.id}/vmedia", microversion="1.93")
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_a_local_deploy_iso_is_served_to_the_bmc_and_removed(sdk, lab, tree, http_root):
    node, _ = _node(
        sdk, lab, boot="redfish-virtual-media", port=False, deploy_iso=f"{tree}/images/boot.iso"
    )
    _available(sdk, node)
    sdk.baremetal.set_node_provision_state(node, "active", deploy_steps=PARK)
    _settle(sdk, node, "wait call-back")
    published = tree / "http" / node.id / "deploy.iso"
    assert published.read_bytes() == (tree / "images" / "boot.iso").read_bytes()
    cd = next(m for m in _vmedia(sdk, node) if m["inserted"])
    assert cd["image"] == f"{http_root.url}/{node.id}/deploy.iso"
    assert 200 in http_root.statuses(f"{node.id}/deploy.iso"), "the BMC downloaded it"
    sdk.baremetal.set_node_provision_state(node, "deleted")
    _settle(sdk, node, "available")
    assert not (tree / "http" / node.id).exists()
    assert not any(m["inserted"] for m in _vmedia(sdk, node))


def test_a_refused_deploy_iso_fails_the_deploy(sdk, lab, tree):
    link = tree / "images" / "swapped.iso"
    link.symlink_to(tree / "images" / "boot.iso")
    node, _ = _node(sdk, lab, boot="redfish-virtual-media", port=False, deploy_iso=str(link))
    _available(sdk, node)
    link.unlink()
    link.symlink_to("/proc/self/environ")
    sdk.baremetal.set_node_provision_state(node, "active")
    node = _settle(sdk, node, "deploy failed")
    # /proc/self is itself a link: the real path names the conductor's process.
    assert str(link) in node.last_error and "resolves to /proc/" in node.last_error
    assert OPTION in node.last_error and not (tree / "http" / node.id).exists()


def test_a_failed_virtual_media_preparation_removes_the_published_iso(lab, tree, http_root):
    """The boot interface alone: the BMC refuses the insertion (no such system), and the
    copy of the ISO already published for the node goes again."""
    from ironic_lite.common import exceptions
    from ironic_lite.conf import CONF
    from ironic_lite.drivers.redfish.boot import RedfishVirtualMediaBoot
    from tests.lab.harness import node_task

    overrides = [
        ("file_url_allowed_paths", [str(tree / "images")], "conductor"),
        ("http_root", str(tree / "http"), "deploy"),
        ("http_url", http_root.url, "deploy"),
    ]
    info = lab.driver_info(0, deploy_iso=f"{tree}/images/boot.iso")
    info["redfish_system_id"] = "/redfish/v1/Systems/no-such-system"
    with node_task(driver="redfish", driver_info=info) as task:
        for name, value, group in overrides:
            CONF.set_override(name, value, group)
        try:
            with pytest.raises(exceptions.BMCError):
                RedfishVirtualMediaBoot().prepare_ramdisk(task, {})
            assert not (tree / "http" / task.node["uuid"]).exists()
        finally:
            for name, _value, group in overrides:
                CONF.clear_override(name, group)


# --- firmware ------------------------------------------------------------------------------------
def _update_firmware(sdk, node, url):
    sdk.baremetal.set_node_provision_state(
        node,
        "clean",
        clean_steps=[
            {
                "interface": "firmware",
                "step": "update",
                "args": {"settings": [{"component": "bios", "url": url}]},
            }
        ],
    )
    return _settle(sdk, node, "manageable", "clean failed")


def test_a_local_firmware_image_is_served_to_the_bmc_and_a_refused_one_fails(
    sdk, lab, tree, http_root
):
    node, index = _node(sdk, lab, boot="fake", port=False)
    sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=60)
    node = _update_firmware(sdk, node, "file:///etc/passwd")
    assert node.provision_state == "clean failed"
    assert "/etc/passwd" in node.last_error and OPTION in node.last_error
    assert lab.system(index)["BiosVersion"] == "2.19.1", "nothing was flashed"

    sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=60)
    node = _update_firmware(sdk, node, f"file://{tree}/images/bios-2.21.0.bin")
    assert node.provision_state == "manageable", node.last_error
    assert lab.system(index)["BiosVersion"] == "2.21.0"
    assert 200 in http_root.statuses(f"{node.id}/firmware/bios/bios-2.21.0.bin")
    assert not (tree / "http" / node.id).exists() or not _files(tree / "http" / node.id)
