"""pyghmi's exceptions translated, at the driver's edge, into ours.

pyghmi raises ``IpmiException`` for nearly everything. A command the BMC answered with an
error carries the IPMI completion code only sometimes; a failed login carries only a message,
which pyghmi takes from its tables of completion codes and RMCP+ status codes
(``pyghmi.ipmi.private.constants``) plus a suffix such as " in RAKP2". So the translation
classifies by code when there is one and otherwise by those same table texts:

- no answer (pyghmi's timeout, a session that died, a busy or starting BMC) -> BMCUnreachable,
  which ``bmc_calls`` retries;
- credentials or privilege refused (wrong password, unknown user, role not allowed) ->
  BMCAuthFailed;
- a command, parameter or cipher suite the BMC does not offer -> BMCNotSupported;
- anything else pyghmi raises -> BMCError with its text.
"""

import socket
import struct

from pyghmi import exceptions as pyghmi_exc
from pyghmi.ipmi.private import constants

from ironic_lite.common import exceptions
from ironic_lite.drivers.ipmi import sessions

_UNREACHABLE, _AUTH, _UNSUPPORTED = "unreachable", "auth", "unsupported"

# IPMI completion codes (IPMI 2.0 table 5-2) by what they mean for the caller.
_COMPLETION_CODES = {
    0xC0: _UNREACHABLE,  # node busy
    0xC3: _UNREACHABLE,  # timeout while processing the command
    0xD2: _UNREACHABLE,  # BMC initialization in progress
    0xFFFF: _UNREACHABLE,  # pyghmi's own "no answer"
    0xD4: _AUTH,  # insufficient privilege level
    0xC1: _UNSUPPORTED,  # invalid (unknown) command
    0xC2: _UNSUPPORTED,  # invalid command for the LUN
    0xD5: _UNSUPPORTED,  # not supported in the present state (e.g. NMI while off)
    0xD6: _UNSUPPORTED,  # subfunction disabled or unavailable
}
# RMCP+ status codes of a failed login (IPMI 2.0 table 13-15).
_RMCP_CODES = {
    0x01: _UNREACHABLE,  # no free session slot: another try may find one
    0x0B: _UNREACHABLE,
    0x09: _AUTH,  # invalid role
    0x0A: _AUTH,  # unauthorized role or privilege level
    0x0C: _AUTH,  # invalid user name length
    0x0D: _AUTH,  # unauthorized name (unknown user)
    0x0E: _AUTH,  # unauthorized GUID
    0x0F: _AUTH,  # invalid integrity check value
    0x04: _UNSUPPORTED,  # invalid authentication algorithm
    0x05: _UNSUPPORTED,  # invalid integrity algorithm
    0x10: _UNSUPPORTED,  # invalid confidentiality algorithm
    0x11: _UNSUPPORTED,  # no cipher suite matches the proposal
}
# Messages pyghmi writes itself rather than taking from a table.
_MESSAGES = {
    "timeout": _UNREACHABLE,
    "Session no longer connected": _UNREACHABLE,
    "Unable to transmit to specified address": _UNREACHABLE,
    "Incorrect password provided": _AUTH,
    "Invalid RAKP4 integrity code": _AUTH,
    "Username too long for IPMI": _AUTH,
    # Set Session Privilege Level refused (command-specific completion codes).
    "User is not allowed requested privilege level": _AUTH,
    "Requested privilege level is not allowed over this channel": _AUTH,
    # Set System Boot Options: a boot parameter the BMC does not have.
    "Parameter not supported": _UNSUPPORTED,
}
for _code, _kind in _COMPLETION_CODES.items():
    _MESSAGES.setdefault(constants.ipmi_completion_codes[_code], _kind)
for _code, _kind in _RMCP_CODES.items():
    _MESSAGES.setdefault(constants.rmcp_codes[_code], _kind)
# Longest first: "Invalid command for given LUN" before "Invalid command".
_PREFIXES = sorted(_MESSAGES, key=len, reverse=True)

# Texts of completion codes a BMC answers a command with (not those of a login).
_ANSWERS = sorted(
    {text for code, text in constants.ipmi_completion_codes.items() if 0 < code < 0x100}
    | {
        text
        for (netfn, _cmd), codes in constants.command_completion_codes.items()
        if netfn != 7  # application responses: the login's commands
        for text in codes.values()
    },
    key=len,
    reverse=True,
)

_TYPES = {
    _UNREACHABLE: exceptions.BMCUnreachable,
    _AUTH: exceptions.BMCAuthFailed,
    _UNSUPPORTED: exceptions.BMCNotSupported,
}


def classify(exc: BaseException) -> str | None:
    """ "unreachable", "auth", "unsupported" or None (another error) for a pyghmi failure."""
    if isinstance(exc, sessions.CipherSuiteRefused):
        return _UNSUPPORTED
    if isinstance(exc, socket.gaierror | TimeoutError | ConnectionError):
        return _UNREACHABLE
    if isinstance(exc, pyghmi_exc.UnsupportedFunctionality | NotImplementedError):
        return _UNSUPPORTED
    code = getattr(exc, "ipmicode", 0)
    if code in _COMPLETION_CODES:
        return _COMPLETION_CODES[code]
    text = str(exc)
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            return _MESSAGES[prefix]
    return None


def answered(exc: BaseException) -> bool:
    """Whether the BMC answered the command, with an error completion code: the session that
    carried it is still good (a refused NMI does not call for a new login)."""
    if not isinstance(exc, pyghmi_exc.IpmiException):
        return False
    code = getattr(exc, "ipmicode", 0)
    if 0 < code < 0x100:
        return True
    text = str(exc)
    return any(text.startswith(answer) for answer in _ANSWERS)


def translate(exc: Exception, address: str, operation: str) -> exceptions.BMCError | None:
    """Our exception for a pyghmi failure, naming the BMC and the operation; None for
    something that is not pyghmi's (``bmc_calls`` then reports its type and text)."""
    reason = str(exc) or type(exc).__name__
    kind = classify(exc)
    if kind is not None:
        return _TYPES[kind](address=address, operation=operation, reason=reason)
    if isinstance(exc, pyghmi_exc.PyghmiException):
        return exceptions.BMCError(address=address, operation=operation, reason=reason)
    if isinstance(exc, struct.error | IndexError):
        # pyghmi parsing a reply it did not expect: a BMC that negotiated something else
        # than it announced, or answered with a short packet.
        return exceptions.BMCError(
            address=address,
            operation=operation,
            reason=f"malformed answer from the BMC ({type(exc).__name__}: {exc})",
        )
    return None
