"""Recording an inspected inventory: stored per node, replaced by the next one."""

import pytest

from ironic_lite.conductor import inventory
from ironic_lite.conductor.task import Task
from ironic_lite.db import api as dbapi
from tests.lab.harness import node_task


def test_an_inventory_is_stored_and_replaced_by_the_next():
    with node_task() as task:
        assert dbapi.get_inventory(task.node["id"]) is None
        inventory.record(task, {"cpu": {"count": 4}}, {"rules": []}, source="agent")
        first = dbapi.get_inventory(task.node["id"])
        assert first == {
            "inventory": {"cpu": {"count": 4}},
            "plugin_data": {"rules": [], "source": "agent"},
        }
        inventory.record(task, {"cpu": {"count": 8}})
        assert dbapi.get_inventory(task.node["id"])["inventory"] == {"cpu": {"count": 8}}


def test_a_shared_task_cannot_record():
    with node_task() as task:
        shared = Task(task.context, task.node, "harness", shared=True, purpose="look")
        with pytest.raises(RuntimeError):
            inventory.record(shared, {"cpu": {}})
