"""The DHCP options of a network boot, and the dnsmasq provider's files."""

import pytest

from ironic_lite.conf import CONF
from ironic_lite.drivers.boot.modes import boot_modes, known_boot_mode
from ironic_lite.drivers.dhcp import dnsmasq
from ironic_lite.drivers.dhcp.options import boot_options
from tests.lab.harness import ensure_config, node_task


@pytest.fixture
def conf(tmp_path):
    ensure_config()
    overrides = [
        ("http_url", "http://192.0.2.1:8080/", "deploy"),
        ("dhcp_hostsdir", str(tmp_path / "hosts"), "dnsmasq"),
        ("dhcp_optsdir", str(tmp_path / "opts"), "dnsmasq"),
    ]
    for name, value, group in overrides:
        CONF.set_override(name, value, group)
    yield tmp_path
    for name, _value, group in overrides:
        CONF.clear_override(name, group)
    CONF.clear_override("tftp_server", "pxe")


def test_boot_mode_comes_from_the_capability_then_the_field():
    assert known_boot_mode({"properties": {"capabilities": "boot_mode:bios"}}) == "bios"
    node = {"properties": {"capabilities": {"boot_mode": "uefi"}}, "boot_mode": "bios"}
    assert known_boot_mode(node) == "uefi"
    assert known_boot_mode({"boot_mode": "bios", "properties": {}}) == "bios"
    assert boot_modes({"properties": {}}) == ("uefi", "bios")


def test_ipxe_options_tell_firmware_kinds_apart_when_the_mode_is_unknown(conf):
    assert boot_options(("uefi", "bios"), ipxe=True) == [
        ("tag:ipxe,67", "http://192.0.2.1:8080/boot.ipxe"),
        ("tag:!ipxe,tag:efi-http,67", "http://192.0.2.1:8080/snponly.efi"),
        ("tag:!ipxe,tag:efi-http,60", "HTTPClient"),
        ("tag:!ipxe,tag:efi,67", "snponly.efi"),
        ("tag:!ipxe,tag:!efi,tag:!efi-http,67", "undionly.kpxe"),
    ]


def test_a_known_mode_gets_one_loader_and_a_tftp_server_when_configured(conf):
    CONF.set_override("tftp_server", "192.0.2.5", "pxe")
    assert boot_options(("bios",), ipxe=False) == [
        ("67", "pxelinux.0"),
        ("66", "192.0.2.5"),
        ("150", "192.0.2.5"),
        ("option:server-ip-address", "192.0.2.5"),
    ]
    assert boot_options(("uefi",), ipxe=False)[0] == ("67", "bootx64.efi")


def test_dnsmasq_files_follow_a_node_through_its_boot(conf):
    macs = ("52:54:00:AA:00:01",)
    with node_task(macs=macs) as task:
        provider = dnsmasq.DnsmasqDHCP()
        provider.update_dhcp_opts(task, [("tag:ipxe,67", "http://x/boot.ipxe")])
        tag = task.node["driver_internal_info"][dnsmasq.TAG_KEY]
        host = conf / "hosts" / "ironic-52:54:00:aa:00:01.conf"
        opts = conf / "opts" / f"ironic-{task.node['uuid']}.conf"
        assert host.read_text() == f"52:54:00:aa:00:01,set:{tag},set:ironic\n"
        assert opts.read_text() == f"tag:{tag},tag:ipxe,67,http://x/boot.ipxe\n"
        provider.update_dhcp_opts(task, [])
        assert task.node["driver_internal_info"][dnsmasq.TAG_KEY] != tag  # a fresh tag
        provider.clean_dhcp_opts(task)
        assert host.read_text() == "52:54:00:aa:00:01,ignore\n" and not opts.exists()
        assert not task.node["driver_internal_info"].get(dnsmasq.TAG_KEY)
        provider.forget(task.node["uuid"], ["52:54:00:AA:00:01"])
        assert not host.exists()
        assert not [p for p in (conf / "hosts").iterdir() if p.name.startswith(".")]
