"""``ironic-lite-lab``: a fleet of emulated machines next to ironic-lite, for trying it out.

    ironic-lite-lab up --nodes 4 [--with-service] [--api-url URL] [--state-dir DIR]
    ironic-lite-lab up --machines vm --nodes 2 [--with-service] [--agent lite|ipa]
    ironic-lite-lab status
    ironic-lite-lab enroll          # when `up` found no API yet
    ironic-lite-lab down

``up`` starts the Redfish emulator and IPMI BMCs (half the machines each), the machine
simulator and a file server on 127.0.0.1, enrolls a node per machine and prints the
``openstack baremetal`` commands to take one through manage, provide and deploy. Everything
it started is recorded by PID in the state directory; ``down`` stops it by PID.

``--machines vm`` makes each machine a QEMU VM instead (``ironic_lite.lab.vmstack``): real
firmware, a real deploy ramdisk, NICs on a bridge in a network namespace of the lab's own.
"""

import argparse
import json
import os
import sys

from ironic_lite.lab import vmstack
from ironic_lite.lab.stack import LabError, LabStack

DEFAULT_STATE_DIR = "~/.local/state/ironic-lite-lab"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ironic-lite-lab",
        description="Emulated machines (Redfish and IPMI BMCs, simulated hardware running "
        "the agent) next to ironic-lite, started and stopped by PID.",
    )
    parser.add_argument(
        "--state-dir",
        default=os.environ.get("IRONIC_LITE_LAB_DIR", DEFAULT_STATE_DIR),
        help=f"where the lab keeps its processes' state (default {DEFAULT_STATE_DIR})",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start the lab and enroll its machines")
    up.add_argument(
        "--machines",
        choices=["sim", "vm"],
        default="sim",
        help="simulated machines (default: fast, the agent runs on the host) or QEMU VMs "
        "(real firmware and ramdisk; needs root, see docs/lab.md)",
    )
    up.add_argument("--nodes", type=int, help="machines in all (default 4; vm: 2)")
    up.add_argument(
        "--redfish", type=int, help="how many of them are Redfish machines (default: half)"
    )
    up.add_argument("--api-url", default="http://127.0.0.1:6385", help="the ironic-lite API")
    up.add_argument(
        "--with-service",
        action="store_true",
        help="also start ironic-lite (all-in-one, SQLite in the state directory) at --api-url",
    )
    up.add_argument("--disk-size", default="64M", help="each machine's disk (default 64M)")
    up.add_argument(
        "--heartbeat-interval", type=float, default=2.0, help="agents' heartbeat interval (s)"
    )
    up.add_argument(
        "--agent",
        choices=["lite", "ipa"],
        default="lite",
        help="the ramdisk's agent: ironic-lite-agent (default) or stock ironic-python-agent",
    )
    up.add_argument("--no-enroll", action="store_true", help="start the lab, enroll nothing")
    up.add_argument("--memory", type=int, default=1536, help="(vm) MiB of RAM per VM")
    up.add_argument("--vm-disk-size", default="4G", help="(vm) each VM's qcow2 disk")
    up.add_argument(
        "--firmware",
        default="uefi,bios",
        help="(vm) firmwares, cycled over the VMs: uefi (OVMF), bios (SeaBIOS); default uefi,bios",
    )
    up.add_argument("--subnet", default=vmstack.DEFAULT_SUBNET, help="(vm) the lab's network")
    up.add_argument("--api-port", type=int, default=6385, help="(vm) host port of the API")
    up.add_argument(
        "--ports",
        choices=["all", "boot", "none"],
        default="all",
        help="ports to enroll: all NICs (default), the boot NIC only (inspection adds the "
        "rest), none",
    )
    sub.add_parser("down", help="stop everything the lab started and remove its directory")
    sub.add_parser("status", help="show what runs and what each machine does")
    sub.add_parser("enroll", help="enroll the lab's machines (the API was not up at `up`)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "up" and args.machines == "vm":
            return _vm_up(args)
        if args.command != "up" and _is_vm_lab(args.state_dir):
            return _vm_command(args)
        if args.command == "up":
            stack = LabStack(
                args.state_dir,
                nodes=4 if args.nodes is None else args.nodes,
                redfish=args.redfish,
                api_url=args.api_url,
                with_service=args.with_service,
                disk_size=args.disk_size,
                heartbeat_interval=args.heartbeat_interval,
                ports=args.ports,
                agent=args.agent,
            )
            stack.up(enroll=False)
            enrolled = False
            if not args.no_enroll:
                try:
                    stack.enroll()
                    enrolled = True
                except LabError as exc:
                    print(f"Not enrolled: {exc}", file=sys.stderr)
            print(guide(stack, enrolled))
        elif args.command == "down":
            stack = LabStack.load(args.state_dir)
            stopped = stack.down()
            print("stopped: " + (", ".join(stopped) or "nothing was running"))
        elif args.command == "status":
            print(format_status(LabStack.load(args.state_dir).status()))
        elif args.command == "enroll":
            stack = LabStack.load(args.state_dir)
            print(json.dumps(stack.enroll(), indent=1))
    except (LabError, TimeoutError) as exc:
        print(f"ironic-lite-lab {args.command}: {exc}", file=sys.stderr)
        return 1
    return 0


def _is_vm_lab(state_dir: str) -> bool:
    try:
        with open(os.path.join(os.path.expanduser(state_dir), "state.json")) as f:
            return json.load(f).get("machines") == "vm"
    except (OSError, ValueError):
        return False


def _vm_up(args) -> int:
    lab = vmstack.VmLab(
        args.state_dir,
        nodes=2 if args.nodes is None else args.nodes,
        redfish=args.redfish,
        firmwares=tuple(f.strip() for f in args.firmware.split(",") if f.strip()),
        memory_mb=args.memory,
        disk_size=args.vm_disk_size,
        subnet=args.subnet,
        with_service=args.with_service,
        agent=args.agent,
        api_port=args.api_port,
    )
    try:
        lab.up(enroll=not args.no_enroll)
    except (vmstack.LabError, TimeoutError, OSError, RuntimeError) as exc:
        print(f"ironic-lite-lab up: {exc}", file=sys.stderr)
        return 1
    print(vm_guide(lab))
    return 0


def _vm_command(args) -> int:
    try:
        lab = vmstack.VmLab.load(args.state_dir)
        if args.command == "down":
            print("stopped: " + (", ".join(lab.down()) or "nothing was running"))
        elif args.command == "status":
            print(format_vm_status(lab.status()))
        elif args.command == "enroll":
            print(json.dumps(lab.enroll(), indent=1))
    except (vmstack.LabError, TimeoutError) as exc:
        print(f"ironic-lite-lab {args.command}: {exc}", file=sys.stderr)
        return 1
    return 0


def vm_guide(lab: vmstack.VmLab) -> str:
    state = lab.state
    urls = lab.urls
    lines = [
        f"VM lab up in {lab.state_dir} (namespace {state['netns']}, bridge "
        f"{state['address']}, {state['accel']['name'].upper()}: {state['accel']['reason']}).",
        f"Ramdisk: {state['ramdisk']['agent']} ({state['ramdisk']['directory']}).",
        "",
        f"  {'VM':<10} {'BMC':<8} {'firmware':<8} {'MAC':<18} serial log",
    ]
    for vm in state["vms"]:
        bmc = vm["kind"]
        lines.append(
            f"  {vm['name']:<10} {bmc:<8} {vm['firmware']:<8} {vm['macs'][0]:<18} "
            f"{vm['serial_log']}"
        )
    lines += ["", "From this host (forwarded into the namespace):"]
    for name, url in urls.items():
        lines.append(f"  {name:<8} {url}")
    for name, port in state.get("ipmi_ports", {}).items():
        vm = next(v for v in state["vms"] if v["name"] == name)
        lines.append(
            f"  ipmi     ipmitool -I lanplus -H 127.0.0.1 -p {port} -U admin "
            f"-P {vm['ipmi_password']} power status   # {name}"
        )
    if "api" in urls:
        first = next(iter(state.get("nodes") or {}), "lab-vm-0")
        lines += [
            "",
            f"    export OS_AUTH_TYPE=none OS_ENDPOINT={urls['api']}",
            "    openstack baremetal node list",
            f"    openstack baremetal node manage {first} --wait 300",
        ]
    lines += ["", "Status: ironic-lite-lab status. Stop it all: ironic-lite-lab down"]
    return "\n".join(lines)


def format_vm_status(status: dict) -> str:
    accel = status.get("accel") or {}
    lines = [
        f"VM lab in {status['state_dir']} (namespace {status['netns']}, bridge "
        f"{status['address']}, {accel.get('name', '?').upper()})",
        "",
    ]
    for name, proc in status["processes"].items():
        state = "running" if proc["running"] else "NOT RUNNING"
        url = status["urls"].get("api" if name == "service" else name, "")
        lines.append(f"  {name:<8} pid {proc['pid']:<8} {state:<12} {url}")
    for name, vm in status["vms"].items():
        node = status["nodes"].get(name, "")
        lines += [
            "",
            f"  {name} ({vm['kind']}, {vm['firmware']}, boot {vm['boot_device']}): "
            f"power {vm['power']}, {vm['boots']} boots {node}",
        ]
        lines += [f"    | {line}" for line in vm["serial_tail"]]
    return "\n".join(lines)


def guide(stack: LabStack, enrolled: bool) -> str:
    """What to type next: the environment, then a node through manage, provide, deploy."""
    state = stack.state
    image = state["image"]
    running = ", ".join(f"{n} (pid {p['pid']})" for n, p in state["processes"].items())
    nodes = state.get("nodes") or {}
    first = next(iter(nodes), "lab-redfish-0")
    lines = [
        f"Lab up in {stack.state_dir}: {running}.",
        f"Machines: {len(stack.machines())} ({stack.redfish_count} Redfish, "
        f"{stack.ipmi_count} IPMI); disks are files under {stack.path('machines')}.",
    ]
    if not enrolled:
        lines.append("Nodes are not enrolled yet: `ironic-lite-lab enroll` once the API is up.")
    lines += [
        "",
        "Drive a node (pip install python-openstackclient python-ironicclient):",
        "",
        f"    export OS_AUTH_TYPE=none OS_ENDPOINT={stack.api_url}",
        "    openstack baremetal node list",
        f"    openstack baremetal node manage {first} --wait 120",
        f"    openstack baremetal node inspect {first} --wait 300",
        f"    openstack baremetal node provide {first} --wait 600",
        f"    openstack baremetal node set {first} \\",
        f"        --instance-info image_source={image['url']} \\",
        f"        --instance-info image_disk_format={image['disk_format']} \\",
        "        --instance-info image_os_hash_algo=sha256 \\",
        f"        --instance-info image_os_hash_value={image['sha256']}",
        f"    openstack baremetal node deploy {first} --wait 600",
        "    ironic-lite-lab status",
        "",
        f"The image ({image['disk_format']}, sha256 {image['sha256']}) puts "
        f"{image['size']} bytes with sha256 {image['raw_sha256']} at the start of the disk:",
        f"    head -c {image['size']} {stack.path('machines', first, 'disks', 'sda.img')}"
        " | sha256sum",
        "Events: " + stack.path("events.jsonl") + ". Stop it all: ironic-lite-lab down",
    ]
    return "\n".join(lines)


def format_status(status: dict) -> str:
    lines = [f"Lab in {status['state_dir']} (API {status['api_url']})", ""]
    for name, proc in status["processes"].items():
        where = proc.get("url") or proc.get("control") or ""
        state = "running" if proc["running"] else "NOT RUNNING"
        lines.append(f"  {name:<10} pid {proc['pid']:<8} {state:<12} {where}")
    if status["machines"]:
        lines += ["", f"  {'machine':<16} {'node':<37} {'power':<6} {'status':<14} agent"]
        for name, m in status["machines"].items():
            agent = m.get("agent_url") or (f"pid {m['agent_pid']}" if m.get("agent_pid") else "")
            if m.get("status") == "disk" and m.get("disk_image"):
                agent = f"image {m['disk_image']}"
            node = status["nodes"].get(name, "-")
            lines.append(f"  {name:<16} {node:<37} {m['power']:<6} {m['status']:<14} {agent}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
