"""What marks a method as an in-band step: the :func:`step` decorator and the frozen
:class:`StepSpec` it stores on the method.

Apart from the step table (``ironic_lite_agent.steps``) so that a hardware backend can mark
steps of its own without importing the table (which imports the backends' base).
"""

import dataclasses
from collections.abc import Mapping


@dataclasses.dataclass(frozen=True)
class StepSpec:
    """What the conductor needs to know of a step to order and call it."""

    name: str
    interface: str
    priorities: Mapping[str, int]
    abortable: bool = False
    argsinfo: Mapping[str, dict] | None = None
    reboot_requested: bool = False

    def as_dict(self, kind: str) -> dict:
        return {
            "step": self.name,
            "priority": self.priorities[kind],
            "interface": self.interface,
            "reboot_requested": self.reboot_requested,
            "abortable": self.abortable,
            "argsinfo": dict(self.argsinfo) if self.argsinfo else None,
        }


def step(
    interface: str = "deploy",
    *,
    clean: int | None = None,
    deploy: int | None = None,
    service: int | None = None,
    abortable: bool = False,
    argsinfo: dict | None = None,
    reboot_requested: bool = False,
):
    """Mark a method of :class:`Steps` (or of a backend) as a step with its priority per kind
    of step list."""
    priorities = {
        k: v
        for k, v in (("clean", clean), ("deploy", deploy), ("service", service))
        if v is not None
    }

    def mark(fn):
        fn._step_spec = StepSpec(
            fn.__name__, interface, priorities, abortable, argsinfo, reboot_requested
        )
        return fn

    return mark
