"""Run one driver method alone against a real node in a throwaway SQLite database.

    with node_task(driver_info={...}, macs=["52:54:00:00:00:01"]) as task:
        PXEBoot().prepare_ramdisk(task, {})

The node, its ports and its lock are real rows, and ``task`` is the conductor's own Task, so
a driver sees exactly what it sees in a flow; nothing of ironic-lite is replaced.
"""

import contextlib
import os
import tempfile
from collections.abc import Iterator

from ironic_lite.common.context import admin_context
from ironic_lite.conductor.task import Task, acquire
from ironic_lite.conf import CONF
from ironic_lite.db import api as dbapi
from ironic_lite.db import models, session


def ensure_config() -> None:
    if CONF._args is None:
        CONF([], project="ironic-lite", default_config_files=[])


@contextlib.contextmanager
def database() -> Iterator[str]:
    """A fresh SQLite database with every table, as the process-wide engine."""
    ensure_config()
    directory = tempfile.mkdtemp(prefix="ironic-lite-harness-")
    engine = session.make_engine("sqlite:///" + os.path.join(directory, "harness.sqlite"))
    models.Base.metadata.create_all(engine)
    session.set_engine(engine)
    try:
        yield directory
    finally:
        session.set_engine(None)


@contextlib.contextmanager
def node_task(
    driver: str = "fake-hardware", macs: tuple[str, ...] = (), **fields
) -> Iterator[Task]:
    """An exclusive Task on a new node (with a port per MAC) in a fresh database."""
    with database():
        node = dbapi.create_node({"driver": driver, **fields})
        for mac in macs:
            dbapi.create_port({"node_id": node["id"], "address": mac})
        with acquire(admin_context(), node["id"], "harness", host="harness") as task:
            yield task
