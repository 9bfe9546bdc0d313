"""Allocations in the database API on SQLite, PostgreSQL and MariaDB: the atomic claim above all.

Two allocations racing for one node must never both get it, on any database; a refused claim
or backfill leaves nothing half-written; deleting an allocation frees its node in the same
transaction.
"""

import collections
import threading
import uuid

import pytest
from sqlalchemy import select

from ironic_lite.common import exceptions
from ironic_lite.conductor.flows import allocation as flow
from ironic_lite.conf import CONF
from ironic_lite.db import api as dbapi
from ironic_lite.db import migration, models, session
from tests.lab import services

BACKENDS = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.postgresql),
    pytest.param("mysql", marks=pytest.mark.mysql),
]


@pytest.fixture(scope="module", params=BACKENDS)
def engine(request, tmp_path_factory):
    """A migrated throwaway database of one backend, shared by the tests of this module."""
    if CONF._args is None:
        CONF([], project="ironic-lite", default_config_files=[])
    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp_path_factory.mktemp("alloc") / "ironic-lite.sqlite")

        def drop():
            return None
    else:
        url, drop = services.scratch_database(request.param)
    eng = session.make_engine(url)
    try:
        session.set_engine(eng)
        migration.upgrade()
        yield eng
    finally:
        session.set_engine(None)
        eng.dispose()
        drop()


@pytest.fixture
def db(engine):
    """The backend's database, emptied, as the process-wide engine."""
    session.set_engine(engine)
    with session.writer() as conn:
        for table in reversed(models.Base.metadata.sorted_tables):
            conn.execute(table.delete())
    return engine.dialect.name


def available(traits=None, **values) -> dict:
    values = {
        "driver": "fake-hardware",
        "provision_state": "available",
        "power_state": "power off",
        "resource_class": "gold",
        **values,
    }
    return dbapi.create_node(values, traits=traits)


def request(**values) -> dict:
    return dbapi.create_allocation({"resource_class": "gold", **values})


def race(fns) -> list:
    """Run the callables at the same instant, one thread each; their results in order."""
    barrier = threading.Barrier(len(fns))
    results: list = [None] * len(fns)
    errors: list = []

    def run(i, fn):
        try:
            barrier.wait(10)
            results[i] = fn()
        except Exception as e:  # reported by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


# --- plain rows ------------------------------------------------------------------------------
def test_create_read_update_and_conflicts(db):
    made = request(name="a1", traits=["CUSTOM_A"], extra={"k": "v"}, owner="p1")
    assert made["state"] == "allocating" and made["node_uuid"] is None
    assert made["traits"] == ["CUSTOM_A"] and made["candidate_nodes"] == []
    assert dbapi.get_allocation(made["uuid"]) == made
    assert dbapi.get_allocation("a1", by="name") == made
    assert dbapi.get_allocation_by_id(made["id"]) == made
    with pytest.raises(exceptions.NotFound, match="could not be found"):
        dbapi.get_allocation(str(uuid.uuid4()))

    with pytest.raises(exceptions.DuplicateName, match="a1"):
        request(name="a1")
    with pytest.raises(exceptions.AlreadyExists, match=made["uuid"]):
        request(uuid=made["uuid"])
    second = request(name="a2")
    with pytest.raises(exceptions.DuplicateName):
        dbapi.update_allocation(second["id"], {"name": "a1"})
    renamed = dbapi.update_allocation(second["id"], {"name": "a3", "extra": {"x": 1}})
    assert renamed["name"] == "a3" and renamed["extra"] == {"x": 1}
    assert renamed["updated_at"] is not None

    assert dbapi.fail_allocation(made["id"], "nope")
    assert not dbapi.fail_allocation(made["id"], "twice"), "only an allocating one fails"
    failed = dbapi.get_allocation_by_id(made["id"])
    assert failed["state"] == "error" and failed["last_error"] == "nope"


def test_list_filters_and_pages(db):
    node = available(owner="p1")
    rows = [request(name=f"n{i}", owner=f"p{i % 2}") for i in range(7)]
    assert dbapi.claim_node_for_allocation(rows[3], node["id"]) == "claimed"
    listed, more = dbapi.list_allocations()
    assert [r["uuid"] for r in listed] == [r["uuid"] for r in rows] and not more
    assert [r["name"] for r in dbapi.list_allocations({"owner": "p1"})[0]] == ["n1", "n3", "n5"]
    by_node = dbapi.list_allocations({"node_id": node["id"]})[0]
    assert [r["name"] for r in by_node] == ["n3"] and by_node[0]["node_uuid"] == node["uuid"]
    assert [r["name"] for r in dbapi.list_allocations({"state": "active"})[0]] == ["n3"]
    seen, marker = [], None
    while True:
        page, more = dbapi.list_allocations(
            limit=3, marker=marker, sort_key="name", sort_dir="desc"
        )
        seen += [r["name"] for r in page]
        if not more:
            break
        marker = page[-1]["uuid"]
    assert seen == [f"n{i}" for i in reversed(range(7))]
    with pytest.raises(exceptions.NotFound):
        dbapi.list_allocations(marker=str(uuid.uuid4()))


# --- the claim -------------------------------------------------------------------------------
def test_claim_ties_both_sides(db):
    node = available(traits=["CUSTOM_A", "CUSTOM_B"])
    wanted = request(traits=["CUSTOM_A"])
    assert [n["uuid"] for n in dbapi.list_allocation_candidates("gold", ["CUSTOM_A"])] == [
        node["uuid"]
    ]
    assert dbapi.claim_node_for_allocation(wanted, node["id"]) == "claimed"
    claimed = dbapi.get_node_by_id(node["id"])
    assert claimed["allocation_uuid"] == wanted["uuid"]
    assert claimed["instance_uuid"] == wanted["uuid"]
    assert claimed["revision"] == node["revision"] + 1
    row = dbapi.get_allocation(wanted["uuid"])
    assert row["state"] == "active" and row["node_uuid"] == node["uuid"]
    assert dbapi.list_allocation_candidates("gold") == []
    assert dbapi.claim_node_for_allocation(wanted, node["id"]) == "gone"


@pytest.mark.parametrize(
    "node_values,allocation_values,outcome",
    [
        ({"maintenance": True}, {}, "taken"),
        ({"provision_state": "manageable"}, {}, "taken"),
        ({"resource_class": "silver"}, {}, "taken"),
        ({"instance_uuid": "1be26c0b-03f2-4d2e-ae87-c02d7f33c123"}, {}, "taken"),
        ({}, {"traits": ["CUSTOM_MISSING"]}, "taken"),
        ({"owner": "p1"}, {"owner": "p2"}, "taken"),
        ({"lessee": "p2"}, {"owner": "p2"}, "claimed"),
        ({"reservation": "conductor-1"}, {}, "locked"),
    ],
)
def test_claim_only_takes_a_free_suitable_node(db, node_values, allocation_values, outcome):
    node = available(**node_values)
    wanted = request(**allocation_values)
    assert dbapi.claim_node_for_allocation(wanted, node["id"]) == outcome
    if outcome != "claimed":
        after = dbapi.get_node_by_id(node["id"])
        assert after["allocation_id"] is None and after["revision"] == node["revision"]
        assert dbapi.get_allocation(wanted["uuid"])["state"] == "allocating", "rolled back"


def test_claim_with_a_uuid_already_used_as_instance_is_a_conflict(db):
    wanted = request()
    available(instance_uuid=wanted["uuid"], provision_state="active", name="holder")
    free = available()
    assert dbapi.claim_node_for_allocation(wanted, free["id"]) == "conflict"
    assert dbapi.get_allocation(wanted["uuid"])["state"] == "allocating"
    assert dbapi.get_node_by_id(free["id"])["allocation_id"] is None


def test_racing_claims_for_one_node_have_one_winner(db):
    node = available()
    contenders = [request() for _ in range(8)]
    outcomes = race(
        [lambda a=a: dbapi.claim_node_for_allocation(a, node["id"]) for a in contenders]
    )
    assert sorted(outcomes) == ["claimed"] + ["taken"] * 7
    winner = contenders[outcomes.index("claimed")]
    assert dbapi.get_node_by_id(node["id"])["allocation_uuid"] == winner["uuid"]
    states = collections.Counter(dbapi.get_allocation(a["uuid"])["state"] for a in contenders)
    assert states == {"active": 1, "allocating": 7}


def test_many_allocations_over_fewer_nodes(db):
    """The conductor's whole pick, from many threads: each node once, the rest in error."""
    nodes = [available() for _ in range(12)]
    contenders = [request() for _ in range(16)]
    race([lambda a=a: flow.allocate(a) for a in contenders])
    rows = [dbapi.get_allocation(a["uuid"]) for a in contenders]
    assert collections.Counter(r["state"] for r in rows) == {"active": 12, "error": 4}
    won = [r["node_uuid"] for r in rows if r["state"] == "active"]
    assert sorted(won) == sorted(n["uuid"] for n in nodes)
    for r in rows:
        if r["state"] == "error":
            assert r["last_error"] == (
                f"Failed to process allocation {r['uuid']}: no available nodes match the "
                "resource class gold."
            )


def test_funnel_counts_each_stage(db):
    available(traits=["CUSTOM_A"])
    available()
    available(maintenance=True)
    available(instance_uuid=str(uuid.uuid4()))
    available(resource_class="silver")
    assert dbapi.count_allocation_funnel("gold", ["CUSTOM_A"]) == {
        "in_scope": 4,
        "ready": 3,
        "free": 2,
        "with_traits": 1,
    }
    assert dbapi.count_allocation_funnel("bronze")["in_scope"] == 0


# --- releasing and deleting ------------------------------------------------------------------
def test_destroy_frees_the_node_unless_refused(db):
    node = available()
    held = request()
    assert dbapi.claim_node_for_allocation(held, node["id"]) == "claimed"

    def refuse(node_row, allocation_row):
        assert node_row["allocation_id"] == allocation_row["id"]
        raise exceptions.NodeInWrongState(err="not now")

    with pytest.raises(exceptions.NodeInWrongState):
        dbapi.destroy_allocation(held["id"], refuse)
    assert dbapi.get_node_by_id(node["id"])["allocation_uuid"] == held["uuid"]

    dbapi.update_node(node["id"], {"reservation": "conductor-1"})
    with pytest.raises(exceptions.NodeLocked):
        dbapi.destroy_allocation(held["id"])
    dbapi.update_node(node["id"], {"reservation": None})

    dbapi.destroy_allocation(held["id"])
    freed = dbapi.get_node_by_id(node["id"])
    assert freed["allocation_id"] is None and freed["instance_uuid"] is None
    with pytest.raises(exceptions.NotFound):
        dbapi.destroy_allocation(held["id"])
    assert dbapi.list_allocation_candidates("gold")[0]["id"] == node["id"]


def test_destroying_a_node_deletes_its_allocation(db):
    node = available()
    held = request()
    dbapi.claim_node_for_allocation(held, node["id"])
    dbapi.destroy_node(node["id"])
    with pytest.raises(exceptions.NotFound):
        dbapi.get_allocation(held["uuid"])


# --- backfill --------------------------------------------------------------------------------
def test_backfill_is_all_or_nothing(db):
    instance = str(uuid.uuid4())
    deployed = available(provision_state="active", instance_uuid=instance, traits=["CUSTOM_A"])
    idle = available()

    assert dbapi.backfill_allocation({"resource_class": "gold", "name": "b0"}, idle["id"]) is None
    assert dbapi.backfill_allocation({"resource_class": "gold"}, deployed["id"]) is None, (
        "another instance_uuid"
    )
    assert dbapi.list_allocations()[0] == [], "a refused backfill stores nothing"

    made = dbapi.backfill_allocation(
        {"uuid": instance, "resource_class": "gold", "traits": ["CUSTOM_A"], "name": "b1"},
        deployed["id"],
    )
    assert made["state"] == "active" and made["node_uuid"] == deployed["uuid"]
    assert dbapi.get_node_by_id(deployed["id"])["allocation_uuid"] == instance

    other = available(provision_state="active")
    with pytest.raises(exceptions.DuplicateName):
        dbapi.backfill_allocation({"resource_class": "gold", "name": "b1"}, other["id"])
    assert dbapi.get_node_by_id(other["id"])["instance_uuid"] is None
    with session.reader() as conn:
        table = models.Allocation.__table__
        assert conn.execute(select(table.c.name)).scalars().all() == ["b1"]
