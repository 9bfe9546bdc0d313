"""The ISOs redfish-virtual-media builds from a kernel and a ramdisk, booted for real.

A Redfish node without ``deploy_iso`` gets an ISO the conductor builds from its deploy kernel
and ramdisk; the emulator's BMC downloads it from ``[deploy] http_url`` (an HTTP server on
loopback exporting ``[deploy] http_root``). The test boots that very ISO in QEMU (TCG, no
network, no disk) with SeaBIOS and with OVMF: the kernel is Debian's (from a linux-image
package in apt's cache, never the host's /boot) and the initramfs a static busybox whose /init
prints the kernel command line on the serial console and powers off, so the test sees the
node's parameters arrive. The ``ramdisk`` deploy boots its instance the same way.
"""

import os
import shutil
import time

import openstack
import pytest

from tests.lab import qemu_boot
from tests.lab.image_server import ImageServer
from tests.lab.redfish import RedfishLab, started
from tests.lab.server import Service

pytestmark = pytest.mark.xdist_group("qemu")

API_URL = "http://192.0.2.20:6385"
PARK = [{"interface": "deploy", "step": "wait", "priority": 200}]
APPEND = "console=ttyS0 nofb vmboot-marker=1"
# Boot times of the last run, reported by the session summary (pytest -s shows them).
TIMES: dict[str, float] = {}


def _missing_tools() -> str | None:
    from ironic_lite.drivers.boot import iso

    missing = iso.missing_grub_tools()
    if missing or not os.path.exists("/usr/lib/ISOLINUX/isolinux.bin"):
        return f"isolinux and syslinux-common, and {', '.join(missing) or 'GRUB'} are needed"
    return qemu_boot.missing()


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    missing = _missing_tools()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"cannot boot ISOs here: {missing}")
        pytest.skip(f"cannot boot ISOs here: {missing}")
    base = tmp_path_factory.mktemp("vmedia-iso")
    images = base / "images"
    images.mkdir()
    qemu_boot.debian_kernel(str(images))
    qemu_boot.echo_initramfs(str(images))
    (base / "http").mkdir()
    return base


@pytest.fixture(scope="module")
def http_root(tree):
    server = ImageServer(directory=str(tree / "http"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def lab(tree):
    running = started(RedfishLab(systems=2))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def sdk(tree, http_root, lab):
    images = tree / "images"
    service = Service(
        extra_conf=f"""
        [DEFAULT]
        enabled_hardware_types = redfish
        [conductor]
        file_url_allowed_paths = {images}
        automated_clean = false
        check_provision_state_interval = 1
        deploy_kernel = {images}/vmlinuz
        deploy_ramdisk = file://{images}/initramfs.gz
        [pxe]
        kernel_append_params = {APPEND}
        [deploy]
        http_root = {tree}/http
        http_url = {http_root.url}
        api_url = {API_URL}
        [redfish]
        poll_interval = 0.2
        power_state_change_timeout = 20
        """,
    ).start()
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
    service.stop()


def _settle(sdk, node, state, timeout=120.0):
    deadline = time.monotonic() + timeout
    while True:
        found = sdk.baremetal.get_node(node.id)
        if found.provision_state == state:
            return found
        if found.target_provision_state is None or time.monotonic() > deadline:
            raise AssertionError(
                f"node {found.provision_state} (wanted {state}): {found.last_error}"
            )
        time.sleep(0.2)


def _vmedia(sdk, node) -> list[dict]:
    resp = sdk.baremetal.get(f"/nodes/{node.id}/vmedia", microversion="1.93")
    assert resp.status_code == 200, resp.text
    return resp.json()


def _boot(iso, mode: str, tmp_path) -> str:
    """Boot a copy of ``iso`` (the service may remove its own); the command line seen."""
    copy = tmp_path / f"{mode}.iso"
    shutil.copyfile(iso, copy)
    output, seconds = qemu_boot.boot_iso(str(copy), mode)
    cmdline = qemu_boot.command_line(output)
    assert cmdline, f"the {mode} boot printed no command line; serial log:\n{output[-3000:]}"
    TIMES[mode] = seconds
    print(f"\n{mode} boot of the ISO to power-off under TCG: {seconds:.1f} s")
    return cmdline


def test_the_deploy_iso_boots_in_bios_and_uefi_with_the_node_parameters(
    sdk, lab, tree, http_root, tmp_path
):
    mac = "52:54:00:66:00:01"
    node = sdk.baremetal.create_node(
        driver="redfish",
        boot_interface="redfish-virtual-media",
        deploy_interface="fake",
        driver_info=lab.driver_info(0),
    )
    sdk.baremetal.create_port(node_id=node.id, address=mac)
    assert sdk.baremetal.validate_node(node, required=())["boot"].result
    sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=60)
    sdk.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=60)
    sdk.baremetal.set_node_provision_state(node, "active", deploy_steps=PARK)
    _settle(sdk, node, "wait call-back")

    iso = tree / "http" / node.id / "deploy.iso"
    assert iso.exists()
    cd = next(m for m in _vmedia(sdk, node) if m["inserted"])
    assert cd["image"] == f"{http_root.url}/{node.id}/deploy.iso"
    assert 200 in http_root.statuses(f"{node.id}/deploy.iso"), "the BMC downloaded it"
    # Nothing else of the node's is published: the kernel and ramdisk are inside the ISO.
    assert os.listdir(tree / "http" / node.id) == ["deploy.iso"]

    for mode in ("bios", "uefi"):
        words = _boot(iso, mode, tmp_path).split()
        assert f"ipa-api-url={API_URL}" in words
        assert f"BOOTIF={mac}" in words
        assert "boot_method=vmedia" in words
        assert "vmboot-marker=1" in words  # [pxe] kernel_append_params
        assert any(w.startswith("ipa-global-request-id=req-") for w in words)

    sdk.baremetal.set_node_provision_state(node, "deleted")
    _settle(sdk, node, "available")
    assert not (tree / "http" / node.id).exists()
    assert not any(m["inserted"] for m in _vmedia(sdk, node))
    sdk.baremetal.delete_node(node)


def test_the_ramdisk_deploy_boots_its_instance_from_a_built_iso(sdk, lab, tree, tmp_path):
    images = tree / "images"
    node = sdk.baremetal.create_node(
        driver="redfish",
        boot_interface="redfish-virtual-media",
        deploy_interface="ramdisk",
        driver_info=lab.driver_info(1),
        properties={"capabilities": "boot_mode:bios"},
        instance_info={
            "kernel": f"{images}/vmlinuz",
            "ramdisk": f"{images}/initramfs.gz",
            "ramdisk_kernel_arguments": "console=ttyS0 instance-marker=7",
        },
    )
    sdk.baremetal.create_port(node_id=node.id, address="52:54:00:66:00:02")
    sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=60)
    sdk.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=60)
    sdk.baremetal.set_node_provision_state(node, "active")
    node = _settle(sdk, node, "active")
    assert node.power_state == "power on"
    iso = tree / "http" / node.id / "instance.iso"
    cd = next(m for m in _vmedia(sdk, node) if m["inserted"])
    assert cd["image"].endswith(f"/{node.id}/instance.iso")
    assert lab.system(1)["Boot"]["BootSourceOverrideTarget"] == "Cd"

    words = _boot(iso, "bios", tmp_path).split()
    assert "instance-marker=7" in words and "root=/dev/ram0" in words
    assert not any(w.startswith("ipa-api-url") for w in words)  # no agent: not a deploy ramdisk

    sdk.baremetal.set_node_provision_state(node, "deleted")
    node = _settle(sdk, node, "available")
    assert node.power_state == "power off"
    assert not (tree / "http" / node.id).exists()
    assert not any(m["inserted"] for m in _vmedia(sdk, node))
