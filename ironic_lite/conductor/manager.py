"""The conductor's RPC endpoint: thin methods that acquire, check and hand off.

The methods a client may call, their arguments and routing are listed in ``rpc_contract``;
the client (``rpcapi.ConductorAPI``) and the oslo.messaging server read that list, and this
module is checked against it when imported, so the three can never disagree.

Provisioning actions start the flow the flows' registry names for the event; agent
heart-beats and inspection data go to the node's deploy and inspect interfaces. No driver
package is named here: what a node's agent does is its interfaces' business.
"""

import contextlib
import dataclasses
import logging
import threading
from collections.abc import Callable, Iterator

from ironic_lite.common import exceptions, states
from ironic_lite.common.context import RequestContext
from ironic_lite.conductor import agent_token as tokens
from ironic_lite.conductor import power, rpc_contract, steps, transitions
from ironic_lite.conductor.flows import allocation, control, inspect, registry
from ironic_lite.conductor.task import Task, acquire
from ironic_lite.conductor.workers import WorkerPool
from ironic_lite.conf import CONF
from ironic_lite.db import api as dbapi
from ironic_lite.drivers import dhcp, loader

LOG = logging.getLogger(__name__)


@dataclasses.dataclass
class Work:
    """A locked node and the worker reserved to carry on with it."""

    task: Task
    spawn: Callable
    stopping: threading.Event

    def hand_off(self, body: Callable[..., None]) -> None:
        """Run ``body(task, stopping)`` on the reserved worker, which inherits the lock."""
        self.task.spawn_after(self.spawn, body, self.task, self.stopping)


class ConductorManager:
    def __init__(self, host: str | None = None, workers: WorkerPool | None = None):
        self.host = host or CONF.host
        self.workers = workers or WorkerPool(CONF.conductor.workers_pool_size)

    def _task(self, context: RequestContext, node_id: int, purpose: str, shared=False):
        return acquire(context, node_id, purpose, shared=shared, host=self.host)

    @contextlib.contextmanager
    def _work(self, context: RequestContext, node_id: int, purpose: str) -> Iterator[Work]:
        """An exclusive task with a worker reserved first, for actions that end on a worker.

        The worker is reserved before the node is touched, so a full pool answers 503 while
        the node is still as it was.
        """
        with self.workers.reserve() as spawn, self._task(context, node_id, purpose) as task:
            yield Work(task, spawn, self.workers.stopping)

    # --- drivers -------------------------------------------------------------------------------
    def get_driver_properties(self, context: RequestContext, driver_name: str) -> dict:
        return loader.driver_properties(driver_name)

    def list_offered_steps(self, context: RequestContext, kind: str) -> list[dict]:
        """Every ``kind`` step that some enabled interface implementation offers, for checking
        deploy templates and runbooks before any node runs them."""
        return steps.enabled_offers(kind)

    # --- node checks ---------------------------------------------------------------------------
    def validate_driver_interfaces(self, context: RequestContext, node_id: int) -> dict:
        """Each interface's verdict on whether the node is set up to use it."""
        result = {}
        with self._task(context, node_id, "validate driver interfaces", shared=True) as task:
            for itype, iface in task.driver.interfaces().items():
                if itype == "vendor":
                    continue
                if not iface.supported:
                    result[itype] = {
                        "result": None,
                        "reason": f"not supported by {task.node['driver']}",
                    }
                    continue
                try:
                    iface.validate(task)
                except exceptions.IronicLiteError as exc:
                    result[itype] = {"result": False, "reason": str(exc)}
                else:
                    result[itype] = {"result": True}
        return result

    # --- provisioning --------------------------------------------------------------------------
    def do_provisioning_action(
        self,
        context: RequestContext,
        node_id: int,
        target: str,
        configdrive=None,
        clean_steps=None,
        deploy_steps=None,
        service_steps=None,
        rescue_password=None,
        disable_ramdisk=None,
    ) -> None:
        """Start the flow ``target`` asks for; 400 when the state machine has no such move."""
        event = states.VERBS[target].event
        with self._work(context, node_id, f"provisioning action {target}") as work:
            task = work.task
            transitions.check(task, event, action=target)
            body = self._start_flow(
                task,
                event,
                configdrive=configdrive,
                clean_steps=clean_steps,
                deploy_steps=deploy_steps,
                service_steps=service_steps,
                rescue_password=rescue_password,
                disable_ramdisk=disable_ramdisk,
            )
            if body is not None:
                work.hand_off(body)

    def _start_flow(self, task: Task, event: str, **params):
        """Fire the first event of the flow declared for ``event`` (or steer the flow under
        way: abort, unhold); return the worker's body (None: nothing to run)."""
        flow = registry.BY_EVENT.get(event)
        if flow is not None:
            return flow.run if flow.begin(task, event, **params) else None
        steer = control.STEERING.get(event)
        if steer is not None:
            return steer(task)
        raise exceptions.InvalidParameterValue(
            err=f'The requested action "{event}" could not be understood.'
        )

    def continue_node_flow(self, context: RequestContext, node_id: int) -> None:
        """Resume a node parked in a wait state (a wait step ran out, or its agent is back)."""
        with self._work(context, node_id, "continue flow") as work:
            if work.task.node["provision_state"] not in states.WAIT_STATES:
                return
            work.hand_off(control.continue_body(work.task))

    def fail_waiting(self, context: RequestContext, node_id: int, timeout: int) -> None:
        """A node waited in a wait state longer than allowed: fail it (not an RPC method)."""
        with self._task(context, node_id, "wait timeout") as task:
            state = task.node["provision_state"]
            if state not in states.WAIT_STATES:
                return
            transitions.fail(
                task,
                f"Timeout reached while waiting in '{state}' for {timeout} s"
                " (nothing called back: check the ramdisk/agent, its network and "
                "the BMC's console)",
                fault=registry.fault(state),
            )

    def resume_orphan(self, context: RequestContext, node_id: int, dead_host: str | None) -> bool:
        """Take over a node whose flow lost its conductor; resume or fail it. True if taken."""
        if dead_host is not None:
            dbapi.break_lock(node_id, dead_host)
        try:
            with self._work(context, node_id, "takeover") as work:
                task = work.task
                power.abort_pending(
                    task,
                    f"conductor {dead_host or 'that ran it'} stopped; taken over by {self.host}",
                )
                flow = registry.BY_STATE.get(task.node["provision_state"])
                if flow is None or task.node["provision_state"] in (
                    states.WAIT_STATES | states.HOLD_STATES
                ):
                    return True
                if not control.takeover_check(task, dead_host):
                    return True
                transitions.history(
                    task,
                    f"taken over from {dead_host or 'a stopped conductor'} by "
                    f"{self.host}; resuming {task.node['provision_state']}",
                )
                work.hand_off(flow.resume)
                return True
        except (exceptions.NodeLocked, exceptions.ServiceUnavailable):
            return False  # busy node or full pool: the next pass tries again

    def abort_power_action(self, context: RequestContext, node_id: int, why: str) -> None:
        """Clear the power action a previous run of this conductor left in flight (not an
        RPC method); a node someone else locked meanwhile is theirs to finish."""
        try:
            with self._task(context, node_id, "power action clean-up") as task:
                power.abort_pending(task, why)
        except exceptions.NodeLocked:
            pass

    # --- the agent in the ramdisk (its API calls: lookup, heartbeat, continue_inspection) ------
    def get_node_with_token(self, context: RequestContext, node_id: int) -> dict:
        """The node for an agent's lookup: ``{"node": ..., "new_token": bool}``; the first
        lookup of a ramdisk boot creates the agent token (shown to that caller only)."""
        with self._task(context, node_id, "agent lookup") as task:
            if not tokens.lookup_allowed(task.node):
                raise exceptions.NodeNotFound(node=task.node["uuid"])
            node, new = tokens.issue(task)
            return {"node": node, "new_token": new}

    def heartbeat(
        self,
        context: RequestContext,
        node_id: int,
        callback_url: str,
        agent_token: str | None = None,
        agent_version: str | None = None,
        agent_verify_ca: str | None = None,
        agent_status: str | None = None,
    ) -> None:
        """An agent is alive at ``callback_url``: check its token, let the node's deploy
        interface record it, and resume the flow waiting for it (on a worker)."""
        with self._work(context, node_id, "agent heartbeat") as work:
            task = work.task
            tokens.check(task.node, agent_token)
            target = _heartbeat_target(task)
            if not target.heartbeat(task, callback_url, agent_version, agent_verify_ca):
                return

            def body(task: Task, stopping) -> None:
                if _heartbeat_target(task).continue_after_heartbeat(task):
                    control.continue_body(task)(task, stopping)

            work.hand_off(body)

    def continue_inspection(
        self, context: RequestContext, node_id: int, inventory: dict, plugin_data: dict
    ) -> None:
        """The agent's inspection data for a node in ``inspect wait``: record it on a worker
        and finish the inspection (a failure ends in ``inspect failed``)."""
        with self._work(context, node_id, "continue inspection") as work:
            if work.task.node["provision_state"] != states.INSPECTWAIT:
                raise exceptions.NodeInWrongState(
                    err=f"Node {work.task.node['uuid']} is not waiting for inspection data "
                    f"(it is in {work.task.node['provision_state']})"
                )

            def body(task: Task, stopping) -> None:
                try:
                    task.driver.inspect.continue_inspection(task, inventory, plugin_data)
                except exceptions.IronicLiteError as exc:
                    transitions.fail(task, f"Processing the inspection data failed: {exc}")
                    return
                inspect.finish(task)

            work.hand_off(body)

    # --- power ---------------------------------------------------------------------------------
    def change_node_power_state(
        self, context: RequestContext, node_id: int, target: str, timeout: int | None = None
    ) -> None:
        with self._work(context, node_id, f"power {target}") as work:
            task = work.task
            if task.node["provision_state"] in (states.CLEANING, states.CLEANWAIT):
                raise exceptions.InvalidStateRequested(
                    action=target, node=task.node["uuid"], state=task.node["provision_state"]
                )
            power.check_target(task, target)
            task.save(target_power_state=target, last_error=None)

            def body(task: Task, stopping) -> None:
                try:
                    power.apply(task, target, timeout)
                except exceptions.IronicLiteError as exc:
                    transitions.history(task, str(exc), severity="ERROR", event_type="power")

            work.hand_off(body)

    # --- management ----------------------------------------------------------------------------
    def get_boot_device(self, context: RequestContext, node_id: int) -> dict:
        with self._task(context, node_id, "get boot device", shared=True) as task:
            return task.driver.management.get_boot_device(task)

    def get_supported_boot_devices(self, context: RequestContext, node_id: int) -> list:
        with self._task(context, node_id, "list boot devices", shared=True) as task:
            return task.driver.management.get_supported_boot_devices(task)

    def set_boot_device(
        self, context: RequestContext, node_id: int, device: str, persistent: bool = False
    ) -> None:
        with self._task(context, node_id, "set boot device") as task:
            supported = task.driver.management.get_supported_boot_devices(task)
            if device not in supported:
                raise exceptions.InvalidParameterValue(
                    err=f"Invalid boot device {device} specified; node {task.node['uuid']} "
                    f"supports {', '.join(supported) or 'none'}"
                )
            task.driver.management.set_boot_device(task, device, persistent)

    def inject_nmi(self, context: RequestContext, node_id: int) -> None:
        with self._task(context, node_id, "inject NMI") as task:
            task.driver.management.inject_nmi(task)

    def set_boot_mode(self, context: RequestContext, node_id: int, mode: str) -> None:
        with self._task(context, node_id, "set boot mode") as task:
            self._check_not_transient(task)
            task.driver.management.set_boot_mode(task, mode)
            task.save(boot_mode=mode)

    def set_secure_boot_state(self, context: RequestContext, node_id: int, enabled: bool) -> None:
        with self._task(context, node_id, "set secure boot") as task:
            self._check_not_transient(task)
            task.driver.management.set_secure_boot_state(task, enabled)
            task.save(secure_boot=enabled)

    # --- indicators (the management interface's) ----------------------------------------------
    def get_supported_indicators(self, context: RequestContext, node_id: int) -> dict:
        with self._task(context, node_id, "list indicators", shared=True) as task:
            return task.driver.management.get_supported_indicators(task)

    def get_indicator_state(
        self, context: RequestContext, node_id: int, component: str, indicator: str
    ) -> str:
        with self._task(context, node_id, "get indicator state", shared=True) as task:
            return task.driver.management.get_indicator_state(task, component, indicator)

    def set_indicator_state(
        self, context: RequestContext, node_id: int, component: str, indicator: str, state: str
    ) -> None:
        with self._task(context, node_id, "set indicator state") as task:
            task.driver.management.set_indicator_state(task, component, indicator, state)

    # --- virtual media (the boot interface's) -------------------------------------------------
    @staticmethod
    def _virtual_media(task: Task, operation: str = "virtual media"):
        boot = task.driver.boot
        if not hasattr(boot, "attach_virtual_media"):
            raise exceptions.UnsupportedDriverExtension(
                driver=task.node["driver"], extension=operation
            )
        return boot

    def _virtual_media_work(self, work: Work, operation: str, what: str, *args) -> None:
        """Run ``boot.<operation>(task, *args)`` on the worker. As in Ironic, even a boot
        interface without virtual media is found out there: the caller gets 204 and the node's
        last_error (and history) says what failed."""
        work.task.save(last_error=None)

        def body(task: Task, stopping) -> None:
            try:
                getattr(self._virtual_media(task, operation), operation)(task, *args)
            except exceptions.IronicLiteError as exc:
                message = f"{what} {task.node['uuid']}: {exc}"
                task.save(last_error=message)
                transitions.history(task, message, severity="ERROR", event_type="vmedia")

        work.hand_off(body)

    def attach_virtual_media(
        self, context: RequestContext, node_id: int, device_type: str, image_url: str
    ) -> None:
        """Insert an image on a worker (the BMC downloads it); failures land in last_error."""
        with self._work(context, node_id, "attach virtual media") as work:
            self._virtual_media_work(
                work,
                "attach_virtual_media",
                f"Could not attach device {device_type} to node",
                device_type,
                image_url,
            )

    def detach_virtual_media(
        self, context: RequestContext, node_id: int, device_types: list[str] | None = None
    ) -> None:
        with self._work(context, node_id, "detach virtual media") as work:
            self._virtual_media_work(
                work,
                "detach_virtual_media",
                f"Could not detach device(s) {', '.join(device_types or ['(all)'])} from node",
                device_types,
            )

    def get_virtual_media(self, context: RequestContext, node_id: int) -> list[dict]:
        with self._task(context, node_id, "list virtual media", shared=True) as task:
            return self._virtual_media(task).get_virtual_media(task)

    @staticmethod
    def _check_not_transient(task: Task) -> None:
        if task.node["target_provision_state"]:
            raise exceptions.NodeInWrongState(
                err=f"Node {task.node['uuid']} is in {task.node['provision_state']}; try "
                "again when it is in a stable state."
            )

    # --- vendor passthru -----------------------------------------------------------------------
    def vendor_passthru(
        self,
        context: RequestContext,
        node_id: int,
        method_name: str,
        http_method: str,
        info: dict,
    ) -> dict:
        with self._task(context, node_id, f"vendor passthru {method_name}") as task:
            return task.driver.vendor.call(task, method_name, http_method, info)

    def get_vendor_passthru_methods(self, context: RequestContext, node_id: int) -> dict:
        with self._task(context, node_id, "list vendor methods", shared=True) as task:
            return task.driver.vendor.methods()

    def driver_vendor_passthru(
        self,
        context: RequestContext,
        driver_name: str,
        method_name: str,
        http_method: str,
        info: dict,
    ) -> dict:
        """Call a hardware type's own vendor method (its default vendor interface's)."""
        vendor = loader.default_interface(driver_name, "vendor")
        return vendor.call_driver(driver_name, method_name, http_method, info)

    def get_driver_vendor_passthru_methods(self, context: RequestContext, driver_name: str) -> dict:
        return loader.default_interface(driver_name, "vendor").driver_methods()

    def get_raid_logical_disk_properties(self, context: RequestContext, driver_name: str) -> dict:
        """The logical disk keys the hardware type's default RAID interface reads."""
        raid = loader.default_interface(driver_name, "raid")
        if not raid.supported:
            raise exceptions.UnsupportedDriverExtension(driver=driver_name, extension="raid")
        return raid.get_logical_disk_properties()

    # --- VIFs ----------------------------------------------------------------------------------
    def vif_list(self, context: RequestContext, node_id: int) -> list:
        with self._task(context, node_id, "list VIFs", shared=True) as task:
            return task.driver.network.vif_list(task)

    def vif_attach(self, context: RequestContext, node_id: int, vif_info: dict) -> None:
        with self._task(context, node_id, "attach VIF") as task:
            task.driver.network.vif_attach(task, vif_info)

    def vif_detach(self, context: RequestContext, node_id: int, vif_id: str) -> None:
        with self._task(context, node_id, "detach VIF") as task:
            task.driver.network.vif_detach(task, vif_id)

    # --- console -------------------------------------------------------------------------------
    def get_console_information(self, context: RequestContext, node_id: int) -> dict | None:
        """How to reach the node's open console; None while it is not enabled."""
        with self._task(context, node_id, "get console information", shared=True) as task:
            if not task.node["console_enabled"]:
                return None
            task.driver.console.validate(task)
            return task.driver.console.get_console(task)

    def set_console_mode(self, context: RequestContext, node_id: int, enabled: bool) -> None:
        """Check the console interface now (400 for ``no-console``), open or close it on a
        worker; ``console_enabled`` follows once that worked, last_error says why not."""
        with self._work(context, node_id, "set console mode") as work:
            task = work.task
            console = task.driver.console
            if not console.supported:
                raise exceptions.UnsupportedDriverExtension(
                    driver=task.node["driver"],
                    extension=f"a console: node {task.node['uuid']} has console_interface "
                    f"'{task.node['console_interface']}'",
                )
            console.validate(task)
            if bool(task.node["console_enabled"]) == enabled:
                return
            task.save(last_error=None)

            def body(task: Task, stopping) -> None:
                verb = "enabling" if enabled else "disabling"
                try:
                    if enabled:
                        task.driver.console.start_console(task)
                    else:
                        task.driver.console.stop_console(task)
                except exceptions.IronicLiteError as exc:
                    message = f"Error {verb} the console on node {task.node['uuid']}: {exc}"
                    task.save(last_error=message)
                    transitions.history(task, message, severity="ERROR", event_type="console")
                    return
                task.save(console_enabled=enabled, last_error=None)

            work.hand_off(body)

    # --- node lifetime -------------------------------------------------------------------------
    def destroy_port(self, context: RequestContext, node_id: int, port_id: int) -> None:
        """Delete a port of a node under the node's lock (as Ironic), and its DHCP host file."""
        with self._task(context, node_id, "port deletion") as task:
            port = next((p for p in task.ports if p["id"] == port_id), None)
            dbapi.destroy_port(port_id)
            if port is not None:
                dhcp.provider().forget(None, [port["address"]])

    def destroy_node(self, context: RequestContext, node_id: int) -> None:
        with self._task(context, node_id, "node deletion") as task:
            # Its DHCP host and option files go with it (they outlive a clean-up on purpose).
            dhcp.provider().forget(task.node["uuid"], [p["address"] for p in task.ports])
            dbapi.destroy_node(task.node["id"])
            task._released = True

    # --- allocations ---------------------------------------------------------------------------
    def create_allocation(
        self, context: RequestContext, values: dict, backfill_node_id: int | None = None
    ) -> str:
        """Store an allocation and hand it to a worker that finds it a node (answers its UUID
        while it is ``allocating``), or record at once the deployed node it names. Any
        conductor can: node locks and claims are rows in the database."""
        if backfill_node_id is not None:
            return allocation.create_backfilled(self.host, values, backfill_node_id)
        with self.workers.reserve() as spawn:
            return allocation.create(self.host, values, spawn)


# Fails the import when a method strays from the contract the API and transports read.
rpc_contract.check(ConductorManager)


def _heartbeat_target(task: Task):
    """The interface an agent's heart-beat is for: the rescue interface while it rescues the
    node with an agent of its own (``agent`` rescue), else the deploy interface."""
    rescue = task.driver.rescue
    rescuing = task.node["provision_state"] in (states.RESCUING, states.RESCUEWAIT)
    # On the class: a no-* implementation answers any attribute.
    if rescuing and hasattr(type(rescue), "continue_after_heartbeat"):
        return rescue
    return task.driver.deploy
