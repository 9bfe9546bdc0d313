"""One policy for every call a driver makes to a BMC: bounded retries and typed errors.

A driver hands each protocol call to ``call`` together with a ``translate`` function that
turns the protocol library's exceptions (sushy, pyghmi, requests ...) into ours
(``BMCUnreachable``, ``BMCAuthFailed``, ``BMCNotSupported`` or ``BMCError``). Only
``retryable`` errors are tried again, as often and as far apart as the driver's
configuration says, so a dead BMC costs a bounded time and never a hung worker.

Each attempt is fenced (``common.fencing.guard``): a worker whose node lock was taken over
stops here, before the BMC sees anything. Each call is logged at DEBUG with its driver,
BMC address, operation, duration and outcome; never with credentials.
"""

import dataclasses
import logging
import time
import urllib.parse
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
    driver: str = "bmc",
    **kwargs,
) -> T:
    """``fn(*args, **kwargs)`` under ``policy``; failures come out as a BMCError subclass.

    ``translate(exc, address, operation)`` maps a library exception to ours, or returns None
    for one it does not know, which becomes a plain (non-retryable) BMCError naming its type.
    ``driver`` (redfish, ipmi ...) names the protocol in the log. Errors and log lines name
    the BMC by ``address`` without any ``user:password@`` it may carry.
    """
    where = _without_userinfo(address)

    def attempt() -> T:
        fencing.guard(f"{operation} at BMC {where}")
        try:
            return fn(*args, **kwargs)
        except exceptions.BMCError:
            raise
        except Exception as exc:
            ours = translate(exc, where, operation) or exceptions.BMCError(
                address=where, operation=operation, reason=f"{type(exc).__name__}: {exc}"
            )
            raise ours from exc

    def log_retry(state: tenacity.RetryCallState) -> None:
        LOG.info(
            "BMC %s: %s failed (attempt %d of %d), retrying: %s",
            where,
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
    if not LOG.isEnabledFor(logging.DEBUG):
        return retrying(attempt)
    started = time.monotonic()
    try:
        result = retrying(attempt)
    except exceptions.BMCError as exc:
        LOG.debug(
            "BMC call %s %s %s: failed in %.1f ms: %s: %s",
            driver,
            where,
            operation,
            (time.monotonic() - started) * 1000,
            type(exc).__name__,
            exc,
        )
        raise
    LOG.debug(
        "BMC call %s %s %s: ok in %.1f ms",
        driver,
        where,
        operation,
        (time.monotonic() - started) * 1000,
    )
    return result


def _without_userinfo(address: str) -> str:
    """A BMC address fit for a log line: a ``user:password@`` in a URL is dropped."""
    if "@" not in address:
        return address
    parts = urllib.parse.urlsplit(address)
    if not parts.netloc:
        return address.rsplit("@", 1)[-1]
    return parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]).geturl()
