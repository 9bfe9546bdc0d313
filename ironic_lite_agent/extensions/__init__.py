"""The command extensions the agent serves (``<extension>.<command>``)."""

from ironic_lite_agent.extensions.rescue import RescueExtension
from ironic_lite_agent.extensions.standby import ImageExtension, StandbyExtension
from ironic_lite_agent.extensions.steps import CleanExtension, DeployExtension, ServiceExtension
from ironic_lite_agent.extensions.system import LogExtension, SystemExtension

EXTENSIONS = (
    StandbyExtension,
    ImageExtension,
    DeployExtension,
    CleanExtension,
    ServiceExtension,
    SystemExtension,
    LogExtension,
    RescueExtension,
)


def build(agent) -> list:
    """Every extension, bound to ``agent``."""
    return [cls(agent) for cls in EXTENSIONS]
