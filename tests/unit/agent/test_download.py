"""download(): resume, restart and refusals against a real HTTP server on loopback."""

import hashlib
import os

import pytest

from ironic_lite_agent import errors, images
from ironic_lite_agent.retry import RetryPolicy
from tests.unit.agent.fakes import ImageServer

FAST = images.DownloadOptions(
    retry=RetryPolicy(attempts=3, initial=0.01, maximum=0.05, deadline=30), read_timeout=10
)


@pytest.fixture
def server():
    with ImageServer() as s:
        yield s


def _collect():
    buf = bytearray()

    def write(offset, chunk):
        if len(buf) < offset + len(chunk):
            buf.extend(b"\0" * (offset + len(chunk) - len(buf)))
        buf[offset : offset + len(chunk)] = chunk

    return buf, write


def test_plain_download_returns_size_and_digest(server):
    data = os.urandom(3 << 20)
    buf, write = _collect()
    size, digest = images.download(server.add("/a", data), write, "sha256", FAST)
    assert size == len(data) and bytes(buf) == data
    assert digest == hashlib.sha256(data).hexdigest()


def test_resume_after_a_break_hashes_exactly_the_image(server):
    data = os.urandom(3 << 20)
    buf, write = _collect()
    size, digest = images.download(
        server.add("/b", data, break_after=777777, breaks=2), write, "sha512", FAST
    )
    assert size == len(data) and bytes(buf) == data
    assert digest == hashlib.sha512(data).hexdigest()
    ranges = [r["range"] for r in server.requests]
    assert ranges[0] is None and len(ranges) == 3
    # Each resume starts at the last whole chunk received before the break (at most one
    # 64 KiB chunk is fetched twice), never at 0.
    first = int(ranges[1].removeprefix("bytes=").rstrip("-"))
    second = int(ranges[2].removeprefix("bytes=").rstrip("-"))
    assert 777777 - 65536 < first <= 777777
    assert first + 777777 - 65536 < second <= first + 777777


def test_server_without_range_restarts_from_zero(server):
    data = os.urandom(2 << 20)
    buf, write = _collect()
    size, digest = images.download(
        server.add("/c", data, break_after=100000, ranges=False), write, "sha256", FAST
    )
    assert size == len(data) and digest == hashlib.sha256(data).hexdigest()


def test_gives_up_after_the_policy(server):
    data = os.urandom(1 << 20)
    with pytest.raises(errors.ImageDownloadError, match="gave up after 3 attempts"):
        images.download(
            server.add("/d", data, break_after=1000, breaks=10), _collect()[1], "sha256", FAST
        )
    assert len(server.requests) == 3


def test_404_is_not_retried(server):
    with pytest.raises(errors.ImageDownloadError, match="HTTP 404"):
        images.download(server.url + "/missing", _collect()[1], "sha256", FAST)
    assert len(server.requests) == 1


def test_unreachable_server_fails_after_the_policy():
    with pytest.raises(errors.ImageDownloadError, match="cannot connect"):
        images.download("http://127.0.0.1:9/x", _collect()[1], "sha256", FAST)


def test_configdrive_decoding(server):
    import base64
    import gzip
    import textwrap

    raw = b"config drive bytes" + os.urandom(4000)
    packed = base64.b64encode(gzip.compress(raw)).decode()
    assert images.decode_configdrive(packed, FAST) == raw
    assert images.decode_configdrive(base64.b64encode(raw).decode(), FAST) == raw
    # coreutils' base64 breaks lines every 76 characters.
    wrapped = "\n".join(textwrap.wrap(packed, 76)) + "\n"
    assert images.decode_configdrive(wrapped, FAST) == raw
    with pytest.raises(errors.InvalidImage, match="not base64"):
        images.decode_configdrive("***", FAST)
    # From a URL: Bifrost's gzip | base64 text, plain gzip, or the drive itself.
    iso = bytes(0x8001) + b"CD001" + os.urandom(2000)
    for served, expected in (
        (wrapped.encode(), raw),
        (gzip.compress(raw), raw),
        (iso, iso),
        (gzip.compress(iso), iso),
    ):
        url = server.add(f"/cd-{len(server.requests)}-{len(served)}", served)
        assert images.decode_configdrive(url, FAST) == expected


def test_configdrive_bombs_are_refused():
    import base64
    import gzip

    bomb = base64.b64encode(gzip.compress(bytes(65 << 20))).decode()
    with pytest.raises(errors.InvalidImage, match="expands to more than 64 MiB"):
        images.decode_configdrive(bomb, FAST)
