"""The database API on every supported database: SQLite, PostgreSQL and MariaDB.

Each test runs once per backend against a schema built by the real migrations, so a query
that only works on one dialect (NULL ordering, boolean tests, constraint names in error
messages, row counts of conditional UPDATEs) fails here rather than in production.
"""

import datetime
import threading
import uuid

import pytest
from sqlalchemy import insert, select, update

from ironic_lite.common import exceptions
from ironic_lite.conf import CONF
from ironic_lite.db import api as dbapi
from ironic_lite.db import migration, models, session
from tests.lab import services

BACKENDS = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.postgresql),
    pytest.param("mysql", marks=pytest.mark.mysql),
]


def ensure_config() -> None:
    """Parse an empty command line once, so that CONF hands out defaults."""
    if CONF._args is None:
        CONF([], project="ironic-lite", default_config_files=[])


@pytest.fixture(scope="module", params=BACKENDS)
def engine(request, tmp_path_factory):
    """A migrated throwaway database of one backend, shared by the tests of this module."""
    ensure_config()
    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp_path_factory.mktemp("dbapi") / "ironic-lite.sqlite")

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


# --- helpers ---------------------------------------------------------------------------------
def make_node(traits=None, **values) -> dict:
    values.setdefault("driver", "fake-hardware")
    return dbapi.create_node(values, traits=traits)


def uuids(rows) -> list[str]:
    return [r["uuid"] for r in rows]


def walk(list_fn, limit: int, ident: str = "uuid", **kwargs) -> tuple[list[dict], list[bool]]:
    """Every page of ``list_fn`` in turn; the rows and the 'more' flag of each page."""
    rows, flags, marker = [], [], None
    for _ in range(100):
        page, more = list_fn(limit=limit, marker=marker, **kwargs)
        rows.extend(page)
        flags.append(more)
        if not more:
            return rows, flags
        assert len(page) == limit
        marker = page[-1][ident]
    raise AssertionError("pagination never ended")


def expected_order(rows: list[dict], sort_key: str, sort_dir: str) -> list[dict]:
    """Rows as the API promises to order them: NULLs last ascending, first descending."""

    def key(row):
        value = row[sort_key]
        return (value is None, 0 if value is None else value, row["id"])

    asc = sorted(rows, key=key)
    return asc if sort_dir == "asc" else asc[::-1]


def assert_pages_cover(list_fn, all_rows, sort_key, sort_dir, limit=3, ident="uuid", **kw):
    want = [r[ident] for r in expected_order(all_rows, sort_key, sort_dir)]
    rows, flags = walk(list_fn, limit, ident=ident, sort_key=sort_key, sort_dir=sort_dir, **kw)
    got = [r[ident] for r in rows]
    assert got == want, f"{sort_key} {sort_dir}"
    assert len(set(got)) == len(got)
    assert flags == [True] * (len(flags) - 1) + [False]
    assert len(flags) == max(1, -(-len(want) // limit))


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


def close_to_now(value: datetime.datetime) -> bool:
    return value.tzinfo is None and abs(value - models.utcnow()) < datetime.timedelta(seconds=5)


# --- nodes -----------------------------------------------------------------------------------
def test_create_and_get_node(db):
    instance = str(uuid.uuid4())
    node = make_node(
        name="node-0",
        instance_uuid=instance,
        conductor_group="Rack-1",
        driver_info={"ipmi_address": "10.0.0.1", "nested": {"list": [1, 2]}},
        description="Ünïcode 🖥 description",
        traits=["CUSTOM_B", "CUSTOM_A", "CUSTOM_B"],
    )
    assert dbapi.is_uuid(node["uuid"])
    assert node["conductor_group"] == "rack-1"
    assert node["driver_info"] == {"ipmi_address": "10.0.0.1", "nested": {"list": [1, 2]}}
    assert node["properties"] == {} and node["extra"] == {}
    assert node["maintenance"] is False and node["retired"] is False
    assert node["revision"] == 0 and node["reservation"] is None
    assert node["chassis_uuid"] is None and node["allocation_uuid"] is None
    assert node["traits"] == ["CUSTOM_A", "CUSTOM_B"]
    assert close_to_now(node["created_at"]) and node["updated_at"] is None
    assert node["description"] == "Ünïcode 🖥 description"

    for got in (
        dbapi.get_node_by_id(node["id"]),
        dbapi.get_node_by_uuid(node["uuid"]),
        dbapi.get_node_by_name("node-0"),
        dbapi.get_node_by_instance(instance),
        dbapi.get_node(node["uuid"]),
        dbapi.get_node("node-0"),
    ):
        assert got == node

    missing = str(uuid.uuid4())
    for call in (
        lambda: dbapi.get_node_by_id(node["id"] + 1000),
        lambda: dbapi.get_node_by_uuid(missing),
        lambda: dbapi.get_node_by_name("node-x"),
        lambda: dbapi.get_node_by_instance(missing),
        lambda: dbapi.get_node(missing),
        lambda: dbapi.get_node("node-x"),
    ):
        with pytest.raises(exceptions.NodeNotFound):
            call()


def test_node_with_chassis_reads_chassis_uuid(db):
    chassis = dbapi.create_chassis({"description": "rack"})
    node = make_node(chassis_id=chassis["id"])
    assert node["chassis_uuid"] == chassis["uuid"]
    assert dbapi.get_node_by_id(node["id"])["chassis_uuid"] == chassis["uuid"]


def test_duplicate_nodes_raise_typed_conflicts(db):
    instance = str(uuid.uuid4())
    first = make_node(name="dup", instance_uuid=instance)
    with pytest.raises(exceptions.DuplicateName):
        make_node(name="dup")
    with pytest.raises(exceptions.NodeAlreadyExists):
        make_node(uuid=first["uuid"], name="other")
    with pytest.raises(exceptions.InstanceAssociated):
        make_node(name="third", instance_uuid=instance)
    with pytest.raises(exceptions.Invalid):
        dbapi.create_node({"name": "no-driver"})
    assert dbapi.count_nodes() == 1, "a refused insert must leave nothing behind"

    second = make_node(name="second")
    with pytest.raises(exceptions.DuplicateName):
        dbapi.update_node(second["id"], {"name": "dup"})
    with pytest.raises(exceptions.InstanceAssociated):
        dbapi.update_node(second["id"], {"instance_uuid": instance})
    with pytest.raises(exceptions.Invalid):
        dbapi.update_node(second["id"], {"driver": None})
    assert dbapi.get_node_by_id(second["id"])["revision"] == 0
    # Many nodes without a name or instance are not duplicates of each other.
    make_node()
    make_node()
    assert dbapi.count_nodes({"associated": False}) == 3


def test_list_and_count_nodes_with_each_filter(db):
    chassis = dbapi.create_chassis({})
    instance = str(uuid.uuid4())
    a = make_node(
        name="node-a",
        maintenance=True,
        owner="p1",
        resource_class="gold",
        provision_state="available",
        power_state="power on",
        conductor_group="GRP-A",
        shard="s1",
        description="rack 10% full_a",
        instance_uuid=instance,
        instance_name="vm-1",
        fault="power failure",
        chassis_id=chassis["id"],
        conductor_affinity=7,
    )
    b = make_node(
        name="node-b",
        driver="ipmi",
        owner="p2",
        lessee="p1",
        resource_class="silver",
        provision_state="active",
        power_state="power off",
        shard="s2",
        description="rack 100 fullxa",
        retired=True,
        reservation="host-a",
        parent_node=a["uuid"],
        provision_updated_at=datetime.datetime(2000, 1, 1),
    )
    c = make_node(driver="ipmi", provision_state="enroll", reservation="host-b")
    label = {a["uuid"]: "a", b["uuid"]: "b", c["uuid"]: "c"}
    cases = [
        ({}, "abc"),
        ({"associated": True}, "a"),
        ({"associated": False}, "bc"),
        ({"maintenance": True}, "a"),
        ({"maintenance": False}, "bc"),
        ({"retired": True}, "b"),
        ({"retired": False}, "ac"),
        ({"driver": "ipmi"}, "bc"),
        ({"resource_class": "gold"}, "a"),
        ({"fault": "power failure"}, "a"),
        ({"owner": "p1"}, "a"),
        ({"lessee": "p1"}, "b"),
        ({"project": "p1"}, "ab"),
        ({"instance_uuid": instance}, "a"),
        ({"instance_name": "vm-1"}, "a"),
        ({"chassis_id": chassis["id"]}, "a"),
        ({"parent_node": a["uuid"]}, "b"),
        ({"power_state": "power off"}, "b"),
        ({"reservation": "host-a"}, "b"),
        ({"conductor_affinity": 7}, "a"),
        ({"conductor_group": "Grp-A"}, "a"),
        ({"conductor_group": ""}, "bc"),
        ({"provision_state": "active"}, "b"),
        ({"provision_state": ["active", "enroll"]}, "bc"),
        ({"description_contains": "10%"}, "a"),
        ({"description_contains": "full_a"}, "a"),
        ({"description_contains": "rack"}, "ab"),
        ({"shard": ["s1", "s2"]}, "ab"),
        ({"shard": ["s2"]}, "b"),
        ({"sharded": True}, "ab"),
        ({"sharded": False}, "c"),
        ({"include_children": False}, "ac"),
        ({"include_children": False, "parent_node": a["uuid"]}, "b"),
        ({"reserved": True}, "bc"),
        ({"reserved": False}, "a"),
        ({"reserved_by_any_of": ["host-a", "host-z"]}, "b"),
        ({"uuid_in": [a["uuid"], c["uuid"]]}, "ac"),
        ({"id_in": [b["id"]]}, "b"),
        ({"provision_updated_before": datetime.datetime(2001, 1, 1)}, "b"),
        ({"driver": "ipmi", "reserved": True, "sharded": False}, "c"),
        ({"owner": "nobody"}, ""),
    ]
    for filters, want in cases:
        rows, more = dbapi.list_nodes(filters)
        assert "".join(label[u] for u in uuids(rows)) == want, filters
        assert more is False
        assert dbapi.count_nodes(filters) == len(want), filters


def test_list_nodes_columns_and_traits(db):
    node = make_node(name="cols", traits=["CUSTOM_X"], owner="p1")
    rows, _ = dbapi.list_nodes(columns=["name", "not_a_column"], sort_key="name")
    (row,) = rows
    assert row["id"] == node["id"] and row["uuid"] == node["uuid"] and row["name"] == "cols"
    assert "owner" not in row and "not_a_column" not in row
    assert row["traits"] == ["CUSTOM_X"]
    (row,) = dbapi.list_nodes(with_traits=False)[0]
    assert "traits" not in row and row["owner"] == "p1"


def test_node_pagination_visits_every_row_once(db):
    names = ["n07", None, "n03", "n10", None, "n01", None, "n05", "n02", None, "n09"]
    classes = [
        "gold",
        "silver",
        None,
        "gold",
        None,
        "bronze",
        "gold",
        None,
        "silver",
        "bronze",
        None,
    ]
    drivers = ["ipmi", "fake-hardware", "ipmi"] * 4
    for name, rc, driver in zip(names, classes, drivers, strict=False):
        make_node(name=name, resource_class=rc, driver=driver)
    every, more = dbapi.list_nodes()
    assert len(every) == 11 and more is False
    for sort_key in ("id", "name", "resource_class", "driver", "created_at"):
        for sort_dir in ("asc", "desc"):
            for limit in (1, 3, 4, 11):
                assert_pages_cover(dbapi.list_nodes, every, sort_key, sort_dir, limit=limit)
    # Paging within a filter and with a column subset.
    ipmi = [r for r in every if r["driver"] == "ipmi"]
    assert_pages_cover(
        dbapi.list_nodes,
        ipmi,
        "name",
        "desc",
        filters={"driver": "ipmi"},
        columns=["name"],
    )
    assert dbapi.list_nodes(limit=10)[1] is True
    assert dbapi.list_nodes(limit=11)[1] is False
    with pytest.raises(exceptions.InvalidParameterValue):
        dbapi.list_nodes(marker=str(uuid.uuid4()))


def test_update_node_conditions(db):
    node = make_node(name="upd", conductor_group="")
    updated = dbapi.update_node(node["id"], {"power_state": "power on", "conductor_group": "G1"})
    assert updated["power_state"] == "power on" and updated["conductor_group"] == "g1"
    assert updated["revision"] == 1 and close_to_now(updated["updated_at"])
    assert updated["provision_updated_at"] is None

    updated = dbapi.update_node(node["id"], {"provision_state": "manageable"}, expected_revision=1)
    assert updated["revision"] == 2 and updated["provision_updated_at"] is not None

    with pytest.raises(exceptions.NodeChanged):
        dbapi.update_node(node["id"], {"description": "stale"}, expected_revision=1)
    with pytest.raises(exceptions.NodeChanged):
        dbapi.update_node(node["id"], {"description": "x"}, expected={"provision_state": "active"})
    with pytest.raises(exceptions.NodeChanged):
        dbapi.update_node(node["id"], {"description": "x"}, expected={"power_state": None})
    updated = dbapi.update_node(
        node["id"],
        {"description": "ok", "instance_uuid": None},
        expected={"provision_state": "manageable", "instance_uuid": None},
    )
    assert updated["description"] == "ok" and updated["revision"] == 3

    assert dbapi.reserve_node(node["id"], "host-1")
    with pytest.raises(exceptions.NodeLocked) as info:
        dbapi.update_node(node["id"], {"description": "locked"}, unless_reserved=True)
    assert "host-1" in str(info.value)
    # Without the condition a reserved node is still writable (the lock holder does this).
    assert dbapi.update_node(node["id"], {"description": "holder"})["revision"] == 4
    assert dbapi.release_node(node["id"], "host-1")
    assert dbapi.update_node(node["id"], {"fault": None}, unless_reserved=True)["revision"] == 5

    current = dbapi.get_node_by_id(node["id"])
    assert current["description"] == "holder", "refused updates must not be applied"
    with pytest.raises(exceptions.NodeNotFound):
        dbapi.update_node(node["id"] + 1000, {"description": "ghost"})
    with pytest.raises(exceptions.NodeNotFound):
        dbapi.update_node(node["id"] + 1000, {"description": "ghost"}, expected_revision=0)


def test_concurrent_updates_with_the_same_revision_one_wins(db):
    node = make_node()
    for round_ in range(5):
        rev = dbapi.get_node_by_id(node["id"])["revision"]

        def attempt(text, rev=rev):
            try:
                dbapi.update_node(node["id"], {"description": text}, expected_revision=rev)
                return True
            except exceptions.NodeChanged:
                return False

        results = race([lambda r=round_: attempt(f"one-{r}"), lambda r=round_: attempt(f"two-{r}")])
        assert sorted(results) == [False, True]
        assert dbapi.get_node_by_id(node["id"])["revision"] == rev + 1


def test_destroy_node_deletes_its_children(db):
    node = make_node(traits=["CUSTOM_A"])
    other = make_node()
    pg = dbapi.create_portgroup({"node_id": node["id"], "address": "52:54:00:00:00:01"})
    dbapi.create_port(
        {"node_id": node["id"], "portgroup_id": pg["id"], "address": "52:54:00:00:00:02"}
    )
    kept = dbapi.create_port({"node_id": other["id"], "address": "52:54:00:00:00:03"})
    dbapi.record_history(node["id"], event="enrolled")
    dbapi.record_history(other["id"], event="enrolled")
    with session.writer() as conn:
        conn.execute(insert(models.NodeTag.__table__).values(node_id=node["id"], tag="t1"))
        conn.execute(
            insert(models.BIOSSetting.__table__).values(node_id=node["id"], name="x", value="1")
        )
        alloc_id = conn.execute(
            insert(models.Allocation.__table__).values(
                uuid=str(uuid.uuid4()), node_id=node["id"], state="active"
            )
        ).inserted_primary_key[0]
        conn.execute(
            update(models.Node.__table__)
            .where(models.Node.__table__.c.id == node["id"])
            .values(allocation_id=alloc_id)
        )
    assert dbapi.get_node_by_id(node["id"])["allocation_uuid"] is not None

    dbapi.destroy_node(node["id"])

    with pytest.raises(exceptions.NodeNotFound):
        dbapi.get_node_by_id(node["id"])
    assert uuids(dbapi.list_ports()[0]) == [kept["uuid"]]
    assert dbapi.list_portgroups()[0] == []
    assert dbapi.get_node_traits(node["id"]) == []
    assert dbapi.list_history(node["id"])[0] == []
    assert len(dbapi.list_history(other["id"])[0]) == 1
    with session.reader() as conn:
        for model in (models.NodeTag, models.BIOSSetting):
            table = model.__table__
            assert conn.execute(select(table).where(table.c.node_id == node["id"])).all() == []
        alloc = models.Allocation.__table__
        assert conn.execute(select(alloc.c.id)).all() == [], "its allocation goes with it"
    with pytest.raises(exceptions.NodeNotFound):
        dbapi.destroy_node(node["id"])


def test_traits(db):
    node = make_node()
    assert dbapi.set_node_traits(node["id"], ["CUSTOM_B", "CUSTOM_A", "CUSTOM_A"]) == [
        "CUSTOM_A",
        "CUSTOM_B",
    ]
    assert dbapi.get_node_traits(node["id"]) == ["CUSTOM_A", "CUSTOM_B"]
    assert dbapi.get_node_by_id(node["id"])["revision"] == 1

    dbapi.add_node_trait(node["id"], "CUSTOM_C")
    dbapi.add_node_trait(node["id"], "CUSTOM_C")  # already there: no error, no change
    assert dbapi.get_node_traits(node["id"]) == ["CUSTOM_A", "CUSTOM_B", "CUSTOM_C"]
    assert dbapi.get_node_by_id(node["id"])["revision"] == 2

    dbapi.delete_node_trait(node["id"], "CUSTOM_A", node["uuid"])
    with pytest.raises(exceptions.TraitNotFound):
        dbapi.delete_node_trait(node["id"], "CUSTOM_A", node["uuid"])
    assert dbapi.get_node_by_uuid(node["uuid"])["traits"] == ["CUSTOM_B", "CUSTOM_C"]

    assert dbapi.set_node_traits(node["id"], ["CUSTOM_Z"]) == ["CUSTOM_Z"]
    assert dbapi.list_nodes()[0][0]["traits"] == ["CUSTOM_Z"]
    assert dbapi.set_node_traits(node["id"], []) == []
    assert dbapi.get_node_traits(node["id"]) == []

    for i in range(5):  # two requests adding the same trait at once both succeed
        trait = f"CUSTOM_RACE_{i}"
        race([lambda t=trait: dbapi.add_node_trait(node["id"], t)] * 2)
        assert dbapi.get_node_traits(node["id"]).count(trait) == 1

    missing = node["id"] + 1000
    for call in (
        lambda: dbapi.set_node_traits(missing, ["CUSTOM_A"]),
        lambda: dbapi.add_node_trait(missing, "CUSTOM_A"),
    ):
        with pytest.raises(exceptions.NodeNotFound):
            call()


# --- locks -----------------------------------------------------------------------------------
def test_reserve_and_release(db):
    node = make_node()
    locked = dbapi.reserve_node(node["id"], "host-a")
    assert locked["reservation"] == "host-a" and locked["uuid"] == node["uuid"]
    assert dbapi.reserve_node(node["id"], "host-b") is None
    assert dbapi.reserve_node(node["id"], "host-a") is None, "the lock is not re-entrant"
    with pytest.raises(exceptions.NodeNotFound):
        dbapi.reserve_node(node["id"] + 1000, "host-a")
    assert dbapi.get_node_by_id(node["id"])["reservation"] == "host-a"
    assert dbapi.release_node(node["id"], "host-b") is False
    assert dbapi.release_node(node["id"], "host-a") is True
    assert dbapi.release_node(node["id"], "host-a") is False
    assert dbapi.get_node_by_id(node["id"])["reservation"] is None

    nodes = [make_node() for _ in range(4)]
    for n in nodes[:3]:
        assert dbapi.reserve_node(n["id"], "host-a")
    assert dbapi.reserve_node(nodes[3]["id"], "host-b")
    assert dbapi.release_all_locks("host-a") == 3
    assert dbapi.release_all_locks("host-a") == 0
    assert uuids(dbapi.list_nodes({"reserved": True})[0]) == [nodes[3]["uuid"]]


def test_each_lock_has_an_epoch_that_fences_its_holder(db):
    node = make_node()
    first = dbapi.reserve_node(node["id"], "host-a")
    epoch = first["reservation_epoch"]
    assert dbapi.holds_lock(node["id"], "host-a", epoch)
    assert not dbapi.holds_lock(node["id"], "host-b", epoch)
    assert not dbapi.holds_lock(node["id"], "host-a", epoch - 1)

    # host-a is taken for dead, its lock broken; then it takes the node again itself.
    assert dbapi.break_lock(node["id"], "host-a")
    assert not dbapi.holds_lock(node["id"], "host-a", epoch)
    second = dbapi.reserve_node(node["id"], "host-a")
    assert second["reservation_epoch"] == epoch + 1
    assert not dbapi.holds_lock(node["id"], "host-a", epoch), "same host, older epoch"
    with pytest.raises(exceptions.NodeLocked):
        dbapi.update_locked_node(first, "host-a", {"extra": {"stale": True}}, epoch=epoch)
    assert dbapi.release_node(node["id"], "host-a", epoch) is False
    assert dbapi.get_node_by_id(node["id"])["reservation"] == "host-a"

    mine = dbapi.update_locked_node(second, "host-a", {"extra": {"k": 1}}, epoch=epoch + 1)
    assert mine["extra"] == {"k": 1}
    assert dbapi.release_node(node["id"], "host-a", epoch + 1) is True
    assert not dbapi.holds_lock(node["id"], "host-a", epoch + 1)


def test_locked_update_writes_history_in_the_same_transaction(db):
    node = make_node()
    locked = dbapi.reserve_node(node["id"], "host-a")
    event = {"event": "enroll -> verifying (manage)", "conductor": "host-a", "state": "verifying"}
    mine = dbapi.update_locked_node(
        locked, "host-a", {"provision_state": "verifying", "extra": {"k": 1}}, history=event
    )
    stored = dbapi.get_node_by_id(node["id"])
    for key in ("provision_state", "extra", "revision", "reservation"):
        assert mine[key] == stored[key], key
    assert stored["provision_updated_at"] is not None
    events, _ = dbapi.list_history(node["id"])
    assert [(e["event"], e["conductor"]) for e in events] == [(event["event"], "host-a")]

    assert dbapi.release_node(node["id"], "host-a")
    with pytest.raises(exceptions.NodeLocked):
        dbapi.update_locked_node(mine, "host-a", {"provision_state": "manageable"},
                                 history={"event": "must not be recorded"})  # fmt: skip
    assert dbapi.get_node_by_id(node["id"])["provision_state"] == "verifying"
    assert len(dbapi.list_history(node["id"])[0]) == 1


def test_two_hosts_racing_for_a_lock_exactly_one_wins(db):
    node = make_node()
    for _ in range(10):
        won = race([lambda: dbapi.reserve_node(node["id"], "a") is not None,
                    lambda: dbapi.reserve_node(node["id"], "b") is not None])  # fmt: skip
        assert sorted(won) == [False, True]
        winner = "a" if won[0] else "b"
        assert dbapi.get_node_by_id(node["id"])["reservation"] == winner
        assert dbapi.release_node(node["id"], winner)


# --- ports and portgroups --------------------------------------------------------------------
def test_ports(db):
    node = make_node(shard="s1", conductor_group="G1")
    other = make_node()
    pg = dbapi.create_portgroup({"node_id": node["id"], "address": "52:54:00:00:01:00"})
    port = dbapi.create_port(
        {
            "node_id": node["id"],
            "portgroup_id": pg["id"],
            "address": "52:54:00:00:00:01",
            "name": "eth0",
            "physical_network": "physnet1",
            "local_link_connection": {"switch_id": "aa:bb:cc:dd:ee:ff", "port_id": "Gig0/1"},
        }
    )
    assert port["node_uuid"] == node["uuid"] and port["portgroup_uuid"] == pg["uuid"]
    assert port["local_link_connection"]["port_id"] == "Gig0/1"
    assert port["extra"] == {} and port["pxe_enabled"] is True and port["is_smartnic"] is False
    for got in (
        dbapi.get_port(port["uuid"]),
        dbapi.get_port(port_id=port["id"]),
        dbapi.get_port(address="52:54:00:00:00:01"),
        dbapi.get_port(name="eth0"),
    ):
        assert got == port
    with pytest.raises(exceptions.PortNotFound):
        dbapi.get_port(str(uuid.uuid4()))

    with pytest.raises(exceptions.MACAlreadyExists):
        dbapi.create_port({"node_id": other["id"], "address": "52:54:00:00:00:01"})
    with pytest.raises(exceptions.DuplicateName):
        dbapi.create_port({"node_id": other["id"], "address": "52:54:00:00:00:09", "name": "eth0"})
    with pytest.raises(exceptions.AlreadyExists):
        dbapi.create_port(
            {"node_id": other["id"], "address": "52:54:00:00:00:09", "uuid": port["uuid"]}
        )
    with pytest.raises(exceptions.Invalid):
        dbapi.create_port({"node_id": other["id"] + 1000, "address": "52:54:00:00:00:09"})
    second = dbapi.create_port({"node_id": other["id"], "address": "52:54:00:00:00:02"})
    with pytest.raises(exceptions.MACAlreadyExists):
        dbapi.update_port(second["id"], {"address": "52:54:00:00:00:01"})
    with pytest.raises(exceptions.DuplicateName):
        dbapi.update_port(second["id"], {"name": "eth0"})

    changed = dbapi.update_port(second["id"], {"extra": {"k": "v"}, "pxe_enabled": False})
    assert changed["extra"] == {"k": "v"} and changed["pxe_enabled"] is False
    assert close_to_now(changed["updated_at"])
    with pytest.raises(exceptions.PortNotFound):
        dbapi.update_port(second["id"] + 1000, {"extra": {}})

    cases = [
        ({"node_id": node["id"]}, [port]),
        ({"address": "52:54:00:00:00:02"}, [second]),
        ({"portgroup_id": pg["id"]}, [port]),
        ({"physical_network": "physnet1"}, [port]),
        ({"uuid": second["uuid"]}, [second]),
        ({"node_id_in": [node["id"], other["id"]]}, [port, second]),
        ({"shard": ["s1"]}, [port]),
        ({"conductor_group": ["g1"]}, [port]),
        ({"conductor_group": ["G1", ""]}, [port, second]),
    ]
    for filters, want in cases:
        assert uuids(dbapi.list_ports(filters)[0]) == uuids(want), filters
    assert uuids(dbapi.list_ports_by_node_ids([other["id"]])) == [second["uuid"]]
    assert dbapi.list_ports_by_node_ids([]) == []

    more = [
        dbapi.create_port({"node_id": other["id"], "address": f"52:54:00:00:02:{i:02x}"})
        for i in range(4)
    ]
    every = dbapi.list_ports()[0]
    assert len(every) == 6
    for sort_key, sort_dir in (("id", "desc"), ("address", "asc"), ("name", "asc")):
        assert_pages_cover(dbapi.list_ports, every, sort_key, sort_dir, limit=4)
    assert_pages_cover(dbapi.list_ports, more + [second], "id", "asc", 2, filters={
        "node_id": other["id"]})  # fmt: skip
    with pytest.raises(exceptions.InvalidParameterValue):
        dbapi.list_ports(marker=str(uuid.uuid4()))

    dbapi.destroy_port(second["id"])
    with pytest.raises(exceptions.PortNotFound):
        dbapi.get_port(port_id=second["id"])
    with pytest.raises(exceptions.PortNotFound):
        dbapi.destroy_port(second["id"])


def test_portgroups(db):
    node = make_node()
    pg = dbapi.create_portgroup(
        {"node_id": node["id"], "address": "52:54:00:00:01:00", "name": "bond0", "mode": "802.3ad"}
    )
    assert pg["node_uuid"] == node["uuid"] and pg["standalone_ports_supported"] is True
    for got in (
        dbapi.get_portgroup(pg["uuid"]),
        dbapi.get_portgroup(portgroup_id=pg["id"]),
        dbapi.get_portgroup(name="bond0"),
        dbapi.get_portgroup(address="52:54:00:00:01:00"),
    ):
        assert got == pg
    with pytest.raises(exceptions.PortgroupNotFound):
        dbapi.get_portgroup(name="bond9")

    with pytest.raises(exceptions.PortgroupMACAlreadyExists):
        dbapi.create_portgroup({"node_id": node["id"], "address": "52:54:00:00:01:00"})
    with pytest.raises(exceptions.DuplicateName):
        dbapi.create_portgroup({"node_id": node["id"], "name": "bond0"})
    with pytest.raises(exceptions.AlreadyExists):
        dbapi.create_portgroup({"node_id": node["id"], "uuid": pg["uuid"]})
    # A port may share its portgroup's MAC: the two tables are separate namespaces.
    port = dbapi.create_port(
        {"node_id": node["id"], "portgroup_id": pg["id"], "address": "52:54:00:00:01:00"}
    )

    second = dbapi.create_portgroup({"node_id": node["id"]})
    assert second["address"] is None and second["name"] is None
    with pytest.raises(exceptions.PortgroupMACAlreadyExists):
        dbapi.update_portgroup(second["id"], {"address": "52:54:00:00:01:00"})
    with pytest.raises(exceptions.DuplicateName):
        dbapi.update_portgroup(second["id"], {"name": "bond0"})
    changed = dbapi.update_portgroup(second["id"], {"name": "bond1", "properties": {"a": 1}})
    assert changed["name"] == "bond1" and changed["properties"] == {"a": 1}
    with pytest.raises(exceptions.PortgroupNotFound):
        dbapi.update_portgroup(second["id"] + 1000, {"name": "x"})

    assert uuids(dbapi.list_portgroups({"node_id": node["id"]})[0]) == [pg["uuid"], second["uuid"]]
    assert uuids(dbapi.list_portgroups({"address": "52:54:00:00:01:00"})[0]) == [pg["uuid"]]
    every = dbapi.list_portgroups()[0]
    for sort_key in ("id", "name", "address"):
        for sort_dir in ("asc", "desc"):
            assert_pages_cover(dbapi.list_portgroups, every, sort_key, sort_dir, limit=1)

    with pytest.raises(exceptions.PortgroupNotEmpty):
        dbapi.destroy_portgroup(pg["id"], pg["uuid"])
    dbapi.destroy_port(port["id"])
    dbapi.destroy_portgroup(pg["id"], pg["uuid"])
    with pytest.raises(exceptions.PortgroupNotFound):
        dbapi.destroy_portgroup(pg["id"], pg["uuid"])
    assert uuids(dbapi.list_portgroups()[0]) == [second["uuid"]]


# --- chassis ---------------------------------------------------------------------------------
def test_chassis(db):
    chassis = dbapi.create_chassis({"description": "rack 1", "extra": {"row": 3}})
    assert chassis["extra"] == {"row": 3} and close_to_now(chassis["created_at"])
    assert dbapi.get_chassis(chassis["uuid"]) == chassis
    assert dbapi.get_chassis(chassis_id=chassis["id"]) == chassis
    with pytest.raises(exceptions.ChassisNotFound):
        dbapi.get_chassis(str(uuid.uuid4()))
    with pytest.raises(exceptions.AlreadyExists):
        dbapi.create_chassis({"uuid": chassis["uuid"]})

    changed = dbapi.update_chassis(chassis["id"], {"description": "rack 2"})
    assert changed["description"] == "rack 2" and changed["updated_at"] is not None
    with pytest.raises(exceptions.ChassisNotFound):
        dbapi.update_chassis(chassis["id"] + 1000, {"description": "x"})

    for description in (None, "b", None, "a"):
        dbapi.create_chassis({"description": description})
    every = dbapi.list_chassis()[0]
    assert len(every) == 5
    for sort_key in ("id", "description"):
        for sort_dir in ("asc", "desc"):
            assert_pages_cover(dbapi.list_chassis, every, sort_key, sort_dir, limit=2)
    with pytest.raises(exceptions.InvalidParameterValue):
        dbapi.list_chassis(marker=str(uuid.uuid4()))

    node = make_node(chassis_id=chassis["id"])
    with pytest.raises(exceptions.ChassisNotEmpty):
        dbapi.destroy_chassis(chassis["id"], chassis["uuid"])
    dbapi.update_node(node["id"], {"chassis_id": None})
    dbapi.destroy_chassis(chassis["id"], chassis["uuid"])
    with pytest.raises(exceptions.ChassisNotFound):
        dbapi.destroy_chassis(chassis["id"], chassis["uuid"])


# --- conductors ------------------------------------------------------------------------------
def _interfaces(*names):
    return [
        {
            "hardware_type": "fake-hardware",
            "interface_type": "power",
            "interface_name": name,
            "default": i == 0,
        }
        for i, name in enumerate(names)
    ]


def _age_conductor(hostname: str, seconds: int) -> None:
    """Pretend the conductor's last heart-beat was ``seconds`` ago."""
    table = models.Conductor.__table__
    with session.writer() as conn:
        conn.execute(
            update(table)
            .where(table.c.hostname == hostname)
            .values(updated_at=models.utcnow() - datetime.timedelta(seconds=seconds))
        )


def test_conductors(db):
    c1 = dbapi.register_conductor("cond-1", "Group-A", ["fake-hardware"], _interfaces("fake"))
    assert c1["online"] is True and c1["conductor_group"] == "group-a"
    assert c1["drivers"] == ["fake-hardware"] and close_to_now(c1["updated_at"])
    c2 = dbapi.register_conductor("cond-2", "", ["ipmi"], [])
    assert dbapi.get_conductor("cond-1") == c1
    with pytest.raises(exceptions.ConductorNotFound):
        dbapi.get_conductor("cond-9")

    assert dbapi.touch_conductor("cond-1") is True
    assert dbapi.touch_conductor("cond-9") is False

    names = [c["hostname"] for c in dbapi.list_alive_conductors(60)]
    assert names == ["cond-1", "cond-2"]
    assert dbapi.list_dead_conductors(60) == []

    _age_conductor("cond-2", 120)
    assert [c["hostname"] for c in dbapi.list_alive_conductors(60)] == ["cond-1"]
    assert [c["hostname"] for c in dbapi.list_dead_conductors(60)] == ["cond-2"]
    assert [c["hostname"] for c in dbapi.list_alive_conductors(300)] == ["cond-1", "cond-2"]
    assert dbapi.touch_conductor("cond-2") is True
    assert len(dbapi.list_alive_conductors(60)) == 2

    dbapi.unregister_conductor("cond-1")
    assert dbapi.get_conductor("cond-1")["online"] is False
    assert [c["hostname"] for c in dbapi.list_alive_conductors(60)] == ["cond-2"]
    assert [c["hostname"] for c in dbapi.list_dead_conductors(60)] == ["cond-1"]

    # Registering again brings it back online and replaces its interfaces.
    again = dbapi.register_conductor("cond-1", "group-b", ["fake-hardware"], _interfaces("a", "b"))
    assert again["id"] == c1["id"] and again["online"] is True
    assert again["conductor_group"] == "group-b"
    hwi = dbapi.list_hardware_interfaces()
    assert [(h["hostname"], h["interface_name"], h["default"]) for h in hwi] == [
        ("cond-1", "a", True),
        ("cond-1", "b", False),
    ]
    assert hwi[0]["conductor_group"] == "group-b"
    dbapi.register_conductor("cond-2", "", ["ipmi"], _interfaces("ipmitool"))
    assert [h["interface_name"] for h in dbapi.list_hardware_interfaces([c2["id"]])] == ["ipmitool"]
    assert len(dbapi.list_hardware_interfaces()) == 3
    assert dbapi.list_hardware_interfaces([]) == []

    for i in range(3, 6):
        dbapi.register_conductor(f"cond-{i}", "", [], [])
    every = dbapi.list_conductors()[0]
    assert len(every) == 5
    for sort_key in ("id", "hostname", "updated_at"):
        for sort_dir in ("asc", "desc"):
            assert_pages_cover(
                dbapi.list_conductors, every, sort_key, sort_dir, limit=2, ident="hostname"
            )
    with pytest.raises(exceptions.InvalidParameterValue):
        dbapi.list_conductors(marker="cond-9")


# --- history ---------------------------------------------------------------------------------
def test_history(db):
    node = make_node()
    other = make_node()
    for i in range(5):
        dbapi.record_history(
            node["id"],
            event=f"event {i}",
            severity="ERROR" if i == 4 else "INFO",
            conductor="cond-1",
            user="u1",
            project="p1",
            state="deploying",
            target_provision_state="active",
            duration_seconds=i,
        )
    dbapi.record_history(other["id"], event="x" * 5000, event_type="console")

    events, more = dbapi.list_history(node["id"])
    assert [e["event"] for e in events] == [f"event {i}" for i in range(5)] and more is False
    assert events[4]["severity"] == "ERROR" and events[0]["event_type"] == "provisioning"
    assert events[0]["duration_seconds"] == 0 and close_to_now(events[0]["created_at"])
    assert dbapi.get_history_event(node["id"], events[2]["uuid"]) == events[2]
    with pytest.raises(exceptions.NotFound):
        dbapi.get_history_event(other["id"], events[2]["uuid"])
    with pytest.raises(exceptions.NotFound):
        dbapi.get_history_event(node["id"], str(uuid.uuid4()))
    (long_event,) = dbapi.list_history(other["id"])[0]
    assert len(long_event["event"]) == 4096

    for sort_dir in ("asc", "desc"):
        for sort_key in ("created_at", "id"):
            assert_pages_cover(
                dbapi.list_history, events, sort_key, sort_dir, limit=2, node_id=node["id"]
            )
    with pytest.raises(exceptions.InvalidParameterValue):
        dbapi.list_history(other["id"], marker=events[0]["uuid"])

    assert dbapi.prune_history(node["id"], keep=2) == 3
    assert [e["event"] for e in dbapi.list_history(node["id"])[0]] == ["event 3", "event 4"]
    assert dbapi.prune_history(node["id"], keep=2) == 0
    assert len(dbapi.list_history(other["id"])[0]) == 1


def test_now_is_naive_utc(db):
    assert close_to_now(dbapi.now())
    aware = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    assert abs(dbapi.now() - aware) < datetime.timedelta(seconds=5)


def test_connections_are_configured(db):
    """What every connection relies on, per backend.

    SQLite enforces foreign keys, journals with WAL and waits for the write lock; MySQL is
    strict whatever the server's sql_mode (a missing or too long value is an error, not a
    silent '' or a cut string); PostgreSQL reads committed rows (the lock UPDATE relies on it).
    """
    with session.reader() as conn:
        if db == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            busy = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
            assert busy == CONF.database.sqlite_busy_timeout * 1000
        elif db == "mysql":
            mode = conn.exec_driver_sql("SELECT @@SESSION.sql_mode").scalar()
            assert "STRICT_ALL_TABLES" in mode
        else:
            level = conn.exec_driver_sql("SHOW transaction_isolation").scalar()
            assert level == "read committed"


# --- SQLite only -----------------------------------------------------------------------------
def test_sqlite_writers_queue_instead_of_failing(tmp_path):
    """8 threads writing at once never see "database is locked".

    Writes start with BEGIN IMMEDIATE, so a transaction that reads before it writes (adding a
    trait does) waits for the lock instead of failing when it upgrades its read lock.
    """
    ensure_config()
    engine = session.make_engine("sqlite:///" + str(tmp_path / "busy.sqlite"))
    session.set_engine(engine)
    try:
        migration.upgrade()
        errors: list[Exception] = []
        barrier = threading.Barrier(8)

        def writer(worker: int) -> None:
            try:
                barrier.wait(10)
                for i in range(50):
                    node = dbapi.create_node({"driver": "fake-hardware", "name": f"w{worker}-{i}"})
                    dbapi.update_node(node["id"], {"power_state": "power on"}, expected_revision=0)
                    if i % 5 == 0:
                        dbapi.add_node_trait(node["id"], "CUSTOM_BUSY")
                        dbapi.list_nodes(limit=5)
            except Exception as e:  # reported by the assertion below
                errors.append(e)

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not errors, [str(e) for e in errors]
        assert dbapi.count_nodes() == 400
        assert dbapi.count_nodes({"power_state": "power on"}) == 400
        with session.reader() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        session.set_engine(None)
        engine.dispose()


def test_sqlite_in_memory_engine():
    """The in-memory database (unit tests, quick demos) works across threads."""
    ensure_config()
    engine = session.make_engine("sqlite://")
    session.set_engine(engine)
    try:
        migration.upgrade()
        node = make_node(name="mem")
        found = []
        thread = threading.Thread(target=lambda: found.append(dbapi.get_node("mem")))
        thread.start()
        thread.join(10)
        assert found and found[0]["uuid"] == node["uuid"]
    finally:
        session.set_engine(None)
        engine.dispose()
