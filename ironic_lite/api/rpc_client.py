"""The conductor RPC client the running app was built with (``create_app(rpcapi)``).

Views reach conductors only through it: the API never imports the manager, flows or drivers.
"""

from flask import current_app


def rpcapi():
    """The app's ``ConductorAPI``; in the all-in-one process its transport is in-process."""
    return current_app.config["RPCAPI"]
