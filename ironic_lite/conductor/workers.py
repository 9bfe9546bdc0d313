"""The bounded pool of threads that runs long node actions.

A full pool refuses new work with NoFreeConductorWorker (503) instead of queueing without
bound; a stopping conductor waits for the running actions for a grace period.
"""

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from ironic_lite.common import exceptions

LOG = logging.getLogger(__name__)


class WorkerPool:
    def __init__(self, size: int, name: str = "conductor-worker"):
        self.size = size
        self._executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix=name)
        self._lock = threading.Lock()
        self._running: set[Future] = set()
        self._idle = threading.Condition(self._lock)
        self.stopping = threading.Event()

    @property
    def busy(self) -> int:
        return len(self._running)

    def spawn(self, fn: Callable[[], object]) -> Future:
        """Run ``fn`` on a free worker; NoFreeConductorWorker when none is free."""
        with self._lock:
            if self.stopping.is_set():
                raise exceptions.ServiceUnavailable(reason="the conductor is shutting down")
            if len(self._running) >= self.size:
                raise exceptions.NoFreeConductorWorker()
            future = self._executor.submit(fn)
            self._running.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: Future) -> None:
        with self._lock:
            self._running.discard(future)
            if not self._running:
                self._idle.notify_all()
        if future.exception() is not None:
            LOG.error("Worker ended with an error", exc_info=future.exception())

    def drain(self, timeout: float) -> int:
        """Refuse new work and wait up to ``timeout`` s; return how many still run."""
        self.stopping.set()
        with self._lock:
            self._idle.wait_for(lambda: not self._running, timeout=timeout)
            return len(self._running)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
