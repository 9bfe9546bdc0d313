"""``ironic-lite-agent``: run the agent, or create a simulated machine.

    ironic-lite-agent --api-url URL --hardware simulated:/path/to/dir --listen 127.0.0.1:0
    ironic-lite-agent make-machine DIR --disks 2 --disk-size 64M --mac 52:54:00:00:00:01
    ironic-lite-agent --hardware real            # in a ramdisk: ipa-* from /proc/cmdline

The agent runs in a ramdisk where there is no config file to speak of, so its options are
plain command-line flags (argparse), each with a default that fits a ramdisk. Without
``--api-url`` they start from the kernel command line, IPA's ``ipa-*`` parameters
(``ironic_lite_agent.cmdline``); flags given here win over them.
"""

import argparse
import json
import logging
import os
import signal
import sys

from ironic_lite_agent import __version__, cmdline
from ironic_lite_agent.hardware import load_backend
from ironic_lite_agent.retry import RetryPolicy
from ironic_lite_agent.service import Agent, AgentConfig


def parse_listen(value: str) -> tuple[str, int]:
    """``host:port``, ``[v6]:port`` or ``:port``."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise argparse.ArgumentTypeError(f"--listen wants HOST:PORT, got {value!r}")
    return host.strip("[]") or "0.0.0.0", int(port)


def run_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ironic-lite-agent",
        description="The in-ramdisk agent of ironic-lite (subcommand: make-machine DIR).",
    )
    p.add_argument("--version", action="version", version=__version__)
    p.add_argument(
        "--api-url",
        help="root URL of the ironic-lite API (default: ipa-api-url of the kernel command line)",
    )
    p.add_argument(
        "--cmdline-file",
        default=cmdline.CMDLINE,
        help="where to read ipa-* parameters when --api-url is not given (default /proc/cmdline)",
    )
    p.add_argument(
        "--hardware", default="real", help="'real' or 'simulated:/path/to/machine' (default: real)"
    )
    p.add_argument(
        "--listen",
        type=parse_listen,
        default=("0.0.0.0", 9999),
        help="address of the agent API, HOST:PORT; port 0 picks a free one (default 0.0.0.0:9999)",
    )
    p.add_argument(
        "--advertise-url",
        help="callback URL sent with heartbeats (default: from --listen and the route to the API)",
    )
    p.add_argument("--cert-file", help="serve the agent API over TLS with this certificate")
    p.add_argument("--key-file", help="private key of --cert-file")
    p.add_argument(
        "--token-file",
        help="file holding the agent token, for when the lookup "
        "does not hand it out (e.g. a token given through virtual media)",
    )
    p.add_argument("--node-uuid", help="node UUID to pass to the lookup")
    p.add_argument(
        "--inspect",
        action="store_true",
        help="POST the inventory to /v1/continue_inspection before the lookup",
    )
    p.add_argument(
        "--inspection-url",
        help="where --inspect POSTs (default: /v1/continue_inspection of --api-url)",
    )
    p.add_argument(
        "--request-id",
        help="X-OpenStack-Request-ID sent with every API call (ipa-global-request-id)",
    )
    p.add_argument(
        "--allow-md5",
        action="store_true",
        help="accept images verified by an md5 checksum (refused by default)",
    )
    p.add_argument("--insecure", action="store_true", help="do not verify TLS of API and images")
    p.add_argument("--ca-file", help="CA bundle to verify the API and image servers with")
    p.add_argument(
        "--heartbeat-interval",
        type=float,
        help="fixed heartbeat interval in seconds (default: 0.3-0.6 x the "
        "heartbeat_timeout from the lookup)",
    )
    p.add_argument(
        "--lookup-timeout",
        type=float,
        default=300.0,
        help="seconds to keep trying the lookup before exiting (default 300)",
    )
    p.add_argument(
        "--api-retries",
        type=int,
        default=5,
        help="tries of each inspection call to the API (default 5)",
    )
    p.add_argument(
        "--download-retries",
        type=int,
        default=4,
        help="tries of an image download, resuming where it broke (default 4)",
    )
    p.add_argument(
        "--work-dir",
        default="/var/lib/ironic-lite-agent",
        help="temporary files of the real backend (qcow2 downloads)",
    )
    p.add_argument(
        "--log-file",
        help="the agent's own log (default: agent.log in the "
        "simulated machine's directory; none for real hardware)",
    )
    p.add_argument("--debug", action="store_true", help="log at DEBUG level")
    return p


def machine_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ironic-lite-agent make-machine", description="Create a simulated machine directory."
    )
    p.add_argument("directory")
    p.add_argument("--disks", type=int, default=1)
    p.add_argument("--disk-size", default="64M", help="size of each disk: 64M, 1G, bytes")
    p.add_argument(
        "--mac",
        "--macs",
        dest="macs",
        action="append",
        help="a NIC's MAC (repeat, or comma-separated); default two generated MACs",
    )
    p.add_argument("--boot-mode", choices=("uefi", "bios"), default="uefi")
    p.add_argument("--cpus", type=int, default=4)
    p.add_argument("--memory-mb", type=int, default=4096)
    p.add_argument("--bmc-address", default="127.0.0.1")
    p.add_argument(
        "--erase-method",
        action="append",
        choices=("nvme", "ata", "shred"),
        help="how each disk would be erased (repeat per disk; default shred)",
    )
    return p


def make_machine_main(argv: list[str]) -> int:
    from ironic_lite_agent.hardware.simulated import make_machine

    args = machine_parser().parse_args(argv)
    macs = [m for value in args.macs or [] for m in value.split(",") if m]
    hardware = make_machine(
        args.directory,
        disks=args.disks,
        disk_size=args.disk_size,
        macs=macs or None,
        boot_mode=args.boot_mode,
        cpus=args.cpus,
        memory_mb=args.memory_mb,
        bmc_address=args.bmc_address,
        erase_methods=args.erase_method,
    )
    json.dump(
        {
            "directory": os.path.abspath(args.directory),
            "macs": [n["mac"] for n in hardware["nics"]],
            "disks": [d["name"] for d in hardware["disks"]],
        },
        sys.stdout,
    )
    print()
    return 0


def _setup_logging(log_file: str | None, debug: bool) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if log_file:
        handlers.append(logging.FileHandler(log_file))
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    logging.getLogger("urllib3").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "make-machine":
        return make_machine_main(argv[1:])
    parser = run_parser()
    args = parser.parse_args(argv)
    if args.api_url is None:
        # A ramdisk: what the boot configuration says first, then the flags given here.
        from_kernel = cmdline.agent_args(cmdline.parse(cmdline.read(args.cmdline_file)))
        args = parser.parse_args(from_kernel + argv)
        if args.api_url is None:
            parser.error(f"no --api-url and no ipa-api-url in {args.cmdline_file}")
    kind, _, directory = args.hardware.partition(":")
    log_file = args.log_file or (
        os.path.join(directory, "agent.log") if kind == "simulated" else None
    )
    _setup_logging(log_file, args.debug)
    options = {"work_dir": args.work_dir, "log_file": log_file} if kind == "real" else {}
    if kind == "real" and os.environ.get("IRONIC_LITE_AGENT_LLDP", "1") != "0":
        from ironic_lite_agent import lldp

        options["lldp_reader"] = lambda names: lldp.listen(names, timeout=30.0)
    backend = load_backend(args.hardware, **options)
    config = AgentConfig(
        api_url=args.api_url,
        listen_host=args.listen[0],
        listen_port=args.listen[1],
        advertise_url=args.advertise_url,
        cert_file=args.cert_file,
        key_file=args.key_file,
        token_file=args.token_file,
        node_uuid=args.node_uuid,
        inspect=args.inspect,
        inspection_url=args.inspection_url,
        request_id=args.request_id,
        allow_md5=args.allow_md5,
        insecure=args.insecure,
        ca_file=args.ca_file,
        heartbeat_interval=args.heartbeat_interval,
        lookup_timeout=args.lookup_timeout,
        api_retry=RetryPolicy(
            attempts=max(1, args.api_retries), initial=0.5, maximum=5.0, deadline=60.0
        ),
        download_retry=RetryPolicy(
            attempts=max(1, args.download_retries), initial=0.5, maximum=5.0, deadline=600.0
        ),
    )
    agent = Agent(config, backend)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: agent.stop("signal"))
    return agent.run()


if __name__ == "__main__":
    sys.exit(main())
