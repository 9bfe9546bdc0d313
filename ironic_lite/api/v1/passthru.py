"""What node and driver vendor passthru share: the body a vendor method gets and Ironic's
answer to a call."""

from ironic_lite.api import body
from ironic_lite.api.responses import json_response
from ironic_lite.common import exceptions

HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def passthru_info() -> dict:
    """The body handed to a vendor method: a JSON object, or nothing."""
    info = body.json_body(required=False) or {}
    if not isinstance(info, dict):
        raise exceptions.InvalidParameterValue(err="The vendor passthru body must be an object")
    return info


def passthru_response(result: dict):
    """202 for an async method, else 200 with the method's return value (as Ironic)."""
    return json_response(result["return"], 202 if result["async"] else 200)
