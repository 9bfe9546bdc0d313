"""Rules about step requests that the API and the conductor both apply.

The API checks deploy templates and runbooks with them before any node runs their steps;
the conductor checks every requested step again against the node's own interfaces.
"""

from collections.abc import Mapping

from ironic_lite.common import exceptions

# Steps every step list may hold, whatever the node's interfaces: they steer the flow.
FLOW_CONTROL = ("hold", "wait", "power_on", "power_off", "reboot")


def check_args(step: Mapping, argsinfo: Mapping | None, kind: str) -> None:
    """400 when ``step``'s args hold a name the step does not take or miss a required one."""
    args = step.get("args") or {}
    info = argsinfo or {}
    unknown = sorted(set(args) - set(info))
    if unknown:
        raise exceptions.InvalidParameterValue(
            err=f"{kind} step {step['interface']}.{step['step']} does not accept the "
            f"argument(s) {', '.join(unknown)}"
        )
    missing = sorted(k for k, v in info.items() if v.get("required") and k not in args)
    if missing:
        raise exceptions.InvalidParameterValue(
            err=f"{kind} step {step['interface']}.{step['step']} requires the argument(s) "
            f"{', '.join(missing)}"
        )


def check_wait_args(step: Mapping) -> None:
    """The ``wait`` step takes an optional non-negative integer ``seconds``."""
    args = step.get("args") or {}
    if step["step"] == "wait" and "seconds" in args:
        seconds = args["seconds"]
        if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds < 0:
            raise exceptions.InvalidParameterValue(
                err="The wait step needs 'seconds' as a non-negative integer"
            )
