"""The command extensions the agent serves (``<extension>.<command>``)."""

from agent.extensions.rescue import RescueExtension
from agent.extensions.standby import ImageExtension, StandbyExtension
from agent.extensions.steps import CleanExtension, DeployExtension, ServiceExtension
from agent.extensions.system import LogExtension, SystemExtension

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
