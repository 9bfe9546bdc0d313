"""The conductor service: registration, heart-beats and orderly shutdown.

A conductor announces the hardware types and interfaces it serves in the conductors table, then
refreshes its row every ``heartbeat_interval`` seconds. Others consider it dead once the row is
older than ``heartbeat_timeout``.
"""

import logging
import threading

from ironic_lite.conf import CONF
from ironic_lite.db import api as dbapi
from ironic_lite.drivers import loader

LOG = logging.getLogger(__name__)


class ConductorService:
    def __init__(self, host: str | None = None, group: str | None = None):
        self.host = host or CONF.host
        self.group = (CONF.conductor.conductor_group if group is None else group).lower()
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None

    def register(self) -> None:
        """Check the enabled drivers and record this conductor; fails loudly on bad config."""
        rows = loader.registration()
        drivers = sorted({r["hardware_type"] for r in rows})
        dbapi.register_conductor(self.host, self.group, drivers, rows)
        LOG.info("Conductor %s (group %r) serves %s", self.host, self.group, ", ".join(drivers))

    def start(self) -> None:
        self.register()
        self._stop.clear()
        self._heartbeat = threading.Thread(
            target=self._beat, name="conductor-heartbeat", daemon=True
        )
        self._heartbeat.start()

    def _beat(self) -> None:
        while not self._stop.wait(CONF.conductor.heartbeat_interval):
            try:
                if not dbapi.touch_conductor(self.host):
                    LOG.warning("Conductor row of %s vanished; registering again", self.host)
                    self.register()
            except Exception:
                LOG.exception("Heart-beat of conductor %s failed; retrying", self.host)

    def stop(self) -> None:
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join(timeout=5)
        dbapi.unregister_conductor(self.host)
        LOG.info("Conductor %s unregistered", self.host)
