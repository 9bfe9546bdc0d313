"""No secret in logs or error bodies when a node's INSERT fails in PostgreSQL or MariaDB.

MariaDB: a driver_info longer than its TEXT column (the API lets 1 MiB bodies through), so
the server refuses the row ("Data too long"). PostgreSQL: a trigger raises for one name. In
both the driver rejects the statement whose parameters carry the BMC password; the service
runs with tracebacks in error bodies and DEBUG logging, and neither shows the password.
"""

import json
import uuid

import pytest
import requests
import sqlalchemy as sa

from tests.lab.server import Service
from tests.lab.services import scratch_database

H = {"X-OpenStack-Ironic-API-Version": "latest"}
PASSWORD = "db-pw-0c4d2a"


@pytest.fixture(params=["postgresql", "mysql"])
def db_service(request):
    url, drop = scratch_database(request.param)
    svc = None
    try:
        svc = Service(
            extra_conf=f"""
            [DEFAULT]
            debug = true
            [database]
            connection = {url}
            [api]
            debug_tracebacks_in_api = true
            """
        ).start()
        yield request.param, url, svc
    finally:
        if svc is not None:
            svc.stop()
        drop()


def _fail_inserts_named(url: str, name: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE FUNCTION refuse_node() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'node refused by the database'; END $$ LANGUAGE plpgsql"
        )
        conn.exec_driver_sql(
            "CREATE TRIGGER refuse BEFORE INSERT ON nodes FOR EACH ROW "
            f"WHEN (NEW.name = '{name}') EXECUTE FUNCTION refuse_node()"
        )
    engine.dispose()


def test_a_failed_insert_shows_no_secret(db_service):
    kind, url, svc = db_service
    name = f"n-{uuid.uuid4().hex[:8]}"
    driver_info = {"fake_password": PASSWORD}
    if kind == "postgresql":
        _fail_inserts_named(url, name)
        expected = "node refused by the database"
    else:
        driver_info["fake_notes"] = "x" * 70000  # > 64 KiB: MariaDB's TEXT
        expected = "Data too long"
    resp = requests.post(
        svc.url + "/v1/nodes",
        json={"driver": "fake-hardware", "name": name, "driver_info": driver_info},
        headers=H,
        timeout=60,
    )
    assert resp.status_code >= 400 and resp.status_code != 201
    if resp.status_code == 500:
        assert expected in (json.loads(resp.json()["error_message"])["debuginfo"] or "")
    log = svc.read_log()
    assert expected in log or resp.status_code < 500
    assert PASSWORD not in resp.text and PASSWORD not in log
