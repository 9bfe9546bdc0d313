"""Authentication strategies: each turns a request's headers into a RequestContext.

A strategy may also put WSGI middleware in front of the application (``wrap``): Keystone's
auth_token validates tokens there and leaves its verdict in headers the authenticator reads.
"""

from collections.abc import Callable, Mapping

from ironic_lite.common.context import RequestContext

Authenticator = Callable[[Mapping[str, str], str], RequestContext]


def load(strategy: str) -> Authenticator:
    """The authenticator for ``[DEFAULT] auth_strategy``."""
    if strategy == "noauth":
        from ironic_lite.api.auth import noauth

        return noauth.authenticate
    if strategy == "http_basic":
        from ironic_lite.api.auth import http_basic

        return http_basic.Authenticator()
    if strategy == "keystone":
        from ironic_lite.api.auth import keystone

        return keystone.authenticate
    raise ValueError(f"unknown auth_strategy {strategy!r}")


def wrap(strategy: str, wsgi_app: Callable) -> Callable:
    """``wsgi_app`` behind the strategy's middleware, if it has one."""
    if strategy == "keystone":
        from ironic_lite.api.auth import keystone

        return keystone.middleware(wsgi_app)
    return wsgi_app
