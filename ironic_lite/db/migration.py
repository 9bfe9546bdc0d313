"""Schema management with alembic: upgrade, current revision, create from scratch.

The migration chain lives beside this module in ``migrations/`` and ships as package data:
alembic finds it by path, so nothing here imports it (and its ``env.py`` imports ``models``
without a circle).

alembic (with mako and pygments) costs a long-running process about 12 MB of memory, so it
is imported only by the functions that need it, and the all-in-one service upgrades its
schema in a short-lived child process (``upgrade_in_child``).
"""

import os
import subprocess
import sys

from ironic_lite.db import models, session

SCRIPT_LOCATION = os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations")


def _config(connection=None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(revision: str = "head") -> None:
    """Bring the schema to ``revision``; safe to run on every start."""
    from alembic import command

    with session.get_engine().begin() as conn:
        command.upgrade(_config(conn), revision)


def upgrade_in_child(conf) -> str:
    """Run ``ironic-lite-dbsync upgrade`` with this process's configuration files in a child
    process; return the revision it reached. Raises RuntimeError with its output on failure."""
    args = [sys.executable, "-m", "ironic_lite.cmd.dbsync"]
    for path in conf.config_file or []:
        args += ["--config-file", path]
    for path in conf.config_dir or []:
        args += ["--config-dir", path]
    done = subprocess.run([*args, "upgrade"], capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"schema upgrade failed:\n{done.stderr.strip()}")
    return done.stdout.strip().rsplit(" ", 1)[-1]


def current() -> str | None:
    from alembic.runtime.migration import MigrationContext

    with session.get_engine().connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def create_schema() -> None:
    """Create every table from the models and mark the schema as at head (fresh database)."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    engine = session.get_engine()
    with engine.begin() as conn:
        if MigrationContext.configure(conn).get_current_revision() is not None:
            raise RuntimeError("the database already has a schema; use upgrade")
        models.Base.metadata.create_all(conn)
        command.stamp(_config(conn), "head")
