"""Fencing: a worker that lost its node's lock stops before it touches the machine again.

A conductor frozen past its heart-beat timeout (a paused VM, a long stall, SIGSTOP) is taken
for dead: its locks are broken and the node's new owner redoes the step that was running.
When the frozen conductor wakes up, its worker would carry on where it was and repeat at the
BMC what the new owner already did. So every lock acquisition gets an epoch
(``nodes.reservation_epoch``, bumped in the same UPDATE that takes the lock), and the places
every BMC and agent call passes through (``drivers.bmc_calls.call``, the agent client) call
``guard`` first. The conductor installs the check for the length of a task (``fenced_by``):
one primary-key query that the node still carries the worker's host and epoch, raising
LockLost when it does not.

The check narrows the window to the moment between the query and the call; a BMC that took
a fencing token itself could close it, none of the protocols here has one.
"""

import contextlib
import contextvars
from collections.abc import Callable, Iterator

__all__ = ["LockLost", "fenced_by", "guard"]


class LockLost(BaseException):
    """The worker's lock on a node is gone: stop at once, change nothing.

    A BaseException, like asyncio's CancelledError: no ``except Exception`` meant for a
    failing step or BMC call may turn it into last_error, history or a retry. The task that
    handed the lock to the worker catches it, logs it and ends the worker.
    """

    def __init__(self, node: str, operation: str, holder: str | None):
        self.node, self.operation, self.holder = node, operation, holder
        super().__init__(
            f"lock of node {node} lost (now held by {holder or 'nobody'}); not running {operation}"
        )


Check = Callable[[str], None]
_CHECK: contextvars.ContextVar[Check | None] = contextvars.ContextVar("fence", default=None)


def guard(operation: str) -> None:
    """Raise LockLost if the task this thread works for lost its lock; a no-op outside an
    exclusive task (power sync reads, shared tasks, the API)."""
    check = _CHECK.get()
    if check is not None:
        check(operation)


@contextlib.contextmanager
def fenced_by(check: Check) -> Iterator[None]:
    """Run the block with ``check(operation)`` called by every ``guard``."""
    token = _CHECK.set(check)
    try:
        yield
    finally:
        _CHECK.reset(token)
