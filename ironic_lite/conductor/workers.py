"""The bounded pool of threads that runs long node actions.

A full pool refuses new work with NoFreeConductorWorker (503) instead of queueing without
bound; a stopping conductor waits for the running actions for a grace period. A caller that
must change a node before handing it to a worker first ``reserve()``s a worker, so that a full
pool refuses the request before the node has moved, never after.
"""

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from ironic_lite.common import exceptions

LOG = logging.getLogger(__name__)


class WorkerPool:
    def __init__(self, size: int, name: str = "conductor-worker"):
        self.size = size
        self._executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix=name)
        self._lock = threading.Lock()
        self._running: set[Future] = set()
        self._reserved = 0
        self._idle = threading.Condition(self._lock)
        self.stopping = threading.Event()

    @property
    def busy(self) -> int:
        return len(self._running)

    def _check_free(self) -> None:
        if self.stopping.is_set():
            raise exceptions.ServiceUnavailable(reason="the conductor is shutting down")
        if len(self._running) + self._reserved >= self.size:
            raise exceptions.NoFreeConductorWorker()

    def _submit(self, fn: Callable[[], object]) -> Future:
        # Called with the lock held; the done callback (which takes the lock) is added after.
        future = self._executor.submit(fn)
        self._running.add(future)
        return future

    def spawn(self, fn: Callable[[], object]) -> Future:
        """Run ``fn`` on a free worker; NoFreeConductorWorker when none is free."""
        with self._lock:
            self._check_free()
            future = self._submit(fn)
        future.add_done_callback(self._done)
        return future

    @contextlib.contextmanager
    def reserve(self) -> Iterator[Callable[[Callable[[], object]], Future]]:
        """Hold a free worker for the block; yields a ``spawn`` that uses it (at most once).

        Raises NoFreeConductorWorker (or ServiceUnavailable when stopping) before the block
        runs; a reservation the block did not use is given back when it ends.
        """
        with self._lock:
            self._check_free()
            self._reserved += 1
        held = [True]

        def spawn(fn: Callable[[], object]) -> Future:
            with self._lock:
                if not held[0]:
                    raise RuntimeError("a reserved worker can run one action only")
                held[0] = False
                self._reserved -= 1
                future = self._submit(fn)
            future.add_done_callback(self._done)
            return future

        try:
            yield spawn
        finally:
            with self._lock:
                if held[0]:
                    held[0] = False
                    self._reserved -= 1

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
