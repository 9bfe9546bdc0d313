"""Alembic environment: runs migrations on the connection ironic-lite's config points at."""

from alembic import context

from ironic_lite.db import models

target_metadata = models.Base.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        from ironic_lite.db import session

        with session.get_engine().connect() as conn:
            _run(conn)
            conn.commit()
    else:
        _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit(
        "offline migrations are not supported; point [database] connection "
        "at the database and run ironic-lite-dbsync upgrade"
    )
run_migrations_online()
