"""One exception hierarchy for ironic-lite.

Each class carries a message template, the HTTP status the API answers with and whether
retrying the same call later may succeed. The API turns any of them into Ironic's error body;
anything else that escapes is a server error with a generic message.
"""

from http import HTTPStatus


class IronicLiteError(Exception):
    """Base class: ``message`` is a %-template filled from the keyword arguments."""

    message = "An unknown error occurred."
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


# --- 400 -----------------------------------------------------------------------------------
class Invalid(IronicLiteError):
    message = "Unacceptable parameters."
    code = HTTPStatus.BAD_REQUEST


class InvalidParameterValue(Invalid):
    message = "%(err)s"


class MissingParameterValue(Invalid):
    message = "%(err)s"


class NoFreePhysicalPorts(Invalid):
    # 400, not 409: Nova reads a 409 on attach as "already attached" and carries on.
    message = "Unable to attach VIF %(vif)s, not enough free physical ports."


class VifNotAttached(Invalid):
    # 400: what Nova's driver expects (and ignores) when it detaches a VIF twice.
    message = "Unable to detach VIF %(vif)s from node %(node)s because it is not attached to it."


class InvalidUUID(Invalid):
    message = "Expected a UUID but received %(uuid)s."


class InvalidUuidOrName(Invalid):
    message = "Expected a logical name or UUID but received %(name)s."


class InvalidName(Invalid):
    message = "Expected a logical name but received %(name)s."


class InvalidMAC(Invalid):
    message = "Expected a MAC address but received %(mac)s."


class PatchError(Invalid):
    message = "Couldn't apply patch '%(patch)s'. Reason: %(reason)s"


class InvalidStateRequested(Invalid):
    message = (
        'The requested action "%(action)s" can not be performed on node "%(node)s" '
        'while it is in state "%(state)s".'
    )


class NodeIsRetired(Invalid):
    message = (
        "The %(op)s operation can't be performed on node %(node)s because it is retired; "
        "unset retired first."
    )


class DriverNotFoundForNode(Invalid):
    message = "%(err)s"


class InterfaceNotFoundInEntrypoint(Invalid):
    message = "%(err)s"


class NoValidHost(Invalid):
    message = "No valid host was found. Reason: %(reason)s"


class UnsupportedDriverExtension(Invalid):
    message = "Driver %(driver)s does not support %(extension)s (disabled or not implemented)."


class LocalFileNotAllowed(InvalidParameterValue):
    """A local file (a path or file:// URL) the conductor refuses to read; see
    ironic_lite/common/local_files.py for the rule."""

    message = "%(err)s"


# --- 401/403 -------------------------------------------------------------------------------
class NotAuthorized(IronicLiteError):
    message = "Not authorized."
    code = HTTPStatus.UNAUTHORIZED


class Forbidden(IronicLiteError):
    message = "Access was denied to the following resource: %(resource)s"
    code = HTTPStatus.FORBIDDEN


class OperationNotPermitted(Forbidden):
    message = "Operation not permitted."


# --- 404 -----------------------------------------------------------------------------------
class NotFound(IronicLiteError):
    message = "Resource could not be found."
    code = HTTPStatus.NOT_FOUND


class NodeNotFound(NotFound):
    message = "Node %(node)s could not be found."


class PortNotFound(NotFound):
    message = "Port %(port)s could not be found."


class PortgroupNotFound(NotFound):
    message = "Portgroup %(portgroup)s could not be found."


class ChassisNotFound(NotFound):
    message = "Chassis %(chassis)s could not be found."


class DriverNotFound(NotFound):
    message = "Could not find the following driver(s) or hardware type(s): %(driver_name)s."


class ConductorNotFound(NotFound):
    message = "Conductor %(conductor)s could not be found."


class TraitNotFound(NotFound):
    message = "Node %(node)s doesn't have a trait '%(trait)s'"


class ResourceNotFound(NotFound):
    message = "The resource could not be found."


# --- 405/406 -------------------------------------------------------------------------------
class MethodNotAllowed(IronicLiteError):
    message = "The method is not allowed for the requested URL."
    code = HTTPStatus.METHOD_NOT_ALLOWED


class NotAcceptable(IronicLiteError):
    message = "Request not acceptable."
    code = HTTPStatus.NOT_ACCEPTABLE


# --- 409 -----------------------------------------------------------------------------------
class Conflict(IronicLiteError):
    message = "Conflict."
    code = HTTPStatus.CONFLICT


class NodeLocked(Conflict):
    message = (
        "Node %(node)s is locked by host %(host)s, please retry after the current "
        "operation is completed."
    )
    retryable = True


class DuplicateName(Conflict):
    message = "A %(resource)s with name %(name)s already exists."


class NodeAlreadyExists(Conflict):
    message = "A node with UUID %(uuid)s already exists."


class InstanceAssociated(Conflict):
    message = (
        "Instance %(instance_uuid)s is already associated with a node, it cannot be "
        "associated with this other node %(node)s"
    )


class VifAlreadyAttached(Conflict):
    message = (
        "Unable to attach VIF because VIF %(vif)s is already attached to Ironic "
        "%(object_type)s %(object_uuid)s"
    )


class MACAlreadyExists(Conflict):
    message = "A port with MAC address %(mac)s already exists."


class PortgroupMACAlreadyExists(Conflict):
    message = "A portgroup with MAC address %(mac)s already exists."


class AlreadyExists(Conflict):
    message = "A %(resource)s with UUID %(uuid)s already exists."


class ChassisNotEmpty(Invalid):
    message = "Cannot complete the requested action because chassis %(chassis)s contains nodes."


class PortgroupNotEmpty(Invalid):
    message = "Cannot complete the requested action because portgroup %(portgroup)s contains ports."


class NodeAssociated(Conflict):
    message = "Node %(node)s is associated with instance %(instance)s."


class NodeInWrongState(Conflict):
    message = "%(err)s"


class NodeChanged(Conflict):
    message = "Node %(node)s was changed by another request at the same time; retry."
    retryable = True


class NodeProtected(IronicLiteError):
    message = "Node %(node)s is protected and cannot be undeployed, rebuilt or deleted"
    code = HTTPStatus.FORBIDDEN


# --- 413 -----------------------------------------------------------------------------------
class RequestTooLarge(IronicLiteError):
    message = "Request body is too large. Please contact the service administrator."
    code = HTTPStatus.REQUEST_ENTITY_TOO_LARGE


# --- 5xx -----------------------------------------------------------------------------------
class ServiceUnavailable(IronicLiteError):
    message = "The service is temporarily unavailable: %(reason)s"
    code = HTTPStatus.SERVICE_UNAVAILABLE
    retryable = True


class NoFreeConductorWorker(ServiceUnavailable):
    message = "Requested action cannot be performed due to lack of free conductor workers."


class NoConductorForDriver(ServiceUnavailable):
    message = (
        'No live conductor serves driver %(driver)s in conductor group "%(group)s"; '
        "retry once one is up."
    )


class DatabaseUnavailable(ServiceUnavailable):
    message = "The database is unavailable; retry later."


# --- inspection ------------------------------------------------------------------------------
class HardwareInspectionFailure(IronicLiteError):
    """Inspection found something that fails the node (an inspection rule said so)."""

    message = "Failed to inspect hardware. Reason: %(error)s"
    code = HTTPStatus.BAD_REQUEST


# --- boot images -----------------------------------------------------------------------------
class ImageCreationFailed(IronicLiteError):
    """The conductor could not build a boot image (an ISO, an EFI partition) itself."""

    message = "Creating %(image_type)s image failed: %(error)s"


# --- BMCs ------------------------------------------------------------------------------------
# Raised by drivers after translating a protocol library's exception at the driver's edge:
# the message names the BMC and the operation, never the credentials.
class BMCError(IronicLiteError):
    message = "BMC %(address)s: %(operation)s failed: %(reason)s"
    code = HTTPStatus.INTERNAL_SERVER_ERROR


class BMCUnreachable(BMCError):
    """No answer, or the connection broke: worth another try."""

    message = "BMC %(address)s did not answer %(operation)s: %(reason)s"
    code = HTTPStatus.SERVICE_UNAVAILABLE
    retryable = True


class BMCAuthFailed(BMCError):
    """The BMC refused the node's credentials: retrying will not help, fixing driver_info will."""

    message = "BMC %(address)s refused the credentials in driver_info for %(operation)s: %(reason)s"
    code = HTTPStatus.BAD_REQUEST


class BMCNotSupported(BMCError):
    """The BMC does not offer what was asked (a missing Redfish resource, an IPMI command)."""

    message = "BMC %(address)s does not support %(operation)s: %(reason)s"
    code = HTTPStatus.BAD_REQUEST
