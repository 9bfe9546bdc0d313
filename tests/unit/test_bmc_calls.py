"""The BMC call policy: which failures are retried, how often, what comes out, what is
logged, and the fence that stops a worker which lost its lock."""

import logging
import re

import pytest

from ironic_lite.common import exceptions, fencing
from ironic_lite.drivers import bmc_calls

POLICY = bmc_calls.RetryPolicy(attempts=3, interval=0)


class Timeout(Exception):
    pass


class Refused(Exception):
    pass


def translate(exc, address, operation):
    if isinstance(exc, Timeout):
        return exceptions.BMCUnreachable(address=address, operation=operation, reason=str(exc))
    if isinstance(exc, Refused):
        return exceptions.BMCAuthFailed(address=address, operation=operation, reason=str(exc))
    return None


def flaky(failures: list[Exception]):
    calls = []

    def fn(value):
        calls.append(value)
        if failures:
            raise failures.pop(0)
        return value * 2

    return fn, calls


def test_unreachable_is_retried_until_it_answers():
    fn, calls = flaky([Timeout("t1"), Timeout("t2")])
    assert bmc_calls.call(POLICY, "10.0.0.1", "get power", fn, 21, translate=translate) == 42
    assert calls == [21, 21, 21]


def test_retries_are_bounded_and_the_error_names_bmc_and_operation():
    fn, calls = flaky([Timeout(f"t{i}") for i in range(5)])
    with pytest.raises(exceptions.BMCUnreachable) as info:
        bmc_calls.call(POLICY, "10.0.0.1", "power on", fn, 1, translate=translate)
    assert len(calls) == 3
    assert "10.0.0.1" in str(info.value) and "power on" in str(info.value)
    assert info.value.code == 503


def test_wrong_credentials_are_not_retried():
    fn, calls = flaky([Refused("401")])
    with pytest.raises(exceptions.BMCAuthFailed) as info:
        bmc_calls.call(POLICY, "bmc-7", "get power", fn, 1, translate=translate)
    assert len(calls) == 1 and info.value.code == 400


def test_unknown_library_errors_become_a_typed_bmc_error():
    fn, calls = flaky([KeyError("PowerState")])
    with pytest.raises(exceptions.BMCError) as info:
        bmc_calls.call(POLICY, "bmc-7", "get power", fn, 1, translate=translate)
    assert len(calls) == 1
    assert "KeyError" in str(info.value) and "bmc-7" in str(info.value)


def test_a_fenced_call_never_reaches_the_bmc():
    """A worker that lost its node's lock stops before the call; nothing retries or
    translates that into a BMC error."""
    fn, calls = flaky([])

    def lost(operation):
        raise fencing.LockLost("node-1", operation, "other-host")

    with fencing.fenced_by(lost), pytest.raises(fencing.LockLost) as info:
        bmc_calls.call(POLICY, "10.0.0.1", "power on", fn, 1, translate=translate)
    assert calls == []
    assert "power on at BMC 10.0.0.1" in str(info.value) and "other-host" in str(info.value)
    assert bmc_calls.call(POLICY, "10.0.0.1", "power on", fn, 1, translate=translate) == 2


def test_each_call_is_logged_at_debug_without_credentials(caplog):
    fn, _ = flaky([Timeout("t1")])
    address = "https://admin:pa55word@10.0.0.9:8443/redfish"
    with caplog.at_level(logging.DEBUG, logger="ironic_lite.drivers.bmc_calls"):
        bmc_calls.call(POLICY, address, "get power", fn, 1, translate=translate, driver="redfish")
        with pytest.raises(exceptions.BMCAuthFailed):
            bmc_calls.call(
                POLICY, address, "power on", flaky([Refused("401")])[0], 1, translate=translate
            )
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert re.fullmatch(
        r"BMC call redfish https://10\.0\.0\.9:8443/redfish get power: ok in \d+\.\d ms", lines[0]
    ), lines
    assert re.match(r"BMC call bmc https://10\.0\.0\.9:8443/redfish power on: failed in ", lines[1])
    assert "BMCAuthFailed" in lines[1]
    assert "pa55word" not in caplog.text
