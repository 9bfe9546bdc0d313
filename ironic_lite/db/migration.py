"""Schema management with alembic: upgrade, current revision, create from scratch."""

import os

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

import migrations
from ironic_lite.db import models, session


def _config(connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", os.path.dirname(migrations.__file__))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(revision: str = "head") -> None:
    """Bring the schema to ``revision``; safe to run on every start."""
    with session.get_engine().begin() as conn:
        command.upgrade(_config(conn), revision)


def current() -> str | None:
    with session.get_engine().connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head()


def create_schema() -> None:
    """Create every table from the models and mark the schema as at head (fresh database)."""
    engine = session.get_engine()
    with engine.begin() as conn:
        if MigrationContext.configure(conn).get_current_revision() is not None:
            raise RuntimeError("the database already has a schema; use upgrade")
        models.Base.metadata.create_all(conn)
        command.stamp(_config(conn), "head")
