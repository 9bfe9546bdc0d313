"""Every call the ipmi interfaces make to a BMC: a cached session, the retry policy, our errors.

::

    bmc = info.driver_info(task.node)
    state = client.call(bmc, "get power state", lambda cmd: cmd.get_power()["powerstate"])

``call`` takes the BMC's cached pyghmi Command (logging in on a miss, trying the node's
cipher suite or [ipmi] cipher_suite_versions in order), runs the function under ``bmc_calls``
and translates pyghmi's exceptions (``errors``). A BMC that does not answer is tried again
every [ipmi] min_command_interval seconds until [ipmi] command_retry_timeout has passed
since the first attempt, as Ironic's ipmitool driver does; two operations on one BMC are
at least min_command_interval apart.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from ironic_lite.common import exceptions
from ironic_lite.conf import CONF
from ironic_lite.drivers import bmc_calls
from ironic_lite.drivers.ipmi import errors, sessions
from ironic_lite.drivers.ipmi.info import PRIV_LEVELS, IPMIInfo

LOG = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_SUITES = (17, 3)


def suites_for(configured: int | None) -> tuple[int, ...]:
    """The cipher suites to try, in order, for a node's ipmi_cipher_suite (None: unset)."""
    if configured is not None:
        return (configured,)
    return tuple(CONF.ipmi.cipher_suite_versions) or DEFAULT_SUITES


def _connect(entry: sessions.Entry) -> tuple[object, int]:
    """Log in to the entry's BMC with the first cipher suite it accepts."""
    address, port = entry.endpoint
    username, configured, priv_level = entry.identity
    refusals = []
    for suite in suites_for(configured):
        try:
            command = sessions.login(
                address, port, username, entry.password, suite, PRIV_LEVELS.get(priv_level)
            )
        except sessions.CipherSuiteRefused as exc:
            LOG.info("BMC %s:%s refused %s", address, port, exc)
            refusals.append(str(exc))
            continue
        return command, suite
    raise sessions.CipherSuiteRefused("; ".join(refusals))


SESSIONS = sessions.SessionCache(
    connect=_connect,
    disconnect=sessions.logout,
    size=lambda: CONF.ipmi.session_cache_size,
    idle_timeout=lambda: CONF.ipmi.session_idle_timeout,
)


class _Throttle:
    """At least [ipmi] min_command_interval seconds between two operations on one BMC."""

    def __init__(self):
        self._lock = threading.Lock()
        self._last: dict[tuple[str, int], float] = {}

    def wait(self, endpoint: tuple[str, int]) -> None:
        interval = CONF.ipmi.min_command_interval
        if not interval:
            return
        with self._lock:
            last = self._last.get(endpoint)
        if last is not None:
            pause = last + interval - time.monotonic()
            if pause > 0:
                time.sleep(pause)

    def done(self, endpoint: tuple[str, int]) -> None:
        if CONF.ipmi.min_command_interval:
            with self._lock:
                self._last[endpoint] = time.monotonic()


_THROTTLE = _Throttle()


def policy(idempotent: bool = True) -> bmc_calls.RetryPolicy:
    """Attempts bounded by the retry timeout: the deadline in ``call`` usually ends them first.

    An operation that acts twice when sent twice (an NMI) gets one attempt: when its answer
    is lost, the BMC may well have carried it out.
    """
    interval = CONF.ipmi.min_command_interval
    if not idempotent:
        return bmc_calls.RetryPolicy(attempts=1, interval=interval)
    attempts = 1 + int(CONF.ipmi.command_retry_timeout / max(interval, 0.5))
    return bmc_calls.RetryPolicy(attempts=attempts, interval=interval)


def call(bmc: IPMIInfo, operation: str, fn: Callable[..., T], idempotent: bool = True) -> T:
    """``fn(command)`` with the BMC's logged-in pyghmi Command, retried and translated.

    ``idempotent=False`` for a command that must not be sent again after an attempt whose
    answer never came (it is then tried once). Raises BMCUnreachable, BMCAuthFailed,
    BMCNotSupported or BMCError naming the BMC and ``operation``.
    """
    endpoint = (bmc.address, bmc.port)
    identity = (bmc.username.encode(), bmc.cipher_suite, bmc.priv_level)
    password = bmc.password.encode()
    deadline = time.monotonic() + CONF.ipmi.command_retry_timeout

    def attempt() -> T:
        _THROTTLE.wait(endpoint)
        entry = SESSIONS.acquire(endpoint, identity, password)
        failed = True
        try:
            result = fn(entry.command)
            failed = False
            return result
        except Exception as exc:
            failed = not errors.answered(exc)
            raise
        finally:
            SESSIONS.release(entry, failed=failed)
            _THROTTLE.done(endpoint)

    def translate(exc: Exception, address: str, op: str) -> exceptions.BMCError | None:
        ours = errors.translate(exc, address, op)
        # The retry budget is time: no attempt starts after the deadline.
        late = time.monotonic() + CONF.ipmi.min_command_interval >= deadline
        if ours is not None and ours.retryable and late:
            ours.retryable = False
        return ours

    return bmc_calls.call(
        policy(idempotent), bmc.label, operation, attempt, translate=translate, driver="ipmi"
    )
