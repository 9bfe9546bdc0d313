"""The ``ramdisk`` deploy interface through openstacksdk: the instance is a ramdisk (or an
ISO) booted from the network every time; nothing is written to disk."""

import time

import openstack
import pytest

from tests.lab.server import Service


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    base = tmp_path_factory.mktemp("ramdisk-deploy")
    (base / "images").mkdir()
    (base / "images" / "app.kernel").write_bytes(b"instance kernel")
    (base / "images" / "app.initramfs").write_bytes(b"instance initramfs")
    return base


@pytest.fixture(scope="module")
def sdk(tree):
    service = Service(
        extra_conf=f"""
        [DEFAULT]
        enabled_hardware_types = fake-hardware
        [conductor]
        file_url_allowed_paths = {tree}/images
        check_provision_state_interval = 1
        [pxe]
        tftp_root = {tree}/tftp
        [deploy]
        http_root = {tree}/http
        http_url = http://192.0.2.30:8080
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


def _node(sdk, boot="ipxe", **instance_info):
    node = sdk.baremetal.create_node(
        driver="fake-hardware",
        boot_interface=boot,
        deploy_interface="ramdisk",
        instance_info=instance_info,
    )
    mac = "52:54:00:44:" + ":".join(node.id[i : i + 2] for i in (0, 2))
    sdk.baremetal.create_port(node_id=node.id, address=mac)
    return node


def test_the_ramdisk_deploy_is_offered_and_validated(sdk, tree):
    deploys = sdk.baremetal.get_driver("fake-hardware").enabled_deploy_interfaces
    assert "ramdisk" in deploys
    node = _node(sdk)
    verdict = sdk.baremetal.validate_node(node, required=())["deploy"]
    assert not verdict.result and "instance_info/boot_iso" in verdict.reason
    sdk.baremetal.update_node(node, instance_info={"boot_iso": f"{tree}/images/app.kernel"})
    assert sdk.baremetal.validate_node(node, required=())["deploy"].result
    sdk.baremetal.update_node(node, boot_interface="pxe")
    verdict = sdk.baremetal.validate_node(node, required=())["deploy"]
    assert not verdict.result and "cannot boot instance_info/boot_iso" in verdict.reason
    sdk.baremetal.update_node(node, instance_info={"kernel": "/etc/passwd", "ramdisk": "x"})
    verdict = sdk.baremetal.validate_node(node, required=())["deploy"]
    assert not verdict.result and "file_url_allowed_paths" in verdict.reason


def test_a_ramdisk_instance_boots_by_ipxe_until_undeploy(sdk, tree):
    images = tree / "images"
    node = _node(
        sdk,
        kernel=f"{images}/app.kernel",
        ramdisk=f"file://{images}/app.initramfs",
        ramdisk_kernel_arguments="console=ttyS0 app=1",
    )
    sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=60)
    sdk.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=60)
    sdk.baremetal.set_node_provision_state(node, "active")
    node = _settle(sdk, node, "active")
    assert node.power_state == "power on" and node.last_error is None
    script = (tree / "http" / node.id / "config").read_text()
    assert f"http://192.0.2.30:8080/{node.id}/instance_kernel root=/dev/ram0 text" in script
    assert "console=ttyS0 app=1" in script and "ipa-api-url" not in script
    assert (tree / "http" / node.id / "instance_ramdisk").read_bytes() == b"instance initramfs"
    # Every boot of the instance is a network boot.
    assert sdk.baremetal.get_node_boot_device(node) == {"boot_device": "pxe", "persistent": True}

    sdk.baremetal.set_node_provision_state(node, "deleted")
    node = _settle(sdk, node, "available")
    assert not (tree / "http" / node.id).exists()
    assert node.instance_info == {}
