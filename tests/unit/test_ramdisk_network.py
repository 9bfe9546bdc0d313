"""The deploy ramdisk's network script, on its own: which NIC the kernel's BOOTIF names, and
what a network_data.json (Ironic's DHCP-less boots) makes of the NICs. The script runs in the
ramdisk; here only its pure parts run, nothing touches this machine's network."""

import importlib.machinery
import importlib.util
import os

from ironic_lite.ramdisk import rootfs

PATH = os.path.join(rootfs.FILES, "ironic-lite-ramdisk-network")


def _script():
    loader = importlib.machinery.SourceFileLoader("ramdisk_network", PATH)
    spec = importlib.util.spec_from_loader("ramdisk_network", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_bootif_in_both_spellings():
    script = _script()
    assert script.boot_mac({"BOOTIF": "01-52-54-00-AB-CD-EF"}) == "52:54:00:ab:cd:ef"
    assert script.boot_mac({"BOOTIF": "52:54:00:ab:cd:ef"}) == "52:54:00:ab:cd:ef"
    assert script.boot_mac({"BOOTIF": "garbage"}) is None
    assert script.boot_mac({}) is None


def test_network_data_becomes_addresses_routes_dhcp_and_dns(capsys):
    data = {
        "links": [
            {"id": "l0", "type": "phy", "ethernet_mac_address": "52:54:00:00:00:01", "mtu": 9000},
            {"id": "l1", "type": "phy", "ethernet_mac_address": "52:54:00:00:00:02"},
            {"id": "l9", "type": "phy", "ethernet_mac_address": "52:54:00:00:00:09"},
        ],
        "networks": [
            {
                "id": "n0",
                "type": "ipv4",
                "link": "l0",
                "ip_address": "192.0.2.50",
                "netmask": "255.255.255.0",
                "routes": [
                    {"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "192.0.2.1"},
                    {"network": "198.51.100.0", "netmask": "255.255.255.0",
                     "gateway": "192.0.2.254"},
                ],
            },
            {
                "id": "n1",
                "type": "ipv6",
                "link": "l0",
                "ip_address": "2001:db8::50",
                "netmask": "ffff:ffff:ffff:ffff::",
                "routes": [{"network": "::", "netmask": "::", "gateway": "2001:db8::1"}],
            },
            {"id": "n2", "type": "ipv4_dhcp", "link": "l1"},
            {"id": "n3", "type": "ipv4", "link": "l9", "ip_address": "192.0.2.99"},
        ],
        "services": [{"type": "dns", "address": "192.0.2.53"}, {"type": "ntp", "address": "x"}],
    }  # fmt: skip
    by_mac = {"52:54:00:00:00:01": "enp1s0", "52:54:00:00:00:02": "enp2s0"}
    commands, dhcp_on, dns = _script().plan(data, by_mac)
    assert commands == [
        ["link", "set", "enp1s0", "mtu", "9000"],
        ["-4", "addr", "add", "192.0.2.50/24", "dev", "enp1s0"],
        ["-4", "route", "replace", "default", "via", "192.0.2.1", "dev", "enp1s0"],
        ["-4", "route", "replace", "198.51.100.0/24", "via", "192.0.2.254", "dev", "enp1s0"],
        ["-6", "addr", "add", "2001:db8::50/64", "dev", "enp1s0"],
        ["-6", "route", "replace", "default", "via", "2001:db8::1", "dev", "enp1s0"],
    ]
    assert dhcp_on == ["enp2s0"] and dns == ["192.0.2.53"]
    assert "network n3: no NIC has the MAC of link l9" in capsys.readouterr().out
