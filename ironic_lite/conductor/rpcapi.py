"""The client side of conductor RPC, derived from the RPC contract (``rpc_contract``).

``ConductorAPI(transport).<method>(context, node, **kwargs)`` finds the conductor that owns the
node on the hash ring and calls it through the transport: in-process for the all-in-one
service, oslo.messaging over RabbitMQ otherwise. When nobody serves the node's driver and
group, the call fails at once with 503, never hangs.

This is the API's only door to the conductors: it imports the contract, never the manager.
The all-in-one entry point builds the manager itself and hands it to ``LocalTransport``.
"""

import functools
import random
from typing import Protocol

from ironic_lite.common import exceptions
from ironic_lite.common.context import RequestContext
from ironic_lite.common.hash_ring import HashRings
from ironic_lite.conductor.rpc_contract import METHODS, RPCSpec
from ironic_lite.conf import CONF
from ironic_lite.db import api as dbapi
from ironic_lite.db.models import utcnow


class Transport(Protocol):
    def call(self, host: str, method: str, context: RequestContext, **kwargs): ...

    def cast(self, host: str, method: str, context: RequestContext, **kwargs) -> None: ...


class LocalTransport:
    """Calls the manager of this process directly (all-in-one; the entry point passes it)."""

    def __init__(self, manager):
        self.manager = manager

    def call(self, host: str, method: str, context: RequestContext, **kwargs):
        return getattr(self.manager, method)(context, **kwargs)

    def cast(self, host: str, method: str, context: RequestContext, **kwargs) -> None:
        getattr(self.manager, method)(context, **kwargs)


class ConductorAPI:
    def __init__(self, transport: Transport, rings: HashRings | None = None):
        self.transport = transport
        self.rings = rings or HashRings(dbapi.list_alive_conductors)
        # A conductor in this process is alive by definition; remote ones prove it by
        # heart-beating.
        self.check_heartbeats = not isinstance(transport, LocalTransport)

    def conductor_for(self, node: dict) -> str | None:
        """Hostname of the conductor that owns ``node`` now, None if no one serves it."""
        return self.rings.owner(node["uuid"], node["driver"], node["conductor_group"])

    def host_for_node(self, node: dict) -> str:
        host = self.conductor_for(node)
        if host is None:
            self.rings.reset()
            host = self.conductor_for(node)
        if host is None:
            raise exceptions.NoConductorForDriver(
                driver=node["driver"], group=node["conductor_group"] or ""
            )
        if self.check_heartbeats:
            self._check_fresh(host)
        return host

    def _check_fresh(self, host: str) -> None:
        """503 at once for a conductor that stopped heart-beating, rather than a call that
        waits out its timeout; its nodes move to a live conductor once it is declared dead."""
        beat = self.rings.last_heartbeat(host)
        missed = 3 * CONF.conductor.heartbeat_interval
        if beat is None or (utcnow() - beat).total_seconds() > missed:
            raise exceptions.ServiceUnavailable(
                reason=f"conductor {host} has missed its heart-beats; its nodes move to "
                f"another conductor within {CONF.conductor.heartbeat_timeout} s, retry then"
            )

    def any_host(self) -> str:
        """A live conductor, for work any of them can do (e.g. list the steps drivers offer)."""
        hosts = [h for ring in self.rings._fresh().values() for h in ring.nodes]
        if not hosts:
            raise exceptions.ServiceUnavailable(reason="no conductor is alive")
        return random.choice(sorted(set(hosts)))

    def host_for_driver(self, driver: str) -> str:
        ring_hosts = [
            h
            for (group, name), ring in self.rings._fresh().items()
            if name == driver
            for h in ring.nodes
        ]
        if not ring_hosts:
            raise exceptions.NoConductorForDriver(driver=driver, group="any")
        return random.choice(ring_hosts)

    def _invoke(self, spec: RPCSpec, context: RequestContext, routed_by=None, /, **kwargs):
        spec.check_kwargs(kwargs)
        if spec.route == "node":
            host = self.host_for_node(routed_by)
            kwargs["node_id"] = routed_by["id"]
        elif spec.route == "any":
            host = self.any_host()
        else:
            host = self.host_for_driver(routed_by)
            kwargs["driver_name"] = routed_by
        send = self.transport.call if spec.kind == "call" else self.transport.cast
        return send(host, spec.name, context, **kwargs)

    def __getattr__(self, name: str):
        spec = METHODS.get(name)
        if spec is None:
            raise AttributeError(name)
        return functools.partial(self._invoke, spec)
