"""The API as a WSGI application, for ``ironic-lite-api`` and for external servers
(``gunicorn ironic_lite.cmd.wsgi:application``).

It lives with the other entry points because it wires the API to the conductors' transport
and reads configuration: ``ironic_lite.api`` itself knows only the RPC client.
"""

from ironic_lite.conf import CONF


def build_application():
    """The Flask app wired to conductors over the configured RPC transport."""
    from ironic_lite.api.app import create_app
    from ironic_lite.conductor import rpc_transport
    from ironic_lite.conductor.rpcapi import ConductorAPI

    if CONF.rpc_transport == "none":
        raise SystemExit(
            "rpc_transport = none only works inside the all-in-one "
            "'ironic-lite' command; separate API processes need 'oslo'."
        )
    return create_app(ConductorAPI(rpc_transport.client_transport()))


def application(environ, start_response):
    """WSGI entry point; configuration comes from the default oslo.config files."""
    global _app
    if _app is None:
        from ironic_lite.cmd.common import parse_config, setup_logging

        parse_config([], prog="ironic-lite-api")
        setup_logging()
        _app = build_application()
    return _app(environ, start_response)


_app = None
