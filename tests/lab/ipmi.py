"""The IPMI lab for tests: ``ironic_lite.lab.ipmi`` (moved there so that ``ironic-lite-lab``
runs from an installed package) plus ``running_lab``, which fails a test in CI and skips it
elsewhere when the lab cannot start. ``python -m tests.lab.ipmi`` still starts BMCs."""

import contextlib
import os
import sys

from ironic_lite.lab.ipmi import (  # noqa: F401 - re-exported
    Lab,
    LabBmc,
    LabProcess,
    LabSession,
    Sensor,
    default_sensors,
    main,
    serve_control,
)


@contextlib.contextmanager
def running_lab(count: int = 1, **options):
    """A started LabProcess for a test fixture. When it cannot start, the test fails under CI
    (``CI`` set: the lab is part of what CI must run) and is skipped elsewhere."""
    import pytest

    lab = LabProcess(count, **options)
    try:
        lab.start()
    except (OSError, RuntimeError, ValueError) as exc:
        lab.close()
        message = f"the IPMI lab could not start: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield lab
    finally:
        lab.close()


if __name__ == "__main__":
    sys.exit(main())
