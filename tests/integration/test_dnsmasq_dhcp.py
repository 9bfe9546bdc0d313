"""The dnsmasq DHCP provider against a real dnsmasq: what a booting machine is told.

The service writes the host and option files of ``[dhcp] dhcp_provider = dnsmasq``; a real
dnsmasq in a network namespace reads them (``tests/lab/dhcp.py``) and a DHCP client in
another namespace, pretending to be BIOS, UEFI, UEFI HTTP boot or iPXE firmware, asks it for a
lease. Nodes are driven through openstacksdk: a deploy parked before its first step has its
network boot prepared; undeploy takes it back; deleting the port or node removes its files.
"""

import os
import time

import openstack
import pytest

from tests.lab import dhcp
from tests.lab.server import Service

pytestmark = pytest.mark.xdist_group("dnsmasq")

HTTP_URL = "http://192.0.2.10:8080"
CONF = """\
    [DEFAULT]
    enabled_hardware_types = fake-hardware
    [conductor]
    check_provision_state_interval = 1
    deploy_kernel = {images}/ipa.kernel
    deploy_ramdisk = {images}/ipa.initramfs
    file_url_allowed_paths = {images}
    [pxe]
    tftp_root = {roots}/tftp
    [deploy]
    http_root = {roots}/http
    http_url = {http_url}
    [dhcp]
    dhcp_provider = dnsmasq
    [dnsmasq]
    dhcp_hostsdir = {roots}/hostsdir.d
    dhcp_optsdir = {roots}/optsdir.d
    dhcp_leasefile = {leasefile}
    """
PARK = [{"interface": "deploy", "step": "wait", "priority": 200}]


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    base = tmp_path_factory.mktemp("dnsmasq")
    (base / "ipa.kernel").write_bytes(b"kernel")
    (base / "ipa.initramfs").write_bytes(b"initramfs")
    return base


@pytest.fixture(scope="module")
def network(roots):
    missing = dhcp.available()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"the DHCP lab cannot run: {missing}")
        pytest.skip(f"the DHCP lab cannot run: {missing}")
    net = dhcp.BootNetwork(str(roots / "hostsdir.d"), str(roots / "optsdir.d")).start()
    yield net
    net.close()


@pytest.fixture(scope="module")
def sdk(roots, network):
    conf = CONF.format(images=roots, roots=roots, http_url=HTTP_URL, leasefile=network.leasefile)
    svc = Service(extra_conf=conf).start()
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
    svc.stop()


def _settle(sdk, node, state, timeout=60):
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


def _node(sdk, network, boot, mac, **fields):
    node = sdk.baremetal.create_node(
        driver="fake-hardware", boot_interface=boot, deploy_interface="fake", **fields
    )
    port = sdk.baremetal.create_port(node_id=node.id, address=mac)
    network.set_client_mac(mac)
    sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=60)
    sdk.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=60)
    return node, port


def _host_file(roots, mac):
    return roots / "hostsdir.d" / f"ironic-{mac}.conf"


def test_ipxe_boot_options_reach_each_kind_of_firmware_until_tear_down(sdk, network, roots):
    mac = "52:54:00:77:10:01"
    node, port = _node(sdk, network, "ipxe", mac)
    assert network.request("bios") is not None  # an ordinary lease: no host file yet
    sdk.baremetal.set_node_provision_state(node, "active", deploy_steps=PARK)
    _settle(sdk, node, "wait call-back")

    tagged = _host_file(roots, mac).read_text()
    assert tagged.startswith(f"{mac},set:") and tagged.rstrip().endswith(",set:ironic")
    opts = (roots / "optsdir.d" / f"ironic-{node.id}.conf").read_text()
    tag = tagged.split(",")[1].removeprefix("set:")
    assert all(line.startswith(f"tag:{tag},") for line in opts.splitlines())

    # The node's boot mode is unknown: the firmware's architecture picks the loader.
    assert network.request("bios")["bootfile"] == "undionly.kpxe"
    uefi = network.request("uefi")
    assert uefi["bootfile"] == "snponly.efi"
    assert uefi["siaddr"] == network.server_ip  # dnsmasq serves TFTP itself
    assert network.request("uefi-http")["bootfile"] == f"{HTTP_URL}/snponly.efi"
    assert "option: 60 vendor-class  48:54:54:50:43:6c:69:65:6e:74" in network.output()
    assert network.request("ipxe")["bootfile"] == f"{HTTP_URL}/boot.ipxe"
    with open(network.leasefile) as leases:
        assert any(mac in line for line in leases)

    # Tear-down: dnsmasq ignores the MAC (no answer at all), the options are gone.
    sdk.baremetal.set_node_provision_state(node, "deleted")
    _settle(sdk, node, "available")
    assert _host_file(roots, mac).read_text() == f"{mac},ignore\n"
    assert not (roots / "optsdir.d" / f"ironic-{node.id}.conf").exists()
    assert network.request("uefi") is None
    assert f"{mac} ignored" in network.output()

    # A new boot gets a new tag, and dnsmasq follows.
    sdk.baremetal.set_node_provision_state(node, "active", deploy_steps=PARK)
    _settle(sdk, node, "wait call-back")
    assert _host_file(roots, mac).read_text() != tagged
    assert network.request("ipxe")["bootfile"] == f"{HTTP_URL}/boot.ipxe"
    sdk.baremetal.set_node_provision_state(node, "deleted")
    _settle(sdk, node, "available")

    # Deleting the port (through its node's conductor) removes its host file.
    sdk.baremetal.delete_port(port)
    assert not _host_file(roots, mac).exists()
    sdk.baremetal.delete_node(node)


def test_pxe_nodes_of_a_known_boot_mode_get_its_loader_and_deletion_cleans_up(sdk, network, roots):
    mac = "52:54:00:77:10:02"
    node, _port = _node(sdk, network, "pxe", mac, properties={"capabilities": "boot_mode:bios"})
    sdk.baremetal.set_node_provision_state(node, "active", deploy_steps=PARK)
    _settle(sdk, node, "wait call-back")
    # BIOS only: pxelinux, whatever the firmware says it is.
    assert network.request("bios")["bootfile"] == "pxelinux.0"
    assert network.request("uefi")["bootfile"] == "pxelinux.0"
    assert (roots / "tftp" / "pxelinux.cfg" / f"01-{mac.replace(':', '-')}").exists()
    assert not (roots / "tftp" / f"grub.cfg-01-{mac.replace(':', '-')}").exists()

    # Deleting the node (in maintenance, mid-deploy) removes its host and option files.
    sdk.baremetal.set_node_maintenance(node, reason="test")
    sdk.baremetal.delete_node(node)
    assert not _host_file(roots, mac).exists()
    assert not (roots / "optsdir.d" / f"ironic-{node.id}.conf").exists()
