"""What the conductor checks of an agent's calls: may it look its node up, and is its token
the one this boot was given.

The token belongs to the conductor, not to a driver: whichever deploy interface the node has,
the first lookup of a ramdisk boot creates it (shown to that caller only), and every
heart-beat must carry it. The states in which a lookup is allowed come from the flows'
declarations (``flows.registry.LOOKUP_STATES``).
"""

import hmac
import secrets

from ironic_lite.common import exceptions, states
from ironic_lite.conductor.flows import registry
from ironic_lite.conductor.task import Task
from ironic_lite.conf import CONF

# With fast track, an agent may also stay up (and be found) while the node rests.
FAST_TRACK_STATES = registry.LOOKUP_STATES | {states.ENROLL, states.MANAGEABLE, states.AVAILABLE}


def lookup_allowed(node: dict) -> bool:
    allowed = FAST_TRACK_STATES if CONF.deploy.fast_track else registry.LOOKUP_STATES
    return node["provision_state"] in allowed


def issue(task: Task) -> tuple[dict, bool]:
    """The node, with a new agent token if it had none; True when the token is new."""
    if (task.node["driver_internal_info"] or {}).get("agent_secret_token"):
        return task.node, False
    # 96 random bytes: 128 URL-safe characters, as long as Ironic's tokens.
    node = task.remember(agent_secret_token=secrets.token_urlsafe(96))
    return node, True


def check(node: dict, token: str | None) -> None:
    """400 unless ``token`` is the one handed out at this boot's lookup."""
    known = (node["driver_internal_info"] or {}).get("agent_secret_token")
    # Bytes: compare_digest refuses str with non-ASCII characters (a caller's token may have).
    if not token or not known or not hmac.compare_digest(str(token).encode(), str(known).encode()):
        raise exceptions.InvalidParameterValue(err="Invalid or missing agent token received.")
