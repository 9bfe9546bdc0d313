"""The master image cache of the boot roots: refreshed when the source changes, bounded in
size and age, never evicting an image a node still links to.

Images come from a real HTTP server on loopback whose files the tests change (it answers
conditional GETs with ETag and/or Last-Modified, or sends no validators at all), and from
local files.
"""

import hashlib
import os
import time

import pytest

from ironic_lite.conf import CONF
from ironic_lite.drivers.boot import image_cache
from tests.lab.harness import ensure_config
from tests.lab.image_server import ImageServer


@pytest.fixture
def server():
    running = ImageServer()
    yield running
    running.stop()


@pytest.fixture
def cache(tmp_path):
    ensure_config()
    overrides = [
        ("file_url_allowed_paths", [str(tmp_path / "images")], "conductor"),
        ("image_cache_size", 20480, "pxe"),
        ("image_cache_ttl", 10080, "pxe"),
    ]
    for name, value, group in overrides:
        CONF.set_override(name, value, group)
    (tmp_path / "images").mkdir()
    yield tmp_path
    for name, _value, group in overrides:
        CONF.clear_override(name, group)


def _masters(cache_dir) -> set[str]:
    return {n for n in os.listdir(cache_dir) if not n.startswith(".")}


def test_a_changed_url_is_fetched_again_and_an_unchanged_one_is_not(cache, server):
    url = server.put("ipa.kernel", b"kernel v1", age=60)
    master_dir = cache / "root" / "master_images"
    first, second, third = (cache / "root" / f"node-{i}" / "kernel" for i in range(3))
    image_cache.fetch(url, str(first), str(master_dir))
    image_cache.fetch(url, str(second), str(master_dir))
    assert server.statuses("ipa.kernel") == [200, 304]  # conditional GET, nothing re-sent
    assert second.read_bytes() == b"kernel v1" and second.stat().st_nlink == 3  # master + 2

    server.put("ipa.kernel", b"kernel v2")
    image_cache.fetch(url, str(third), str(master_dir))
    assert server.statuses("ipa.kernel") == [200, 304, 200]
    assert third.read_bytes() == b"kernel v2"
    assert first.read_bytes() == b"kernel v1", "a node that booted v1 keeps its copy"
    assert len(_masters(master_dir)) == 1


@pytest.mark.parametrize("validators", [("etag",), ("last-modified",)])
def test_either_validator_is_enough(cache, validators):
    server = ImageServer(validators)
    try:
        url = server.put("ipa.initramfs", b"ramdisk v1", age=60)
        dest = cache / "root" / "n" / "ramdisk"
        image_cache.fetch(url, str(dest), str(cache / "root" / "master_images"))
        image_cache.fetch(url, str(dest), str(cache / "root" / "master_images"))
        server.put("ipa.initramfs", b"ramdisk v2")
        image_cache.fetch(url, str(dest), str(cache / "root" / "master_images"))
        assert server.statuses("ipa.initramfs") == [200, 304, 200]
        assert dest.read_bytes() == b"ramdisk v2"
    finally:
        server.stop()


def test_without_validators_the_ttl_decides(cache):
    server = ImageServer(validators=())
    try:
        url = server.put("ipa.kernel", b"v1")
        dest, masters = cache / "root" / "n" / "k", str(cache / "root" / "master_images")
        image_cache.fetch(url, str(dest), masters)
        server.put("ipa.kernel", b"v2")
        image_cache.fetch(url, str(dest), masters)
        assert dest.read_bytes() == b"v1" and server.statuses("ipa.kernel") == [200]
        CONF.set_override("image_cache_ttl", 0, "pxe")
        image_cache.fetch(url, str(dest), masters)
        assert dest.read_bytes() == b"v2" and server.statuses("ipa.kernel") == [200, 200]
    finally:
        server.stop()


def test_a_changed_local_file_is_copied_again(cache):
    source = cache / "images" / "ipa.kernel"
    source.write_bytes(b"local v1")
    masters = str(cache / "root" / "master_images")
    old, new = cache / "root" / "a" / "k", cache / "root" / "b" / "k"
    image_cache.fetch(str(source), str(old), masters)
    source.write_bytes(b"local v2, longer")
    image_cache.fetch(f"file://{source}", str(new), masters)
    image_cache.fetch(str(source), str(new), masters)
    assert new.read_bytes() == b"local v2, longer" and old.read_bytes() == b"local v1"
    assert os.stat(source).st_nlink == 1, "the source itself is never linked into the root"


def test_unused_images_are_evicted_oldest_first_beyond_the_size(cache, server):
    CONF.set_override("image_cache_size", 1, "pxe")  # MiB
    masters = cache / "root" / "master_images"
    blob = b"x" * (400 * 1024)
    urls = [server.put(f"image-{i}", blob + bytes([i])) for i in range(4)]
    in_use = cache / "root" / "node" / "image-0"
    image_cache.fetch(urls[0], str(in_use), str(masters))  # stays linked: in use
    for i, url in enumerate(urls[1:], 1):
        dest = cache / "root" / "gone" / f"image-{i}"
        image_cache.fetch(url, str(dest), str(masters))
        image_cache.remove(str(dest))  # the node was torn down: the master is unused
        time.sleep(0.01)
    # 4 x 400 KiB > 1 MiB: unused images go, least recently used first; image-0 is in use.
    kept = _masters(masters)
    assert len(kept) == 2
    key = {i: hashlib.sha256(u.encode()).hexdigest() for i, u in enumerate(urls)}
    assert key[0] in kept and key[3] in kept
    assert in_use.read_bytes()[-1] == 0


def test_unused_images_expire_after_the_ttl_and_in_use_ones_never(cache, server):
    masters = cache / "root" / "master_images"
    image_cache.fetch(server.put("a", b"a"), str(cache / "root" / "n1" / "a"), str(masters))
    image_cache.fetch(server.put("b", b"b"), str(cache / "root" / "n2" / "b"), str(masters))
    image_cache.remove(str(cache / "root" / "n2"))
    assert len(_masters(masters)) == 2
    CONF.set_override("image_cache_ttl", 0, "pxe")
    removed = image_cache.evict(str(masters))
    assert len(removed) == 1 and len(_masters(masters)) == 1
    assert (cache / "root" / "n1" / "a").read_bytes() == b"a"


def test_a_failed_download_leaves_no_partial_file(cache, server):
    masters = cache / "root" / "master_images"
    with pytest.raises(Exception, match="HTTP 404"):
        image_cache.fetch(f"{server.url}/missing", str(cache / "root" / "n" / "k"), str(masters))
    assert not [n for n in os.listdir(masters) if n.startswith(".part-")]
    assert not (cache / "root" / "n" / "k").exists()
