"""No authentication: every caller acts as a system administrator."""

from collections.abc import Mapping

from ironic_lite.common.context import RequestContext, system_admin_context


def authenticate(headers: Mapping[str, str], request_id: str) -> RequestContext:
    return system_admin_context(
        headers.get("X-User-Id") or "noauth",
        project=headers.get("X-Project-Id"),
        request_id=request_id,
    )
