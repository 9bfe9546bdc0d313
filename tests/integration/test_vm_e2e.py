"""Two QEMU VMs provisioned end to end through openstacksdk against ironic-lite: one behind a
Redfish BMC (sushy-tools) booting the agent from virtual media the conductor builds, one
behind an IPMI BMC (pyghmi) booting it over PXE/iPXE through dnsmasq.

Each machine is managed, inspected by the agent (its real inventory: vCPUs, RAM, disk size,
MAC), provided (automated cleaning erases its disk: read back from the qcow2 file), deployed
with a whole-disk image the test builds (GRUB, the ramdisk builder's kernel, a busybox
initramfs printing a marker) and a config drive, seen booting from its disk and printing the
marker, rebuilt with a partition image (an ext4 root carrying its EFI loader, another marker)
and a new config drive, and undeployed (erased again). The disk is read back from the host
after each deploy: the config drive's meta_data, the ESP's loader, the root's fstab. A third
test deploys a bootable ISO with the ``ramdisk`` deploy interface over virtual media.

Agents: every boot path runs with both the stock ironic-python-agent and ironic-lite-agent,
split across two lifecycles so each runs both agents. Under TCG (no usable KVM) one lifecycle
takes ~14 min on two cores, so CI runs ``lite-pxe+ipa-vmedia`` only; the swapped one runs
with ``IRONIC_LITE_VM_FULL=1`` and its deploys are measured by ``benchmarks/vm_deploy.py``.
With KVM both run. The VM tests share one xdist worker; the lab starts once per session.
"""

import os

import pytest

from ironic_lite.lab import vmstack
from tests.lab import vm as vmlab
from tests.lab import vm_flow as flow

pytestmark = pytest.mark.xdist_group("vm-lab")
# The VMs' disks: small, so erasing them (shred) stays short under TCG. Both agents pick a
# root disk of at least 4 GiB unless told: the nodes get a root device hint (/dev/vda).
DISK_SIZE = 2**30
MEMORY_MB = 1536
REDFISH_VM, IPMI_VM = "lab-vm-0", "lab-vm-1"  # the lab makes the first VMs the Redfish ones
COMBOS = {
    "lite-pxe+ipa-vmedia": {IPMI_VM: "lite", REDFISH_VM: "ipa"},
    "ipa-pxe+lite-vmedia": {IPMI_VM: "ipa", REDFISH_VM: "lite"},
}
IN_CI_BY_DEFAULT = "lite-pxe+ipa-vmedia"


@pytest.fixture(scope="session")
def e2e(tmp_path_factory):
    manifests = {agent: vmlab.ramdisk(agent) for agent in ("lite", "ipa")}
    lab = vmstack.VmLab(
        str(tmp_path_factory.mktemp("vm-e2e") / "vmlab"),
        nodes=2,
        redfish=1,
        firmwares=("uefi",),  # the instance image boots by UEFI (GRUB x86_64-efi)
        memory_mb=MEMORY_MB,
        disk_size=f"{DISK_SIZE // 2**20}M",
        with_service=True,
        service_conf=flow.SERVICE_CONF,
        ramdisk=manifests["lite"],
    )
    try:
        lab.up()
        conn = flow.connect(lab)
        ramdisks = {agent: flow.publish_ramdisk(lab, m) for agent, m in manifests.items()}
        for uuid in lab.state["nodes"].values():
            assert conn.baremetal.get_node(uuid).inspect_interface == "agent"
        yield lab, conn, ramdisks, manifests["lite"]["kernel"]
    finally:
        lab.down(remove=False)
        assert not any(lab.running().values()), "the VM lab left processes running"


def _budget() -> float:
    return vmlab.boot_budget(tcg_seconds=900)


def _to_manageable(lab, conn, nodes: dict[str, str]) -> None:
    for uuid in nodes.values():
        if conn.baremetal.get_node(uuid).provision_state != "manageable":
            conn.baremetal.set_node_provision_state(uuid, "manage")
    flow.settle(lab, conn, nodes, "manageable", 120, "manage")


def _power_off(lab, conn, nodes: dict[str, str]) -> None:
    for uuid in nodes.values():
        conn.baremetal.set_node_power_state(uuid, "power off")
    states = lab.vm_states

    def off():
        return all(states()[name]["power"] == "off" for name in nodes)

    flow.wait(lab, off, 120, "the VMs to power off", list(nodes))


def test_a_ramdisk_deploy_boots_an_iso_from_virtual_media(e2e):
    """The ``ramdisk`` deploy: the Redfish VM boots a third-party ISO (here one printing a
    marker) as its instance; nothing is written to its disk, so cleaning is off for it (the
    lifecycle test proves cleaning)."""
    lab, conn, _, kernel = e2e
    nodes = {REDFISH_VM: lab.state["nodes"][REDFISH_VM]}
    uuid = nodes[REDFISH_VM]
    marker = "ironic-lite ramdisk instance: ISO booted"
    url = flow.publish_marker_iso(lab, marker, kernel)
    _to_manageable(lab, conn, nodes)
    conn.baremetal.update_node(uuid, automated_clean=False)
    conn.baremetal.set_node_provision_state(uuid, "provide")
    flow.settle(lab, conn, nodes, "available", 120, "provide")
    conn.baremetal.update_node(uuid, deploy_interface="ramdisk", instance_info={"boot_iso": url})
    before = flow.last_boot(lab, REDFISH_VM)
    conn.baremetal.set_node_provision_state(uuid, "active")
    flow.settle(lab, conn, nodes, "active", 300, "the ramdisk deploy")
    flow.wait_marker(lab, REDFISH_VM, marker, 600, after_boot=before, device="cd")
    state = lab.vm_states()[REDFISH_VM]
    assert state["media"] and state["media"].endswith(".iso")

    conn.baremetal.set_node_provision_state(uuid, "deleted")
    flow.settle(lab, conn, nodes, "available", 300, "the ramdisk undeploy")
    state = lab.vm_states()[REDFISH_VM]
    assert state["power"] == "off" and not state["media"]
    conn.baremetal.update_node(
        uuid, deploy_interface="direct", automated_clean=True, instance_info={}
    )


@pytest.mark.parametrize("combo", list(COMBOS))
def test_vms_are_inspected_cleaned_deployed_rebuilt_and_undeployed(e2e, combo, tmp_path):
    full = os.environ.get("IRONIC_LITE_VM_FULL") or vmlab.accelerator().name == "kvm"
    if combo != IN_CI_BY_DEFAULT and not full:
        pytest.skip(
            f"{combo}: the second lifecycle takes another ~14 min under TCG, over CI's "
            f"time; CI runs {IN_CI_BY_DEFAULT} (each boot path with the other agent), this "
            "one runs with IRONIC_LITE_VM_FULL=1 and its deploys in benchmarks/vm_deploy.py"
        )
    lab, conn, ramdisks, _ = e2e
    agents = COMBOS[combo]
    nodes = dict(lab.state["nodes"])
    vms = {vm["name"]: vm for vm in lab.state["vms"]}
    budget = _budget()

    _to_manageable(lab, conn, nodes)
    for name, uuid in nodes.items():
        conn.baremetal.update_node(uuid, automated_clean=True)
        flow.set_ramdisk(conn, uuid, ramdisks[agents[name]])
        flow.set_root_device(conn, uuid)
    _power_off(lab, conn, nodes)
    for name in nodes:
        flow.fill_disk(vms[name], DISK_SIZE)
        assert flow.disk_has_pattern(vms[name])

    # Inspection: the agent reports the VM as QEMU made it.
    for uuid in nodes.values():
        conn.baremetal.set_node_provision_state(uuid, "inspect")
    flow.settle(lab, conn, nodes, "manageable", budget, "inspection")
    for name, uuid in nodes.items():
        data = conn.baremetal.get_node_inventory(uuid)
        inventory = data["inventory"]
        assert inventory["cpu"]["count"] == 1  # QEMU's -smp 1
        assert inventory["cpu"]["architecture"] == "x86_64"
        assert inventory["memory"]["physical_mb"] == MEMORY_MB
        disks = [d for d in inventory["disks"] if d["size"] == DISK_SIZE]
        assert disks, inventory["disks"]
        assert "vda" in disks[0]["name"]
        macs = {nic["mac_address"].lower() for nic in inventory["interfaces"]}
        assert set(vms[name]["macs"]) <= macs
        node = conn.baremetal.get_node(uuid)
        assert node.properties["cpus"] == 1
        assert node.properties["memory_mb"] == MEMORY_MB
        assert node.properties["local_gb"] == DISK_SIZE // 2**30 - 1
        ports = {p.address for p in conn.baremetal.ports(node_id=uuid)}
        assert set(vms[name]["macs"]) <= ports
        assert agents[name] in _agent_banner(lab, name)

    # Cleaning erases the disk (the pattern written above is gone, every byte reads zero).
    for uuid in nodes.values():
        conn.baremetal.set_node_provision_state(uuid, "provide")
    flow.settle(lab, conn, nodes, "available", budget, "cleaning")
    for name in nodes:
        assert flow.disk_is_zero(vms[name], DISK_SIZE), f"{name}'s disk was not erased"

    # Deploy a whole-disk image with a config drive (built by the conductor from a dict):
    # the agent writes both, the VM boots from its disk and prints the marker.
    first = {name: f"ironic-lite instance A on {name} ({combo})" for name in nodes}
    _deploy_each(e2e, nodes, "active", "A", first, flow.publish_disk_image, budget)
    for name in nodes:
        disk = flow.DeployedDisk(vms[name], str(tmp_path))
        assert disk.config_drive()["name"] == f"{name}-A", disk.partitions
        assert disk.partitions[0]["type"] == "ef"  # the image's own MBR and ESP, kept

    # Rebuild with a partition image and a new config drive: the agent partitions the disk
    # (ESP, root, config drive), writes the ext4 root, copies the image's EFI loader to the
    # ESP and registers it; the VM boots it from the root partition.
    second = {name: f"ironic-lite instance B on {name} ({combo})" for name in nodes}
    booted = _deploy_each(e2e, nodes, "rebuild", "B", second, flow.publish_partition_image, budget)
    for name in nodes:
        text = dict((n, t) for n, _, t in flow.boots(lab, name))[booted[name]]
        assert first[name] not in text
        disk = flow.DeployedDisk(vms[name], str(tmp_path))
        assert disk.config_drive()["name"] == f"{name}-B", disk.partitions
        assert "BOOTX64.EFI" in disk.esp_files().upper(), disk.partitions
        assert "/boot/efi" in disk.ext4_file("/etc/fstab")  # the agent mounted the ESP there

    # Undeploy: cleaning boots the agent again and erases the disk.
    for uuid in nodes.values():
        conn.baremetal.set_node_provision_state(uuid, "deleted")
    flow.settle(lab, conn, nodes, "available", budget, "undeploy")
    for name, uuid in nodes.items():
        assert flow.disk_is_zero(vms[name], DISK_SIZE), f"{name}'s disk was not erased"
        assert not conn.baremetal.get_node(uuid).instance_info.get("image_source")


def _deploy_each(e2e, nodes, verb, generation, markers, publish, budget) -> dict[str, int]:
    """Deploy (``active``) or rebuild every node with the image ``publish`` makes for its
    marker and a config drive of ``generation``; wait until each VM booted it from its disk
    and printed the marker. The boot number of each."""
    lab, conn, _, kernel = e2e
    before = {name: flow.last_boot(lab, name) for name in nodes}
    for name, uuid in nodes.items():
        conn.baremetal.update_node(uuid, instance_info=publish(lab, markers[name], kernel))
        conn.baremetal.set_node_provision_state(
            uuid, verb, config_drive=_config_drive(name, generation)
        )
    flow.settle(lab, conn, nodes, "active", budget, f"{verb} with image {generation}")
    return {
        name: flow.wait_marker(lab, name, markers[name], 300, after_boot=before[name])
        for name in nodes
    }


def _config_drive(name: str, generation: str) -> dict:
    return {
        "meta_data": {"name": f"{name}-{generation}", "hostname": name},
        "user_data": f"#!/bin/sh\necho {name} {generation}\n",
    }


def _agent_banner(lab, name: str) -> str:
    """Which agent the VM's last ramdisk boot ran (the init script names it)."""
    for _, _, text in reversed(flow.boots(lab, name)):
        if "ironic-lite-ramdisk: starting" in text:
            line = text[text.index("ironic-lite-ramdisk: starting") :].splitlines()[0]
            return "ipa" if "ironic-python-agent" in line else "lite"
    return ""
