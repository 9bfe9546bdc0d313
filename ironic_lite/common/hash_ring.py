"""Which conductor owns which node: consistent hashing over the live conductors.

One ring per (conductor group, hardware type), so that a node is only ever handed to a
conductor of its group that runs its driver. Rings are rebuilt from the conductors table when
they are older than ``[conductor] hash_ring_reset_interval`` or when asked to.

The rings do not read the database themselves: the conductor package hands them the function
that loads the live conductors (``db.api.list_alive_conductors``), so ``common`` stays below
``db`` and a test can build rings from a plain list.

The ring itself is a few lines here rather than tooz's: importing tooz.hashring pulls in
futurist, eventlet and dnspython (about 15 MB and 0.2 s per process) for 30 lines of hashing.
"""

import bisect
import hashlib
import threading
import time
from collections.abc import Callable, Iterable

from ironic_lite.conf import CONF

# Loads the live conductors: called with ``[conductor] heartbeat_timeout``, returns rows with
# ``hostname``, ``conductor_group``, ``drivers`` and ``updated_at``.
LiveConductors = Callable[[int], list[dict]]

# Points per host on the ring: enough that 2-50 hosts get shares within a few percent.
_REPLICAS = 128


def _point(key: str) -> int:
    return int.from_bytes(hashlib.md5(key.encode(), usedforsecurity=False).digest()[:8], "big")


class Ring:
    """A consistent hash ring: adding or removing a host moves only that host's share."""

    def __init__(self, hosts: Iterable[str]):
        points = sorted(
            (_point(f"{host}-{i}"), host) for host in set(hosts) for i in range(_REPLICAS)
        )
        self._keys = [p for p, _ in points]
        self._hosts = [h for _, h in points]
        self.nodes = frozenset(self._hosts)

    def get_host(self, key: str) -> str | None:
        if not self._keys:
            return None
        index = bisect.bisect(self._keys, _point(key)) % len(self._keys)
        return self._hosts[index]


class HashRings:
    """The rings of every (conductor group, hardware type), rebuilt from ``load_conductors``."""

    def __init__(self, load_conductors: LiveConductors):
        self._load_conductors = load_conductors
        self._lock = threading.Lock()
        self._rings: dict[tuple[str, str], Ring] = {}
        self._built_at = 0.0
        self._owners: dict[tuple, str | None] = {}
        self.members: frozenset[str] = frozenset()

    def _build(self) -> None:
        conductors = self._load_conductors(CONF.conductor.heartbeat_timeout)
        hosts: dict[tuple[str, str], set[str]] = {}
        for c in conductors:
            for driver in c["drivers"] or ():
                hosts.setdefault((c["conductor_group"], driver), set()).add(c["hostname"])
        self._rings = {key: Ring(members) for key, members in hosts.items()}
        self._owners: dict[tuple, str | None] = {}
        self.members = frozenset(c["hostname"] for c in conductors)
        self._built_at = time.monotonic()
        self._beats = {c["hostname"]: c["updated_at"] for c in conductors}
        self._beats_at = self._built_at

    def _fresh(self) -> dict:
        if time.monotonic() - self._built_at > CONF.conductor.hash_ring_reset_interval:
            with self._lock:
                if time.monotonic() - self._built_at > CONF.conductor.hash_ring_reset_interval:
                    self._build()
        return self._rings

    def last_heartbeat(self, host: str):
        """When ``host`` last heart-beat (read again if the cached value is over 1 s old)."""
        if time.monotonic() - getattr(self, "_beats_at", 0.0) > 1.0:
            conductors = self._load_conductors(CONF.conductor.heartbeat_timeout)
            self._beats = {c["hostname"]: c["updated_at"] for c in conductors}
            self._beats_at = time.monotonic()
        return self._beats.get(host)

    def reset(self) -> None:
        """Forget the rings; the next lookup reads the conductors again."""
        with self._lock:
            self._built_at = 0.0

    def owner(self, node_uuid: str, driver: str, group: str | None) -> str | None:
        """Hostname of the conductor that owns the node, or None if no one serves it."""
        rings = self._fresh()
        key = (node_uuid, driver, group)
        owners = self._owners
        if key in owners:
            return owners[key]
        ring = rings.get(((group or "").lower(), driver))
        host = None if ring is None else ring.get_host(node_uuid)
        if len(owners) < 200_000:  # rebuilt with the ring; bounded for huge fleets
            owners[key] = host
        return host

    def serves(self, driver: str, group: str | None) -> bool:
        return ((group or "").lower(), driver) in self._fresh()
