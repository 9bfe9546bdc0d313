"""Keystone tokens, checked by keystonemiddleware's auth_token as every OpenStack service does.

The middleware (options in ``[keystone_authtoken]``) validates ``X-Auth-Token`` (and an
``X-Service-Token``) against Keystone, strips any identity headers a client sent, and sets its
own: ``X-Identity-Status``, ``X-User-Id``, ``X-Project-Id``, ``X-Roles``,
``OpenStack-System-Scope`` ... It runs with ``delay_auth_decision``: it marks a request
without a valid token instead of answering it, so the application decides, once, which paths
are public (discovery and the agent's routes) and refuses the rest with Ironic's error body.
"""

import logging
from collections.abc import Callable, Mapping

from ironic_lite.common import exceptions
from ironic_lite.common.context import RequestContext
from ironic_lite.conf import CONF

LOG = logging.getLogger(__name__)

# Identity headers that keystonemiddleware sets but does not strip from the client's request
# before it validates the token.
_UNSTRIPPED = ("HTTP_OPENSTACK_SYSTEM_SCOPE",)


class Unauthorized(exceptions.NotAuthorized):
    message = "The request you have made requires authentication."
    # keystonemiddleware adds its own challenge (Keystone uri="...") to every 401 it passes.
    www_authenticate = None


def middleware(app: Callable) -> Callable:
    """``app`` behind keystonemiddleware's auth_token, configured from ``[keystone_authtoken]``."""
    from keystonemiddleware import auth_token

    checked = auth_token.AuthProtocol(
        app, {"oslo_config_config": CONF, "delay_auth_decision": True}
    )
    # Without a service user the middleware can validate nothing, and every request would
    # end in a server error: refuse to start instead.
    if not CONF.keystone_authtoken.auth_type:
        raise ValueError(
            "auth_strategy is keystone but [keystone_authtoken] has no auth_type: set "
            "auth_type, auth_url and the credentials of the service user that validates "
            "tokens, and www_authenticate_uri (see docs/keystone.md)"
        )

    def strip_then_check(environ, start_response):
        for key in _UNSTRIPPED:
            environ.pop(key, None)
        return checked(environ, start_response)

    return strip_then_check


def _value(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    return value or None  # the middleware writes None (or nothing) for an absent attribute


def _roles(value: str | None) -> tuple[str, ...]:
    return tuple(r.strip() for r in (value or "").split(",") if r.strip())


def authenticate(headers: Mapping[str, str], request_id: str) -> RequestContext:
    """The caller the middleware vouched for; 401 without a valid token."""
    if headers.get("X-Identity-Status") != "Confirmed":
        raise Unauthorized()
    if headers.get("X-Service-Identity-Status", "Confirmed") != "Confirmed":
        raise Unauthorized("The service token is not valid.")
    roles = _roles(headers.get("X-Roles"))
    system_scope = _value(headers, "OpenStack-System-Scope")
    context = RequestContext(
        user=_value(headers, "X-User-Id"),
        user_domain=_value(headers, "X-User-Domain-Id"),
        project=_value(headers, "X-Project-Id"),
        project_name=_value(headers, "X-Project-Name"),
        project_domain=_value(headers, "X-Project-Domain-Id"),
        domain=_value(headers, "X-Domain-Id"),
        system_scope=system_scope,
        roles=roles,
        # is_admin stays what it meant before Keystone: may do anything (a system admin).
        is_admin=system_scope == "all" and "admin" in roles,
        is_admin_project=headers.get("X-Is-Admin-Project", "True") == "True",
        service_user=_value(headers, "X-Service-User-Id"),
        service_user_domain=_value(headers, "X-Service-User-Domain-Id"),
        service_project=_value(headers, "X-Service-Project-Id"),
        service_project_domain=_value(headers, "X-Service-Project-Domain-Id"),
        service_roles=_roles(headers.get("X-Service-Roles")),
        request_id=request_id,
    )
    return context
