"""No authentication: every caller acts as an administrator."""

from collections.abc import Mapping

from ironic_lite.common.context import RequestContext


def authenticate(headers: Mapping[str, str], request_id: str) -> RequestContext:
    return RequestContext(
        user=headers.get("X-User-Id") or "noauth",
        project=headers.get("X-Project-Id"),
        roles=("admin",),
        is_admin=True,
        request_id=request_id,
    )
