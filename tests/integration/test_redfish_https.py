"""The ``redfish-https`` boot interface (UEFI HTTP boot) against sushy-tools' emulator.

The emulator (the lab's, keeping ``HttpBootUri``: ``tests/lab/sushy_http_boot.py``) receives
the PATCH of ``Boot`` with ``UefiHttp`` and the ISO's URL, downloads the ISO from the HTTP
server exporting ``[deploy] http_root`` and reports the URL back. Nodes are driven through
openstacksdk.
"""

import os
import time

import openstack
import pytest

from ironic_lite.drivers.boot import iso
from tests.lab.image_server import ImageServer
from tests.lab.redfish import started
from tests.lab.server import Service
from tests.lab.sushy_http_boot import HttpBootRedfishLab

pytestmark = pytest.mark.xdist_group("redfish-https")

PARK = [{"interface": "deploy", "step": "wait", "priority": 200}]


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    if iso.missing_grub_tools():
        message = f"cannot build UEFI ISOs: {', '.join(iso.missing_grub_tools())}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    base = tmp_path_factory.mktemp("redfish-https")
    images = base / "images"
    images.mkdir()
    (images / "ipa.kernel").write_bytes(b"deploy kernel")
    (images / "ipa.initramfs").write_bytes(b"deploy initramfs")
    (images / "appliance.iso").write_bytes(os.urandom(64 * 1024))
    (base / "http").mkdir()
    return base


@pytest.fixture(scope="module")
def http_root(tree):
    server = ImageServer(directory=str(tree / "http"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def lab(tree):
    running = started(HttpBootRedfishLab(systems=3))
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
        deploy_kernel = {images}/ipa.kernel
        deploy_ramdisk = {images}/ipa.initramfs
        [deploy]
        http_root = {tree}/http
        http_url = {http_root.url}
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


def _settle(sdk, node, state, timeout=60.0):
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


def _node(sdk, lab, index, **fields):
    node = sdk.baremetal.create_node(
        driver="redfish",
        boot_interface="redfish-https",
        driver_info=lab.driver_info(index),
        **fields,
    )
    sdk.baremetal.create_port(node_id=node.id, address=f"52:54:00:55:00:{index:02x}")
    return node


def _patches(lab, index) -> int:
    path = lab.systems[index].path
    return sum(1 for method, seen, status in lab.requests_seen() if method == "PATCH"
               and seen == path and status == 204)  # fmt: skip


def test_the_deploy_ramdisk_boots_by_uefi_http_from_the_built_iso(sdk, lab, tree, http_root):
    node = _node(sdk, lab, 0, deploy_interface="fake")
    assert sdk.baremetal.validate_node(node, required=())["boot"].result
    sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=60)
    sdk.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=60)
    before = _patches(lab, 0)
    sdk.baremetal.set_node_provision_state(node, "active", deploy_steps=PARK)
    node = _settle(sdk, node, "wait call-back")

    url = f"{http_root.url}/{node.id}/deploy.iso"
    system = lab.system(0)
    assert system["Boot"]["HttpBootUri"] == url
    assert "UefiHttp" in system["Boot"]["BootSourceOverrideTarget@Redfish.AllowableValues"]
    assert _patches(lab, 0) > before  # the boot settings were PATCHed and accepted
    assert 200 in http_root.statuses(f"{node.id}/deploy.iso"), "the BMC downloaded it"
    assert node.driver_internal_info["redfish_uefi_http_url"] == url
    # A UEFI-only ISO: GRUB's EFI partition, no isolinux.
    with open(tree / "http" / node.id / "deploy.iso", "rb") as f:
        image = f.read()
    assert b"EFIBOOT" in image and b"ISOLINUX" not in image

    sdk.baremetal.set_node_provision_state(node, "deleted")
    node = _settle(sdk, node, "available")
    assert not (tree / "http" / node.id).exists()
    assert "redfish_uefi_http_url" not in (node.driver_internal_info or {})


def test_bios_nodes_are_refused_naming_the_boot_mode(sdk, lab):
    node = _node(sdk, lab, 1, properties={"capabilities": "boot_mode:bios"})
    verdict = sdk.baremetal.validate_node(node, required=())["boot"]
    assert not verdict.result
    assert "bios" in verdict.reason and "uefi mode only" in verdict.reason


def test_the_ramdisk_deploy_boots_an_iso_instance_by_http_from_now_on(sdk, lab, tree, http_root):
    node = _node(
        sdk,
        lab,
        2,
        deploy_interface="ramdisk",
        instance_info={"boot_iso": f"{tree}/images/appliance.iso"},
    )
    sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=60)
    sdk.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=60)
    sdk.baremetal.set_node_provision_state(node, "active")
    node = _settle(sdk, node, "active")
    assert node.power_state == "power on"
    url = f"{http_root.url}/{node.id}/boot.iso"
    assert lab.system(2)["Boot"]["HttpBootUri"] == url
    published = tree / "http" / node.id / "boot.iso"
    assert published.read_bytes() == (tree / "images" / "appliance.iso").read_bytes()

    sdk.baremetal.set_node_provision_state(node, "deleted")
    node = _settle(sdk, node, "available")
    assert node.power_state == "power off"
    assert not published.exists()
