"""Run IPA where it cannot reach this host's disks, power or network settings.

    unshare --mount --pid --fork --propagation private --mount-proc --kill-child=SIGKILL -- \
        python -m ironic_lite.lab.ipa.sandbox --machine DIR --venv V --bin B --cmdline F \
        -- ironic-python-agent ARGS

IPA is written to run as root on a ramdisk: it lists ``/sys/block``, writes block devices,
runs ``poweroff`` and, when that fails, ``echo o > /proc/sysrq-trigger``. Here it runs as
root on a host that is not its own, so this process (PID 1 of a new PID namespace, in a new
mount namespace whose mounts propagate nowhere) builds its world first:

- ``/dev`` is a fresh tmpfs with null, zero, random, urandom, tty and a private devpts:
  no disk node exists, and IPA cannot make one (CAP_MKNOD is dropped);
- ``/sys/block``, ``/sys/class/block`` and ``/sys/dev/block`` are empty read-only tmpfs;
- ``/proc`` is the namespace's own; ``/proc/cmdline`` is the machine's kernel command line
  (``ipa-api-url`` ...), ``/proc/sysrq-trigger`` is ``/dev/null``;
- ``/etc`` is an overlay whose writable layer is a tmpfs: what IPA writes there (the rescue
  password, ``/etc/.rescued``) never reaches this host's ``/etc``; IPA's rescue password file
  directory, ``/etc/ipa-rescue-config``, is the machine's ``ipa/rescue-config``;
- ``TMPDIR`` is the machine's own directory (IPA's image cache);
- PATH starts with the lab's tools (``ironic_lite.lab.ipa.tools``), which act on the
  machine's disk files and refuse any real device;
- IPA runs without CAP_SYS_ADMIN, CAP_MKNOD, CAP_SYS_BOOT, CAP_SYS_RAWIO, CAP_SYS_MODULE,
  CAP_SYS_TIME and CAP_NET_ADMIN: it can mount nothing, load no module, set no clock, change
  no interface, and a ``reboot(2)`` from inside a PID namespace only ends the namespace.

Any step that does not hold (a shared mount, a block device still visible) stops here with
exit code 70 and the reason on stderr, before IPA starts.
"""

import argparse
import os
import signal
import stat
import subprocess
import sys
import time

SANDBOX_FAILED = 70
DROPPED_CAPS = (
    "sys_admin",
    "mknod",
    "sys_boot",
    "sys_rawio",
    "sys_module",
    "sys_time",
    "net_admin",
)
_CHAR_DEVICES = {"null": (1, 3), "zero": (1, 5), "random": (1, 8), "urandom": (1, 9), "tty": (5, 0)}
_MASKED = ("/sys/block", "/sys/class/block", "/sys/dev/block")


class SandboxError(RuntimeError):
    pass


def _mount(*argv: str) -> None:
    result = subprocess.run(["mount", *argv], capture_output=True, text=True, timeout=30)
    if result.returncode:
        raise SandboxError(f"mount {' '.join(argv)}: {result.stderr.strip()}")


def check_private() -> None:
    """Refuse to go on unless this is PID 1 of its namespace and no mount is shared."""
    if os.getpid() != 1:
        raise SandboxError("not PID 1 of a new PID namespace (run under unshare --pid --fork)")
    with open("/proc/self/mountinfo") as f:
        shared = [line.split()[4] for line in f if " shared:" in line]
    if shared:
        raise SandboxError(f"mounts still propagate to the host: {', '.join(shared[:5])}")


def build_dev() -> None:
    _mount("-t", "tmpfs", "-o", "mode=0755,nosuid,size=1m", "lab-dev", "/dev")
    for name, (major, minor) in _CHAR_DEVICES.items():
        os.mknod(f"/dev/{name}", 0o666 | stat.S_IFCHR, os.makedev(major, minor))
        os.chmod(f"/dev/{name}", 0o666)
    os.mkdir("/dev/pts")
    _mount("-t", "devpts", "-o", "newinstance,ptmxmode=0666,mode=0620", "devpts", "/dev/pts")
    os.symlink("pts/ptmx", "/dev/ptmx")
    os.mkdir("/dev/shm")
    _mount("-t", "tmpfs", "-o", "mode=1777,nosuid,nodev,size=16m", "lab-shm", "/dev/shm")
    for name, target in (
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ):
        os.symlink(target, f"/dev/{name}")


def mask_sys() -> None:
    for path in _MASKED:
        if os.path.isdir(path):
            _mount("-t", "tmpfs", "-o", "ro,mode=0555,size=4k", "lab-masked", path)


def bind(source: str, target: str) -> None:
    _mount("--bind", source, target)


RESCUE_CONFIG = "/etc/ipa-rescue-config"


def overlay_etc(machine: str) -> None:
    """``/etc`` writable for IPA, its writes kept in a tmpfs (and the rescue password file in
    the machine's directory, where the lab reads it)."""
    rw = os.path.join(machine, "ipa", "etc-rw")
    os.makedirs(rw, exist_ok=True)
    _mount("-t", "tmpfs", "-o", "mode=0755,size=16m", "lab-etc-rw", rw)
    for name in ("upper", "work"):
        os.mkdir(os.path.join(rw, name))
    _mount(
        "-t",
        "overlay",
        "-o",
        f"lowerdir=/etc,upperdir={rw}/upper,workdir={rw}/work",
        "lab-etc",
        "/etc",
    )
    rescue = os.path.join(machine, "ipa", "rescue-config")
    os.makedirs(rescue, exist_ok=True)
    os.makedirs(RESCUE_CONFIG, exist_ok=True)
    bind(rescue, RESCUE_CONFIG)


def verify() -> None:
    """No block device under /dev, nothing listed under the masked /sys directories."""
    for root, _dirs, files in os.walk("/dev"):
        for name in files:
            path = os.path.join(root, name)
            mode = os.lstat(path).st_mode
            if stat.S_ISBLK(mode):
                raise SandboxError(f"{path} is a block device")
    for path in _MASKED:
        if os.path.isdir(path) and os.listdir(path):
            raise SandboxError(f"{path} still lists devices")
    with open("/proc/self/mountinfo") as f:
        etc = [line.split() for line in f if line.split()[4] == "/etc"]
    if not etc or "overlay" not in etc[-1]:
        raise SandboxError("/etc is not the sandbox's overlay")


def build(machine: str, cmdline: str) -> None:
    check_private()
    build_dev()
    mask_sys()
    overlay_etc(machine)
    bind(cmdline, "/proc/cmdline")
    if os.path.exists("/proc/sysrq-trigger"):
        bind("/dev/null", "/proc/sysrq-trigger")
    verify()


def run(argv: list[str], env: dict) -> int:
    """Start IPA without the dropped capabilities; reap every child; stop on SIGTERM."""
    bounding = ",".join(f"-{cap}" for cap in DROPPED_CAPS)
    child = subprocess.Popen(["setpriv", "--bounding-set", bounding, "--", *argv], env=env)
    stopping = {"signal": None}

    def stop(signum, _frame):
        stopping["signal"] = signum
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    deadline = None
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        if pid == child.pid:
            child.returncode = os.waitstatus_to_exitcode(status)
            break
        if stopping["signal"] and deadline is None:
            deadline = time.monotonic() + 5
    # PID 1 leaving ends every process left in the namespace.
    if stopping["signal"]:
        return 0
    return child.returncode if child.returncode is not None else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ironic_lite.lab.ipa.sandbox")
    parser.add_argument("--machine", required=True, help="the simulated machine's directory")
    parser.add_argument("--cmdline", required=True, help="file with the kernel command line")
    parser.add_argument("--bin", required=True, help="directory of the lab's tools")
    parser.add_argument("--agent-path", required=True, help="directory holding ironic_lite_agent/")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command to run")
    machine = os.path.abspath(args.machine)
    tmp = os.path.join(machine, "ipa", "tmp")
    os.makedirs(tmp, exist_ok=True)
    try:
        build(machine, args.cmdline)
    except (SandboxError, OSError) as exc:
        print(f"ironic-lite lab sandbox: refusing to start IPA: {exc}", file=sys.stderr)
        return SANDBOX_FAILED
    env = {
        "PATH": f"{args.bin}:{os.path.dirname(command[0])}:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": os.path.join(machine, "ipa"),
        "LANG": "C.UTF-8",
        # IPA's image cache and temporary files (not /tmp itself: the machine may live there).
        "TMPDIR": tmp,
        "IRONIC_LITE_LAB_MACHINE": machine,
        "IRONIC_LITE_LAB_AGENT_PATH": args.agent_path,
    }
    return run(command, env)


if __name__ == "__main__":
    sys.exit(main())
