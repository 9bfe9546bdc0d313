"""One policy for every call a driver makes to a BMC: bounded retries and typed errors.

A driver hands each protocol call to ``call`` together with a ``translate`` function that
turns the protocol library's exceptions (sushy, pyghmi, requests ...) into ours
(``BMCUnreachable``, ``BMCAuthFailed``, ``BMCNotSupported`` or ``BMCError``). Only
``retryable`` errors are tried again, as often and as far apart as the driver's
configuration says, so a dead BMC costs a bounded time and never a hung worker.

Each attempt is fenced (``common.fencing.guard``): a worker whose node lock was taken over
stops here, before the BMC sees anything.
"""

import dataclasses
import logging
from collections.abc import Callable
from typing import TypeVar

import tenacity

from ironic_lite.common import exceptions, fencing

LOG = logging.getLogger(__name__)
T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """How a protocol's calls are retried: ``attempts`` in all, ``interval`` seconds apart."""

    attempts: int
    interval: float


Translate = Callable[[Exception, str, str], exceptions.BMCError | None]


def call(
    policy: RetryPolicy,
    address: str,
    operation: str,
    fn: Callable[..., T],
    *args,
    translate: Translate,
    **kwargs,
) -> T:
    """``fn(*args, **kwargs)`` under ``policy``; failures come out as a BMCError subclass.

    ``translate(exc, address, operation)`` maps a library exception to ours, or returns None
    for one it does not know, which becomes a plain (non-retryable) BMCError naming its type.
    """

    def attempt() -> T:
        fencing.guard(f"{operation} at BMC {address}")
        try:
            return fn(*args, **kwargs)
        except exceptions.BMCError:
            raise
        except Exception as exc:
            ours = translate(exc, address, operation) or exceptions.BMCError(
                address=address, operation=operation, reason=f"{type(exc).__name__}: {exc}"
            )
            raise ours from exc

    def log_retry(state: tenacity.RetryCallState) -> None:
        LOG.info(
            "BMC %s: %s failed (attempt %d of %d), retrying: %s",
            address,
            operation,
            state.attempt_number,
            policy.attempts,
            state.outcome.exception() if state.outcome else "?",
        )

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(lambda e: getattr(e, "retryable", False)),
        stop=tenacity.stop_after_attempt(max(1, policy.attempts)),
        wait=tenacity.wait_fixed(policy.interval),
        before_sleep=log_retry,
        reraise=True,
    )
    return retrying(attempt)
