"""Boot images in the TFTP and HTTP roots: one master copy per image, linked per node.

A kernel, ramdisk, ISO or firmware image named by a URL or a local file is fetched once
into ``<root>/master_images`` (named by a hash of the reference) and hard-linked to where a
node needs it, so a hundred nodes booting the same ramdisk share one copy. The cache:

- is checked on every use: an http(s) image is asked for again with the ETag and
  Last-Modified it came with (a conditional GET: 304 keeps the copy, 200 replaces it), or,
  when the server sent neither, fetched again once ``[pxe] image_cache_ttl`` minutes old; a
  local file is copied again when its size or modification time changed. Nodes already
  linked keep the copy they booted with;
- is bounded: images no node links to are removed once unused for ``image_cache_ttl``
  minutes, and the least recently used of them go while the cache holds more than
  ``[pxe] image_cache_size`` MiB (images in use are never removed, as in Ironic);
- reads local files only through ``ironic_lite.common.local_files`` (the allowed paths).

Images the conductor builds itself (the ISOs of virtual media, their EFI partition) are
master images too (``produce``), named by a digest of what they are built from.

Per-node copies live in ``<root>/<node uuid>/`` and go with ``remove_node_files``.
"""

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator

import requests

from ironic_lite.common import exceptions, local_files
from ironic_lite.conf import CONF

LOG = logging.getLogger(__name__)

MASTER_DIR = "master_images"
_CHUNK = 1024 * 1024


def root(path: str) -> str:
    """A configured root directory, absolute."""
    return os.path.abspath(os.path.expanduser(path))


def _is_url(ref: str) -> bool:
    return urllib.parse.urlsplit(ref).scheme in ("http", "https")


def _shown(ref: str) -> str:
    """``ref`` without credentials or query (which may carry a token), for messages."""
    parts = urllib.parse.urlsplit(ref)
    if not parts.scheme or parts.scheme == "file":
        return ref
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


def _state(cache_dir: str, key: str) -> str:
    """Where the metadata and lock of a master image live: a directory of the conductor's
    own beside the images (the roots are exported to the boot network)."""
    directory = os.path.join(cache_dir, ".state")
    if not os.path.isdir(directory):
        os.makedirs(directory, mode=0o700, exist_ok=True)
    return os.path.join(directory, key)


@contextlib.contextmanager
def _locked(path: str, blocking: bool = True) -> Iterator[bool]:
    """An advisory lock on ``path`` shared by every thread and process of this host; yields
    False when ``blocking`` is off and someone else holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def _read_meta(path: str) -> dict:
    try:
        with open(path) as f:
            meta = json.load(f)
        return meta if isinstance(meta, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_meta(path: str, meta: dict) -> None:
    # The roots are exported to the boot network: the metadata stays private to the
    # conductor, and holds no reference (a URL may carry credentials), only validators.
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".meta-")
    with os.fdopen(fd, "w") as f:
        json.dump(meta, f)
    os.replace(tmp, path)


def _download(ref: str, out, meta: dict) -> dict | None:
    """Fetch ``ref`` into ``out`` unless the cached copy described by ``meta`` is current;
    the new validators, or None when the copy is current (304)."""
    headers = {}
    if meta.get("etag"):
        headers["If-None-Match"] = meta["etag"]
    if meta.get("last_modified"):
        headers["If-Modified-Since"] = meta["last_modified"]
    timeout = CONF.pxe.image_download_timeout
    with requests.get(ref, headers=headers, stream=True, timeout=timeout) as resp:
        if resp.status_code == 304 and meta:
            return None
        resp.raise_for_status()
        for chunk in resp.iter_content(_CHUNK):
            out.write(chunk)
        return {
            "etag": resp.headers.get("ETag"),
            "last_modified": resp.headers.get("Last-Modified"),
        }


def _current_without_asking(meta: dict) -> bool:
    """An http(s) copy whose server sent no validators is trusted for the TTL."""
    if meta.get("etag") or meta.get("last_modified"):
        return False
    age = time.time() - meta.get("fetched_at", 0)
    return age < CONF.pxe.image_cache_ttl * 60


def _refresh(ref: str, master: str, meta_path: str, what: str | None) -> None:
    """Make ``master`` a current copy of ``ref`` (the caller holds its lock)."""
    meta = _read_meta(meta_path) if os.path.exists(master) else {}
    directory = os.path.dirname(master)
    if _is_url(ref):
        if meta and _current_without_asking(meta):
            return
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                validators = _download(ref, out, meta)
            if validators is None:
                os.unlink(tmp)
                return
            os.chmod(tmp, 0o644)
            os.replace(tmp, master)
        except requests.RequestException as exc:
            remove(tmp)
            response = getattr(exc, "response", None)
            reason = f"HTTP {response.status_code}" if response is not None else type(exc).__name__
            raise exceptions.InvalidParameterValue(
                err=f"Could not fetch boot image {_shown(ref)}: {reason}"
            ) from None
        except BaseException:
            remove(tmp)
            raise
        _write_meta(meta_path, {**validators, "fetched_at": time.time(), "used_at": time.time()})
        return
    with local_files.open_local(ref, what) as src:
        st = os.fstat(src.fileno())
        source = [st.st_size, st.st_mtime_ns, st.st_ino]
        if meta.get("source") == source:
            return
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(src, out, _CHUNK)
            os.chmod(tmp, 0o644)
            os.replace(tmp, master)
        except BaseException:
            remove(tmp)
            raise
    _write_meta(meta_path, {"source": source, "fetched_at": time.time(), "used_at": time.time()})


def fetch(ref: str, dest: str, cache_dir: str, what: str | None = None) -> None:
    """Put the image ``ref`` (an http(s):// URL, a file:// URL or a path) at ``dest``, from
    the master copy in ``cache_dir`` (refreshed when stale; see the module docstring).
    ``what`` names the field the reference came from, for errors. InvalidParameterValue
    (400) when it cannot be fetched; LocalFileNotAllowed for a local file outside the
    allowed paths."""
    if not (_is_url(ref) or local_files.is_local(ref)):
        raise exceptions.InvalidParameterValue(
            err=f"Cannot fetch boot image {_shown(ref)}"
            + (f" ({what})" if what else "")
            + ": give an http(s):// URL, a file:// URL or an absolute path"
        )
    key = hashlib.sha256(ref.encode()).hexdigest()
    master = os.path.join(cache_dir, key)
    meta_path = _state(cache_dir, key) + ".json"
    with _locked(_state(cache_dir, key) + ".lock"):
        try:
            _refresh(ref, master, meta_path, what)
        except OSError as exc:
            raise exceptions.InvalidParameterValue(
                err=f"Could not fetch boot image {_shown(ref)}: {exc.strerror or exc}"
            ) from None
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        remove(dest)
        os.link(master, dest)
        meta = _read_meta(meta_path)
        meta["used_at"] = time.time()
        _write_meta(meta_path, meta)
    evict(cache_dir)


def produce(key: str, dest: str, cache_dir: str, build: Callable[[str], None]) -> None:
    """Put at ``dest`` the image the conductor builds itself (an ISO, an EFI partition)
    from inputs whose digest is ``key`` (64 hex characters): built once by ``build(path)``
    into the master cache, then linked per node and evicted like fetched images."""
    if len(key) != 64 or "." in key:
        raise ValueError("a master image key is 64 hex characters")
    os.makedirs(cache_dir, exist_ok=True)
    master = os.path.join(cache_dir, key)
    meta_path = _state(cache_dir, key) + ".json"
    with _locked(_state(cache_dir, key) + ".lock"):
        if not os.path.exists(master):
            fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".part-")
            os.close(fd)
            try:
                build(tmp)
                os.chmod(tmp, 0o644)
                os.replace(tmp, master)
            except BaseException:
                remove(tmp)
                raise
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        remove(dest)
        os.link(master, dest)
        _write_meta(meta_path, {**_read_meta(meta_path), "used_at": time.time()})
    evict(cache_dir)


def evict(cache_dir: str) -> list[str]:
    """Remove master images no node uses: those unused for ``[pxe] image_cache_ttl``
    minutes, then the least recently used while the cache is over ``[pxe]
    image_cache_size`` MiB. The names removed."""
    limit = CONF.pxe.image_cache_size * 1024 * 1024
    expiry = time.time() - CONF.pxe.image_cache_ttl * 60
    entries, total = [], 0
    for name in os.listdir(cache_dir):
        if len(name) != 64 or "." in name:
            continue  # the state directory, partial downloads
        try:
            st = os.stat(os.path.join(cache_dir, name))
        except FileNotFoundError:
            continue
        total += st.st_size
        if st.st_nlink == 1:  # no node links to it
            used = _read_meta(_state(cache_dir, name) + ".json").get("used_at", 0)
            entries.append((used, name, st.st_size))
    removed = []
    for used, name, size in sorted(entries):
        if used >= expiry and total <= limit:
            continue
        master, state = os.path.join(cache_dir, name), _state(cache_dir, name)
        with _locked(state + ".lock", blocking=False) as mine:
            try:
                if not mine or os.stat(master).st_nlink != 1:
                    continue  # being fetched or linked right now
            except FileNotFoundError:
                continue
            remove(master, state + ".json")
        total -= size
        removed.append(name)
    if removed:
        LOG.info("Removed %d unused image(s) from %s", len(removed), cache_dir)
    if total > limit:
        LOG.warning(
            "Image cache %s holds %d MiB of images in use, more than [pxe] image_cache_size "
            "(%d MiB)",
            cache_dir,
            total // (1024 * 1024),
            CONF.pxe.image_cache_size,
        )
    return removed


def remove(*paths: str) -> None:
    """Remove files, links or directories; missing ones are fine."""
    for path in paths:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)


def node_dir(root_dir: str, node_uuid: str) -> str:
    return os.path.join(root(root_dir), node_uuid)


def remove_node_files(root_dir: str, node_uuid: str) -> None:
    """Remove everything fetched or written for the node under ``root_dir``; safe to repeat."""
    remove(node_dir(root_dir, node_uuid))


def publish(ref: str, node_uuid: str, name: str, what: str | None = None) -> str:
    """A URL under ``[deploy] http_url`` that serves the image ``ref`` as ``name`` for the
    node: ``ref`` itself when it is an http(s) URL, else a copy in ``[deploy] http_root``."""
    if _is_url(ref):
        return ref
    if not CONF.deploy.http_url:
        raise exceptions.MissingParameterValue(
            err=f"{what or ref} is a local file, but [deploy] http_url is not set: the "
            "conductor serves local files from [deploy] http_root at that URL"
        )
    http_root = root(CONF.deploy.http_root)
    fetch(ref, os.path.join(http_root, node_uuid, name), os.path.join(http_root, MASTER_DIR), what)
    return f"{CONF.deploy.http_url.rstrip('/')}/{node_uuid}/{urllib.parse.quote(name)}"
