"""What node and driver vendor passthru share: the HTTP methods and Ironic's answer to a call."""

from ironic_lite.api.responses import json_response

HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def passthru_response(result: dict):
    """202 for an async method, else 200 with the method's return value (as Ironic)."""
    return json_response(result["return"], 202 if result["async"] else 200)
