"""One lab VM as QEMU sees it: its command line, and a small QMP client.

A VM is a q35 machine with a virtio disk (qcow2), a CD-ROM drive on the built-in AHCI
controller, virtio NICs on TAP devices (QEMU's virtio ROM is iPXE, so network boots are iPXE
under both firmwares) and its first serial port appended to a log file. The firmware is OVMF
(UEFI, with a per-VM copy of its variable store) or SeaBIOS (legacy BIOS, with its screen sent
to the serial port). The boot device is
expressed as ``bootindex`` order, which both firmwares follow: the device asked for first, then
the others.
"""

import dataclasses
import json
import os
import socket
import time

OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
BOOT_DEVICES = ("pxe", "disk", "cd")


@dataclasses.dataclass
class VmSpec:
    """What a VM is made of (fixed at ``up``); where it boots from is decided per start."""

    name: str
    directory: str
    macs: list[str]
    taps: list[str]
    memory_mb: int = 1536
    cpus: int = 1
    disk_size: str = "4G"

    @property
    def disk(self) -> str:
        return os.path.join(self.directory, "disk.qcow2")

    @property
    def nvram(self) -> str:
        return os.path.join(self.directory, "OVMF_VARS.fd")

    @property
    def serial_log(self) -> str:
        return os.path.join(self.directory, "serial.log")

    @property
    def qmp_socket(self) -> str:
        return os.path.join(self.directory, "qmp.sock")


def argv(
    spec: VmSpec,
    firmware: str,
    device: str,
    accel_args: list[str],
    media: str | None = None,
) -> list[str]:
    """The QEMU command line that boots ``spec`` with ``firmware`` (uefi|bios) from
    ``device`` (pxe|disk|cd) first, with ``media`` in the CD drive."""
    order = [device] + [d for d in BOOT_DEVICES if d != device]
    index = {d: i + 1 for i, d in enumerate(order)}
    args = ["qemu-system-x86_64", "-name", f"ironic-lite-lab:{spec.name}", *accel_args]
    args += ["-machine", "q35", "-m", str(spec.memory_mb), "-smp", str(spec.cpus)]
    args += ["-nodefaults", "-display", "none", "-no-user-config"]
    args += ["-chardev", f"file,id=serial0,path={spec.serial_log},append=on"]
    args += ["-serial", "chardev:serial0"]
    args += ["-qmp", f"unix:{spec.qmp_socket},server=on,wait=off"]
    args += ["-object", "rng-random,id=rng0,filename=/dev/urandom"]
    args += ["-device", "virtio-rng-pci,rng=rng0"]
    if firmware == "uefi":
        args += ["-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={OVMF_CODE}"]
        args += ["-drive", f"if=pflash,format=raw,unit=1,file={spec.nvram}"]
    else:
        # SeaBIOS writes its screen to the serial port named in this fw_cfg file (0x3f8,
        # little-endian): without it a BIOS VM's log stays empty until the kernel speaks.
        sercon = os.path.join(spec.directory, "sercon-port")
        with open(sercon, "wb") as f:
            f.write(b"\xf8\x03")
        args += ["-fw_cfg", f"name=etc/sercon-port,file={sercon}"]
    args += ["-drive", f"if=none,id=disk0,format=qcow2,file={spec.disk}"]
    args += ["-device", f"virtio-blk-pci,drive=disk0,id=disk,bootindex={index['disk']}"]
    cd = "if=none,id=cd0,media=cdrom,readonly=on"
    if media:
        cd += f",format=raw,file={media}"
    args += ["-drive", cd, "-device", f"ide-cd,drive=cd0,id=cdrom,bootindex={index['cd']}"]
    for n, (mac, tap) in enumerate(zip(spec.macs, spec.taps, strict=True)):
        args += ["-netdev", f"tap,id=net{n},ifname={tap},script=no,downscript=no"]
        nic = f"virtio-net-pci,netdev=net{n},mac={mac},id=nic{n}"
        if n == 0:
            nic += f",bootindex={index['pxe']}"
        args += ["-device", nic]
    return args


class QmpError(Exception):
    pass


class Qmp:
    """QMP over the VM's unix socket: one connection per command (the lab sends few)."""

    def __init__(self, path: str, timeout: float = 10.0):
        self.path = path
        self.timeout = timeout

    def command(self, name: str, **arguments) -> dict:
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(self.timeout)
                sock.connect(self.path)
                break
            except OSError as exc:
                sock.close()
                if time.monotonic() > deadline:
                    raise QmpError(f"cannot reach QMP at {self.path}: {exc}") from exc
                time.sleep(0.1)
        with sock, sock.makefile("rwb") as stream:
            _read_reply(stream)  # the greeting
            for request in ({"execute": "qmp_capabilities"}, {"execute": name}):
                if request["execute"] == name and arguments:
                    request["arguments"] = arguments
                stream.write(json.dumps(request).encode() + b"\n")
                stream.flush()
                reply = _read_reply(stream)
                if "error" in reply:
                    raise QmpError(f"{request['execute']}: {reply['error'].get('desc')}")
            return reply.get("return", {})


def _read_reply(stream) -> dict:
    """The next line that is not an asynchronous event."""
    while True:
        line = stream.readline()
        if not line:
            raise QmpError("QMP closed the connection")
        message = json.loads(line)
        if "event" not in message:
            return message
