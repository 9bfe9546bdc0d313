"""Which checksum an image is verified with, and the verification itself.

Ironic hands the agent an image's checksum in one of three ways: Glance's ``os_hash_algo`` and
``os_hash_value``; a ``checksum`` prefixed with its algorithm (``sha256:abc...``); or a bare
legacy ``checksum``, which is md5 when it has 32 hex digits. md5 is refused unless the caller
allows it explicitly: a collision in md5 is cheap enough to forge an image.
"""

import dataclasses
import hashlib
import hmac
import re

from agent import errors

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


def expected_checksum(image_info: dict, allow_md5: bool = False) -> Expected:
    """The checksum to verify ``image_info``'s image against.

    Raises InvalidImage when there is none or it is malformed, InsecureChecksum for md5 when
    md5 is not allowed (by ``allow_md5`` or by ``image_info['allow_md5']``).
    """
    image = image_info.get("id", "<unnamed>")
    allow_md5 = allow_md5 or bool(image_info.get("allow_md5"))
    algo = (image_info.get("os_hash_algo") or "").lower()
    value = image_info.get("os_hash_value") or ""
    if not (algo and value):
        algo, value = _from_legacy(image, image_info.get("checksum") or "")
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
