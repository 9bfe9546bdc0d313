"""The heartbeat loop: tell the API, every so often, that the agent is alive and where.

The interval is a random fraction (0.3 to 0.6) of the ``heartbeat_timeout`` the lookup gave,
so agents that restart together do not beat in step. A failed heartbeat is retried sooner,
with a backoff that doubles from 1 s and never exceeds the normal interval: a slow or down API
gets bounded traffic and a recovered one hears from the agent within one interval.
"""

import logging
import random
import threading
import time
from collections.abc import Callable

from ironic_lite_agent import errors

LOG = logging.getLogger(__name__)


class Heartbeater:
    """Runs ``beat()`` in a daemon thread until :meth:`stop`; :meth:`now` forces one soon."""

    def __init__(
        self,
        beat: Callable[[str | None], None],
        heartbeat_timeout: float,
        interval: float | None = None,
        min_interval: float = 1.0,
        rand: random.Random | None = None,
    ):
        self._beat = beat
        self._timeout = max(float(heartbeat_timeout), 1.0)
        self._fixed = interval
        self._min = min_interval
        self._rand = rand or random.Random()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.beats = 0
        self.failures = 0
        self.last_error: str | None = None

    def interval(self) -> float:
        if self._fixed is not None:
            return self._fixed
        return max(self._min, self._timeout * self._rand.uniform(0.3, 0.6))

    def backoff(self, failures: int) -> float:
        """Seconds before the next try after ``failures`` failures in a row."""
        return min(self.interval(), max(self._min, 2.0 ** (failures - 1)))

    def start(self) -> "Heartbeater":
        self._thread = threading.Thread(target=self._loop, name="heartbeat", daemon=True)
        self._thread.start()
        return self

    def now(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _loop(self) -> None:
        status: str | None = "start"  # Ironic accepts start/end/error; the first beat says start
        in_a_row = 0
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self._beat(status)
            except errors.AgentError as exc:
                in_a_row += 1
                self.failures += 1
                self.last_error = str(exc)
                delay = self.backoff(in_a_row)
                LOG.warning(
                    "heartbeat failed (%d in a row), next try in %.1f s: %s", in_a_row, delay, exc
                )
            except Exception as exc:
                in_a_row += 1
                self.failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                delay = self.backoff(in_a_row)
                LOG.exception("heartbeat failed unexpectedly; next try in %.1f s", delay)
            else:
                in_a_row, status = 0, None
                self.beats += 1
                self.last_error = None
                delay = self.interval()
                LOG.debug("heartbeat %d sent in %.3f s", self.beats, time.monotonic() - started)
            self._wake.wait(delay)
            self._wake.clear()
