"""What the lab serves over HTTP: ramdisk placeholders and a tiny image to deploy.

The deploy "kernel", "ramdisk" and "ISO" are placeholders: no firmware runs them, the machine
simulator starts the agent instead when a machine boots from the network or a CD. They exist
because the boot interfaces download or link them (and the Redfish emulator downloads the ISO
it is asked to insert). The image is real: a few MiB with a recognisable first sector, as raw
and, when ``qemu-img`` is installed, as qcow2, so a deploy writes bytes that can be checked
on the simulated disk.
"""

import hashlib
import os
import random
import shutil
import subprocess

PLACEHOLDER = b"ironic-lite lab placeholder: the machine simulator runs the agent instead\n"
IMAGE_MARKER = b"ironic-lite lab image\n"


def write_placeholders(root: str) -> dict[str, str]:
    """Write deploy.kernel, deploy.initramfs and deploy.iso; their names by role."""
    os.makedirs(root, exist_ok=True)
    names = {"kernel": "deploy.kernel", "ramdisk": "deploy.initramfs", "iso": "deploy.iso"}
    for name in names.values():
        with open(os.path.join(root, name), "wb") as f:
            f.write(PLACEHOLDER)
    return names


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def make_raw_image(path: str, size: int = 4 << 20, seed: int = 7) -> bytes:
    """A whole-disk image: the marker, then seeded pseudo-random bytes (so compression or a
    partial write cannot pass for the real thing). Returns its bytes."""
    data = bytearray(random.Random(seed).randbytes(size))
    data[: len(IMAGE_MARKER)] = IMAGE_MARKER
    with open(path, "wb") as f:
        f.write(data)
    return bytes(data)


def make_image(root: str, size: int = 4 << 20) -> dict:
    """The lab image under ``root/images``: qcow2 when qemu-img exists, else raw.

    Returns ``{"name", "disk_format", "sha256", "raw_sha256", "size"}``; ``raw_sha256`` is the
    digest of the bytes a deploy leaves at the start of the disk.
    """
    directory = os.path.join(root, "images")
    os.makedirs(directory, exist_ok=True)
    raw = os.path.join(directory, "lab-image.raw")
    data = make_raw_image(raw, size)
    info = {"disk_format": "raw", "name": "images/lab-image.raw", "size": size}
    qemu_img = shutil.which("qemu-img")
    if qemu_img:
        qcow2 = os.path.join(directory, "lab-image.qcow2")
        subprocess.run(
            [qemu_img, "convert", "-q", "-f", "raw", "-O", "qcow2", raw, qcow2],
            check=True,
            timeout=60,
        )
        info.update(disk_format="qcow2", name="images/lab-image.qcow2")
    info["sha256"] = sha256_file(os.path.join(root, info["name"]))
    info["raw_sha256"] = hashlib.sha256(data).hexdigest()
    return info
