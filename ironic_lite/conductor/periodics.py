"""Periodic work of a conductor, each pass only over the nodes this conductor owns.

- power sync: compare each node's recorded power state with its BMC, in batches with bounded
  concurrency; a machine found in the wrong state is powered back
  (``[conductor] force_power_state_during_sync``, the default) or its new state recorded;
  changes land in history; after N failed reads put the node in maintenance with the
  "power failure" fault, and lift it again when the BMC answers; keep the node's health
  (``health.py``) from the same read;
- waits: a node parked in a wait state past its timeout fails with last_error; one whose
  wait step is due is resumed;
- takeover: nodes locked by a dead conductor, or left mid-flow by a stopped one, are taken
  over by their new owner on the hash ring and resumed (or failed) at their saved step;
- allocations left ``allocating`` by a conductor that stopped end in ``error``.
"""

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from ironic_lite.common import exceptions, states
from ironic_lite.common.context import admin_context
from ironic_lite.common.hash_ring import HashRings
from ironic_lite.conductor import health, power
from ironic_lite.conductor.flows import allocation, registry
from ironic_lite.conductor.task import Task, acquire
from ironic_lite.conf import CONF
from ironic_lite.db import api as dbapi

LOG = logging.getLogger(__name__)

POWER_FAILURE = "power failure"
_BATCH = 200


class Periodics:
    def __init__(self, manager, rings: HashRings, drivers: list[str], group: str):
        self.manager = manager
        self.rings = rings
        self.drivers = drivers
        self.group = group
        self.context = admin_context()
        self.started_at = dbapi.now()
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool = ThreadPoolExecutor(
            CONF.conductor.sync_power_state_workers, thread_name_prefix="power-sync"
        )

    # --- scheduling ----------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="conductor-periodics", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._halt.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _jobs(self) -> list[tuple[float, Callable[[], None]]]:
        jobs = [
            (CONF.conductor.check_provision_state_interval, self.check_waits),
            (CONF.conductor.heartbeat_interval, self.take_over),
            (CONF.conductor.check_provision_state_interval, self.check_allocations),
        ]
        if CONF.conductor.sync_power_state_interval > 0:
            jobs.append((CONF.conductor.sync_power_state_interval, self.sync_power_states))
        return jobs

    def _loop(self) -> None:
        jobs = self._jobs()
        due = [time.monotonic() + min(interval, 2.0) for interval, _ in jobs]
        while not self._halt.is_set():
            now = time.monotonic()
            for i, (interval, job) in enumerate(jobs):
                if now >= due[i]:
                    try:
                        job()
                    except Exception:
                        LOG.exception(
                            "Periodic task %s failed; it runs again in %s s", job.__name__, interval
                        )
                    due[i] = time.monotonic() + interval
            self._halt.wait(max(0.2, min(due) - time.monotonic()))

    def _mine(self, rows: list[dict]) -> list[dict]:
        host = self.manager.host
        return [
            r
            for r in rows
            if self.rings.owner(r["uuid"], r["driver"], r["conductor_group"]) == host
        ]

    # --- power sync ----------------------------------------------------------------------------
    def sync_power_states(self) -> dict:
        """One pass over the nodes this conductor owns; returns counts (for tests/benchmarks)."""
        candidates = dbapi.list_in_states(
            states.STABLE_STATES | states.FAIL_STATES,
            unlocked_only=True,
            drivers=self.drivers,
            group=self.group,
        )
        mine = [
            r for r in self._mine(candidates) if not r["maintenance"] or r["fault"] == POWER_FAILURE
        ]
        counts = {"checked": 0, "changed": 0, "failed": 0}
        started = time.monotonic()
        for start in range(0, len(mine), _BATCH):
            if self._halt.is_set():
                break
            ids = [r["id"] for r in mine[start : start + _BATCH]]
            nodes, _ = dbapi.list_nodes({"id_in": ids}, with_traits=False)
            for result in self._pool.map(self._sync_one, nodes):
                counts["checked"] += 1
                counts[result] = counts.get(result, 0) + 1
        if counts["checked"]:
            # One line per pass: how long a pass takes is what decides the sync interval.
            LOG.info(
                "Power sync checked %d node(s) in %.1f s: %s",
                counts["checked"],
                time.monotonic() - started,
                ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if k != "checked"),
            )
        return counts

    def _sync_one(self, node: dict) -> str:
        task = Task(self.context, node, self.manager.host, shared=True, purpose="power sync")
        try:
            actual, reported_health = task.driver.power.read_for_sync(task)
        except exceptions.IronicLiteError as exc:
            return self._power_failed(node, str(exc))
        except Exception as exc:  # a driver bug must not stop the pass for other nodes
            LOG.exception("Power sync of node %s crashed", node["uuid"])
            return self._power_failed(node, f"unexpected {type(exc).__name__}: {exc}")
        changes: dict = {}
        info = node["driver_internal_info"] or {}
        if info.get("power_sync_failures") or info.get("power_sync_corrections"):
            changes["driver_internal_info"] = {
                k: v
                for k, v in info.items()
                if k not in ("power_sync_failures", "power_sync_corrections")
            }
        if node["maintenance"] and node["fault"] == POWER_FAILURE:
            changes.update(maintenance=False, maintenance_reason=None, fault=None)
        if actual != node["power_state"]:
            if power.forced_by_sync(node):
                return self._put_back(node)
            changes["power_state"] = actual
        changes.update(health.changes(node, health.after_read(reported_health)))
        if not changes:
            return "unchanged"
        try:
            dbapi.update_node(
                node["id"],
                changes,
                unless_reserved=True,
                expected={"power_state": node["power_state"]},
            )
        except exceptions.Conflict:
            return "skipped"  # someone is acting on the node right now
        if "power_state" in changes:
            self._history(
                node,
                f"Power state changed from {node['power_state']} to {actual} outside ironic-lite",
                "WARNING",
            )
        if "fault" in changes:
            self._history(node, "BMC answers again; power failure cleared", "INFO")
        self._health_history(node, changes)
        return "changed"

    def _put_back(self, node: dict) -> str:
        """Power the machine back to the node's recorded state, under the node's lock."""
        try:
            with acquire(self.context, node["id"], "power sync", host=self.manager.host) as task:
                return power.put_back(task, node["power_state"], POWER_FAILURE)
        except exceptions.NodeLocked:
            return "skipped"  # someone is acting on the node right now

    def _power_failed(self, node: dict, reason: str) -> str:
        info = dict(node["driver_internal_info"] or {})
        failures = info.get("power_sync_failures", 0) + 1
        info["power_sync_failures"] = failures
        changes: dict = {"driver_internal_info": info}
        limit = CONF.conductor.power_state_sync_max_retries
        entering = failures >= limit and not node["maintenance"]
        changes.update(health.changes(node, health.after_failure(failures >= limit)))
        if entering:
            changes.update(
                maintenance=True,
                fault=POWER_FAILURE,
                maintenance_reason=f"Power state could not be read {failures} "
                f"times in a row: {reason}",
                last_error=reason,
            )
        try:
            dbapi.update_node(node["id"], changes, unless_reserved=True)
        except exceptions.Conflict:
            return "skipped"
        if entering:
            self._history(node, changes["maintenance_reason"], "ERROR")
        self._health_history(node, changes)
        return "failed"

    def _health_history(self, node: dict, changes: dict) -> None:
        if "health" in changes:
            event, severity = health.event(node, changes["health"])
            self._history(node, event, severity, event_type="monitoring")

    def _history(self, node: dict, event: str, severity: str, event_type: str = "power") -> None:
        if CONF.conductor.node_history:
            dbapi.record_history(
                node["id"],
                event=event,
                event_type=event_type,
                severity=severity,
                conductor=self.manager.host,
                state=node["provision_state"],
            )

    # --- waits ---------------------------------------------------------------------------------
    def check_waits(self) -> None:
        """Fail nodes waiting past their timeout; resume those whose wait step is due."""
        now = time.time()
        rows = self._mine(
            dbapi.list_in_states(
                states.WAIT_STATES, unlocked_only=True, drivers=self.drivers, group=self.group
            )
        )
        for row in rows:
            until = (row["driver_internal_info"] or {}).get("wait_until")
            if until is not None and until <= now:
                self._quietly(self.manager.continue_node_flow, row)
                continue
            timeout = getattr(CONF.conductor, registry.WAIT_TIMEOUTS[row["provision_state"]])
            updated = row["provision_updated_at"]
            if (
                until is None
                and updated is not None
                and (dbapi.now() - updated).total_seconds() > timeout
            ):
                self._quietly(self.manager.fail_waiting, row, timeout)

    def _quietly(self, fn, row: dict, *args) -> None:
        try:
            fn(self.context, row["id"], *args)
        except exceptions.NodeLocked:
            pass
        except exceptions.IronicLiteError as exc:
            LOG.warning("Periodic %s on node %s: %s", fn.__name__, row["uuid"], exc)

    # --- takeover ------------------------------------------------------------------------------
    def take_over(self) -> None:
        """Adopt the in-flight work of dead or stopped conductors that is now ours."""
        self.rings.reset()
        dead = {
            c["hostname"] for c in dbapi.list_dead_conductors(CONF.conductor.heartbeat_timeout)
        } - {self.manager.host}
        for row in self._mine(dbapi.list_locked_by(sorted(dead))):
            self.manager.resume_orphan(self.context, row["id"], row["reservation"])
        orphans = dbapi.list_in_states(
            registry.WORKING_STATES, unlocked_only=True, drivers=self.drivers, group=self.group
        )
        for row in self._mine(orphans):
            self.manager.resume_orphan(self.context, row["id"], None)

    # --- allocations ---------------------------------------------------------------------------
    def check_allocations(self) -> int:
        """End in error the allocations whose conductor stopped while processing them."""
        return allocation.fail_abandoned(self.manager.host, self.started_at)
