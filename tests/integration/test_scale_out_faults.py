"""Conductor faults over real RabbitMQ and PostgreSQL, each in a cluster of its own.

What must hold:
- a conductor killed (SIGKILL) in the middle of a power action leaves no
  ``target_power_state`` behind: the conductor that takes the node over, or the same one
  restarted, clears it with a history entry, so clients waiting for it (Nova) go on;
- a conductor frozen (SIGSTOP) past its heart-beat timeout and resumed (SIGCONT) after the
  new owner finished its step does not repeat the step's BMC action: its worker is fenced by
  the lock's epoch and stops quietly. The BMC is sushy-tools' emulator, whose request log
  says how often the machine was reset.
"""

import signal
import time
import uuid

import openstack
import pytest

from tests.lab import services
from tests.lab.cluster import Cluster
from tests.lab.redfish import RedfishLab, started

pytestmark = pytest.mark.xdist_group("rabbitmq")

HEARTBEAT_TIMEOUT = 4
POWER_DELAY = 5  # [fake] power_delay: how long a fake power action (and read) takes
DEPLOY_DELAY = 5  # [fake] deploy_delay: the fake deploy step's time before it powers on
CONF = f"""
    [conductor]
    heartbeat_interval = 1
    heartbeat_timeout = {HEARTBEAT_TIMEOUT}
    check_provision_state_interval = 1
    rpc_call_timeout = 5
    graceful_shutdown_timeout = 2
    sync_power_state_interval = 0
    [fake]
    power_delay = {POWER_DELAY}
    deploy_delay = {DEPLOY_DELAY}
    [redfish]
    connection_attempts = 2
    connection_retry_interval = 0.2
    poll_interval = 0.2
    power_state_change_timeout = 20
    """


@pytest.fixture
def cluster_of():
    """Starts a cluster of N conductors (and one API) on a scratch PostgreSQL database;
    stops every process and drops the database at the end."""
    services.require("RabbitMQ", "127.0.0.1", 5672)
    made: list[tuple[Cluster, object]] = []

    def make(conductors: int) -> Cluster:
        url, drop = services.scratch_database("postgresql")
        cluster = Cluster(url, services.RABBIT_URL, conductors=conductors, extra_conf=CONF)
        made.append((cluster, drop))
        return cluster.start()

    yield make
    for cluster, drop in made:
        for proc in cluster.conductors:
            proc.signal(signal.SIGCONT)  # a frozen process cannot stop
        cluster.stop()
        drop()


def _sdk(cluster: Cluster):
    return openstack.connect(
        auth_type="none",
        auth={"endpoint": cluster.url},
        baremetal_endpoint_override=cluster.url,
        has_compute=False,
        has_image=False,
        load_yaml_config=False,
        load_envvars=False,
    )


def _until(check, timeout: float, what: str, cluster: Cluster):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out waiting for {what}\n" + cluster.logs()[-6000:])
        time.sleep(0.3)


def _history(sdk, node) -> list[str]:
    resp = sdk.baremetal.get(f"/nodes/{node.id}/history?detail=true", microversion="1.78")
    return [e["event"] for e in resp.json()["history"]]


def _power_on_in_flight(cluster: Cluster, sdk):
    """A fake node whose power on is running on some conductor: (node, that conductor)."""
    node = sdk.baremetal.create_node(driver="fake-hardware", name=f"pw-{uuid.uuid4().hex[:6]}")
    sdk.baremetal.set_node_power_state(node, "power on")
    node = _until(
        lambda: (n := sdk.baremetal.get_node(node.id)).reservation and n,
        10,
        "the power action to start",
        cluster,
    )
    assert node.target_power_state == "power on" and node.power_state is None
    return node, cluster.conductor(node.reservation)


def _target_cleared(cluster: Cluster, sdk, node, timeout: float):
    """Wait as Nova's driver does: until target_power_state is empty again."""
    return _until(
        lambda: (n := sdk.baremetal.get_node(node.id)).target_power_state is None and n,
        timeout,
        "target_power_state to clear",
        cluster,
    )


def _released(cluster: Cluster, sdk, node) -> None:
    """The conductor that cleared the target lets the node go right after."""
    _until(
        lambda: sdk.baremetal.get_node(node.id).reservation is None,
        5,
        "the node's lock to be released",
        cluster,
    )


def test_kill_9_mid_power_action_is_cleared_by_the_new_owner(cluster_of):
    cluster = cluster_of(2)
    sdk = _sdk(cluster)
    node, victim = _power_on_in_flight(cluster, sdk)
    victim.signal(signal.SIGKILL)
    killed = time.monotonic()

    # Taken over within 2x the heart-beat timeout, then one power read of the fake BMC.
    node = _target_cleared(cluster, sdk, node, 2 * HEARTBEAT_TIMEOUT + POWER_DELAY + 10)
    assert time.monotonic() - killed >= HEARTBEAT_TIMEOUT
    _released(cluster, sdk, node)
    survivor = next(c.name for c in cluster.conductors if c is not victim)
    message = (
        f"Pending power action 'power on' aborted: conductor {victim.name} stopped; "
        f"taken over by {survivor}"
    )
    assert node.last_error.startswith(message), node.last_error
    assert any(e.startswith(message) for e in _history(sdk, node)), _history(sdk, node)

    # The client asks again and its wait for the power state returns.
    sdk.baremetal.set_node_power_state(node, "power on", wait=True, timeout=POWER_DELAY + 30)
    node = sdk.baremetal.get_node(node.id)
    assert (node.power_state, node.target_power_state) == ("power on", None)
    assert node.last_error is None
    sdk.close()


def test_kill_9_mid_power_action_is_cleared_by_the_restarted_conductor(cluster_of):
    cluster = cluster_of(1)  # nobody else could take the node over
    sdk = _sdk(cluster)
    node, victim = _power_on_in_flight(cluster, sdk)
    victim.signal(signal.SIGKILL)
    assert victim.wait(10) is not None
    victim.start()

    node = _target_cleared(cluster, sdk, node, POWER_DELAY + 40)
    message = f"Pending power action 'power on' aborted: conductor {victim.name} restarted"
    assert node.last_error.startswith(message), node.last_error
    assert any(e.startswith(message) for e in _history(sdk, node)), _history(sdk, node)
    _released(cluster, sdk, node)

    sdk.baremetal.set_node_power_state(node, "power on", wait=True, timeout=POWER_DELAY + 30)
    assert sdk.baremetal.get_node(node.id).power_state == "power on"
    sdk.close()


def test_kill_9_mid_power_step_of_a_deploy_resumes_it_cleanly(cluster_of):
    """A power action inside a flow is aborted too, but the flow resumes on the new owner:
    its outcome, not the abort, is what last_error shows."""
    cluster = cluster_of(2)
    sdk = _sdk(cluster)
    node = sdk.baremetal.create_node(
        driver="fake-hardware", name=f"flow-{uuid.uuid4().hex[:6]}", automated_clean=False
    )
    sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=60)
    sdk.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=60)
    reboot_first = [{"interface": "power", "step": "reboot", "priority": 150, "args": {}}]
    sdk.baremetal.set_node_provision_state(node, "active", deploy_steps=reboot_first)
    node = _until(
        lambda: (n := sdk.baremetal.get_node(node.id)).target_power_state and n.reservation and n,
        15,
        "the deploy's reboot to start",
        cluster,
    )
    victim = cluster.conductor(node.reservation)
    victim.signal(signal.SIGKILL)

    node = _until(
        lambda: (
            (n := sdk.baremetal.get_node(node.id)).provision_state in ("active", "deploy failed")
            and n
        ),
        2 * HEARTBEAT_TIMEOUT + 3 * POWER_DELAY + DEPLOY_DELAY + 30,
        "the deploy to end on the new owner",
        cluster,
    )
    assert node.provision_state == "active" and node.last_error is None, node.last_error
    assert (node.power_state, node.target_power_state) == ("power on", None)
    events = _history(sdk, node)
    assert any(
        e.startswith(f"Pending power action 'power on' aborted: conductor {victim.name} stopped")
        for e in events
    ), events
    assert any(e.startswith(f"taken over from {victim.name}") for e in events), events
    sdk.close()


def _resets(lab: RedfishLab) -> int:
    return sum(
        1
        for method, path, _ in lab.requests_seen()
        if method == "POST" and path.endswith("/Actions/ComputerSystem.Reset")
    )


def test_frozen_conductor_does_not_repeat_the_bmc_action_after_takeover(cluster_of):
    lab = started(RedfishLab(systems=1))
    try:
        cluster = cluster_of(2)
        sdk = _sdk(cluster)
        node = sdk.baremetal.create_node(
            driver="redfish",
            name=f"fence-{uuid.uuid4().hex[:6]}",
            driver_info=lab.driver_info(0),
            # The fake deploy step waits [fake] deploy_delay, then powers the machine on
            # through its BMC: the action a frozen conductor would repeat.
            deploy_interface="fake",
            boot_interface="fake",
            bios_interface="no-bios",
            raid_interface="no-raid",
            firmware_interface="no-firmware",
            inspect_interface="no-inspect",
        )
        node = sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=60)
        node = sdk.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=60)
        assert node.provision_state == "available", node.last_error

        resets_before = _resets(lab)
        sdk.baremetal.set_node_provision_state(node, "active")
        node = _until(
            lambda: (
                (n := sdk.baremetal.get_node(node.id)).provision_state == "deploying"
                and n.reservation
                and n
            ),
            10,
            "the deploy to start",
            cluster,
        )
        victim = cluster.conductor(node.reservation)
        victim.signal(signal.SIGSTOP)  # frozen inside the deploy step, before its power on

        # The other conductor takes the node over, runs the step again and finishes.
        node = _until(
            lambda: (
                (n := sdk.baremetal.get_node(node.id)).provision_state
                in ("active", "deploy failed")
                and n
            ),
            2 * HEARTBEAT_TIMEOUT + DEPLOY_DELAY + 30,
            "the new owner to finish the deploy",
            cluster,
        )
        assert node.provision_state == "active", node.last_error
        assert _resets(lab) == resets_before + 1
        assert lab.system(0)["PowerState"] == "On"

        # The frozen conductor wakes up past the end of its step's delay: its worker goes
        # straight for the BMC, and the fence stops it there.
        frozen_log = len(victim.read_log())
        victim.signal(signal.SIGCONT)
        _until(
            lambda: f"Node {node.id}: stopping" in victim.read_log(),
            20,
            "the resumed worker to notice it lost the lock",
            cluster,
        )
        time.sleep(1)
        assert _resets(lab) == resets_before + 1, "the frozen conductor reset the machine again"
        woke = victim.read_log()[frozen_log:]
        assert f"lock of node {node.id} lost" in woke and "not running power on" in woke, woke
        assert "Unexpected error" not in woke and "Traceback" not in woke, woke
        node = sdk.baremetal.get_node(node.id)
        assert node.provision_state == "active" and node.last_error is None
        assert node.reservation is None
        events = _history(sdk, node)
        assert any(e.startswith(f"taken over from {victim.name}") for e in events), events
        assert not any("failed" in e for e in events), events
        sdk.close()
    finally:
        lab.stop()
