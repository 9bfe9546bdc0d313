"""Node locks and the task that carries a locked node to the drivers.

The task is what drivers see of the conductor: it implements the task protocol of
``drivers.base.Task`` (power actions, history, failing the flow, recording an inventory), so
that drivers never import the conductor. The conductor's modules below it (transitions,
power, inventory, steps, the flows) name ``Task`` in annotations only, so that this module
can build those services on them without an import circle.

The one contract::

    with acquire(context, node_id, purpose="power on") as task:
        task.driver.power.set_power_state(task, "power on")

An exclusive task owns ``nodes.reservation`` (set by one atomic conditional UPDATE) until the
block ends, or until ``task.spawn_after(pool, fn)`` hands the lock to a worker thread that
releases it when ``fn`` returns. A shared task reads the node without locking it, for checks
that change nothing. A busy node is retried a few times, then NodeLocked (409).

Each acquisition has an epoch (``nodes.reservation_epoch``). The task's writes and its release
carry it, and while the task runs every BMC or agent call first checks that the node still
carries this host and epoch (``common.fencing``): a worker whose conductor was frozen, taken
for dead and taken over stops at its next hardware action with LockLost, logged, changing
nothing.
"""

import contextlib
import contextvars
import logging
from collections.abc import Callable, Iterator

import tenacity

from ironic_lite.common import exceptions, fencing
from ironic_lite.common.context import RequestContext
from ironic_lite.conductor import inventory as inventories
from ironic_lite.conductor import power, transitions
from ironic_lite.conductor.flows import registry
from ironic_lite.conf import CONF
from ironic_lite.db import api as dbapi
from ironic_lite.drivers.loader import Driver

LOG = logging.getLogger(__name__)


class Task:
    """A node, its driver, and (unless shared) the lock on it."""

    def __init__(self, context: RequestContext, node: dict, host: str, shared: bool, purpose: str):
        self.context = context
        self.node = node
        self.host = host
        self.shared = shared
        self.purpose = purpose
        # The lock's epoch: None for a shared task, which holds no lock.
        self.epoch: int | None = None if shared else node["reservation_epoch"]
        self._driver: Driver | None = None
        self._released = shared
        self._handed_off = False

    @property
    def driver(self) -> Driver:
        if self._driver is None:
            self._driver = Driver(self.node)
        return self._driver

    # --- the task protocol's services (``drivers.base.Task``) ---------------------------------
    @property
    def step_kind(self) -> str | None:
        """The kind of steps the flow owning the node's state runs (None: no such flow)."""
        return registry.step_kind(self.node["provision_state"])

    def power(self, target: str, timeout: int | None = None) -> str:
        return power.apply(self, target, timeout)

    def history(self, event: str, severity: str = "INFO", event_type: str = "provisioning") -> None:
        transitions.history(self, event, severity=severity, event_type=event_type)

    def fail(self, reason: str) -> str:
        """Fail the flow under way; its declaration says which fault the failure leaves."""
        from ironic_lite.conductor import transitions

        return transitions.fail(self, reason, fault=registry.fault(self.node["provision_state"]))

    def record_inventory(
        self, inventory: dict, plugin_data: dict | None = None, source: str = ""
    ) -> dict:
        return inventories.record(self, inventory, plugin_data, source=source)

    # --- writing the node while holding its lock ---------------------------------------------
    def save(self, history: dict | None = None, **changes) -> dict:
        """Write ``changes`` to the node; only while this task holds the lock.

        ``history`` (fields of a node history event) is recorded in the same transaction.
        """
        if self.shared:
            raise RuntimeError(f"shared task for {self.purpose} tried to change the node")
        was = self.node.get("power_state")
        try:
            self.node = dbapi.update_locked_node(
                self.node, self.host, changes, history=history, epoch=self.epoch
            )
        except exceptions.NodeLocked:
            raise self._lost("a node update") from None
        if "power_state" in changes and changes["power_state"] != was:
            # Every power change of a locked node passes here, whichever flow or driver made it.
            LOG.info(
                "Node %s power state: %s -> %s (%s)",
                self.node["uuid"],
                was,
                changes["power_state"],
                self.purpose,
            )
        return self.node

    # --- fencing -----------------------------------------------------------------------------
    def check_lock(self, operation: str) -> None:
        """LockLost unless this task still holds the node's lock at its epoch (one indexed
        query); ``guard`` runs it before every BMC and agent call of the task."""
        if self.shared or dbapi.holds_lock(self.node["id"], self.host, self.epoch):
            return
        raise self._lost(operation)

    def _lost(self, operation: str) -> fencing.LockLost:
        try:
            holder = dbapi.get_node_by_id(self.node["id"])["reservation"]
        except exceptions.NodeNotFound:
            holder = None
        return fencing.LockLost(self.node["uuid"], operation, holder)

    def with_info(self, **info) -> dict:
        """driver_internal_info with ``info`` merged in (None values delete keys), unsaved:
        for a flow that writes it together with other changes in one save."""
        merged = dict(self.node["driver_internal_info"] or {})
        for key, value in info.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        return merged

    def remember(self, **info) -> dict:
        """Merge ``info`` into driver_internal_info and save it."""
        return self.save(driver_internal_info=self.with_info(**info))

    def remember_fields(self, **fields) -> dict:
        return self.save(**fields)

    # --- the node's ports, for network and inspect interfaces ---------------------------------
    @property
    def ports(self) -> list[dict]:
        rows, _ = dbapi.list_ports({"node_id": self.node["id"]})
        return rows

    @property
    def portgroups(self) -> list[dict]:
        rows, _ = dbapi.list_portgroups({"node_id": self.node["id"]})
        return rows

    def add_port(self, address: str, **fields) -> dict:
        """A new port of this node for the MAC ``address`` (inspection finds them);
        MACAlreadyExists (409) when another port has that MAC."""
        if self.shared:
            raise RuntimeError(f"shared task for {self.purpose} tried to add a port")
        return dbapi.create_port({**fields, "node_id": self.node["id"], "address": address})

    def save_port(self, port: dict, **changes) -> dict:
        if self.shared:
            raise RuntimeError(f"shared task for {self.purpose} tried to change a port")
        return dbapi.update_port(port["id"], changes)

    def save_portgroup(self, portgroup: dict, **changes) -> dict:
        if self.shared:
            raise RuntimeError(f"shared task for {self.purpose} tried to change a portgroup")
        return dbapi.update_portgroup(portgroup["id"], changes)

    # --- remote volumes, for storage and boot interfaces -------------------------------------
    @property
    def volume_connectors(self) -> list[dict]:
        rows, _ = dbapi.list_volume_connectors(self.node["id"])
        return rows

    @property
    def volume_targets(self) -> list[dict]:
        rows, _ = dbapi.list_volume_targets(self.node["id"], sort_key="boot_index")
        return rows

    @property
    def boot_volume(self) -> dict | None:
        """The volume target the node boots from, as its storage interface says (None: the
        instance is on the node's own disk). What a boot interface's prepare_instance reads."""
        return self.driver.storage.boot_volume(self)

    def refresh(self) -> dict:
        self.node = dbapi.get_node_by_id(self.node["id"])
        return self.node

    # --- what the BIOS and firmware interfaces read from the machine --------------------------
    @property
    def bios_settings(self) -> list[dict]:
        """The node's stored BIOS settings (with their registry fields), by name."""
        return dbapi.list_bios_settings(self.node["id"])

    def store_bios_settings(self, settings: list[dict], replace: bool = True) -> list[dict]:
        """Store BIOS settings ``[{"name", "value", <registry fields>...}]``; all of them.

        ``replace``: ``settings`` is everything the machine has (others are deleted), as a
        cache read gives it; otherwise only the named settings and given fields change.
        """
        if self.shared:
            raise RuntimeError(f"shared task for {self.purpose} tried to store BIOS settings")
        return dbapi.set_bios_settings(self.node["id"], settings, replace=replace)

    @property
    def firmware_components(self) -> list[dict]:
        """The node's stored firmware components and versions."""
        return dbapi.list_firmware_components(self.node["id"])

    def store_firmware_components(self, components: list[dict], replace: bool = True) -> list[dict]:
        """Store firmware components ``[{"component", "current_version", ...}]``; all of them.

        ``replace`` as for store_bios_settings; a component's initial_version is kept once set.
        """
        if self.shared:
            raise RuntimeError(f"shared task for {self.purpose} tried to store firmware components")
        return dbapi.set_firmware_components(self.node["id"], components, replace=replace)

    # --- lock hand-over ----------------------------------------------------------------------
    def spawn_after(
        self, spawn: Callable[..., object], fn: Callable[..., object], *args, **kwargs
    ) -> None:
        """Run ``fn(*args)`` through ``spawn`` with the lock; the worker releases it at the end.

        ``spawn`` submits a callable to a bounded pool and raises NoFreeConductorWorker when
        the pool is full, in which case the lock is released at once.
        """

        def run():
            try:
                with fencing.fenced_by(self.check_lock):
                    fn(*args, **kwargs)
            except fencing.LockLost as lost:
                self._released = True  # someone else's lock now: nothing of ours to release
                LOG.warning(
                    "Node %s: stopping %s quietly: %s", self.node["uuid"], self.purpose, lost
                )
            except Exception:
                LOG.exception("Unexpected error in %s of node %s", self.purpose, self.node["uuid"])
            finally:
                self.release()

        # The worker logs with the request id of the call that handed it the node.
        context = contextvars.copy_context()
        spawn(lambda: context.run(run))
        self._handed_off = True

    def release(self) -> None:
        if self._released:
            return
        self._released = True
        if not dbapi.release_node(self.node["id"], self.host, self.epoch):
            LOG.warning(
                "Lock of node %s for %s was already gone when releasing it",
                self.node["uuid"],
                self.purpose,
            )


def _load(node_ident: int | str) -> dict:
    if isinstance(node_ident, int):
        return dbapi.get_node_by_id(node_ident)
    return dbapi.get_node(node_ident)


def _reserve(node_id: int, host: str) -> dict:
    attempts = CONF.conductor.node_locked_retry_attempts + 1

    @tenacity.retry(
        retry=tenacity.retry_if_exception_type(exceptions.NodeLocked),
        stop=tenacity.stop_after_attempt(attempts),
        wait=tenacity.wait_fixed(CONF.conductor.node_locked_retry_interval),
        reraise=True,
    )
    def reserve() -> dict:
        locked = dbapi.reserve_node(node_id, host)
        if locked is not None:
            return locked
        current = dbapi.get_node_by_id(node_id)
        if current["reservation"] is None:
            # Released between our UPDATE and our read: try again at once.
            raise exceptions.NodeLocked(node=current["uuid"], host="(just released)")
        raise exceptions.NodeLocked(node=current["uuid"], host=current["reservation"])

    return reserve()


@contextlib.contextmanager
def acquire(
    context: RequestContext,
    node_ident: int | str,
    purpose: str,
    shared: bool = False,
    host: str | None = None,
) -> Iterator[Task]:
    """A task on the node; exclusive (locked) unless ``shared``."""
    host = host or CONF.host
    if shared:
        node = _load(node_ident)
    else:
        # The reservation reads the node back in its own transaction: no read before it.
        node_id = node_ident if isinstance(node_ident, int) else _load(node_ident)["id"]
        node = _reserve(node_id, host)
    task = Task(context, node, host, shared, purpose)
    try:
        if shared:
            yield task
        else:
            with fencing.fenced_by(task.check_lock):
                yield task
    except fencing.LockLost as lost:
        # Lost while the caller (an RPC call, a periodic task) held it: its caller sees a 409.
        task._released = True
        LOG.warning("Node %s: %s stopped: %s", task.node["uuid"], purpose, lost)
        raise exceptions.NodeLocked(
            node=task.node["uuid"], host=lost.holder or "(nobody)"
        ) from None
    finally:
        if not task._handed_off:
            task.release()
