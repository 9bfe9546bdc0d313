"""BIOS settings and firmware components in the database API on SQLite, PostgreSQL and MariaDB.

A re-read of an unchanged machine must write nothing, a replacing write must delete what the
machine no longer has, and registry fields (lists, booleans, 64-bit bounds, the ``unique``
column whose name is an SQL keyword) must read back exactly as written on every database.
"""

import pytest

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
    if CONF._args is None:
        CONF([], project="ironic-lite", default_config_files=[])
    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp_path_factory.mktemp("dbapi-bios") / "ironic-lite.sqlite")

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
def node(engine) -> dict:
    session.set_engine(engine)
    with session.writer() as conn:
        for table in reversed(models.Base.metadata.sorted_tables):
            conn.execute(table.delete())
    return dbapi.create_node({"driver": "fake-hardware"})


REGISTRY = [
    {
        "name": "BootMode",
        "value": "Uefi",
        "attribute_type": "Enumeration",
        "allowable_values": ["Uefi", "Bios"],
        "read_only": False,
        "reset_required": True,
        "unique": False,
    },
    {
        "name": "MemSize",
        "value": 65536,
        "attribute_type": "Integer",
        "lower_bound": 0,
        "upper_bound": 2**40,
        "read_only": True,
    },
]


def test_bios_settings_round_trip_and_replace(node):
    rows = dbapi.set_bios_settings(node["id"], REGISTRY)
    assert [r["name"] for r in rows] == ["BootMode", "MemSize"]
    boot, mem = rows
    assert boot["allowable_values"] == ["Uefi", "Bios"]
    assert boot["read_only"] is False and boot["reset_required"] is True
    assert boot["unique"] is False and boot["lower_bound"] is None
    assert mem["value"] == "65536" and mem["upper_bound"] == 2**40 and mem["read_only"] is True
    assert all(r["created_at"] is not None and r["updated_at"] is None for r in rows)

    # The same read again changes nothing, not even updated_at.
    assert dbapi.set_bios_settings(node["id"], REGISTRY) == rows

    # A partial write changes only the named setting and field.
    rows = dbapi.set_bios_settings(node["id"], [{"name": "BootMode", "value": "Bios"}], False)
    boot, mem = rows
    assert boot["value"] == "Bios" and boot["allowable_values"] == ["Uefi", "Bios"]
    assert boot["updated_at"] is not None and mem["updated_at"] is None

    # A replacing write deletes what the machine no longer has.
    rows = dbapi.set_bios_settings(node["id"], [{"name": "MemSize", "value": "1"}])
    assert [(r["name"], r["value"], r["upper_bound"]) for r in rows] == [("MemSize", "1", None)]
    assert dbapi.get_bios_setting(node["id"], "BootMode") is None
    assert dbapi.get_bios_setting(node["id"], "MemSize")["value"] == "1"
    assert dbapi.list_bios_settings(node["id"]) == rows


def test_firmware_components_keep_their_initial_version(node):
    rows = dbapi.set_firmware_components(
        node["id"],
        [
            {"component": "bios", "current_version": "1.0"},
            {"component": "bmc", "initial_version": "5.0", "current_version": "5.1"},
        ],
    )
    assert [(r["component"], r["initial_version"], r["current_version"]) for r in rows] == [
        ("bios", "1.0", "1.0"),
        ("bmc", "5.0", "5.1"),
    ]
    rows = dbapi.set_firmware_components(
        node["id"],
        [{"component": "bios", "current_version": "2.0", "last_version_flashed": "2.0"}],
        replace=False,
    )
    bios, bmc = rows
    assert (bios["initial_version"], bios["current_version"]) == ("1.0", "2.0")
    assert bios["last_version_flashed"] == "2.0" and bios["updated_at"] is not None
    assert bmc["updated_at"] is None
    rows = dbapi.set_firmware_components(node["id"], [{"component": "bmc", "current_version": "6"}])
    assert [(r["component"], r["initial_version"]) for r in rows] == [("bmc", "5.0")]
    dbapi.destroy_node(node["id"])
    assert dbapi.list_firmware_components(node["id"]) == []
    assert dbapi.list_bios_settings(node["id"]) == []


def test_bad_rows_are_refused_before_writing(node):
    with pytest.raises(ValueError, match="colour"):
        dbapi.set_bios_settings(node["id"], [{"name": "A", "value": "1", "colour": "red"}])
    with pytest.raises(ValueError, match="needs a version"):
        dbapi.set_firmware_components(node["id"], [{"component": "bios"}])
    assert dbapi.list_bios_settings(node["id"]) == []
    assert dbapi.list_firmware_components(node["id"]) == []
