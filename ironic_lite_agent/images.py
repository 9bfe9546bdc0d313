"""Writing an image to the machine's disk: download, verify, convert, partition, config drive.

The one promise of this module: a disk is marked deployed only after every byte arrived, the
checksum of the bytes received matched, and every write was flushed. A raw image streams
straight to the disk (resuming a broken download with an HTTP Range request) and is verified at
the end; when the checksum does not match, the head of what was written is zeroed so that the
machine cannot boot it. A qcow2 image is downloaded to a temporary file first, verified, checked
(no backing file, fits the target) and only then converted onto the disk by ``qemu-img``.
"""

import base64
import contextlib
import dataclasses
import datetime
import hashlib
import json
import logging
import os
import re
import tempfile
import zlib
from collections.abc import Callable

import requests

from ironic_lite_agent import checksums, errors, partitions
from ironic_lite_agent.hardware.base import Backend, BlockTarget, Disk
from ironic_lite_agent.partitions import MiB
from ironic_lite_agent.retry import RetryPolicy

LOG = logging.getLogger(__name__)

# Small enough that a broken transfer loses little (the chunk being read is lost), large
# enough that a write per chunk costs nothing next to the network.
CHUNK = 64 * 1024
QCOW2_MAGIC = b"QFI\xfb"
DEFAULT_EPHEMERAL_FORMAT = "ext4"  # Ironic's [pxe] default_ephemeral_format
DETECT = "detect"  # the disk_format of an image whose format its first bytes tell
# A checksum file or a config drive is small; anything larger is not one.
TEXT_LIMIT = 1 << 20
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


@dataclasses.dataclass(frozen=True)
class DownloadOptions:
    """How images are fetched: retries of a broken download, TLS verification (True, False or
    a CA bundle path), timeouts in seconds, and whether md5 checksums are acceptable."""

    retry: RetryPolicy = RetryPolicy(attempts=4, initial=0.5, maximum=5.0, deadline=600.0)
    verify: bool | str = True
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    allow_md5: bool = False


class _Interrupted(Exception):
    """A download that broke and may be resumed."""


def download(
    url: str,
    write: Callable[[int, bytes], None],
    algo: str,
    options: DownloadOptions,
    session: requests.Session | None = None,
    image_id: str = "image",
) -> tuple[int, str]:
    """Fetch ``url`` into ``write(offset, chunk)``; returns (bytes received, hex digest).

    A connection that breaks is resumed from the last byte received with a Range request; a
    server that ignores Range sends the image again from byte 0 and the digest starts over.
    Retries are bounded by ``options.retry``; when they are spent ImageDownloadError says how
    far the download got."""
    session = session or requests.Session()
    state = {"received": 0, "hasher": hashlib.new(algo), "total": None}

    def attempt() -> None:
        headers = {"Range": f"bytes={state['received']}-"} if state["received"] else {}
        try:
            resp = session.get(
                url,
                stream=True,
                headers=headers,
                timeout=(options.connect_timeout, options.read_timeout),
                verify=options.verify,
            )
        except requests.RequestException as exc:
            raise _Interrupted(f"cannot connect: {exc}") from exc
        with resp:
            total = _expected_total(resp, state, image_id)
            try:
                for chunk in resp.iter_content(CHUNK):
                    write(state["received"], chunk)
                    state["hasher"].update(chunk)
                    state["received"] += len(chunk)
            except requests.RequestException as exc:
                raise _Interrupted(
                    f"connection broke after {state['received']} of {total or '?'} bytes: {exc}"
                ) from exc
            if total is not None and state["received"] != total:
                raise _Interrupted(f"transfer ended after {state['received']} of {total} bytes")

    try:
        for retry in options.retry.retrying((_Interrupted,)):
            with retry:
                if retry.retry_state.attempt_number > 1:
                    LOG.warning(
                        "resuming %s at byte %d (attempt %d)",
                        url,
                        state["received"],
                        retry.retry_state.attempt_number,
                    )
                attempt()
    except _Interrupted as exc:
        raise errors.ImageDownloadError(
            image=image_id, url=url, err=f"{exc}; gave up after {options.retry.attempts} attempts"
        ) from exc
    return state["received"], state["hasher"].hexdigest()


def _expected_total(resp: requests.Response, state: dict, image_id: str) -> int | None:
    """Check the answer to a (possibly ranged) GET and return the full image size if known;
    restart the digest when the server sends the whole image again."""
    code = resp.status_code
    if code == 206 and state["received"]:
        match = _CONTENT_RANGE.match(resp.headers.get("Content-Range", ""))
        if match and int(match.group(1)) == state["received"]:
            return None if match.group(3) == "*" else int(match.group(3))
        LOG.warning(
            "server answered Range with %r; starting over", resp.headers.get("Content-Range")
        )
        raise _Interrupted("server resumed at the wrong offset")
    if code == 200:
        if state["received"]:
            LOG.warning("server ignored the Range request; downloading from byte 0 again")
            state["received"], state["hasher"] = 0, hashlib.new(state["hasher"].name)
        length = resp.headers.get("Content-Length")
        return int(length) if length and length.isdigit() else None
    if code >= 500 or code in (408, 429):
        raise _Interrupted(f"HTTP {code}")
    raise errors.ImageDownloadError(image=image_id, url=resp.url, err=f"HTTP {code} {resp.reason}")


def fetch_text(url: str, options: DownloadOptions, what: str) -> str:
    """A small text document (a checksum file) at ``url``, at most TEXT_LIMIT bytes."""
    received = bytearray()

    def keep(offset: int, chunk: bytes) -> None:
        if offset + len(chunk) > TEXT_LIMIT:
            raise errors.ImageDownloadError(
                image=what, url=url, err=f"more than {TEXT_LIMIT} bytes: not a {what}"
            )
        del received[offset:]  # a download that started over sends byte 0 again
        received.extend(chunk)

    download(url, keep, "sha256", options, image_id=what)
    return received.decode("utf-8", "replace")


def _download_any(urls, write, algo, options, image_id) -> tuple[int, str, str]:
    """Try each URL in turn (Glance may list several); returns (size, digest, url used)."""
    last: Exception | None = None
    for url in urls:
        try:
            size, digest = download(url, write, algo, options, image_id=image_id)
            return size, digest, url
        except errors.ImageDownloadError as exc:
            LOG.warning("%s", exc)
            last = exc
    assert last is not None
    raise last


# --- the command ------------------------------------------------------------------------------
def write_image(
    backend: Backend, image_info: dict, configdrive: str | None, options: DownloadOptions
) -> dict:
    """Write ``image_info``'s image (whole-disk or partition, raw or qcow2) and the optional
    config drive to the root disk; returns what was written and the partition UUIDs."""
    image_id = str(image_info.get("id") or "image")
    expected = checksums.expected_checksum(
        image_info,
        allow_md5=options.allow_md5,
        fetch=lambda url: fetch_text(url, options, "checksum file"),
    )
    urls = image_info.get("urls") or ([image_info["url"]] if image_info.get("url") else [])
    if not urls:
        raise errors.InvalidImage(image=image_id, err="image_info has no urls")
    # No disk_format: told by the image's first bytes (qcow2's magic, else raw), as
    # ironic-python-agent does when Ironic does not know the format either.
    disk_format = (image_info.get("disk_format") or DETECT).lower()
    if disk_format not in ("raw", "qcow2", DETECT):
        raise errors.InvalidImage(
            image=image_id, err=f"disk_format {disk_format!r} is not raw or qcow2"
        )
    image_type = image_info.get("image_type") or (
        "partition" if image_info.get("root_mb") else "whole-disk"
    )
    disk = backend.root_disk(image_info.get("root_device"))
    cd_bytes = decode_configdrive(configdrive, options) if configdrive else None

    record = {
        "id": image_id,
        "disk_format": disk_format,
        "image_type": image_type,
        "checksum": f"{expected.algo}:{expected.value}",
        "deployed": False,
        "state": "writing",
        "started_at": _now(),
    }
    backend.record_image(disk, record)
    try:
        layout = None
        if image_type == "partition":
            layout = _partition(backend, disk, image_info, with_configdrive=cd_bytes is not None)
            target = backend.partition_target(disk, layout, layout.by_role("root").number)
        elif image_type == "whole-disk":
            target = backend.whole_disk_target(disk)
        else:
            raise errors.InvalidImage(image=image_id, err=f"unknown image_type {image_type!r}")

        if disk_format == "qcow2":
            size, url = _write_qcow2(backend, target, urls, expected, options, image_id)
        else:
            try:
                size, url = _write_raw(
                    backend, target, urls, expected, options, image_id, disk_format == DETECT
                )
                disk_format = "raw"
            except _Qcow2Found:
                disk_format = "qcow2"
                LOG.info("image %s has no disk_format and is a qcow2 image", image_id)
                size, url = _write_qcow2(backend, target, urls, expected, options, image_id)
            record["disk_format"] = disk_format

        cd_partition = None
        if cd_bytes is not None:
            cd_partition = _write_configdrive(backend, disk, layout, cd_bytes, size, image_id)
    except Exception as exc:
        backend.record_image(
            disk, {**record, "state": "failed", "error": str(exc), "finished_at": _now()}
        )
        raise

    uuids = partition_uuids(layout)
    done = {
        **record,
        "deployed": True,
        "state": "deployed",
        "size": size,
        "url": url,
        "device": disk.name,
        "partitions": uuids.get("partitions"),
        "configdrive": cd_partition,
        "finished_at": _now(),
    }
    backend.record_image(disk, done)
    LOG.info(
        "image %s (%s, %s) written to %s and verified",
        image_id,
        disk_format,
        image_type,
        target.label,
    )
    return {
        "result": f"image {image_id} written to {target.label} and verified ({expected.algo})",
        "image_id": image_id,
        "device": disk.path if disk.path.startswith("/dev/") else f"/dev/{disk.name}",
        "disk_format": disk_format,
        "image_type": image_type,
        "size": size,
        "checksum": record["checksum"],
        **uuids,
    }


def _partition(backend: Backend, disk: Disk, image_info: dict, with_configdrive: bool):
    boot_mode = image_info.get("deploy_boot_mode") or (
        backend.inventory().get("boot", {}).get("current_boot_mode") or "uefi"
    )
    layout = partitions.plan(
        disk.size,
        root_mb=int(image_info.get("root_mb") or 0),
        swap_mb=int(image_info.get("swap_mb") or 0),
        ephemeral_mb=int(image_info.get("ephemeral_mb") or 0),
        configdrive=with_configdrive,
        boot_mode=boot_mode,
        label=image_info.get("disk_label"),
        esp_mb=int(image_info.get("efi_system_partition_mb") or partitions.DEFAULT_ESP_MB),
        device=disk.name,
    )
    preserve = _truthy(image_info.get("preserve_ephemeral")) and bool(layout.by_role("ephemeral"))
    if preserve:
        layout = _kept_layout(backend.read_layout(disk), layout, disk)
    else:
        backend.apply_layout(disk, layout)
    backend.make_filesystems(
        disk, layout, image_info.get("ephemeral_format") or DEFAULT_EPHEMERAL_FORMAT, preserve
    )
    return layout


def _kept_layout(current, planned, disk: Disk):
    """preserve_ephemeral: keep the partition table the last deploy made (so the ephemeral
    partition and its data stay) when it is the table this deploy would make; its UUIDs are
    the disk's. Anything else would move the ephemeral partition: refused."""
    shape = [(p.number, p.start, p.size) for p in planned.partitions]
    if current is None or [(p.number, p.start, p.size) for p in current.partitions] != shape:
        raise errors.PartitionLayoutError(
            device=disk.path,
            err="preserve_ephemeral needs the partitions the last deploy made, and the disk's "
            "differ from those this deploy asks for (root_mb, swap_mb, ephemeral_mb, config "
            "drive, boot mode)",
        )
    uuids = {p.number: p.uuid for p in current.partitions}
    return dataclasses.replace(
        planned,
        disk_id=current.disk_id,
        partitions=tuple(dataclasses.replace(p, uuid=uuids[p.number]) for p in planned.partitions),
    )


def _truthy(value) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


class _Qcow2Found(Exception):
    """An image of unknown format turned out to be qcow2 (nothing was written yet)."""


def _write_raw(backend, target: BlockTarget, urls, expected, options, image_id, detect=False):
    fd = os.open(target.path, os.O_WRONLY)
    written = False
    try:

        def write(offset: int, chunk: bytes) -> None:
            nonlocal written
            if offset == 0 and chunk.startswith(QCOW2_MAGIC):
                if detect:
                    raise _Qcow2Found()
                raise errors.InvalidImage(
                    image=image_id, err="disk_format is raw but the bytes are a qcow2 image"
                )
            if offset + len(chunk) > target.size:
                raise errors.ImageWriteError(
                    image=image_id,
                    device=target.label,
                    err=f"the image is larger than the target ({target.size} bytes)",
                )
            os.pwrite(fd, chunk, target.offset + offset)
            written = True

        try:
            size, digest, url = _download_any(urls, write, expected.algo, options, image_id)
            os.fsync(fd)
        except BaseException:
            if written:  # never leave a bootable half of an image behind
                target.zero_head()
            raise
    finally:
        os.close(fd)
    if not expected.matches(digest):
        target.zero_head()
        raise errors.ImageChecksumError(
            image=image_id, algo=expected.algo, expected=expected.value, actual=digest, size=size
        )
    return size, url


def _write_qcow2(backend, target: BlockTarget, urls, expected, options, image_id):
    fd, tmp = tempfile.mkstemp(prefix="image-", suffix=".qcow2", dir=backend.work_dir)
    try:
        try:
            size, digest, url = _download_any(
                urls,
                lambda off, chunk: os.pwrite(fd, chunk, off),
                expected.algo,
                options,
                image_id,
            )
        finally:
            os.close(fd)
        if not expected.matches(digest):
            raise errors.ImageChecksumError(
                image=image_id,
                algo=expected.algo,
                expected=expected.value,
                actual=digest,
                size=size,
            )
        _check_qcow2(backend, tmp, target, image_id)
        backend.run(
            "qemu-img",
            "convert",
            "-n",
            "-f",
            "qcow2",
            tmp,
            "--target-image-opts",
            target.qemu_image_opts(),
        )
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return size, url


def _check_qcow2(backend: Backend, path: str, target: BlockTarget, image_id: str) -> None:
    """Refuse a qcow2 that is not one, points at other files, or would not fit."""
    result = backend.run("qemu-img", "info", "--output=json", "-f", "qcow2", path, check=False)
    if result.returncode != 0:
        raise errors.InvalidImage(
            image=image_id, err=f"not a valid qcow2 image: {(result.stderr or '').strip()}"
        )
    info = json.loads(result.stdout)
    if info.get("backing-filename") or info.get("full-backing-filename"):
        raise errors.InvalidImage(
            image=image_id, err="qcow2 images with a backing file are refused"
        )
    if (info.get("format-specific") or {}).get("data", {}).get("data-file"):
        raise errors.InvalidImage(image=image_id, err="qcow2 images with a data file are refused")
    if int(info.get("virtual-size", 0)) > target.size:
        raise errors.ImageWriteError(
            image=image_id,
            device=target.label,
            err=f"virtual size {info['virtual-size']} is larger than the target ({target.size})",
        )


# --- config drive ---------------------------------------------------------------------------
def decode_configdrive(value: str, options: DownloadOptions) -> bytes:
    """The config drive's bytes, from a URL or given inline.

    Inline, it is base64 (line breaks allowed, as ``base64`` writes them), usually of a
    gzipped ISO. From a URL it is the same text (Bifrost publishes ``gzip -c drive.iso |
    base64``), or gzipped or plain bytes: whatever is neither gzip nor base64 is the drive.
    """
    limit = partitions.CONFIGDRIVE_MB * MiB
    if value.startswith(("http://", "https://")):
        received = bytearray()

        def keep(offset: int, chunk: bytes) -> None:
            if offset + len(chunk) > 2 * limit:  # base64 of a gzipped drive is never this large
                raise errors.InvalidImage(
                    image="configdrive", err=f"more than {2 * limit} bytes at {value}"
                )
            del received[offset:]  # a download that started over sends byte 0 again
            received.extend(chunk)

        download(value, keep, "sha256", options, image_id="configdrive")
        data = bytes(received)
        if data[:2] != _GZIP_MAGIC and not _is_iso(data):
            # Neither gzip, an ISO nor base64: the drive as it is.
            with contextlib.suppress(ValueError):
                data = _b64decode(data)
    else:
        try:
            data = _b64decode(value.encode())
        except ValueError as exc:
            raise errors.InvalidImage(image="configdrive", err=f"not base64: {exc}") from exc
    if data[:2] == _GZIP_MAGIC:
        data = _gunzip(data, limit)
    if len(data) > limit:
        raise errors.InvalidImage(
            image="configdrive",
            err=f"{len(data)} bytes is more than {partitions.CONFIGDRIVE_MB} MiB",
        )
    return data


_GZIP_MAGIC = b"\x1f\x8b"


def _is_iso(data: bytes) -> bool:
    return data[0x8001:0x8006] == b"CD001"


def _b64decode(text: bytes) -> bytes:
    """Strict base64, except that whitespace (line breaks) is ignored; ValueError if not."""
    return base64.b64decode(b"".join(text.split()), validate=True)


def _gunzip(data: bytes, limit: int) -> bytes:
    """Decompress, refusing more than ``limit`` bytes (a small gzip can expand a lot)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as exc:
        raise errors.InvalidImage(image="configdrive", err=f"not valid gzip: {exc}") from exc
    if len(out) > limit:
        raise errors.InvalidImage(
            image="configdrive", err=f"it expands to more than {partitions.CONFIGDRIVE_MB} MiB"
        )
    return out


def _write_configdrive(backend, disk, layout, data: bytes, image_size: int, image_id: str) -> dict:
    if layout is not None:
        part = layout.by_role("configdrive")
        target = backend.partition_target(disk, layout, part.number)
    else:
        target = backend.add_configdrive_partition(disk, partitions.CONFIGDRIVE_MB * MiB)
        if target.path == disk.path and target.offset < image_size:
            raise errors.ImageWriteError(
                image=image_id,
                device=disk.name,
                err="the image reaches into the space a config drive partition needs",
            )
    fd = os.open(target.path, os.O_WRONLY)
    try:
        os.pwrite(fd, data, target.offset)
        # Clear what follows the drive's bytes so no stale signature is read as part of it.
        tail = min(target.size - len(data), MiB)
        if tail > 0:
            os.pwrite(fd, b"\0" * tail, target.offset + len(data))
        os.fsync(fd)
    finally:
        os.close(fd)
    return {"target": target.label, "offset": target.offset, "size": len(data)}


def partition_uuids(layout) -> dict:
    """The UUIDs Ironic asks for after a partition image (keys as its agent names them)."""
    if layout is None:
        return {"root uuid": None, "efi system partition uuid": None, "partitions": None}
    parts = {p.role: p.uuid for p in layout.partitions}
    return {
        "root uuid": parts.get("root"),
        "efi system partition uuid": parts.get("efi"),
        "partitions": parts,
    }


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
