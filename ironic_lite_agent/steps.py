"""The in-band steps this agent offers to the conductor: one decorator, one table.

A step is a method of :class:`Steps` marked with :func:`step`, which stores a frozen
:class:`StepSpec`: its interface, its priority for each kind of step list it belongs to (clean,
deploy, service; absent = not offered there), whether it can be aborted, its argsinfo and
whether the conductor must reboot the machine into the ramdisk once it ran
(``reboot_requested``). A backend may mark methods of its own the same way, as IPA's hardware
managers offer steps of their hardware: they join the table (a step of :class:`Steps` wins a
name clash). ``get_*_steps`` lists them in Ironic's shape; ``execute_*_step`` runs one by name.
"""

import inspect
import logging

from ironic_lite_agent import errors, raid
from ironic_lite_agent.step_spec import StepSpec, step

LOG = logging.getLogger(__name__)
KINDS = ("clean", "deploy", "service")

_DURATION = {
    "duration": {"description": "seconds to run the stress (default 60)", "required": False}
}


class Steps:
    """The steps, bound to the agent they act through (its backend and options)."""

    def __init__(self, agent):
        self.agent = agent

    @property
    def backend(self):
        return self.agent.backend

    # --- the table ------------------------------------------------------------------------
    def _table(self) -> dict:
        """Every step by name -> (its spec, the bound method): ours, then the backend's."""
        table: dict = {}
        for owner in (self, self.backend):
            for klass in type(owner).__mro__:
                for attr, member in vars(klass).items():
                    spec = getattr(member, "_step_spec", None)
                    if isinstance(spec, StepSpec):
                        table.setdefault(spec.name, (spec, getattr(owner, attr)))
        return table

    def specs(self) -> list[StepSpec]:
        return [spec for spec, _ in self._table().values()]

    def for_kind(self, kind: str) -> dict:
        """The step list for ``kind`` as Ironic's agent answers get_<kind>_steps."""
        name = self.backend.manager_name
        steps = [s.as_dict(kind) for s in self.specs() if kind in s.priorities]
        return {
            f"{kind}_steps": {name: steps},
            "hardware_manager_version": {name: self.backend.manager_version},
        }

    def execute(self, kind: str, step: dict, node: dict | None, ports: list | None) -> dict:
        """Run the step named in ``step`` (with ``step['args']``) as a ``kind`` step."""
        name = step.get("step") if isinstance(step, dict) else None
        spec, method = self._table().get(name, (None, None))
        if (
            spec is None
            or kind not in spec.priorities
            or (step.get("interface") not in (None, spec.interface))
        ):
            raise errors.UnknownStep(step=name, kind=kind)
        args = dict(step.get("args") or {})
        try:
            inspect.signature(method).bind(node=node, ports=ports, **args)
        except TypeError as exc:
            raise errors.InvalidCommandParams(name=f"{kind} step {name}", err=str(exc)) from exc
        LOG.info("running %s step %s.%s with args %s", kind, spec.interface, name, sorted(args))
        result = method(node=node, ports=ports, **args)
        return {f"{kind}_result": result, f"{kind}_step": step}

    # --- disks ----------------------------------------------------------------------------
    def _disks(self, node: dict | None):
        skip = {
            str(d.get("name", "")).removeprefix("/dev/")
            for d in ((node or {}).get("properties") or {}).get("skip_block_devices") or []
        }
        return [d for d in self.backend.disks() if d.name not in skip]

    @step(clean=10, abortable=True)
    def erase_devices(self, node=None, ports=None) -> dict:
        """Erase every byte of every disk, each by the best method it supports."""
        return {"erased": {d.name: self.backend.erase_disk(d) for d in self._disks(node)}}

    @step(clean=99, deploy=0, abortable=True)
    def erase_devices_metadata(self, node=None, ports=None) -> dict:
        """Wipe partition tables and signatures (first and last MiB) of every disk."""
        wiped = []
        for disk in self._disks(node):
            self.backend.erase_disk_metadata(disk)
            wiped.append(disk.name)
        return {"wiped": wiped}

    @step(clean=0, abortable=True)
    def erase_devices_express(self, node=None, ports=None) -> dict:
        """Fast erase (IPA's step of the same name): each disk's quick hardware erase where
        the backend has one, else its metadata wiped."""
        return {"erased": {d.name: self.backend.erase_disk_express(d) for d in self._disks(node)}}

    @step(
        deploy=0,
        argsinfo={
            "image_info": {
                "description": "the image to write (Ironic's image_info)",
                "required": True,
            },
            "configdrive": {
                "description": "config drive: base64 (gzipped) or URL",
                "required": False,
            },
        },
    )
    def write_image(self, node=None, ports=None, image_info=None, configdrive=None) -> dict:
        return self.agent.write_image(image_info, configdrive)

    # --- burn-in ----------------------------------------------------------------------------
    @step(clean=0, service=0, abortable=True, argsinfo=_DURATION)
    def burnin_cpu(self, node=None, ports=None, duration: int | None = None) -> dict:
        return self.backend.burnin("cpu", burnin_duration(node, "cpu", duration))

    @step(clean=0, service=0, abortable=True, argsinfo=_DURATION)
    def burnin_memory(self, node=None, ports=None, duration: int | None = None) -> dict:
        return self.backend.burnin("memory", burnin_duration(node, "memory", duration))

    @step(clean=0, service=0, abortable=True, argsinfo=_DURATION)
    def burnin_disk(self, node=None, ports=None, duration: int | None = None) -> dict:
        return self.backend.burnin("disk", burnin_duration(node, "disk", duration))

    @step(
        clean=0,
        service=0,
        abortable=True,
        argsinfo={
            **_DURATION,
            "partner": {
                "description": "host running iperf3 -s to stress the link against",
                "required": False,
            },
        },
    )
    def burnin_network(
        self, node=None, ports=None, duration: int | None = None, partner=None
    ) -> dict:
        return self.backend.burnin(
            "network", burnin_duration(node, "network", duration), partner=partner
        )

    # --- software RAID ----------------------------------------------------------------------
    @step(
        "raid",
        clean=0,
        deploy=0,
        argsinfo={
            "target_raid_config": {
                "description": "RAID config (default: the node's)",
                "required": False,
            },
        },
    )
    def create_configuration(self, node=None, ports=None, target_raid_config=None) -> dict:
        """Build the software RAID; the answer is the configuration built (Ironic records
        it as the node's raid_config) plus the arrays (``raid``)."""
        config = target_raid_config or (node or {}).get("target_raid_config") or {}
        arrays = raid.plan(config, self.backend.disks())
        built = self.backend.create_raid(arrays)
        return {"logical_disks": list(config.get("logical_disks") or []), "raid": built}

    @step(
        "raid",
        deploy=0,
        service=0,
        argsinfo={
            "raid_config": {"description": "the RAID configuration to build", "required": True},
            "delete_existing": {
                "description": "delete the existing software RAID first (default true)",
                "required": False,
            },
        },
    )
    def apply_configuration(
        self, node=None, ports=None, raid_config=None, delete_existing: bool = True
    ) -> dict:
        """IPA's deploy step: build ``raid_config``, replacing what exists by default."""
        if delete_existing:
            self.backend.delete_raid()
        return self.create_configuration(node=node, ports=ports, target_raid_config=raid_config)

    @step("raid", clean=0, deploy=0)
    def delete_configuration(self, node=None, ports=None) -> dict:
        return {"deleted": self.backend.delete_raid()}


__all__ = ["KINDS", "StepSpec", "Steps", "step"]


# The node's driver_info keys IPA takes each burn-in's length from (seconds).
BURNIN_KEYS = {
    "cpu": "agent_burnin_cpu_timeout",
    "memory": "agent_burnin_vm_timeout",
    "disk": "agent_burnin_fio_disk_runtime",
    "network": "agent_burnin_fio_network_runtime",
}
BURNIN_DEFAULT = 60


def burnin_duration(node: dict | None, kind: str, duration: int | None) -> int:
    """``duration`` when given, else the node's ``driver_info`` setting as IPA reads it
    (``agent_burnin_cpu_timeout`` ...), else 60 s (IPA's default is a day)."""
    if duration is not None:
        return int(duration)
    value = ((node or {}).get("driver_info") or {}).get(BURNIN_KEYS[kind])
    try:
        return int(str(value).rstrip("s")) if value is not None else BURNIN_DEFAULT
    except ValueError:
        return BURNIN_DEFAULT
