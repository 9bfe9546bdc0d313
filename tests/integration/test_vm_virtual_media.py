"""A UEFI VM (OVMF) and a BIOS VM (SeaBIOS) boot the deploy ramdisk's ISO from virtual media
inserted through the Redfish emulator, and the agent in it (ironic-lite-agent, then the stock
ironic-python-agent) finds its node in a real ironic-lite inside the lab's namespace: lookup
by the VM's MAC, then heart-beats the API records.

The ISO is built per VM with the kernel parameters a conductor would put on it
(``ipa-api-url``, ``BOOTIF``, ``ipa-global-request-id``); the VMs are driven with sushy, the
client ironic-lite's Redfish driver uses. Nodes are enrolled with fast track on, so a lookup is
allowed before any provisioning: this is the boot path, not the conductor's flow (that comes
with the dnsmasq/virtual media conductor work).
"""

import json
import os
import time

import openstack
import pytest
import sushy

from ironic_lite.ramdisk import iso
from tests.lab import vm as vmlab

pytestmark = pytest.mark.xdist_group("vm-lab")
SERVICE_CONF = "[deploy]\nfast_track = true\n[agent]\nheartbeat_timeout = 60\n"


def _connect(url: str):
    return openstack.connect(
        auth_type="none",
        auth={"endpoint": url},
        baremetal_endpoint_override=url,
        has_compute=False,
        has_image=False,
    )


def _insert_and_boot(lab, vm: dict, iso_url: str) -> None:
    """What a conductor's redfish-virtual-media boot does, through the real Redfish client."""
    redfish = lab.state["redfish"]
    conn = sushy.Sushy(
        lab.urls["redfish"] + "/redfish/v1",
        username=redfish["username"],
        password=redfish["password"],
    )
    system = conn.get_system(f"/redfish/v1/Systems/{vm['uuid']}")
    manager = system.managers[0]
    cd = next(
        m for m in manager.virtual_media.get_members() if sushy.VIRTUAL_MEDIA_CD in m.media_types
    )
    cd.insert_media(iso_url, inserted=True, write_protected=True)
    system.set_system_boot_options(
        sushy.BOOT_SOURCE_TARGET_CD, enabled=sushy.BOOT_SOURCE_ENABLED_ONCE
    )
    system.reset_system(sushy.RESET_ON)
    system.refresh()
    assert system.power_state == sushy.POWER_STATE_ON
    mode = sushy.BOOT_SOURCE_MODE_UEFI if vm["firmware"] == "uefi" else sushy.BOOT_SOURCE_MODE_BIOS
    assert system.boot.mode == mode


@pytest.mark.parametrize("agent", ["lite", "ipa"])
def test_uefi_and_bios_vms_boot_the_iso_and_the_agent_heart_beats(agent, tmp_path):
    manifest = vmlab.ramdisk(agent)
    budget = vmlab.boot_budget(tcg_seconds=900)
    with vmlab.running_lab(
        tmp_path,
        nodes=2,
        redfish=2,
        firmwares=("uefi", "bios"),
        with_service=True,
        service_conf=SERVICE_CONF,
        ramdisk=manifest,
        api_port=None,
    ) as lab:
        api = f"http://{lab.address}:6385"
        http_root = lab.path("http")
        started = {}
        for vm in lab.state["vms"]:
            mac = vm["macs"][0]
            params = (
                f"ipa-api-url={api} BOOTIF=01-{mac.replace(':', '-')} ipa-insecure=1 "
                f"ipa-global-request-id=req-{vm['name']} ipa-debug=1"
            )
            os.makedirs(os.path.join(http_root, "iso"), exist_ok=True)
            image = os.path.join(http_root, "iso", f"{vm['name']}.iso")
            iso.make_iso(manifest["kernel"], manifest["initramfs"], image, params)
            _insert_and_boot(lab, vm, f"{lab.state['http_url']}/iso/{vm['name']}.iso")
            started[vm["name"]] = time.monotonic()

        conn = _connect(lab.urls["api"])
        nodes = lab.state["nodes"]
        seen: dict[str, float] = {}

        def heart_beaten():
            for name, node_id in nodes.items():
                if name in seen:
                    continue
                info = conn.baremetal.get_node(node_id).driver_internal_info or {}
                if info.get("agent_url") and info.get("agent_last_heartbeat"):
                    seen[name] = time.monotonic() - started[name]
            return len(seen) == len(nodes)

        vmlab.wait_for(lab, heart_beaten, budget, f"both {agent} agents to heart-beat")
        for name, node_id in nodes.items():
            node = conn.baremetal.get_node(node_id)
            info = node.driver_internal_info
            assert info["agent_url"].split("://")[1].startswith(lab.address.rsplit(".", 1)[0])
            assert info.get("agent_secret_token") == "******"  # handed out, never shown
            serial = lab.serial(name)
            assert "ironic-lite-ramdisk: starting" in serial
            print(f"{agent} {name} ({lab.state['accel']['name']}): boot to heartbeat "
                  f"{seen[name]:.0f} s")  # fmt: skip


def test_dhcp_less_boot_takes_the_network_data_on_the_iso(tmp_path):
    """The network configuration medium: the ISO (labelled VMEDIA_BOOT_ISO, as Ironic labels
    its virtual media) carries ``openstack/latest/network_data.json`` with a static address
    outside dnsmasq's range; the ramdisk configures it instead of asking DHCP, and the agent
    heart-beats from that address."""
    manifest = vmlab.ramdisk("lite")
    budget = vmlab.boot_budget(tcg_seconds=900)
    with vmlab.running_lab(
        tmp_path,
        nodes=1,
        redfish=1,
        firmwares=("bios",),
        with_service=True,
        service_conf=SERVICE_CONF,
        ramdisk=manifest,
    ) as lab:
        vm = lab.state["vms"][0]
        mac = vm["macs"][0]
        static = lab.address.rsplit(".", 1)[0] + ".50"  # dnsmasq leases .128 and up
        network_data = {
            "links": [{"id": "port-0", "type": "phy", "ethernet_mac_address": mac, "mtu": 1500}],
            "networks": [
                {
                    "id": "network-0",
                    "type": "ipv4",
                    "link": "port-0",
                    "ip_address": static,
                    "netmask": "255.255.255.0",
                    "routes": [
                        {"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": lab.address}
                    ],
                }
            ],
            "services": [{"type": "dns", "address": lab.address}],
        }
        os.makedirs(lab.path("http", "iso"), exist_ok=True)
        image = lab.path("http", "iso", "static.iso")
        iso.make_iso(
            manifest["kernel"],
            manifest["initramfs"],
            image,
            f"ipa-api-url=http://{lab.address}:6385 ipa-debug=1",
            extra={"openstack/latest/network_data.json": json.dumps(network_data).encode()},
        )
        _insert_and_boot(lab, vm, f"{lab.state['http_url']}/iso/static.iso")
        conn = _connect(lab.urls["api"])
        node = lab.state["nodes"][vm["name"]]

        def agent_url():
            return (conn.baremetal.get_node(node).driver_internal_info or {}).get("agent_url")

        url = vmlab.wait_for(lab, agent_url, budget, "the agent with a static address")
        assert url == f"http://{static}:9999"
        serial = lab.serial(vm["name"])
        assert "network_data.json from /dev/sr0 (label VMEDIA_BOOT_ISO)" in serial
        assert f"{static}/24 (static)" in serial
        with open(lab.state["dnsmasq"]["dhcp_leasefile"]) as f:
            assert mac not in f.read()  # no DHCP was needed
