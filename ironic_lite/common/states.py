"""The provision state machine, as data.

``TRANSITIONS`` is the one table of (state, event) -> next state. API verbs map onto events in
``VERBS`` together with the microversion that introduced them. Flows and the API ask these
tables; neither hard-codes a transition.
"""

from typing import NamedTuple

# --- provision states ------------------------------------------------------------------------
ENROLL = "enroll"
VERIFYING = "verifying"
MANAGEABLE = "manageable"
AVAILABLE = "available"
ACTIVE = "active"
DEPLOYING = "deploying"
DEPLOYWAIT = "wait call-back"
DEPLOYFAIL = "deploy failed"
DEPLOYHOLD = "deploy hold"
CLEANING = "cleaning"
CLEANWAIT = "clean wait"
CLEANFAIL = "clean failed"
CLEANHOLD = "clean hold"
DELETING = "deleting"
ERROR = "error"
INSPECTING = "inspecting"
INSPECTWAIT = "inspect wait"
INSPECTFAIL = "inspect failed"
ADOPTING = "adopting"
ADOPTFAIL = "adopt failed"
RESCUING = "rescuing"
RESCUEWAIT = "rescue wait"
RESCUEFAIL = "rescue failed"
RESCUE = "rescue"
UNRESCUING = "unrescuing"
UNRESCUEFAIL = "unrescue failed"
SERVICING = "servicing"
SERVICEWAIT = "service wait"
SERVICEFAIL = "service failed"
SERVICEHOLD = "service hold"

# Not stored on nodes: names used as targets only.
DELETED = "deleted"
REBUILD = "rebuild"

STABLE_STATES = frozenset({ENROLL, MANAGEABLE, AVAILABLE, ACTIVE, ERROR, RESCUE})
FAIL_STATES = frozenset(
    {DEPLOYFAIL, CLEANFAIL, INSPECTFAIL, ADOPTFAIL, RESCUEFAIL, UNRESCUEFAIL, SERVICEFAIL, ERROR}
)
WAIT_STATES = frozenset({DEPLOYWAIT, CLEANWAIT, INSPECTWAIT, RESCUEWAIT, SERVICEWAIT})
HOLD_STATES = frozenset({DEPLOYHOLD, CLEANHOLD, SERVICEHOLD})

# --- the transition table --------------------------------------------------------------------
TRANSITIONS: dict[tuple[str, str], str] = {
    (ENROLL, "manage"): VERIFYING,
    (VERIFYING, "done"): MANAGEABLE,
    (VERIFYING, "fail"): ENROLL,
    (MANAGEABLE, "provide"): CLEANING,
    (MANAGEABLE, "clean"): CLEANING,
    (MANAGEABLE, "inspect"): INSPECTING,
    (MANAGEABLE, "adopt"): ADOPTING,
    (AVAILABLE, "deploy"): DEPLOYING,
    (AVAILABLE, "manage"): MANAGEABLE,
    (DEPLOYING, "done"): ACTIVE,
    (DEPLOYING, "fail"): DEPLOYFAIL,
    (DEPLOYING, "wait"): DEPLOYWAIT,
    (DEPLOYING, "hold"): DEPLOYHOLD,
    (DEPLOYWAIT, "resume"): DEPLOYING,
    (DEPLOYWAIT, "fail"): DEPLOYFAIL,
    (DEPLOYWAIT, "abort"): DEPLOYFAIL,
    (DEPLOYWAIT, "hold"): DEPLOYHOLD,
    (DEPLOYWAIT, "delete"): DELETING,
    (DEPLOYHOLD, "unhold"): DEPLOYWAIT,
    (DEPLOYHOLD, "abort"): DEPLOYFAIL,
    (DEPLOYFAIL, "deploy"): DEPLOYING,
    (DEPLOYFAIL, "rebuild"): DEPLOYING,
    (DEPLOYFAIL, "delete"): DELETING,
    (ACTIVE, "rebuild"): DEPLOYING,
    (ACTIVE, "delete"): DELETING,
    (ACTIVE, "rescue"): RESCUING,
    (ACTIVE, "service"): SERVICING,
    (DELETING, "clean"): CLEANING,
    (DELETING, "fail"): ERROR,
    (ERROR, "rebuild"): DEPLOYING,
    (ERROR, "delete"): DELETING,
    (CLEANING, "done"): AVAILABLE,
    (CLEANING, "fail"): CLEANFAIL,
    (CLEANING, "wait"): CLEANWAIT,
    (CLEANING, "hold"): CLEANHOLD,
    (CLEANING, "manage"): MANAGEABLE,
    (CLEANWAIT, "resume"): CLEANING,
    (CLEANWAIT, "fail"): CLEANFAIL,
    (CLEANWAIT, "abort"): CLEANFAIL,
    (CLEANWAIT, "hold"): CLEANHOLD,
    (CLEANHOLD, "unhold"): CLEANWAIT,
    (CLEANHOLD, "abort"): CLEANFAIL,
    (CLEANFAIL, "manage"): MANAGEABLE,
    (INSPECTING, "done"): MANAGEABLE,
    (INSPECTING, "fail"): INSPECTFAIL,
    (INSPECTING, "wait"): INSPECTWAIT,
    (INSPECTWAIT, "done"): MANAGEABLE,
    (INSPECTWAIT, "fail"): INSPECTFAIL,
    (INSPECTWAIT, "abort"): INSPECTFAIL,
    (INSPECTWAIT, "resume"): INSPECTING,
    (INSPECTFAIL, "manage"): MANAGEABLE,
    (INSPECTFAIL, "inspect"): INSPECTING,
    (ADOPTING, "done"): ACTIVE,
    (ADOPTING, "fail"): ADOPTFAIL,
    (ADOPTFAIL, "adopt"): ADOPTING,
    (ADOPTFAIL, "manage"): MANAGEABLE,
    (RESCUING, "done"): RESCUE,
    (RESCUING, "fail"): RESCUEFAIL,
    (RESCUING, "wait"): RESCUEWAIT,
    (RESCUEWAIT, "resume"): RESCUING,
    (RESCUEWAIT, "fail"): RESCUEFAIL,
    (RESCUEWAIT, "abort"): RESCUEFAIL,
    (RESCUEWAIT, "delete"): DELETING,
    (RESCUE, "rescue"): RESCUING,
    (RESCUE, "unrescue"): UNRESCUING,
    (RESCUE, "delete"): DELETING,
    (RESCUEFAIL, "rescue"): RESCUING,
    (RESCUEFAIL, "unrescue"): UNRESCUING,
    (RESCUEFAIL, "delete"): DELETING,
    (UNRESCUING, "done"): ACTIVE,
    (UNRESCUING, "fail"): UNRESCUEFAIL,
    (UNRESCUEFAIL, "rescue"): RESCUING,
    (UNRESCUEFAIL, "unrescue"): UNRESCUING,
    (UNRESCUEFAIL, "delete"): DELETING,
    (SERVICING, "done"): ACTIVE,
    (SERVICING, "fail"): SERVICEFAIL,
    (SERVICING, "wait"): SERVICEWAIT,
    (SERVICING, "hold"): SERVICEHOLD,
    (SERVICEWAIT, "resume"): SERVICING,
    (SERVICEWAIT, "fail"): SERVICEFAIL,
    (SERVICEWAIT, "abort"): SERVICEFAIL,
    (SERVICEWAIT, "hold"): SERVICEHOLD,
    (SERVICEWAIT, "delete"): DELETING,
    (SERVICEHOLD, "service"): SERVICING,
    (SERVICEHOLD, "unhold"): SERVICEWAIT,
    (SERVICEHOLD, "fail"): SERVICEFAIL,
    (SERVICEHOLD, "abort"): SERVICEFAIL,
    (SERVICEFAIL, "service"): SERVICING,
    (SERVICEFAIL, "rescue"): RESCUING,
    (SERVICEFAIL, "wait"): SERVICEWAIT,
    (SERVICEFAIL, "hold"): SERVICEHOLD,
    (SERVICEFAIL, "delete"): DELETING,
    (SERVICEFAIL, "abort"): ACTIVE,
}

ALL_STATES: frozenset[str] = frozenset({s for s, _ in TRANSITIONS} | set(TRANSITIONS.values()))

# Where each transient state is heading (target_provision_state while in it).
TARGETS: dict[str, str] = {
    VERIFYING: MANAGEABLE,
    INSPECTING: MANAGEABLE,
    INSPECTWAIT: MANAGEABLE,
    DEPLOYING: ACTIVE,
    DEPLOYWAIT: ACTIVE,
    DEPLOYHOLD: ACTIVE,
    ADOPTING: ACTIVE,
    UNRESCUING: ACTIVE,
    SERVICING: ACTIVE,
    SERVICEWAIT: ACTIVE,
    SERVICEHOLD: ACTIVE,
    CLEANING: AVAILABLE,
    CLEANWAIT: AVAILABLE,
    CLEANHOLD: AVAILABLE,
    DELETING: AVAILABLE,
    RESCUING: RESCUE,
    RESCUEWAIT: RESCUE,
}


class Verb(NamedTuple):
    event: str
    min_minor: int


# API targets of PUT /states/provision -> the event they fire and the version they need.
VERBS: dict[str, Verb] = {
    "active": Verb("deploy", 1),
    "deploy": Verb("deploy", 73),
    "rebuild": Verb("rebuild", 1),
    "deleted": Verb("delete", 1),
    "undeploy": Verb("delete", 73),
    "manage": Verb("manage", 4),
    "provide": Verb("provide", 4),
    "inspect": Verb("inspect", 6),
    "abort": Verb("abort", 13),
    "clean": Verb("clean", 15),
    "adopt": Verb("adopt", 17),
    "rescue": Verb("rescue", 38),
    "unrescue": Verb("unrescue", 38),
    "unhold": Verb("unhold", 85),
    "service": Verb("service", 87),
}


def next_state(state: str, event: str) -> str | None:
    """Where ``event`` takes a node in ``state``; None when the table has no such move."""
    return TRANSITIONS.get((state, event))


# --- power states ----------------------------------------------------------------------------
POWER_ON = "power on"
POWER_OFF = "power off"
REBOOT = "rebooting"
SOFT_REBOOT = "soft rebooting"
SOFT_POWER_OFF = "soft power off"
NOSTATE = None
