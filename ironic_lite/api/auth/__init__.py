"""Authentication strategies: each turns a request's headers into a RequestContext."""

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
    raise ValueError(f"unknown auth_strategy {strategy!r}")
