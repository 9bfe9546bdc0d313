"""Fast track and ``reboot_requested`` with both agents, behind a real BMC, through openstacksdk.

Where a reboot is the point, the machine has to be able to reboot: each agent kind gets the
lab (``ironic_lite.lab.stack``) with two IPMI machines (the lab's in-memory BMCs, booted by
iPXE) and the machine simulator, which starts that agent (ironic-lite-agent, or stock IPA 13 in
its sandbox) whenever a BMC boots its machine into the ramdisk and stops it when the BMC powers
it off or resets it. Every boot the BMC counted is a line of the simulator's ``events.jsonl``,
so a test sees each reboot the conductor asked for, and only those.

- Fast track (``[deploy] fast_track``): automated cleaning leaves the agent up; the deploy that
  follows reuses it, so the machine boots the ramdisk once, then its disk.
- A step with ``reboot_requested`` (``lab_reboot_marker``, offered by the lab's IPA hardware
  manager and by ironic-lite-agent's simulated backend) in a manual clean: the conductor
  reboots the machine into the ramdisk after it and runs the next step on the new agent.
"""

import datetime
import hashlib
import json
import os
import uuid

import openstack
import pytest

from ironic_lite.lab.processes import free_port
from ironic_lite.lab.stack import LabError, LabStack
from tests.integration import test_agents_sdk as sdk
from tests.integration.test_agents_sdk import AGENTS, _wait
from tests.lab.ipa import require_ipa
from tests.unit.agent.fakes import ImageServer

SERVICE_CONF = """\
[conductor]
check_provision_state_interval = 1
deploy_callback_timeout = 120
clean_callback_timeout = 120
sync_power_state_interval = 600
[agent]
heartbeat_timeout = 4
post_deploy_power_off_wait = 5
command_retry_interval = 0.5
command_wait_interval = 0.5
[deploy]
fast_track = true
fast_track_timeout = 60
"""
# The simulator's events for an agent ended by its BMC (power off, reset).
STOPPED = ("agent_stopped", "agent_killed")


@pytest.fixture(scope="module", params=AGENTS)
def stack(request, tmp_path_factory):
    """The lab for one agent kind: ironic-lite, two IPMI machines, the simulator."""
    kind = request.param
    if kind == "ipa":
        require_ipa()
    lab = LabStack(
        str(tmp_path_factory.mktemp(f"reboots-{kind}")),
        nodes=2,
        redfish=0,
        api_url=f"http://127.0.0.1:{free_port()}",
        with_service=True,
        disk_size="64M",
        heartbeat_interval=1,
        ports="boot",
        service_conf=SERVICE_CONF,
        agent=kind,
    )
    try:
        lab.up(enroll=False)
    except (LabError, TimeoutError, OSError, RuntimeError) as exc:
        lab.down(remove=False)
        if os.environ.get("CI"):
            pytest.fail(f"the lab did not start: {exc} (CI must be able to run it)")
        pytest.skip(f"the lab did not start: {exc}")
    conn = openstack.connect(
        auth_type="none",
        auth={"endpoint": lab.api_url},
        baremetal_endpoint_override=lab.api_url,
        has_compute=False,
        has_image=False,
        load_yaml_config=False,
        load_envvars=False,
    )
    yield lab, conn
    conn.close()
    lab.down(remove=False)


class _Log:
    """What ``_wait`` shows when a node does not get there: the machine's agent logs."""

    def __init__(self, machine: str):
        self.machine = machine

    def output(self) -> str:
        text = ""
        for name in sorted(os.listdir(self.machine)):
            if name.startswith("agent-") or name in ("ipa.log",):
                with open(os.path.join(self.machine, name), errors="replace") as f:
                    text += f"--- {name}\n" + "".join(f.readlines()[-30:])
        return text


def _enroll(lab: LabStack, conn, index: int):
    """The node of the lab's ``index``-th machine, manageable; (node, machine name, dir)."""
    machine = lab.machines()[index]
    body = lab.node_body(machine)
    body["name"] = f"{machine['name']}-{uuid.uuid4().hex[:6]}"
    node = conn.baremetal.create_node(**body)
    conn.baremetal.create_port(node_id=node.id, address=machine["macs"][0])
    conn.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=60)
    return node, machine["name"], lab.path("machines", machine["name"])


def _events(lab: LabStack, machine: str) -> list[dict]:
    with open(lab.path("events.jsonl")) as f:
        found = [json.loads(line) for line in f if line.strip()]
    return [e for e in found if e["machine"] == machine]


def _actions(directory: str) -> list[str]:
    return [a["action"] for a in sdk._actions(directory)]


def test_fast_track_deploy_reuses_the_agent_cleaning_left_up(stack, tmp_path):
    lab, conn = stack
    node, name, machine = _enroll(lab, conn, 0)
    image, payload = sdk._image(tmp_path)
    with ImageServer() as images:
        conn.baremetal.update_node(
            node,
            instance_info={
                "image_source": images.add(f"/{uuid.uuid4().hex}.img", image),
                "image_os_hash_algo": "sha256",
                "image_os_hash_value": hashlib.sha256(image).hexdigest(),
                "image_disk_format": "raw",
            },
        )
        conn.baremetal.set_node_provision_state(node, "provide")
        node = _wait(conn, node.id, {"available", "clean failed"}, 180, _Log(machine))
        assert node.provision_state == "available", (node.last_error, _Log(machine).output())
        # Fast track: the machine stays up in the ramdisk after cleaning.
        assert node.power_state == "power on"
        boots = [e for e in _events(lab, name) if e["event"] == "boot"]
        assert [b["device"] for b in boots] == ["pxe"]
        cleaning_agent = boots[0]["agent_pid"]

        conn.baremetal.set_node_provision_state(node, "active")
        node = _wait(conn, node.id, {"active", "deploy failed"}, 180, _Log(machine))
        assert node.provision_state == "active", (node.last_error, _Log(machine).output())

    events = _events(lab, name)
    # Between cleaning and the instance: no reboot, no second ramdisk boot. The agent that
    # cleaned wrote the image and powered the machine off; then it booted its disk once.
    assert [e["device"] for e in events if e["event"] == "boot"] == ["pxe", "disk"], events
    assert not [e for e in events if e["event"] in STOPPED], events
    exited = [e for e in events if e["event"] == "agent_exited"]
    assert [(e["pid"], e["power"]) for e in exited] == [(cleaning_agent, "off")], events
    actions = _actions(machine)
    assert "erase_disk" in actions and "reboot" not in actions
    with open(os.path.join(machine, "disks", "sda.img"), "rb") as f:
        disk = f.read(8 << 20)
    assert disk[3 << 20 : (3 << 20) + len(payload)] == payload


def test_a_step_asking_for_a_reboot_reboots_into_the_ramdisk_then_cleaning_goes_on(stack):
    lab, conn = stack
    node, name, machine = _enroll(lab, conn, 1)
    conn.baremetal.set_node_provision_state(
        node,
        "clean",
        clean_steps=[
            # Only the agent offers it (no interface of the node declares it).
            {"interface": "deploy", "step": "lab_reboot_marker", "args": {"note": "first"}},
            {"interface": "deploy", "step": "erase_devices_metadata"},
        ],
    )
    node = _wait(conn, node.id, {"manageable", "clean failed"}, 180, _Log(machine))
    assert node.provision_state == "manageable", (node.last_error, _Log(machine).output())

    events = _events(lab, name)
    boots = [e for e in events if e["event"] == "boot"]
    # The BMC booted the machine into the ramdisk twice: for cleaning, and once more after
    # the step that asked for it; the first agent was stopped by that power cycle.
    assert [b["device"] for b in boots] == ["pxe", "pxe"], events
    first, second = boots[0]["agent_pid"], boots[1]["agent_pid"]
    assert first != second
    stopped = [e for e in events if e["event"] in STOPPED]
    assert [e["pid"] for e in stopped] == [first], events
    assert boots[0]["time"] < stopped[0]["time"] <= boots[1]["time"]
    # Both steps ran, in order, and the second one after the reboot.
    records = sdk._actions(machine)
    names = [a["action"] for a in records]
    assert names.count("lab_reboot_marker") == 1 and "erase_disk_metadata" in names
    marker = next(a for a in records if a["action"] == "lab_reboot_marker")
    assert marker["note"] == "first"
    assert names.index("lab_reboot_marker") < names.index("erase_disk_metadata")
    erased = next(a for a in records if a["action"] == "erase_disk_metadata")
    assert datetime.datetime.fromisoformat(erased["time"]).timestamp() > boots[1]["time"]
