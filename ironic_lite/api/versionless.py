"""Version-less paths: ``/nodes/detail`` is ``/v1/nodes/detail``, as Ironic serves it.

openstacksdk given only an endpoint and HTTP Basic credentials (Bifrost's clouds.yaml) does no
version discovery and calls ``/nodes``, ``/nodes/detail``, ``/ports`` ... straight under the
endpoint; Ironic's root controller hands every path whose first segment is not ``v1`` to the
v1 controller. This middleware does the same by prefixing ``PATH_INFO`` before Flask routes.

Authentication is decided on the path the client sent, as Ironic's auth middleware sees it
before routing: only ``/``, ``/v1`` and the agent's ``/v1/...`` callbacks are public, so
``/lookup`` needs credentials where ``/v1/lookup`` does not, and no version-less spelling
opens anything that its ``/v1`` form keeps closed.
"""

from collections.abc import Callable, Iterable

# WSGI environ key holding the path as the client sent it, when it was rewritten.
ORIGINAL_PATH = "ironic_lite.versionless_path"


def needs_prefix(path: str) -> bool:
    """Whether ``path`` is a v1 resource asked for without its ``/v1``."""
    return path not in ("", "/", "/v1") and not path.startswith("/v1/")


class VersionlessPaths:
    """WSGI middleware routing version-less paths to the v1 API (module docstring)."""

    def __init__(self, app: Callable):
        self.app = app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        if needs_prefix(path):
            environ[ORIGINAL_PATH] = path
            environ["PATH_INFO"] = "/v1" + path
        return self.app(environ, start_response)


def client_path(environ: dict, routed_path: str) -> str:
    """The path the client asked for (what authentication decides on)."""
    return environ.get(ORIGINAL_PATH, routed_path)
