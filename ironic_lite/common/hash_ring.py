"""Which conductor owns which node: consistent hashing over the live conductors.

One ring per (conductor group, hardware type), so that a node is only ever handed to a
conductor of its group that runs its driver. Rings are rebuilt from the conductors table when
they are older than ``[conductor] hash_ring_reset_interval`` or when asked to.
"""

import threading
import time

from tooz import hashring

from ironic_lite.conf import CONF
from ironic_lite.db import api as dbapi


class HashRings:
    def __init__(self):
        self._lock = threading.Lock()
        self._rings: dict[tuple[str, str], hashring.HashRing] = {}
        self._built_at = 0.0
        self.members: frozenset[str] = frozenset()

    def _build(self) -> None:
        conductors = dbapi.list_alive_conductors(CONF.conductor.heartbeat_timeout)
        hosts: dict[tuple[str, str], set[str]] = {}
        for c in conductors:
            for driver in c["drivers"] or ():
                hosts.setdefault((c["conductor_group"], driver), set()).add(c["hostname"])
        self._rings = {key: hashring.HashRing(members) for key, members in hosts.items()}
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
            conductors = dbapi.list_alive_conductors(CONF.conductor.heartbeat_timeout)
            self._beats = {c["hostname"]: c["updated_at"] for c in conductors}
            self._beats_at = time.monotonic()
        return self._beats.get(host)

    def reset(self) -> None:
        """Forget the rings; the next lookup reads the conductors again."""
        with self._lock:
            self._built_at = 0.0

    def owner(self, node_uuid: str, driver: str, group: str | None) -> str | None:
        """Hostname of the conductor that owns the node, or None if no one serves it."""
        ring = self._fresh().get(((group or "").lower(), driver))
        if ring is None:
            return None
        return next(iter(ring.get_nodes(node_uuid.encode())))

    def serves(self, driver: str, group: str | None) -> bool:
        return ((group or "").lower(), driver) in self._fresh()
