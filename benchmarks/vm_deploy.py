"""VM deploy benchmark: wall time from ``deploy`` to the instance's marker on the serial console,
over PXE/iPXE (IPMI, dnsmasq) and virtual media (Redfish), with both agents.

    sudo python -m benchmarks.vm_deploy [--agents lite,ipa] [--paths pxe,vmedia] [--out FILE]

Starts the VM lab (``ironic_lite.lab.vmstack``: two UEFI QEMU VMs, one behind sushy-tools'
Redfish emulator with ``redfish-virtual-media``, one behind a pyghmi IPMI BMC with ``ipxe``
through the lab's dnsmasq; ironic-lite all-in-one in the lab's namespace), then for each agent
and boot path in turn, one deploy at a time (two TCG VMs would share the two cores and each
figure would measure the other): manage, provide (cleaning off, so the figure is the deploy;
the end-to-end test proves cleaning), deploy a whole-disk image printing a marker
(``ironic_lite.ramdisk.disk_image``), wait for ``active`` and for the marker in the serial
log of a boot from the disk, undeploy. Fast track is off: each deploy boots the ramdisk.

Printed (JSON): per run the seconds from the deploy request to the ramdisk's agent first
heart-beating, to ``active``, and to the marker; the accelerator (KVM or TCG), the host's load
average and the sizes of the ramdisks. Measured under TCG on 2 shared cores, 2026-12-04:
50-90 s with ironic-lite-agent, 105-119 s with IPA, virtual media faster than iPXE
(benchmarks/results/vm_deploy-2026-12-04.json, docs/real-hardware.md). Needs root and the VM
lab's packages (docs/lab.md); the ramdisks are built on the first run (minutes).
"""

import argparse
import json
import os
import platform
import sys
import tempfile
import time

from ironic_lite.lab import vmstack
from ironic_lite.ramdisk import build
from tests.lab import vm_flow as flow

PATHS = {"vmedia": "lab-vm-0", "pxe": "lab-vm-1"}  # the lab's first VM is its Redfish one
SERVICE_CONF = flow.SERVICE_CONF.replace("fast_track = true", "fast_track = false")


def _log(message: str) -> None:
    print(f"[vm_deploy] {message}", file=sys.stderr, flush=True)


def _heartbeat_after(conn, uuid: str, since: float) -> bool:
    info = conn.baremetal.get_node(uuid).driver_internal_info or {}
    beat = info.get("agent_last_heartbeat")
    if not beat:
        return False
    if isinstance(beat, str):
        from datetime import datetime

        beat = datetime.fromisoformat(beat.replace("Z", "+00:00")).timestamp()
    return float(beat) >= since


def _deploy_once(lab, conn, name: str, uuid: str, ramdisk: dict, kernel: str, marker: str):
    nodes = {name: uuid}
    node = conn.baremetal.get_node(uuid)
    conn.baremetal.update_node(uuid, automated_clean=False)
    flow.set_ramdisk(conn, uuid, ramdisk)
    flow.set_root_device(conn, uuid)
    if node.provision_state != "available":
        if node.provision_state != "manageable":
            conn.baremetal.set_node_provision_state(uuid, "manage")
            flow.settle(lab, conn, nodes, "manageable", 120, "manage")
        conn.baremetal.set_node_provision_state(uuid, "provide")
        flow.settle(lab, conn, nodes, "available", 300, "provide")
    conn.baremetal.update_node(uuid, instance_info=flow.publish_disk_image(lab, marker, kernel))
    before = flow.last_boot(lab, name)
    wall, started = time.time(), time.monotonic()
    conn.baremetal.set_node_provision_state(uuid, "active")
    heartbeat = active = None
    deadline = started + 1800
    while active is None:
        if heartbeat is None and _heartbeat_after(conn, uuid, wall):
            heartbeat = time.monotonic() - started
        found = conn.baremetal.get_node(uuid)
        if found.provision_state == "active":
            active = time.monotonic() - started
        elif found.provision_state in flow.FAILED or time.monotonic() > deadline:
            raise flow.FlowError(
                f"{name}: {found.provision_state} ({found.last_error})\n"
                + flow.serial_report(lab, [name])
            )
        time.sleep(1)
    flow.wait_marker(lab, name, marker, 600, after_boot=before, device="disk")
    seen = time.monotonic() - started
    conn.baremetal.set_node_provision_state(uuid, "deleted")
    flow.settle(lab, conn, nodes, "available", 300, "undeploy")
    return {
        "to_first_heartbeat_s": round(heartbeat, 1) if heartbeat is not None else None,
        "to_active_s": round(active, 1),
        "to_marker_s": round(seen, 1),
    }


def run(agents: list[str], paths: list[str], state_dir: str) -> dict:
    manifests = {agent: build.build(build.Recipe(agent=agent)) for agent in agents}
    kernel = next(iter(manifests.values()))["kernel"]
    lab = vmstack.VmLab(
        state_dir,
        nodes=2,
        redfish=1,
        firmwares=("uefi",),
        disk_size="1G",
        with_service=True,
        service_conf=SERVICE_CONF,
        ramdisk=next(iter(manifests.values())),
    )
    results = []
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    try:
        _log(f"starting the VM lab in {state_dir}")
        lab.up()
        conn = flow.connect(lab)
        ramdisks = {agent: flow.publish_ramdisk(lab, m) for agent, m in manifests.items()}
        for agent in agents:
            for path in paths:
                name = PATHS[path]
                uuid = lab.state["nodes"][name]
                marker = f"ironic-lite benchmark instance on {name}"
                _log(f"{agent} over {path} ({name})")
                figures = _deploy_once(lab, conn, name, uuid, ramdisks[agent], kernel, marker)
                boot = conn.baremetal.get_node(uuid).boot_interface
                results.append({"agent": agent, "path": path, "boot_interface": boot, **figures})
                _log(json.dumps(results[-1]))
    finally:
        lab.down(remove=False)
    return {
        "benchmark": "vm_deploy",
        "what": "seconds from the deploy request to the instance's marker on the serial console",
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "host": {"cpus": os.cpu_count(), "machine": platform.machine()},
        "accel": lab.state.get("accel", {}).get("name"),
        "load_average": {"start": load_at_start, "end": [round(x, 2) for x in os.getloadavg()]},
        "vm": {"firmware": "uefi", "memory_mb": lab.memory_mb, "cpus": 1, "disk": "1G"},
        "ramdisks": {
            agent: {
                "initramfs_mib": round(m["sizes"]["initramfs"] / 2**20, 1),
                "kernel": m["kernel_version"],
            }
            for agent, m in manifests.items()
        },
        "image_mib": 32,
        "results": results,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.vm_deploy", description=__doc__)
    parser.add_argument("--agents", default="lite,ipa", help="comma-separated: lite, ipa")
    parser.add_argument("--paths", default="pxe,vmedia", help="comma-separated: pxe, vmedia")
    parser.add_argument("--state-dir", help="the lab's directory (default: a temporary one)")
    parser.add_argument("--out", help="also write the JSON here")
    args = parser.parse_args(argv)
    agents = [a for a in args.agents.split(",") if a]
    paths = [p for p in args.paths.split(",") if p]
    if os.geteuid() != 0:
        print("the VM lab needs root (network namespaces, TAP devices)", file=sys.stderr)
        return 1
    if not set(agents) <= {"lite", "ipa"} or not set(paths) <= set(PATHS):
        parser.error("agents: lite, ipa; paths: pxe, vmedia")
    with tempfile.TemporaryDirectory(prefix="vm-deploy-") as tmp:
        report = run(agents, paths, args.state_dir or os.path.join(tmp, "vmlab"))
    text = json.dumps(report, indent=1)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
