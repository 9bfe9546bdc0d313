"""The Redfish lab for tests: ``ironic_lite.lab.redfish`` (moved there so that
``ironic-lite-lab`` runs from an installed package) plus ``started``, which fails a test in CI
and skips it elsewhere when the emulator cannot start."""

import os

import pytest

from ironic_lite.lab.redfish import LabSystem, RedfishLab, make_systems

__all__ = ["LabSystem", "RedfishLab", "make_systems", "started"]


def started(lab: RedfishLab) -> RedfishLab:
    """``lab.start()`` for a test: when the emulator cannot start, the test FAILS in CI
    (``CI`` set: the lab is part of what CI checks) and is skipped on a developer's machine."""
    try:
        import sushy_tools  # noqa: F401

        return lab.start()
    except (ImportError, RuntimeError, OSError) as exc:
        message = f"sushy-emulator cannot start: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI installs sushy-tools with the test extra)")
        pytest.skip(message)
