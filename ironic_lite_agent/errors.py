"""The agent's errors: each says what failed, the HTTP status the agent API answers with, and
whether trying the same thing again later may succeed.

A command that raises one of these ends FAILED with ``command_error`` built from it (see
:func:`serialize`); anything else becomes a generic ``CommandExecutionError`` that still carries
the original text, so the operator reads a cause and not a class name.
"""

from http import HTTPStatus


class AgentError(Exception):
    """Base class: ``message`` is a %-template filled from the keyword arguments."""

    message = "The agent failed."
    code = HTTPStatus.INTERNAL_SERVER_ERROR
    retryable = False

    def __init__(self, message: str | None = None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            try:
                message = self.message % kwargs
            except (KeyError, TypeError):
                message = self.message
        self.text = message
        super().__init__(message)

    def __str__(self) -> str:
        return self.text


# --- refusals of the agent API --------------------------------------------------------------
class InvalidCommand(AgentError):
    message = "%(err)s"
    code = HTTPStatus.BAD_REQUEST


class InvalidCommandParams(AgentError):
    message = "Invalid parameters for command %(name)s: %(err)s"
    code = HTTPStatus.BAD_REQUEST


class TokenMissing(AgentError):
    message = "This agent requires an agent_token."
    code = HTTPStatus.UNAUTHORIZED


class TokenNotKnownYet(AgentError):
    message = "This agent has no token yet: it has not completed its lookup."
    code = HTTPStatus.UNAUTHORIZED
    retryable = True


class TokenInvalid(AgentError):
    message = "The agent_token given does not match this agent's token."
    code = HTTPStatus.FORBIDDEN


class CommandNotFound(AgentError):
    message = "No command with id %(id)s."
    code = HTTPStatus.NOT_FOUND


class AgentIsBusy(AgentError):
    message = "The agent is busy running command %(name)s (%(id)s); one command at a time."
    code = HTTPStatus.CONFLICT
    retryable = True


# --- failures of a command ------------------------------------------------------------------
class CommandExecutionError(AgentError):
    message = "%(err)s"


class UnknownStep(AgentError):
    message = "Step %(step)s is not a %(kind)s step of this agent."
    code = HTTPStatus.BAD_REQUEST


class ImageDownloadError(AgentError):
    message = "Could not download image %(image)s from %(url)s: %(err)s"
    retryable = True


class ImageChecksumError(AgentError):
    message = (
        "Image %(image)s failed checksum verification: expected %(algo)s %(expected)s, "
        "got %(actual)s over %(size)s bytes. The image was not deployed."
    )


class InsecureChecksum(AgentError):
    message = (
        "Image %(image)s only has an md5 checksum; md5 is refused unless it is allowed "
        "explicitly (image_info allow_md5 or the agent's --allow-md5)."
    )
    code = HTTPStatus.BAD_REQUEST


class InvalidImage(AgentError):
    message = "Image %(image)s cannot be written: %(err)s"
    code = HTTPStatus.BAD_REQUEST


class ImageWriteError(AgentError):
    message = "Writing image %(image)s to %(device)s failed: %(err)s"


class PartitionLayoutError(AgentError):
    message = "Cannot lay out partitions on %(device)s: %(err)s"
    code = HTTPStatus.BAD_REQUEST


class DeviceNotFound(AgentError):
    message = "%(err)s"


class HardwareCommandFailed(AgentError):
    message = "Command %(cmd)s failed with exit code %(rc)s: %(stderr)s"


class ToolMissing(AgentError):
    message = "%(tool)s is not installed on this machine; it is needed for %(purpose)s."


class NotSupported(AgentError):
    message = "%(err)s"
    code = HTTPStatus.BAD_REQUEST


# --- talking to the ironic-lite API ---------------------------------------------------------
class LookupFailed(AgentError):
    message = "Lookup at %(url)s failed: %(err)s"
    retryable = True


class ApiCallFailed(AgentError):
    message = "%(method)s %(url)s failed: %(err)s"
    retryable = True


def serialize(exc: BaseException) -> dict:
    """The JSON shape of an error, as the agent API answers it and as ``command_error`` holds it.

    ``type`` names the error, ``code`` is its HTTP status, ``message`` is the readable cause;
    ``details`` repeats it (clients of Ironic's agent read either).
    """
    if isinstance(exc, AgentError):
        name, code, text = type(exc).__name__, int(exc.code), str(exc)
    else:
        name, code, text = "CommandExecutionError", 500, f"{type(exc).__name__}: {exc}"
    return {"type": name, "code": code, "message": text, "details": text}
