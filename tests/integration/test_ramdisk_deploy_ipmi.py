"""The ``ramdisk`` deploy of an IPMI machine booting by PXE: the BMC is told to boot from
the network from now on, the machine's PXE configuration boots the instance's kernel, and
undeploy powers it off and takes the files back (in-memory IPMI BMC, openstacksdk)."""

import time

import openstack
import pytest

from tests.lab.ipmi import running_lab
from tests.lab.server import Service

pytestmark = pytest.mark.xdist_group("ipmi-ramdisk")


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    base = tmp_path_factory.mktemp("ipmi-ramdisk")
    (base / "images").mkdir()
    (base / "images" / "app.kernel").write_bytes(b"instance kernel")
    (base / "images" / "app.initramfs").write_bytes(b"instance initramfs")
    return base


@pytest.fixture(scope="module")
def lab():
    with running_lab(count=1) as running:
        yield running


@pytest.fixture(scope="module")
def sdk(tree, lab):
    service = Service(
        extra_conf=f"""
        [DEFAULT]
        enabled_hardware_types = ipmi
        [conductor]
        file_url_allowed_paths = {tree}/images
        automated_clean = false
        check_provision_state_interval = 1
        [pxe]
        tftp_root = {tree}/tftp
        [deploy]
        http_root = {tree}/http
        http_url = http://127.0.0.1:8080
        [ipmi]
        command_retry_timeout = 4
        min_command_interval = 0.05
        poll_interval = 0.05
        power_state_change_timeout = 10
        """
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
        time.sleep(0.1)


def test_a_ramdisk_instance_boots_by_pxe_from_the_bmc(sdk, lab, tree):
    bmc = lab.bmcs[0]
    images = tree / "images"
    mac = "52:54:00:33:00:01"
    node = sdk.baremetal.create_node(
        driver="ipmi",
        boot_interface="pxe",
        deploy_interface="ramdisk",
        driver_info={
            "ipmi_address": bmc["address"],
            "ipmi_port": bmc["port"],
            "ipmi_username": bmc["username"],
            "ipmi_password": bmc["password"],
        },
        properties={"capabilities": "boot_mode:bios"},
        instance_info={"kernel": f"{images}/app.kernel", "ramdisk": f"{images}/app.initramfs"},
    )
    sdk.baremetal.create_port(node_id=node.id, address=mac)
    sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=60)
    sdk.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=60)
    sdk.baremetal.set_node_provision_state(node, "active")
    node = _settle(sdk, node, "active")
    assert node.power_state == "power on"

    config = (tree / "tftp" / "pxelinux.cfg" / f"01-{mac.replace(':', '-')}").read_text()
    assert f"kernel {node.id}/instance_kernel" in config and "root=/dev/ram0" in config
    assert (tree / "tftp" / node.id / "instance_kernel").read_bytes() == b"instance kernel"
    state = lab.state(bmc["name"])
    assert state["power"] == "on"
    assert state["boot"] == {"valid": True, "device": "pxe", "persistent": True, "uefi": False}
    assert state["boots"][-1]["device"] == "pxe"  # it came up from the network

    sdk.baremetal.set_node_provision_state(node, "deleted")
    node = _settle(sdk, node, "available")
    assert node.power_state == "power off"
    assert not (tree / "tftp" / node.id).exists()
    assert not (tree / "tftp" / "pxelinux.cfg" / f"01-{mac.replace(':', '-')}").exists()
