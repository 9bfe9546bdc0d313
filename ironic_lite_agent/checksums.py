"""Which checksum an image is verified with, and the verification itself.

Ironic hands the agent an image's checksum in one of three ways: Glance's ``os_hash_algo`` and
``os_hash_value``; a ``checksum`` prefixed with its algorithm (``sha256:abc...``); or a bare
legacy ``checksum``, which is md5 when it has 32 hex digits. md5 is refused unless the caller
allows it explicitly: a collision in md5 is cheap enough to forge an image.

Either value may also be the URL of a checksum file (``SHA256SUMS``, ``CHECKSUM``): the line
naming the image's file (the last path segment of its first URL) gives the checksum, as in
Ironic and ironic-python-agent; a file holding one bare checksum gives that one.
"""

import dataclasses
import hashlib
import hmac
import os
import re
import urllib.parse
from collections.abc import Callable

from ironic_lite_agent import errors

SECURE_ALGORITHMS = ("sha256", "sha384", "sha512")
_HEX_LENGTHS = {32: "md5", 64: "sha256", 96: "sha384", 128: "sha512"}
_HEX = re.compile(r"^[0-9a-fA-F]+$")


@dataclasses.dataclass(frozen=True)
class Expected:
    """The checksum an image must have: the algorithm and the lower-case hex digest."""

    algo: str
    value: str

    def hasher(self):
        return hashlib.new(self.algo)

    def matches(self, digest: str) -> bool:
        return hmac.compare_digest(digest.lower(), self.value)


def expected_checksum(
    image_info: dict, allow_md5: bool = False, fetch: Callable[[str], str] | None = None
) -> Expected:
    """The checksum to verify ``image_info``'s image against.

    ``fetch(url)`` returns the text of a checksum file (needed when a checksum is a URL).
    Raises InvalidImage when there is none or it is malformed, InsecureChecksum for md5 when
    md5 is not allowed (by ``allow_md5`` or by ``image_info['allow_md5']``).
    """
    image = image_info.get("id", "<unnamed>")
    allow_md5 = allow_md5 or bool(image_info.get("allow_md5"))
    algo = (image_info.get("os_hash_algo") or "").lower()
    value = image_info.get("os_hash_value") or ""
    if algo and value:
        value = _resolved(image, value, image_info, fetch)
    else:
        checksum = _resolved(image, image_info.get("checksum") or "", image_info, fetch)
        algo, value = _from_legacy(image, checksum)
    value = value.strip().lower()
    if not _HEX.match(value):
        raise errors.InvalidImage(image=image, err=f"checksum {value!r} is not hexadecimal")
    if algo == "md5" and not allow_md5:
        raise errors.InsecureChecksum(image=image)
    if algo not in SECURE_ALGORITHMS + ("md5",):
        raise errors.InvalidImage(image=image, err=f"unsupported checksum algorithm {algo!r}")
    if len(value) != hashlib.new(algo).digest_size * 2:
        raise errors.InvalidImage(
            image=image,
            err=f"a {algo} checksum has {hashlib.new(algo).digest_size * 2} hex "
            f"digits, got {len(value)}",
        )
    return Expected(algo, value)


def is_url(value: str) -> bool:
    return value.strip().startswith(("http://", "https://"))


def _resolved(image: str, value: str, image_info: dict, fetch) -> str:
    """``value``, or the checksum its checksum file gives the image when it is a URL."""
    if not is_url(value):
        return value
    if fetch is None:
        raise errors.InvalidImage(image=image, err="a checksum URL cannot be fetched here")
    urls = image_info.get("urls") or [image_info.get("url") or ""]
    filename = os.path.basename(urllib.parse.urlsplit(urls[0]).path)
    return checksum_from_file(image, fetch(value.strip()), filename, value.strip())


# One line of a checksum file: "<hex>  [*]<name>" (coreutils), "<algo> (<name>) = <hex>" (BSD,
# CentOS), or "<name> <hex>".
_HEX_FIRST = re.compile(r"^([0-9a-fA-F]{32,128})\s+\*?(.+)$")
_BSD = re.compile(r"^\w+\s*\((.+)\)\s*=\s*([0-9a-fA-F]{32,128})$")
_HEX_LAST = re.compile(r"^(.+?)\s+([0-9a-fA-F]{32,128})$")


def checksum_from_file(image: str, text: str, filename: str, url: str) -> str:
    """The checksum a checksum file gives ``filename``; InvalidImage naming the URL when it
    gives none."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith("#")]
    if len(lines) == 1 and _HEX.match(lines[0]) and len(lines[0]) in _HEX_LENGTHS:
        return lines[0]
    for line in lines:
        for pattern, name_at, hex_at in ((_HEX_FIRST, 2, 1), (_BSD, 1, 2), (_HEX_LAST, 1, 2)):
            match = pattern.match(line)
            if match and match.group(name_at).strip() == filename:
                value = match.group(hex_at)
                if len(value) in _HEX_LENGTHS:
                    return value
    raise errors.InvalidImage(
        image=image, err=f"the checksum file {url} has no checksum for {filename!r}"
    )


def _from_legacy(image: str, checksum: str) -> tuple[str, str]:
    checksum = checksum.strip()
    if not checksum:
        raise errors.InvalidImage(image=image, err="image_info has no checksum")
    if ":" in checksum:
        algo, _, value = checksum.partition(":")
        return algo.lower(), value
    algo = _HEX_LENGTHS.get(len(checksum))
    if algo is None:
        raise errors.InvalidImage(
            image=image, err=f"cannot tell the algorithm of a {len(checksum)}-digit checksum"
        )
    return algo, checksum


def file_digest(path: str, algo: str, chunk: int = 1 << 20) -> str:
    """The hex digest of a file, read in chunks so a large image never sits in memory."""
    h = hashlib.new(algo)
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()
