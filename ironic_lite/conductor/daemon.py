"""ironic-lite-conductor: register, serve RPC, run periodic work, drain on SIGTERM.

Shutdown is idempotent and ordered: stop taking RPC work, stop periodic work, let running
actions finish for ``graceful_shutdown_timeout`` seconds, hand the rest back (their nodes keep
their saved step and are resumed by the new owner), release every lock still held, and mark
the conductor offline so that the ring drops it at once.
"""

import logging
import signal
import threading

from ironic_lite.common.context import admin_context
from ironic_lite.common.hash_ring import HashRings
from ironic_lite.conductor.manager import ConductorManager
from ironic_lite.conductor.periodics import Periodics
from ironic_lite.conductor.service import ConductorService
from ironic_lite.conf import CONF
from ironic_lite.db import api as dbapi

LOG = logging.getLogger(__name__)


class Conductor:
    """A conductor's parts wired together; used by the daemon and the all-in-one service."""

    def __init__(self, host: str | None = None):
        self.service = ConductorService(host)
        self.host = self.service.host
        self.rings = HashRings(dbapi.list_alive_conductors)
        self.manager = ConductorManager(self.host)
        self.periodics: Periodics | None = None
        self._stopped = threading.Event()
        self._lock = threading.Lock()

    def _release_locks(self, why: str) -> int:
        """Drop every lock this host holds, then end the power actions they covered (their
        workers are gone or fenced: they stop at their next BMC call)."""
        in_flight = [r["id"] for r in dbapi.list_locked_by([self.host]) if r["target_power_state"]]
        released = dbapi.release_all_locks(self.host)
        context = admin_context()
        for node_id in in_flight:
            self.manager.abort_power_action(context, node_id, why)
        return released

    def start(self) -> None:
        released = self._release_locks(f"conductor {self.host} restarted")
        if released:
            LOG.warning(
                "Released %d node lock(s) %s held from a previous run; their flows "
                "resume through takeover",
                released,
                self.host,
            )
        self.service.start()
        self.rings.reset()
        drivers = sorted(
            {
                r["hardware_type"]
                for r in dbapi.list_hardware_interfaces()
                if r["hostname"] == self.host
            }
        )
        self.periodics = Periodics(self.manager, self.rings, drivers, self.service.group)
        self.periodics.start()

    def stop(self) -> None:
        with self._lock:
            if self._stopped.is_set():
                return
            self._stopped.set()
        if self.periodics is not None:
            self.periodics.stop()
        grace = CONF.conductor.graceful_shutdown_timeout
        left = self.manager.workers.drain(grace)
        if left:
            LOG.warning(
                "%d action(s) still running after %s s; handing their nodes back", left, grace
            )
        released = self._release_locks(f"conductor {self.host} stopped before it finished")
        if released:
            LOG.info("Released %d node lock(s) on the way out", released)
        self.service.stop()
        self.manager.workers.shutdown()


def run() -> int:
    from ironic_lite.conductor import rpc_transport

    conductor = Conductor()
    conductor.start()
    server = rpc_transport.rpc_server(conductor.manager, conductor.host)
    server.start()
    LOG.info("Conductor %s serving RPC on topic %s", conductor.host, rpc_transport.TOPIC)
    stop_requested = threading.Event()

    def on_signal(signum, _frame):
        LOG.info("Signal %s received: draining", signal.Signals(signum).name)
        stop_requested.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    while not stop_requested.wait(1.0):
        pass
    server.stop()
    conductor.stop()
    server.wait()
    LOG.info("Conductor %s stopped", conductor.host)
    return 0
