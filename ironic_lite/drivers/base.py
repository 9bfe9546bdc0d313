"""Interface contracts every driver implements.

A hardware type composes one implementation per interface type; a feature a hardware type
lacks is a ``No*`` implementation that answers every call with UnsupportedDriverExtension, so
callers never test for None.

Steps are interface methods marked with ``@step``, which names the kinds of flow the method
is a step of (one kind, or several at once) and stores a frozen StepSpec per kind on the
function; ``conductor.steps`` collects them from a node's interfaces::

    @step(("clean", "deploy", "service"), priority=0, argsinfo={"settings": {...}})
    def apply_configuration(self, task, settings): ...

Drivers see the conductor only through ``Task``, the protocol declared here (the conductor's
task implements it): the node and its interfaces, writes to the locked node, and the few
services a driver needs (power actions, history, failing the flow, recording an inventory).
A driver reports (a step returns an ``Outcome``, or raises a typed error); the conductor
decides which state the node moves to. Nothing under ``drivers/`` imports the conductor.
"""

import abc
import dataclasses
import enum
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, Protocol

from ironic_lite.common import exceptions

STEP_KINDS = ("deploy", "clean", "service", "verify")


class Outcome(enum.Enum):
    """What a step (or an inspect or rescue call) reports; None means it is done."""

    DONE = "done"  # every step ran
    WAIT = "wait"  # parked in the wait state; something (an agent, a timer) will resume it
    HOLD = "hold"  # parked in the hold state until unhold


class Task(Protocol):
    """The locked node as a driver sees it (``conductor.task.Task`` implements it)."""

    node: dict
    context: Any

    @property
    def driver(self) -> Any:
        """The node's interfaces: ``task.driver.power``, ``task.driver.boot`` ..."""

    @property
    def step_kind(self) -> str | None:
        """The kind of steps the node's flow runs now ("deploy", "clean" ...), or None."""

    # --- writing the locked node ---
    def save(self, history: dict | None = None, **changes) -> dict: ...

    def with_info(self, **info) -> dict: ...

    def remember(self, **info) -> dict: ...

    def remember_fields(self, **fields) -> dict: ...

    def refresh(self) -> dict: ...

    # --- the conductor's services ---
    def power(self, target: str, timeout: int | None = None) -> str:
        """Bring the machine to ``target`` and record it (raises with last_error set)."""

    def history(self, event: str, severity: str = "INFO", event_type: str = "provisioning") -> None:
        """Record ``event`` in the node's history."""

    def fail(self, reason: str) -> str:
        """Fail the flow under way with ``reason`` (the conductor picks the state and fault)."""

    def record_inventory(
        self, inventory: dict, plugin_data: dict | None = None, source: str = ""
    ) -> dict:
        """Store an inspected inventory; inspection rules run on it."""

    # --- the node's ports, volumes, BIOS settings and firmware ---
    @property
    def ports(self) -> list[dict]: ...

    @property
    def portgroups(self) -> list[dict]: ...

    def add_port(self, address: str, **fields) -> dict: ...

    def save_port(self, port: dict, **changes) -> dict: ...

    def save_portgroup(self, portgroup: dict, **changes) -> dict: ...

    @property
    def volume_connectors(self) -> list[dict]: ...

    @property
    def volume_targets(self) -> list[dict]: ...

    @property
    def boot_volume(self) -> dict | None: ...

    @property
    def bios_settings(self) -> list[dict]: ...

    def store_bios_settings(self, settings: list[dict], replace: bool = True) -> list[dict]: ...

    @property
    def firmware_components(self) -> list[dict]: ...

    def store_firmware_components(
        self, components: list[dict], replace: bool = True
    ) -> list[dict]: ...


@dataclasses.dataclass(frozen=True)
class StepSpec:
    """What a driver method declares about itself as a step of one kind."""

    kind: str
    priority: int
    argsinfo: Mapping[str, Mapping[str, Any]] | None = None
    abortable: bool = False
    requires_ramdisk: bool = False
    # Safe to run again from the start if the conductor running it died mid-way; a flow whose
    # current step is not rerunnable fails on takeover instead of resuming.
    rerunnable: bool = False


def step(
    kinds: str | Iterable[str],
    priority: int = 0,
    *,
    argsinfo: Mapping[str, Mapping[str, Any]] | None = None,
    abortable: bool = False,
    requires_ramdisk: bool = False,
    rerunnable: bool = False,
) -> Callable:
    """Declare a driver method as a step of one kind or several, with one decorator.

    ``kinds`` is a kind (``"clean"``) or several (``("clean", "deploy", "service")``): the
    method gets one StepSpec per kind, all with the same attributes. Stacking the decorator
    still works and is how a method takes different attributes per kind (for a kind named
    twice, the outer decorator wins). ``priority`` 0 means the step only runs when requested by
    name; ``argsinfo`` maps argument names to ``{"description": ..., "required": bool}``.
    """
    wanted = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    if not wanted:
        raise ValueError("a step needs at least one kind")
    for kind in wanted:
        if kind not in STEP_KINDS:
            raise ValueError(f"unknown step kind {kind!r}; known: {', '.join(STEP_KINDS)}")

    def decorate(fn):
        specs = dict(getattr(fn, "_step_specs", {}))
        for kind in wanted:
            specs[kind] = StepSpec(
                kind, priority, argsinfo, abortable, requires_ramdisk, rerunnable
            )
        fn._step_specs = specs
        return fn

    return decorate


class BaseInterface(abc.ABC):
    """One implementation of one interface type (e.g. the ``fake`` power interface)."""

    interface_type: ClassVar[str]
    # Whether this implementation does anything (False for the no-* placeholders).
    supported: ClassVar[bool] = True
    # driver_info keys this implementation reads: name -> description.
    properties: ClassVar[Mapping[str, str]] = {}

    def validate(self, task) -> None:
        """Raise InvalidParameterValue/MissingParameterValue if the node cannot use this."""

    def get_properties(self) -> dict[str, str]:
        return dict(self.properties)


class PowerInterface(BaseInterface):
    interface_type = "power"

    @abc.abstractmethod
    def get_power_state(self, task) -> str:
        """The node's power state as the BMC reports it."""

    @abc.abstractmethod
    def set_power_state(self, task, state: str, timeout: int | None = None) -> None:
        """Reach ``state`` (power on/off, soft power off) or raise."""

    @abc.abstractmethod
    def reboot(self, task, timeout: int | None = None) -> None:
        """Power-cycle; the node is on afterwards."""

    def get_supported_power_states(self, task) -> list[str]:
        from ironic_lite.common import states

        return [states.POWER_ON, states.POWER_OFF, states.REBOOT]

    def read_for_sync(self, task) -> tuple[str, str | None]:
        """Power sync's read of the BMC: the power state, and the hardware's health ("OK",
        "Warning" or "Critical", Ironic's values) when the BMC gives it in the same answer,
        else None. A driver whose BMC reports health overrides this, so that power sync
        learns both from one request."""
        return self.get_power_state(task), None


class ManagementInterface(BaseInterface):
    interface_type = "management"

    @abc.abstractmethod
    def get_supported_boot_devices(self, task) -> list[str]:
        """Boot devices this node can be set to."""

    @abc.abstractmethod
    def set_boot_device(self, task, device: str, persistent: bool = False) -> None:
        """Boot from ``device`` next time (or always when ``persistent``)."""

    @abc.abstractmethod
    def get_boot_device(self, task) -> dict:
        """``{"boot_device": ..., "persistent": ...}``."""

    def inject_nmi(self, task) -> None:
        raise exceptions.UnsupportedDriverExtension(
            driver=task.node["driver"], extension="inject_nmi"
        )

    def get_boot_mode(self, task) -> str | None:
        return None

    def set_boot_mode(self, task, mode: str) -> None:
        raise exceptions.UnsupportedDriverExtension(
            driver=task.node["driver"], extension="setting the boot mode"
        )

    def get_secure_boot_state(self, task) -> bool | None:
        return None

    def set_secure_boot_state(self, task, state: bool) -> None:
        raise exceptions.UnsupportedDriverExtension(
            driver=task.node["driver"], extension="secure boot"
        )

    def get_sensors_data(self, task) -> dict:
        return {}

    # Indicators (LEDs): component (system, chassis ...) -> indicator name ->
    # {"readonly": bool, "states": [ON|OFF|BLINKING ...]}. None by default.
    def get_supported_indicators(self, task) -> dict[str, dict[str, dict]]:
        return {}

    def get_indicator_state(self, task, component: str, indicator: str) -> str:
        raise exceptions.UnsupportedDriverExtension(
            driver=task.node["driver"], extension="indicators"
        )

    def set_indicator_state(self, task, component: str, indicator: str, state: str) -> None:
        raise exceptions.UnsupportedDriverExtension(
            driver=task.node["driver"], extension="indicators"
        )


class _Simple(BaseInterface):
    """Interface types whose contract the flows define step by step."""


class BootInterface(_Simple):
    interface_type = "boot"
    # Whether this implementation boots the node into a deploy/rescue ramdisk it must find
    # (PXE, iPXE, virtual media); such nodes fail validation without kernel and ramdisk.
    requires_ramdisk: ClassVar[bool] = False
    # What it can boot as the instance of the ``ramdisk`` deploy: "kernel" (a kernel and an
    # initramfs from instance_info), "iso" (instance_info/boot_iso). Empty: neither.
    ramdisk_instances: ClassVar[frozenset[str]] = frozenset()

    def validate(self, task) -> None:
        if self.requires_ramdisk:
            from ironic_lite.drivers.ramdisk_images import ramdisk_images

            ramdisk_images(task.node, "deploy")

    # What the flows ask of a boot interface. The fake implementation does nothing.
    def prepare_ramdisk(self, task, params: dict, purpose: str = "deploy") -> None:
        """Make the node's next network or media boot load the deploy (or rescue) ramdisk,
        with ``params`` added to its kernel command line."""

    def clean_up_ramdisk(self, task) -> None:
        """Remove what prepare_ramdisk left (boot files, inserted media); safe to repeat."""

    def prepare_instance(self, task) -> None:
        """Make the node boot its deployed instance from now on."""

    def clean_up_instance(self, task) -> None:
        """Remove what prepare_instance left; safe to repeat."""


class DeployInterface(_Simple):
    interface_type = "deploy"
    # Whether deploying boots the deploy ramdisk first and the instance from its disk after
    # the steps (the flow asks the boot interface for both). False: the deploy interface boots
    # the instance itself in its steps (the ``ramdisk`` deploy).
    uses_deploy_ramdisk: ClassVar[bool] = True

    def heartbeat(
        self,
        task: Task,
        callback_url: str,
        agent_version: str | None = None,
        agent_verify_ca: str | None = None,
    ) -> bool:
        """An agent in the node's ramdisk is alive at ``callback_url`` (its token checked):
        remember where, for fast track and the steps that call it. True when the node's flow
        waits for this agent; the conductor then calls ``continue_after_heartbeat`` on a
        worker. An interface that runs nothing on an agent only remembers it."""
        task.remember(
            agent_url=callback_url,
            agent_last_heartbeat=time.time(),
            agent_version=agent_version,
            agent_verify_ca=agent_verify_ca,
        )
        return False

    def continue_after_heartbeat(self, task: Task) -> bool:
        """On a worker, for a flow that waits for the agent: True when it goes on now (the
        conductor resumes it); False to keep waiting, or after failing it (``task.fail``)."""
        return False


class ConsoleInterface(_Simple):
    """A serial or graphical console the operator reaches through the conductor's host."""

    interface_type = "console"

    def start_console(self, task) -> None:
        """Open the node's console; the conductor records ``console_enabled`` afterwards."""

    def stop_console(self, task) -> None:
        """Close it; safe to repeat."""

    def get_console(self, task) -> dict:
        """How to reach the open console: ``{"type": ..., "url": ...}``."""
        return {}


class InspectInterface(_Simple):
    interface_type = "inspect"

    def continue_inspection(self, task: Task, inventory: dict, plugin_data: dict) -> None:
        """The data an agent posted for a node in ``inspect wait``; an interface that never
        waits for one refuses it (the conductor fails the inspection with the error)."""
        raise exceptions.UnsupportedDriverExtension(
            driver=task.node["driver"], extension="inspection data from an agent"
        )


class NetworkInterface(_Simple):
    """Where a node's VIFs are plugged; each VIF is ``{"id": ...}`` (a Neutron port ID for
    Nova)."""

    interface_type = "network"

    @abc.abstractmethod
    def vif_list(self, task) -> list[dict]:
        """The VIFs attached to the node."""

    @abc.abstractmethod
    def vif_attach(self, task, vif_info: dict) -> None:
        """Attach ``vif_info["id"]`` (optionally to ``port_uuid``/``portgroup_uuid``)."""

    @abc.abstractmethod
    def vif_detach(self, task, vif_id: str) -> None:
        """Detach a VIF; VifNotAttached when the node does not have it."""

    # Rescue moves the machine between the tenant's network and the rescuing network and
    # back. With one shared provider network (flat, noop) there is nothing to move.
    def validate_rescue(self, task) -> None:
        """Refuse a rescue this network interface cannot wire up (400)."""

    def unconfigure_tenant_networks(self, task) -> None:
        """Take the machine off its tenant networks (before the rescue ramdisk boots)."""

    def add_rescuing_network(self, task) -> None:
        """Put the machine on the rescuing network, where the rescue ramdisk's agent runs."""

    def remove_rescuing_network(self, task) -> None:
        """Take it off the rescuing network again (rescue finished, or unrescue)."""

    def configure_tenant_networks(self, task) -> None:
        """Put the machine back on its tenant networks."""


# What a logical disk of target_raid_config may say (Ironic's RAID schema keys).
LOGICAL_DISK_PROPERTIES: Mapping[str, str] = {
    "raid_level": "RAID level: JBOD, 0, 1, 2, 5, 6, 1+0, 5+0 or 6+0. Required.",
    "size_gb": "Size in GiB (an integer), or MAX for the space left. Required.",
    "volume_name": "Name of the volume; generated when not given. Optional.",
    "is_root_volume": "Whether the instance is deployed on this volume (default false). Optional.",
    "share_physical_disks": "Whether other logical disks may use the same physical disks "
    "(default false). Optional.",
    "disk_type": "Preferred disk type: hdd or ssd. Optional.",
    "interface_type": "Preferred disk interface: sata, scsi or sas. Optional.",
    "number_of_physical_disks": "How many physical disks to use (default: the fewest the RAID "
    "level needs). Optional.",
    "controller": "The RAID controller to use (default: one the driver picks). Optional.",
    "physical_disks": "The physical disks to use (default: ones the driver picks). Optional.",
}


class RAIDInterface(_Simple):
    interface_type = "raid"
    # The logical disk keys this implementation reads, with what each means.
    logical_disk_properties: ClassVar[Mapping[str, str]] = LOGICAL_DISK_PROPERTIES

    def get_logical_disk_properties(self) -> dict[str, str]:
        """What ``GET /v1/drivers/{driver}/raid/logical_disk_properties`` lists."""
        return dict(self.logical_disk_properties)


class RescueInterface(_Simple):
    interface_type = "rescue"


class StorageInterface(_Simple):
    """Remote volumes of a node (volume connectors and targets)."""

    interface_type = "storage"

    def should_write_image(self, task) -> bool:
        """Whether deploying writes an image to the node's disk (False: it boots a volume)."""
        return True

    def boot_volume(self, task) -> dict | None:
        """The volume target the node boots from (boot_index 0), or None for local boot."""
        return None

    def attach_volumes(self, task) -> None:
        """Make the node's volumes reachable before it boots the instance."""

    def detach_volumes(self, task) -> None:
        """Undo attach_volumes; safe to repeat."""


def _passthru_spec(http_methods: list[str], description: str, is_async: bool) -> dict:
    return {
        "http_methods": [m.upper() for m in http_methods],
        "async": is_async,
        "description": description,
        "attach": False,
        "require_exclusive_lock": True,
    }


def passthru(http_methods: list[str], description: str = "", is_async: bool = False):
    """Declare a vendor interface method callable through a node's vendor_passthru; it is
    called as ``method(task, **info)``."""

    def decorate(fn):
        fn._passthru = _passthru_spec(http_methods, description, is_async)
        return fn

    return decorate


def driver_passthru(http_methods: list[str], description: str = "", is_async: bool = False):
    """Declare a vendor interface method callable through a hardware type's vendor_passthru
    (``/v1/drivers/{driver}/vendor_passthru``, no node); called as ``method(driver, **info)``."""

    def decorate(fn):
        fn._driver_passthru = _passthru_spec(http_methods, description, is_async)
        return fn

    return decorate


class VendorInterface(_Simple):
    """Methods a vendor adds to the API. ``call``/``call_driver`` answer Ironic's passthru
    result, ``{"return": value, "async": bool}``: the API answers 202 for an async method and
    200 with the value for the others."""

    interface_type = "vendor"

    def _declared(self, marker: str) -> dict:
        cls = type(self)
        return {
            name: dict(getattr(getattr(cls, name), marker))
            for name in dir(cls)
            if hasattr(getattr(cls, name, None), marker)
        }

    def methods(self) -> dict:
        """The node passthru methods this implementation offers, as Ironic lists them."""
        return self._declared("_passthru")

    def driver_methods(self) -> dict:
        """The hardware type's passthru methods this implementation offers."""
        return self._declared("_driver_passthru")

    @staticmethod
    def _check(offered: dict, owner: str, method: str, http_method: str) -> dict:
        spec = offered.get(method)
        if spec is None:
            raise exceptions.InvalidParameterValue(
                err=f"Unsupported method ({method}) passed through to vendor extension of "
                f"{owner}; available: {', '.join(sorted(offered)) or 'none'}"
            )
        if http_method.upper() not in spec["http_methods"]:
            raise exceptions.InvalidParameterValue(
                err=f"The method {method} does not support HTTP {http_method}"
            )
        return spec

    def call(self, task, method: str, http_method: str, info: dict) -> dict:
        spec = self._check(self.methods(), task.node["driver"], method, http_method)
        return {"return": getattr(self, method)(task, **(info or {})), "async": spec["async"]}

    def call_driver(self, driver: str, method: str, http_method: str, info: dict) -> dict:
        spec = self._check(self.driver_methods(), driver, method, http_method)
        return {"return": getattr(self, method)(driver, **(info or {})), "async": spec["async"]}


def _require_step_declarations(cls: type, names: tuple[str, ...]) -> None:
    """TypeError unless each of ``names`` that ``cls`` defines itself is marked ``@step``.

    A step method overridden without its decorator would silently stop being offered.
    """
    for name in names:
        fn = cls.__dict__.get(name)
        if fn is not None and not getattr(fn, "_step_specs", None):
            raise TypeError(f"{cls.__name__}.{name} must be declared with @step")


# What every BIOS implementation declares for its steps (the argsinfo is part of the contract:
# deploy templates and runbooks written for one BIOS implementation work with another).
BIOS_STEP_KINDS = ("clean", "deploy", "service")
BIOS_APPLY_ARGSINFO: Mapping[str, Mapping[str, Any]] = {
    "settings": {
        "description": 'A list of {"name": <setting name>, "value": <new value>} objects; '
        "names and values as the node's BIOS settings list them.",
        "required": True,
    }
}


class BIOSInterface(BaseInterface):
    """BIOS settings of a node: read them into the database, change them, reset them.

    The contract, for the fake implementation and for real ones (Redfish) alike:

    - ``cache_bios_settings(task)`` reads the settings (with their registry: type, allowed
      values, bounds, read-only ...) from the machine and stores them with
      ``task.store_bios_settings(settings, replace=True)``. The conductor calls it after
      verifying a node and at the end of cleaning; it must not change the machine. Errors are
      typed IronicLiteErrors; the flows log them and carry on.
    - ``apply_configuration(task, settings)`` and ``factory_reset(task)`` are steps of
      ``BIOS_STEP_KINDS`` with priority 0 (they run only when asked for by name), declared
      with ``@step(BIOS_STEP_KINDS, priority=0, argsinfo=...)``. ``settings`` is checked with
      ``bios_settings_arg``; a setting the machine does not have, a read-only one or a value
      its registry does not allow raises InvalidParameterValue naming the setting, before
      anything changes. When they return, the stored settings show what the machine now
      has. An implementation whose BMC applies settings on the next boot reboots the node
      (or returns ``Outcome.WAIT`` and finishes in a later step).
    """

    interface_type = "bios"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _require_step_declarations(cls, ("apply_configuration", "factory_reset"))

    @abc.abstractmethod
    def cache_bios_settings(self, task) -> None:
        """Store the machine's current BIOS settings and registry for the node."""

    @abc.abstractmethod
    def apply_configuration(self, task, settings: list[dict]) -> object:
        """Step: set the named settings to the given values (only those)."""

    @abc.abstractmethod
    def factory_reset(self, task) -> object:
        """Step: restore every setting to the vendor's default."""


def bios_settings_arg(settings: object) -> list[dict]:
    """``settings`` of apply_configuration as ``[{"name": str, "value": ...}]``, or
    InvalidParameterValue naming what is wrong (shared by every BIOS implementation)."""
    if not isinstance(settings, list) or not settings:
        raise exceptions.InvalidParameterValue(
            err='apply_configuration needs "settings" as a non-empty list of '
            '{"name": ..., "value": ...} objects'
        )
    result = []
    for index, item in enumerate(settings):
        if not isinstance(item, dict) or set(item) != {"name", "value"}:
            raise exceptions.InvalidParameterValue(
                err=f"BIOS setting #{index} of apply_configuration must be an object with "
                f'exactly "name" and "value", not {item!r}'
            )
        name, value = item["name"], item["value"]
        if not isinstance(name, str) or not name:
            raise exceptions.InvalidParameterValue(
                err=f"BIOS setting #{index} of apply_configuration has no valid name: {name!r}"
            )
        if not isinstance(value, str | int | bool):
            raise exceptions.InvalidParameterValue(
                err=f"BIOS setting {name} must have a string, integer or boolean value, "
                f"not {value!r}"
            )
        result.append({"name": name, "value": value})
    return result


FIRMWARE_STEP_KINDS = ("clean", "service")
FIRMWARE_UPDATE_ARGSINFO: Mapping[str, Mapping[str, Any]] = {
    "settings": {
        "description": 'A list of {"component": <name>, "url": <image URL>, "checksum": '
        '<optional>, "wait": <optional seconds to wait after the update>, "version": '
        "<optional version the image carries>} objects, flashed in order.",
        "required": True,
    }
}
_FIRMWARE_KEYS = {"component", "url", "checksum", "wait", "version"}


class FirmwareInterface(BaseInterface):
    """Firmware of a node's components (bios, bmc, nics ...): read versions, flash images.

    - ``cache_firmware_components(task)`` reads each component and its version from the
      machine and stores them with ``task.store_firmware_components(components)``; called
      with cache_bios_settings (after verify, at the end of cleaning). A component's
      ``initial_version`` is the first version ever stored for it and never changes.
    - ``update(task, settings)`` is a step of ``FIRMWARE_STEP_KINDS`` (priority 0), settings
      checked with ``firmware_settings_arg``. An unknown component raises
      InvalidParameterValue naming it before anything is flashed; after each flash the
      component's ``current_version`` and ``last_version_flashed`` are stored.
    """

    interface_type = "firmware"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _require_step_declarations(cls, ("update",))

    @abc.abstractmethod
    def cache_firmware_components(self, task) -> None:
        """Store the machine's firmware components and their current versions."""

    @abc.abstractmethod
    def update(self, task, settings: list[dict]) -> object:
        """Step: flash each listed image onto its component, in order."""


def firmware_settings_arg(settings: object) -> list[dict]:
    """``settings`` of firmware update checked: each has a component and a URL, ``wait`` is
    a non-negative integer, nothing unknown; else InvalidParameterValue naming the item."""
    if not isinstance(settings, list) or not settings:
        raise exceptions.InvalidParameterValue(
            err='firmware update needs "settings" as a non-empty list of '
            '{"component": ..., "url": ...} objects'
        )
    result = []
    for index, item in enumerate(settings):
        if not isinstance(item, dict):
            raise exceptions.InvalidParameterValue(
                err=f"Firmware setting #{index} must be an object, not {item!r}"
            )
        label = item.get("component") if isinstance(item.get("component"), str) else f"#{index}"
        unknown = sorted(set(item) - _FIRMWARE_KEYS)
        if unknown:
            raise exceptions.InvalidParameterValue(
                err=f"Firmware setting {label} has unknown key(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(_FIRMWARE_KEYS))}"
            )
        for key in ("component", "url"):
            if not isinstance(item.get(key), str) or not item[key]:
                raise exceptions.InvalidParameterValue(
                    err=f'Firmware setting {label} needs "{key}" as a non-empty string'
                )
        for key in ("checksum", "version"):
            if key in item and (not isinstance(item[key], str) or not item[key]):
                raise exceptions.InvalidParameterValue(
                    err=f'Firmware setting {label}: "{key}" must be a non-empty string'
                )
        wait = item.get("wait")
        if wait is not None and (not isinstance(wait, int) or isinstance(wait, bool) or wait < 0):
            raise exceptions.InvalidParameterValue(
                err=f'Firmware setting {label}: "wait" must be a non-negative integer of seconds'
            )
        result.append(dict(item))
    return result


def unsupported(interface_type: str, name: str) -> type[BaseInterface]:
    """A ``No*`` implementation: validates fine, refuses every action clearly."""

    class _Unsupported(BaseInterface):
        supported = False

        def __getattr__(self, attr: str) -> Any:
            if attr.startswith("_"):
                raise AttributeError(attr)

            def refuse(task=None, *args, **kwargs):
                driver = task.node["driver"] if task is not None else "this driver"
                raise exceptions.UnsupportedDriverExtension(
                    driver=driver, extension=f"{interface_type} ({name})"
                )

            return refuse

    _Unsupported.interface_type = interface_type
    _Unsupported.__name__ = f"No{interface_type.capitalize()}"
    _Unsupported.__qualname__ = _Unsupported.__name__
    return _Unsupported
