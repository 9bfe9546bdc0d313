"""The schema on every supported database: migrations build it, and they agree with the models.

``upgrade`` runs on every start of the all-in-one service and by operators through
``ironic-lite-dbsync``; ``create-schema`` builds a fresh database from the models. Both must
produce the same schema, or code written against the models breaks on migrated databases.
"""

import os
import subprocess
import sys
import textwrap

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ironic_lite.conf import CONF
from ironic_lite.db import migration, models, session
from tests.lab import services

BACKENDS = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.postgresql),
    pytest.param("mysql", marks=pytest.mark.mysql),
]
DBSYNC = os.path.join(os.path.dirname(sys.executable), "ironic-lite-dbsync")


@pytest.fixture(params=BACKENDS)
def empty_db(request, tmp_path):
    """An empty database of one backend, the process-wide engine; its URL."""
    if CONF._args is None:
        CONF([], project="ironic-lite", default_config_files=[])
    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp_path / "ironic-lite.sqlite")

        def drop():
            return None
    else:
        url, drop = services.scratch_database(request.param)
    engine = session.make_engine(url)
    try:
        session.set_engine(engine)
        yield url
    finally:
        session.set_engine(None)
        engine.dispose()
        drop()


def schema_differences() -> list:
    """What alembic's autogenerate would change to make the database match the models."""
    with session.get_engine().connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, models.Base.metadata)


def schema_snapshot() -> dict:
    """Tables with their columns and indexes, as the database reports them."""
    inspector = sa.inspect(session.get_engine())
    return {
        table: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
            sorted((i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(table)),
        )
        for table in sorted(inspector.get_table_names())
    }


def dbsync(tmp_path, url: str, *args: str) -> subprocess.CompletedProcess:
    """Run the ironic-lite-dbsync console script with a config file pointing at ``url``."""
    conf = tmp_path / "ironic-lite.conf"
    conf.write_text(
        textwrap.dedent(f"""\
            [DEFAULT]
            state_path = {tmp_path / "state"}
            [database]
            connection = {url}
            """)
    )
    return subprocess.run(
        [DBSYNC, "--config-file", str(conf), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_upgrade_from_empty_then_again_is_a_no_op(empty_db):
    assert migration.current() is None
    migration.upgrade()
    assert migration.current() == migration.head()
    snapshot = schema_snapshot()
    assert set(snapshot) == set(models.Base.metadata.tables) | {"alembic_version"}

    migration.upgrade()
    assert migration.current() == migration.head()
    assert schema_snapshot() == snapshot


def test_models_and_migrations_agree(empty_db):
    migration.upgrade()
    assert schema_differences() == []

    # The comparison does look at the database: an index the models have and it lacks shows.
    with session.get_engine().begin() as conn:
        on_table = " ON nodes" if conn.dialect.name == "mysql" else ""
        conn.exec_driver_sql("DROP INDEX nodes_owner_idx" + on_table)
    diff = schema_differences()
    assert [(d[0], d[1].name) for d in diff] == [("add_index", "nodes_owner_idx")]


def test_create_schema_on_empty_database(empty_db):
    migration.create_schema()
    assert migration.current() == migration.head()
    assert schema_differences() == []
    migration.upgrade()  # a created schema is at head: nothing to migrate
    assert migration.current() == migration.head()
    with pytest.raises(RuntimeError):
        migration.create_schema()


def test_dbsync_upgrade_and_current(empty_db, tmp_path):
    head = migration.head()
    proc = dbsync(tmp_path, empty_db, "current")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "empty (no schema)"

    for _ in range(2):  # the second run finds nothing to do
        proc = dbsync(tmp_path, empty_db, "upgrade")
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == f"schema at {head}"

    proc = dbsync(tmp_path, empty_db, "current")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == head
    assert migration.current() == head
    assert schema_differences() == []


def test_dbsync_create_schema(empty_db, tmp_path):
    proc = dbsync(tmp_path, empty_db, "create-schema")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"schema created at {migration.head()}"
    assert migration.current() == migration.head()
    assert schema_differences() == []

    proc = dbsync(tmp_path, empty_db, "create-schema")
    assert proc.returncode == 1
    assert "already has a schema" in proc.stderr
