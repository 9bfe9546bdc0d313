"""Reaching the shared services of the test machine (PostgreSQL, MariaDB, RabbitMQ).

Tests that need one of them skip when it is down on a developer's machine, and FAIL in CI
(``CI`` set in the environment), where ``.ci/run`` must have started it.
"""

import os
import socket
import time
import uuid

import pytest

POSTGRES_URL = os.environ.get(
    "IRONIC_LITE_TEST_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
MYSQL_URL = os.environ.get(
    "IRONIC_LITE_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/test?charset=utf8mb4"
)
RABBIT_URL = os.environ.get("IRONIC_LITE_TEST_RABBIT", "rabbit://guest:guest@127.0.0.1:5672/")


def in_ci() -> bool:
    return bool(os.environ.get("CI"))


def require(name: str, host: str, port: int, wait: float = 30) -> None:
    """Skip (outside CI) or fail (in CI) unless something listens on host:port.

    Waits up to ``wait`` seconds: a service a previous test restarted (RabbitMQ) may still be
    opening its listener.
    """
    deadline = time.monotonic() + wait
    while True:
        try:
            with socket.create_connection((host, port), timeout=2):
                return
        except OSError as exc:
            if time.monotonic() < deadline:
                time.sleep(1)
                continue
            message = f"{name} is not reachable on {host}:{port}: {exc}"
            if in_ci():
                pytest.fail(message + " (CI must start it: see .ci/run)")
            pytest.skip(message)


def scratch_database(kind: str) -> tuple[str, callable]:
    """Create an empty database on the shared server; return its URL and a dropper."""
    import sqlalchemy as sa

    name = f"ironic_lite_test_{uuid.uuid4().hex[:10]}"
    if kind == "postgresql":
        require("PostgreSQL", "127.0.0.1", 5432)
        admin_url = POSTGRES_URL
    else:
        require("MariaDB", "127.0.0.1", 3306)
        admin_url = MYSQL_URL
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if kind == "postgresql":
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        else:
            conn.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    url = sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as conn:
            if kind == "postgresql":
                conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
                )
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            else:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        admin.dispose()

    return url, drop
