"""The consistent hash ring that decides which conductor owns a node."""

import collections
import uuid

from ironic_lite.common.hash_ring import Ring

KEYS = [str(uuid.UUID(int=i * 7919 + 13)) for i in range(6000)]


def test_hosts_get_roughly_equal_shares():
    ring = Ring(["c1", "c2", "c3"])
    shares = collections.Counter(ring.get_host(k) for k in KEYS)
    assert set(shares) == {"c1", "c2", "c3"}
    assert max(shares.values()) / min(shares.values()) < 1.35


def test_adding_a_host_moves_keys_only_to_it():
    before, after = Ring(["c1", "c2", "c3"]), Ring(["c1", "c2", "c3", "c4"])
    moved = [k for k in KEYS if before.get_host(k) != after.get_host(k)]
    assert all(after.get_host(k) == "c4" for k in moved)
    assert 0.15 < len(moved) / len(KEYS) < 0.35  # about a quarter


def test_removing_a_host_moves_only_its_keys():
    before, after = Ring(["c1", "c2", "c3"]), Ring(["c1", "c3"])
    for k in KEYS:
        if before.get_host(k) != "c2":
            assert after.get_host(k) == before.get_host(k)


def test_lookup_is_stable_and_empty_ring_has_no_owner():
    assert Ring(["a", "b"]).get_host(KEYS[0]) == Ring(["b", "a"]).get_host(KEYS[0])
    assert Ring([]).get_host(KEYS[0]) is None
