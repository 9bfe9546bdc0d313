"""The conductor's RPC endpoint: thin methods that acquire, check and hand off.

Every method a client may call is declared here with ``@rpc``; the client side
(``rpcapi.ConductorAPI``) and the oslo.messaging server are both derived from these
declarations, so the two can never disagree.
"""

import dataclasses
import logging
from collections.abc import Callable

from ironic_lite.common import exceptions
from ironic_lite.common.context import RequestContext
from ironic_lite.conductor.task import acquire
from ironic_lite.conf import CONF
from ironic_lite.db import api as dbapi
from ironic_lite.drivers import loader

LOG = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class RPCSpec:
    name: str
    # "call" waits for the answer; "cast" returns at once.
    kind: str
    # How the client picks the conductor: "node" (the owner of the node passed first) or
    # "driver" (any live conductor serving the hardware type named first).
    route: str


RPC_METHODS: dict[str, RPCSpec] = {}


def rpc(kind: str = "call", route: str = "node") -> Callable:
    """Declare a manager method as callable over RPC."""

    def decorate(fn):
        RPC_METHODS[fn.__name__] = RPCSpec(fn.__name__, kind, route)
        return fn

    return decorate


class ConductorManager:
    def __init__(self, host: str | None = None):
        self.host = host or CONF.host

    # --- drivers -------------------------------------------------------------------------------
    @rpc(route="driver")
    def get_driver_properties(self, context: RequestContext, driver_name: str) -> dict:
        return loader.driver_properties(driver_name)

    # --- node checks ---------------------------------------------------------------------------
    @rpc()
    def validate_driver_interfaces(self, context: RequestContext, node_id: int) -> dict:
        """Each interface's verdict on whether the node is set up to use it."""
        result = {}
        with acquire(
            context, node_id, "validate driver interfaces", shared=True, host=self.host
        ) as task:
            for itype, iface in task.driver.interfaces().items():
                if itype == "vendor":
                    continue
                if not iface.supported:
                    result[itype] = {
                        "result": None,
                        "reason": f"not supported by {task.node['driver']}",
                    }
                    continue
                try:
                    iface.validate(task)
                except exceptions.IronicLiteError as exc:
                    result[itype] = {"result": False, "reason": str(exc)}
                else:
                    result[itype] = {"result": True}
        return result

    # --- node lifetime -------------------------------------------------------------------------
    @rpc()
    def destroy_node(self, context: RequestContext, node_id: int) -> None:
        with acquire(context, node_id, "node deletion", host=self.host) as task:
            dbapi.destroy_node(task.node["id"])
            task._released = True
