"""Every conductor RPC method, as data: the one list the client, the transport and the
manager read.

The API process imports this module and ``rpcapi`` only: it learns which methods exist, how
each is sent (``call`` waits for the answer, ``cast`` does not) and how its conductor is
picked, without loading the manager, the flows or the drivers. The oslo.messaging server
exposes exactly these methods, and the manager is checked against this list when it is
imported (``check``), so a method renamed or given another argument on one side fails at
once, not on the first request.

Routing: ``node`` sends to the conductor that owns the node passed first (the method gets its
``node_id``), ``driver`` to any live conductor serving the hardware type named first (it
gets ``driver_name``), ``any`` to any live conductor.
"""

import dataclasses
import inspect

ROUTES = ("node", "driver", "any")
# The argument each route adds, taken from what the caller passed first.
ROUTE_ARG = {"node": "node_id", "driver": "driver_name", "any": None}
# Names the transports take themselves (oslo.messaging's call(ctxt, method), the host).
RESERVED_ARGS = frozenset({"method", "ctxt", "host"})


@dataclasses.dataclass(frozen=True)
class RPCSpec:
    name: str
    kind: str  # "call" or "cast"
    route: str  # one of ROUTES
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()

    @property
    def args(self) -> tuple[str, ...]:
        """Every argument after the context, in the manager's order (routing first)."""
        routed = ROUTE_ARG[self.route]
        return ((routed,) if routed else ()) + self.required + self.optional

    def check_kwargs(self, kwargs: dict) -> None:
        """TypeError for a client call with an unknown or missing argument (before it is
        sent: a conductor would fail it anyway, later and less clearly)."""
        unknown = set(kwargs) - set(self.required) - set(self.optional)
        missing = set(self.required) - set(kwargs)
        if unknown or missing:
            raise TypeError(
                f"RPC {self.name}: unknown {sorted(unknown)}, missing {sorted(missing)}"
            )


def _spec(
    name: str,
    *required: str,
    optional: tuple[str, ...] = (),
    kind: str = "call",
    route: str = "node",
) -> RPCSpec:
    if kind not in ("call", "cast") or route not in ROUTES:
        raise ValueError(f"RPC {name}: bad kind {kind!r} or route {route!r}")
    clash = RESERVED_ARGS & set(required + optional)
    if clash:
        raise ValueError(f"RPC {name} may not take {sorted(clash)}")
    return RPCSpec(name, kind, route, tuple(required), tuple(optional))


_SPECS = (
    # --- drivers and steps any conductor knows ---
    _spec("get_driver_properties", route="driver"),
    _spec("list_offered_steps", "kind", route="any"),
    _spec("get_driver_vendor_passthru_methods", route="driver"),
    _spec("driver_vendor_passthru", "method_name", "http_method", "info", route="driver"),
    _spec("get_raid_logical_disk_properties", route="driver"),
    # --- node checks and provisioning ---
    _spec("validate_driver_interfaces"),
    _spec(
        "do_provisioning_action",
        "target",
        optional=(
            "configdrive",
            "clean_steps",
            "deploy_steps",
            "service_steps",
            "rescue_password",
            "disable_ramdisk",
        ),
    ),
    _spec("continue_node_flow", kind="cast"),
    # --- the agent in the ramdisk ---
    _spec("get_node_with_token"),
    _spec(
        "heartbeat",
        "callback_url",
        optional=("agent_token", "agent_version", "agent_verify_ca", "agent_status"),
    ),
    _spec("continue_inspection", "inventory", "plugin_data"),
    # --- power and management ---
    _spec("change_node_power_state", "target", optional=("timeout",)),
    _spec("get_boot_device"),
    _spec("get_supported_boot_devices"),
    _spec("set_boot_device", "device", optional=("persistent",)),
    _spec("inject_nmi"),
    _spec("set_boot_mode", "mode"),
    _spec("set_secure_boot_state", "enabled"),
    _spec("get_supported_indicators"),
    _spec("get_indicator_state", "component", "indicator"),
    _spec("set_indicator_state", "component", "indicator", "state"),
    # --- virtual media ---
    _spec("attach_virtual_media", "device_type", "image_url"),
    _spec("detach_virtual_media", optional=("device_types",)),
    _spec("get_virtual_media"),
    # --- vendor passthru, VIFs, console ---
    _spec("vendor_passthru", "method_name", "http_method", "info"),
    _spec("get_vendor_passthru_methods"),
    _spec("vif_list"),
    _spec("vif_attach", "vif_info"),
    _spec("vif_detach", "vif_id"),
    _spec("get_console_information"),
    _spec("set_console_mode", "enabled"),
    # --- node lifetime, allocations ---
    _spec("destroy_port", "port_id"),
    _spec("destroy_node"),
    _spec("create_allocation", "values", optional=("backfill_node_id",), route="any"),
)

METHODS: dict[str, RPCSpec] = {spec.name: spec for spec in _SPECS}


def check(server: type) -> None:
    """TypeError unless ``server`` has every method of the contract, taking ``(self,
    context, <args>)`` with exactly the contract's arguments (optional ones with a default)."""
    problems = []
    for spec in METHODS.values():
        fn = getattr(server, spec.name, None)
        if fn is None:
            problems.append(f"{spec.name} is missing")
            continue
        params = list(inspect.signature(fn).parameters.values())[2:]
        names = tuple(p.name for p in params)
        if names != spec.args:
            problems.append(f"{spec.name} takes {names}, the contract says {spec.args}")
            continue
        defaulted = {p.name for p in params if p.default is not p.empty}
        if defaulted != set(spec.optional):
            problems.append(
                f"{spec.name} has defaults for {sorted(defaulted)}, the contract makes "
                f"{sorted(spec.optional)} optional"
            )
    if problems:
        raise TypeError(f"{server.__name__} breaks the RPC contract: {'; '.join(problems)}")
