"""Moved to ``ironic_lite.lab.sushy_lab`` (run ``python -m ironic_lite.lab.sushy_lab``)."""

from ironic_lite.lab.sushy_lab import *  # noqa: F403
from ironic_lite.lab.sushy_lab import LabDriver, install  # noqa: F401
