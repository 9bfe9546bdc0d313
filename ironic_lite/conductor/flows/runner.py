"""What every flow's worker body shares: running steps and parking or failing the node."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from ironic_lite.common import exceptions
from ironic_lite.conductor import steps, transitions
from ironic_lite.drivers.base import Outcome

if TYPE_CHECKING:
    # Only for annotations: the task implements its services with this package.
    from ironic_lite.conductor.task import Task

LOG = logging.getLogger(__name__)

# The event that parks a flow of each kind for a wait or a hold step, by Outcome.
_PARK = {Outcome.WAIT: "wait", Outcome.HOLD: "hold"}


def run_steps(
    task: Task,
    kind: str,
    step_list: list[dict],
    start: int,
    stopping: threading.Event | None,
    fail_event: str = "fail",
    fault: str | None = None,
) -> bool:
    """Run the steps; True when all are done. Parks (wait/hold) or fails the node otherwise.

    On HandBack (conductor stopping) the node keeps its state and saved progress; the
    conductor that takes it over resumes it.
    """
    try:
        outcome = steps.run(task, kind, step_list, start, stopping)
    except steps.HandBack:
        LOG.info("Handing node %s back mid-%s (conductor stopping)", task.node["uuid"], kind)
        return False
    except steps.StepFailed as exc:
        transitions.fail(
            task,
            f"{kind.capitalize()} step {exc.step['interface']}."
            f"{exc.step['step']} failed: {exc.reason}",
            event=fail_event,
            fault=fault,
        )
        return False
    if outcome is Outcome.DONE:
        return True
    transitions.advance(
        task,
        _PARK[outcome],
        note=f"{kind} parked ({outcome.value}) after step "
        f"{task.node['driver_internal_info'].get(f'{kind}_step_index')}",
    )
    return False


def guarded(
    task: Task, what: str, body, fail_event: str = "fail", fault: str | None = None
) -> bool:
    """Run ``body()``; a driver error fails the flow with a last_error naming ``what``."""
    try:
        body()
        return True
    except exceptions.IronicLiteError as exc:
        transitions.fail(task, f"{what} failed: {exc}", event=fail_event, fault=fault)
        return False
