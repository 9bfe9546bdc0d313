"""pyghmi's failures, as pyghmi raises them, become our typed BMC errors."""

import struct

import pytest
from pyghmi import exceptions as pyghmi_exc

from ironic_lite.common import exceptions
from ironic_lite.drivers.ipmi import errors, sessions

ADDRESS = "10.0.0.7:6230"


def ipmi(text, code=0):
    return pyghmi_exc.IpmiException(text, code)


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        # no answer: pyghmi's own timeouts, a dead session, a busy or booting BMC
        (ipmi("timeout"), exceptions.BMCUnreachable),
        (ipmi("Session no longer connected"), exceptions.BMCUnreachable),
        (ipmi("Unable to transmit to specified address"), exceptions.BMCUnreachable),
        (ipmi("Node Busy"), exceptions.BMCUnreachable),
        (ipmi("Timeout", 0xFFFF), exceptions.BMCUnreachable),
        (ipmi("BMC initialization in progress"), exceptions.BMCUnreachable),
        # credentials: RAKP2 check, RMCP+ status codes with pyghmi's suffixes, privilege
        (ipmi("Incorrect password provided"), exceptions.BMCAuthFailed),
        (ipmi("Unauthorized name in RAKP2"), exceptions.BMCAuthFailed),
        (ipmi("Invalid integrity check value reported in RAKP4"), exceptions.BMCAuthFailed),
        (ipmi("Invalid RAKP4 integrity code (wrong Kg?)"), exceptions.BMCAuthFailed),
        (
            ipmi("Requested privilege level is not allowed over this channel while requesting"),
            exceptions.BMCAuthFailed,
        ),
        (ipmi("Insufficient privilege level or firmware firewall"), exceptions.BMCAuthFailed),
        # what the BMC does not offer
        (ipmi("Invalid command", 0xC1), exceptions.BMCNotSupported),
        (ipmi("Invalid command"), exceptions.BMCNotSupported),
        (ipmi("Invalid command for given LUN"), exceptions.BMCNotSupported),
        (ipmi("Command not supported in present state"), exceptions.BMCNotSupported),
        (ipmi("Parameter not supported"), exceptions.BMCNotSupported),
        (
            sessions.CipherSuiteRefused(
                "cipher suite 17: No Cipher suite match with proposed security algorithms"
            ),
            exceptions.BMCNotSupported,
        ),
        (pyghmi_exc.UnsupportedFunctionality("no SDR"), exceptions.BMCNotSupported),
        # anything else pyghmi says
        (ipmi("Request data length invalid"), exceptions.BMCError),
        (pyghmi_exc.BmcErrorException("Incorrect SDR record id from BMC"), exceptions.BMCError),
        (struct.error("pack expected 32 items for packing (got 20)"), exceptions.BMCError),
    ],
)
def test_translation_names_the_bmc_and_the_operation(failure, expected):
    ours = errors.translate(failure, ADDRESS, "get power state")
    assert type(ours) is expected
    assert ADDRESS in str(ours) and "get power state" in str(ours)
    assert ours.retryable == (expected is exceptions.BMCUnreachable)


def test_status_codes():
    assert errors.translate(ipmi("timeout"), ADDRESS, "power on").code == 503
    assert errors.translate(ipmi("Incorrect password provided"), ADDRESS, "x").code == 400
    assert errors.translate(ipmi("Invalid command", 0xC1), ADDRESS, "inject NMI").code == 400
    assert errors.translate(ipmi("Request data length invalid"), ADDRESS, "x").code == 500


def test_malformed_answers_say_so():
    ours = errors.translate(struct.error("pack expected 32 items"), ADDRESS, "log in")
    assert "malformed answer" in str(ours) and "pack expected 32 items" in str(ours)


def test_foreign_exceptions_are_left_to_bmc_calls():
    assert errors.translate(KeyError("powerstate"), ADDRESS, "get power state") is None


@pytest.mark.parametrize(
    ("failure", "session_is_good"),
    [
        (ipmi("Invalid command", 0xC1), True),
        (ipmi("Command not supported in present state"), True),
        (ipmi("Parameter not supported"), True),
        (ipmi("timeout"), False),
        (ipmi("Session no longer connected"), False),
        (ipmi("Incorrect password provided"), False),
        (ipmi("Requested privilege level is not allowed over this channel"), False),
        (struct.error("pack"), False),
        (KeyError("x"), False),
    ],
)
def test_a_command_the_bmc_answered_keeps_its_session(failure, session_is_good):
    assert errors.answered(failure) is session_is_good
