"""Bootable ISO images built from a kernel and an initramfs, for virtual media and UEFI HTTP
boot (Ironic builds them the same way when a node names no ISO).

The ISO (ISO 9660 with Rock Ridge and Joliet names, label ``VMEDIA_BOOT_ISO`` as Ironic's)
holds ``/vmlinuz`` and ``/initrd`` and one El Torito boot entry per boot mode it serves:

- BIOS: isolinux (``[DEFAULT] isolinux_bin`` and its ``ldlinux.c32``) reading
  ``/isolinux/isolinux.cfg``;
- UEFI: an EFI system partition image, ``/boot/efiboot.img``: ``[conductor] bootloader`` when
  set (its GRUB reads ``[DEFAULT] grub_config_path``), else one the conductor builds once with
  grub-mkstandalone and mtools, whose GRUB finds the ISO by its label and reads
  ``/boot/grub/grub.cfg``. Both GRUB files get the same menu.

Every loader boots the kernel with the same command line at once (no menu, no timeout). The
ISO is built in the master image cache of ``[deploy] http_root`` under a digest of everything
it is made of (kernel, initramfs, boot loaders, command line), so the same inputs are built
once; each node gets a hard link that goes with its other files.
"""

import contextlib
import hashlib
import io
import json
import logging
import os
import shutil
import subprocess
import tempfile
import urllib.parse

import pycdlib

from ironic_lite.common import exceptions
from ironic_lite.conf import CONF
from ironic_lite.drivers.boot import image_cache

LOG = logging.getLogger(__name__)

LABEL = "VMEDIA_BOOT_ISO"
# Bump when the layout changes, so older cached ISOs are not reused.
_LAYOUT = 1
_LDLINUX_DIRS = ("/usr/lib/syslinux/modules/bios", "/usr/share/syslinux")
_GRUB_MODULES = (
    "part_gpt part_msdos iso9660 fat linux normal search search_label search_fs_file "
    "configfile echo test all_video efi_gop efi_uga"
)
_GRUB_FIND_ISO = f"""search --no-floppy --label --set=root {LABEL}
set prefix=($root)/boot/grub
configfile ($root)/boot/grub/grub.cfg
"""
_GRUB_CFG = """set default=0
set timeout=0
menuentry "boot" {{
    linux /vmlinuz {params}
    initrd /initrd
}}
"""
_ISOLINUX_CFG = """default boot
prompt 0
timeout 0
label boot
  kernel /vmlinuz
  append initrd=/initrd {params}
"""
_TOOL_TIMEOUT = 120


def _ldlinux() -> str | None:
    if CONF.ldlinux_c32:
        return CONF.ldlinux_c32
    for directory in _LDLINUX_DIRS:
        path = os.path.join(directory, "ldlinux.c32")
        if os.path.isfile(path):
            return path
    return None


def _bios_loader() -> tuple[str, str] | None:
    """isolinux.bin and ldlinux.c32, when both are there."""
    ldlinux = _ldlinux()
    if CONF.isolinux_bin and os.path.isfile(CONF.isolinux_bin) and ldlinux:
        return CONF.isolinux_bin, ldlinux
    return None


def missing_grub_tools() -> list[str]:
    """What building our own EFI partition needs and this host lacks."""
    missing = [t for t in ("grub-mkstandalone", "mformat", "mmd", "mcopy") if not shutil.which(t)]
    if not os.path.isdir("/usr/lib/grub/x86_64-efi"):
        missing.append("GRUB's x86_64-efi modules (grub-efi-amd64-bin)")
    return missing


def supported_modes() -> tuple[str, ...]:
    """The boot modes this conductor can build ISOs for."""
    modes = []
    if CONF.conductor.bootloader or not missing_grub_tools():
        modes.append("uefi")
    if _bios_loader():
        modes.append("bios")
    return tuple(modes)


def check_modes(node: dict, modes: tuple[str, ...]) -> tuple[str, ...]:
    """The modes of ``modes`` an ISO for ``node`` will boot in; 400 naming what is missing
    when none of them (or not the node's known one) can be built."""
    can = [m for m in modes if m in supported_modes()]
    if can:
        return tuple(can)
    needs = {
        "uefi": "[conductor] bootloader, or grub-mkstandalone, mtools and GRUB's x86_64-efi "
        f"modules (missing: {', '.join(missing_grub_tools())})",
        "bios": f"[DEFAULT] isolinux_bin ({CONF.isolinux_bin}) and ldlinux.c32",
    }
    raise exceptions.InvalidParameterValue(
        err=f"Node {node['uuid']}: cannot build a boot ISO for boot mode "
        f"{' or '.join(modes)} on this conductor: it needs " + "; or ".join(needs[m] for m in modes)
    )


def _run(argv: list[str]) -> None:
    try:
        result = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=_TOOL_TIMEOUT,
            env={**os.environ, "MTOOLS_SKIP_CHECK": "1"},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise exceptions.ImageCreationFailed(
            image_type="EFI boot", error=f"{argv[0]}: {exc}"
        ) from None
    if result.returncode != 0:
        raise exceptions.ImageCreationFailed(
            image_type="EFI boot",
            error=f"{argv[0]} exited with {result.returncode}: {result.stderr.strip()[-500:]}",
        )


def _build_esp(path: str) -> None:
    """A FAT image whose /EFI/BOOT/BOOTX64.EFI is a standalone GRUB finding the ISO by label."""
    with tempfile.TemporaryDirectory(prefix="ironic-lite-esp-") as work:
        embedded = os.path.join(work, "grub.cfg")
        with open(embedded, "w") as f:
            f.write(_GRUB_FIND_ISO)
        grub = os.path.join(work, "BOOTX64.EFI")
        _run(
            [
                "grub-mkstandalone",
                "--format=x86_64-efi",
                f"--output={grub}",
                f"--modules={_GRUB_MODULES}",
                "--locales=",
                "--fonts=",
                "--themes=",
                f"boot/grub/grub.cfg={embedded}",
            ]
        )
        # FAT12 with room to spare: 32 sectors per track, 2 heads.
        kib = os.path.getsize(grub) // 1024 + 256
        sectors = (kib * 2 + 63) // 64 * 64
        with open(path, "wb") as f:
            f.truncate(sectors * 512)
        _run(["mformat", "-i", path, "-T", str(sectors), "-h", "2", "-s", "32", "::"])
        _run(["mmd", "-i", path, "::/EFI", "::/EFI/BOOT"])
        _run(["mcopy", "-i", path, grub, "::/EFI/BOOT/BOOTX64.EFI"])


def _own_esp(cache_dir: str, dest: str) -> None:
    """Our GRUB EFI partition at ``dest``, built once per GRUB installation."""
    grub_core = "/usr/lib/grub/x86_64-efi/kernel.img"
    st = os.stat(grub_core) if os.path.exists(grub_core) else None
    key = _digest(["esp", _LAYOUT, _GRUB_MODULES, _GRUB_FIND_ISO, st and st.st_mtime_ns])
    image_cache.produce(key, dest, cache_dir, _build_esp)


def _identity(path: str) -> list:
    st = os.stat(path)
    return [st.st_ino, st.st_size, st.st_mtime_ns]


def _digest(parts: list) -> str:
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def _add(iso: pycdlib.PyCdlib, source: str | bytes, path: str) -> None:
    """Add a file at ``path`` (e.g. ``boot/grub/grub.cfg``) with its ISO 9660, Rock Ridge and
    Joliet names, creating its directories."""
    parts = path.strip("/").split("/")
    for depth in range(1, len(parts)):
        directory = parts[:depth]
        iso9660 = "/" + "/".join(_name(p, directory=True) for p in directory)
        # Made already for an earlier file: fine.
        with contextlib.suppress(pycdlib.pycdlibexception.PyCdlibInvalidInput):
            iso.add_directory(iso9660, rr_name=directory[-1], joliet_path="/" + "/".join(directory))
    iso9660 = "/" + "/".join(
        [_name(p, directory=True) for p in parts[:-1]] + [_name(parts[-1]) + ";1"]
    )
    names = {"rr_name": parts[-1], "joliet_path": "/" + "/".join(parts)}
    if isinstance(source, bytes):
        iso.add_fp(io.BytesIO(source), len(source), iso9660, **names)
    else:
        iso.add_file(source, iso9660, **names)


def _name(name: str, directory: bool = False) -> str:
    """An ISO 9660 level 3 name: upper case d-characters, one dot for files."""
    stem, dot, ext = name.upper().partition(".")
    clean = "".join(c if c.isalnum() else "_" for c in stem)[:30]
    if directory:
        return clean[:31]
    return f"{clean}.{''.join(c if c.isalnum() else '_' for c in ext)[: 30 - len(clean)]}"


def _write_iso(
    path: str,
    kernel: str,
    ramdisk: str,
    params: str,
    esp: str | None,
    bios: tuple[str, str] | None,
) -> None:
    iso = pycdlib.PyCdlib()
    iso.new(interchange_level=3, joliet=3, rock_ridge="1.09", vol_ident=LABEL)
    try:
        _add(iso, kernel, "vmlinuz")
        _add(iso, ramdisk, "initrd")
        grub_cfg = _GRUB_CFG.format(params=params).encode()
        for where in {"boot/grub/grub.cfg", CONF.grub_config_path.strip("/")}:
            _add(iso, grub_cfg, where)
        boot_catalog = {
            "bootcatfile": "/BOOT/BOOT.CAT;1",
            "rr_bootcatname": "boot.cat",
            "joliet_bootcatfile": "/boot/boot.cat",
        }
        if bios:
            isolinux_bin, ldlinux = bios
            _add(iso, isolinux_bin, "isolinux/isolinux.bin")
            _add(iso, ldlinux, "isolinux/ldlinux.c32")
            _add(iso, _ISOLINUX_CFG.format(params=params).encode(), "isolinux/isolinux.cfg")
            iso.add_eltorito(
                "/ISOLINUX/ISOLINUX.BIN;1",
                boot_load_size=4,
                boot_info_table=True,
                media_name="noemul",
                **boot_catalog,
            )
        if esp:
            _add(iso, esp, "boot/efiboot.img")
            iso.add_eltorito(
                "/BOOT/EFIBOOT.IMG;1",
                efi=True,
                media_name="noemul",
                boot_load_size=min(65535, (os.path.getsize(esp) + 511) // 512),
                **boot_catalog,
            )
        iso.write(path)
    except (pycdlib.pycdlibexception.PyCdlibException, OSError) as exc:
        raise exceptions.ImageCreationFailed(image_type="ISO", error=str(exc)) from None
    finally:
        iso.close()


def build(
    node: dict,
    name: str,
    images: tuple[str, str],
    sources: tuple[str, str],
    params: str,
    modes: tuple[str, ...],
) -> str:
    """Publish an ISO booting ``images`` (kernel and initramfs references, as for PXE) with
    the command line ``params`` in ``modes``, as ``<http_root>/<node uuid>/<name>.iso``;
    its URL under ``[deploy] http_url``."""
    modes = check_modes(node, modes)
    if not CONF.deploy.http_url:
        raise exceptions.MissingParameterValue(
            err=f"Node {node['uuid']}: [deploy] http_url is not set: the BMC downloads the "
            "boot ISO the conductor builds from there"
        )
    http_root = image_cache.root(CONF.deploy.http_root)
    cache_dir = os.path.join(http_root, image_cache.MASTER_DIR)
    node_dir = os.path.join(http_root, node["uuid"])
    parts = {}
    for part, ref, source in zip(("kernel", "ramdisk"), images, sources, strict=True):
        parts[part] = os.path.join(node_dir, f"{name}_{part}")
        image_cache.fetch(ref, parts[part], cache_dir, source)
    esp = None
    if "uefi" in modes:
        esp = os.path.join(node_dir, f"{name}_efiboot.img")
        if CONF.conductor.bootloader:
            image_cache.fetch(CONF.conductor.bootloader, esp, cache_dir, "[conductor] bootloader")
        else:
            _own_esp(cache_dir, esp)
    bios = _bios_loader() if "bios" in modes else None
    key = _digest(
        [
            "iso",
            _LAYOUT,
            _identity(parts["kernel"]),
            _identity(parts["ramdisk"]),
            esp and _identity(esp),
            bios and [_identity(p) for p in bios],
            params,
            CONF.grub_config_path,
        ]
    )
    iso_path = os.path.join(node_dir, f"{name}.iso")
    image_cache.produce(
        key,
        iso_path,
        cache_dir,
        lambda out: _write_iso(out, parts["kernel"], parts["ramdisk"], params, esp, bios),
    )
    # The ISO holds them now; the per-node links would only keep old images in the cache.
    image_cache.remove(parts["kernel"], parts["ramdisk"], *([esp] if esp else []))
    LOG.info("Node %s: boot ISO %s ready (%s)", node["uuid"], key[:12], "/".join(modes))
    base = CONF.deploy.http_url.rstrip("/")
    return f"{base}/{node['uuid']}/{urllib.parse.quote(name)}.iso"
