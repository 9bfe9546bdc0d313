"""Power sync against sushy-tools' emulator: a machine whose power is changed behind
ironic-lite's back is put back (``[conductor] force_power_state_during_sync``, the default),
or, with the option false, the node records what the machine does.

Two all-in-one services, one per setting, share one emulator (each node on a system of its
own); power sync runs every 2 seconds. The change "behind the back" is a Reset the test posts
to the emulator itself.
"""

import time
import uuid

import openstack
import pytest

from tests.lab.redfish import RedfishLab, started
from tests.lab.server import Service

pytestmark = pytest.mark.xdist_group("redfish")

SYNC_INTERVAL = 2
MAX_RETRIES = 2  # [conductor] power_state_sync_max_retries
CONF = f"""
    [conductor]
    sync_power_state_interval = {SYNC_INTERVAL}
    power_state_sync_max_retries = {MAX_RETRIES}
    force_power_state_during_sync = {{force}}
    [redfish]
    connection_attempts = 2
    connection_retry_interval = 0.2
    poll_interval = 0.2
    power_state_change_timeout = 20
    """


@pytest.fixture(scope="module")
def lab():
    running = started(RedfishLab(systems=3))
    yield running
    running.stop()


def _service(force: bool):
    svc = Service(extra_conf=CONF.format(force=str(force).lower())).start()
    conn = openstack.connect(
        auth_type="none",
        auth={"endpoint": svc.url},
        baremetal_endpoint_override=svc.url,
        has_compute=False,
        has_image=False,
        load_yaml_config=False,
        load_envvars=False,
    )
    return svc, conn


@pytest.fixture(scope="module")
def forced(lab):
    svc, conn = _service(force=True)
    yield conn
    conn.close()
    svc.stop()


@pytest.fixture(scope="module")
def recorded(lab):
    svc, conn = _service(force=False)
    yield conn
    conn.close()
    svc.stop()


def _until(check, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _powered_on(sdk, lab, index: int):
    node = sdk.baremetal.create_node(
        driver="redfish", name=f"sync-{uuid.uuid4().hex[:6]}", driver_info=lab.driver_info(index)
    )
    node = sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=60)
    assert node.provision_state == "manageable", node.last_error
    sdk.baremetal.set_node_power_state(node, "power on", wait=True, timeout=30)
    assert lab.system(index)["PowerState"] == "On"
    return node


def _switch_off_behind_the_back(lab, index: int) -> None:
    """What a person at the machine (or another tool on its BMC) does."""
    path = f"{lab.url}{lab.systems[index].path}/Actions/ComputerSystem.Reset"
    lab.session().post(path, json={"ResetType": "ForceOff"}, timeout=5).raise_for_status()
    _until(lambda: lab.system(index)["PowerState"] == "Off", "the emulator to switch off")


def _history(sdk, node) -> list[str]:
    resp = sdk.baremetal.get(f"/nodes/{node.id}/history?detail=true", microversion="1.78")
    return [e["event"] for e in resp.json()["history"]]


def test_a_machine_switched_off_behind_the_back_is_put_back_on(forced, lab):
    node = _powered_on(forced, lab, 0)
    _switch_off_behind_the_back(lab, 0)

    _until(
        lambda: lab.system(0)["PowerState"] == "On",
        "power sync to put the machine back on",
        timeout=4 * SYNC_INTERVAL + 20,
    )
    node = _until(
        lambda: (n := forced.baremetal.get_node(node.id)).target_power_state is None and n,
        "the correction to end",
    )
    assert node.power_state == "power on" and node.last_error is None
    assert not node.is_maintenance
    events = _history(forced, node)
    assert (
        "Power state changed from power on to power off outside ironic-lite; putting it back "
        "to power on (force_power_state_during_sync)"
    ) in events, events


def test_a_machine_that_keeps_changing_is_recorded_as_it_is(forced, lab):
    """Put back power_state_sync_max_retries passes in a row, then the node gives in."""
    node = _powered_on(forced, lab, 2)
    for _ in range(MAX_RETRIES):
        _switch_off_behind_the_back(lab, 2)
        _until(
            lambda: lab.system(2)["PowerState"] == "On",
            "power sync to put the machine back on",
            timeout=4 * SYNC_INTERVAL + 20,
        )
    _switch_off_behind_the_back(lab, 2)
    node = _until(
        lambda: (n := forced.baremetal.get_node(node.id)).power_state == "power off" and n,
        "the node to record the machine as off",
        timeout=4 * SYNC_INTERVAL + 20,
    )
    events = _history(forced, node)
    assert any(
        e.startswith(f"Power state changed outside ironic-lite {MAX_RETRIES} times in a row")
        for e in events
    ), events
    time.sleep(2 * SYNC_INTERVAL + 1)  # more passes: nothing forces it on any more
    assert lab.system(2)["PowerState"] == "Off"
    assert forced.baremetal.get_node(node.id).power_state == "power off"


def test_without_forcing_the_node_follows_the_machine(recorded, lab):
    node = _powered_on(recorded, lab, 1)
    _switch_off_behind_the_back(lab, 1)

    node = _until(
        lambda: (n := recorded.baremetal.get_node(node.id)).power_state == "power off" and n,
        "power sync to record the machine as off",
        timeout=4 * SYNC_INTERVAL + 20,
    )
    assert node.target_power_state is None
    events = _history(recorded, node)
    assert "Power state changed from power on to power off outside ironic-lite" in events, events
    time.sleep(2 * SYNC_INTERVAL + 1)
    assert lab.system(1)["PowerState"] == "Off", "power sync powered the machine"
