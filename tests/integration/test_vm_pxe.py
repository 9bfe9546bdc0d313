"""A UEFI VM network-boots the deploy ramdisk: its firmware's iPXE gets a lease and a boot
file from the lab's dnsmasq (host and option files written in the layout of Ironic's dnsmasq
provider, as a conductor would), fetches the iPXE script over TFTP, the kernel and initramfs
over HTTP, and the agent heart-beats to ironic-lite in the namespace. Driven over IPMI
(``chassis bootdev pxe options=efiboot``, ``power on``) like the ipmi hardware type does."""

import os
import subprocess
import time

import openstack
import pytest

from ironic_lite.lab import dnsmasq
from tests.lab import vm as vmlab

pytestmark = pytest.mark.xdist_group("vm-lab")
SERVICE_CONF = "[deploy]\nfast_track = true\n[agent]\nheartbeat_timeout = 60\n"


def _ipmitool(lab, *args: str) -> None:
    vm = lab.state["vms"][0]
    port = lab.state["ipmi_ports"][vm["name"]]
    subprocess.run(
        ["ipmitool", "-I", "lanplus", "-H", "127.0.0.1", "-p", str(port), "-U", "admin",
         "-P", vm["ipmi_password"], *args],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip


def test_uefi_vm_ipxe_boots_the_ramdisk_through_dnsmasq(tmp_path):
    manifest = vmlab.ramdisk("lite")
    budget = vmlab.boot_budget(tcg_seconds=900)
    with vmlab.running_lab(
        tmp_path,
        nodes=1,
        redfish=0,
        firmwares=("uefi",),
        with_service=True,
        service_conf=SERVICE_CONF,
        ramdisk=manifest,
    ) as lab:
        vm = lab.state["vms"][0]
        node = lab.state["nodes"][vm["name"]]
        http = lab.state["http_url"]
        api = f"http://{lab.address}:6385"
        # What a conductor's iPXE boot writes: a script (TFTP here, to prove both servers)...
        with open(os.path.join(lab.path("tftpboot"), "boot.ipxe"), "w") as f:
            f.write(
                "#!ipxe\n"
                f"kernel {http}/ramdisk/vmlinuz console=ttyS0,115200n8 BOOTIF=01-${{mac:hexhyp}} "
                f"ipa-api-url={api} ipa-global-request-id=req-pxe initrd=initramfs\n"
                f"initrd {http}/ramdisk/initramfs\n"
                "boot\n"
            )
        # ... and the DHCP files of Ironic's dnsmasq provider: the port's host file tags the
        # MAC with the node, the node's options give iPXE clients the script.
        written = dnsmasq.write_boot_files(
            lab.path("dnsmasq"), node, vm["macs"], [("tag:ipxe,67", "boot.ipxe")]
        )
        with open(written[vm["macs"][0]]) as f:
            assert f.read() == f"{vm['macs'][0]},set:{node},set:ironic\n"

        _ipmitool(lab, "chassis", "bootdev", "pxe", "options=efiboot")
        _ipmitool(lab, "power", "on")
        started = time.monotonic()
        assert lab.vm_states()[vm["name"]]["last_boot"]["device"] == "pxe"

        conn = openstack.connect(
            auth_type="none",
            auth={"endpoint": lab.urls["api"]},
            baremetal_endpoint_override=lab.urls["api"],
            has_compute=False,
            has_image=False,
        )

        def heart_beaten():
            info = conn.baremetal.get_node(node).driver_internal_info or {}
            return info.get("agent_last_heartbeat") and info.get("agent_url")

        vmlab.wait_for(lab, heart_beaten, budget, "the PXE-booted agent to heart-beat")
        took = time.monotonic() - started
        with open(lab.state["dnsmasq"]["log"]) as f:
            log = f.read()
        assert "boot.ipxe" in log and vm["macs"][0] in log
        with open(lab.state["dnsmasq"]["dhcp_leasefile"]) as f:
            assert vm["macs"][0] in f.read()
        serial = lab.serial(vm["name"])
        assert "iPXE" in serial and "ironic-lite-ramdisk: starting" in serial
        print(f"PXE lite ({lab.state['accel']['name']}): power on to heartbeat {took:.0f} s")
