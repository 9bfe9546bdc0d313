"""Steps only the agent offers: accepted by name before it is up, settled when it is, merged
into automated flows with its priorities, and a ``reboot_requested`` step reboots into the
ramdisk before the flow goes on.

Each test runs on a real node row (``tests.lab.harness``) against a small HTTP server that
answers as an agent would, and a power interface that records what the BMC was asked."""

import time

import pytest

from ironic_lite.common import exceptions, states
from ironic_lite.conductor import steps
from ironic_lite.drivers.agent import agent_steps
from tests.lab.harness import node_task
from tests.unit import test_agent_kexec
from tests.unit.test_agent_kexec import FakeAgent, RecordingPower

conf = test_agent_kexec.conf  # the agent options the kexec tests set (a fixture)

VENDOR_STEPS = [
    {
        "step": "vendor_flash",
        "priority": 0,
        "interface": "deploy",
        "reboot_requested": True,
        "abortable": False,
        "argsinfo": None,
    },
    {
        "step": "vendor_burn",
        "priority": 50,
        "interface": "deploy",
        "reboot_requested": False,
        "abortable": True,
        "argsinfo": None,
    },
    # Declared by the conductor itself: never merged as the agent's.
    {"step": "erase_devices", "priority": 10, "interface": "deploy", "reboot_requested": False},
    # The node's RAID interface is not the agent's: not merged either.
    {"step": "vendor_raid", "priority": 60, "interface": "raid", "reboot_requested": False},
]


@pytest.fixture
def agent():
    fake = FakeAgent(
        {
            "clean.get_clean_steps": {
                "command_status": "SUCCEEDED",
                "command_result": {"clean_steps": {"VendorManager": VENDOR_STEPS}},
            },
            "clean.execute_clean_step": {
                "command_status": "SUCCEEDED",
                "command_result": {"clean_result": None},
            },
        }
    )
    yield fake
    fake.close()


def _task(agent: FakeAgent, **info):
    return node_task(
        deploy_interface="direct",
        power_state=states.POWER_ON,
        provision_state=states.CLEANING,
        driver_internal_info={
            "agent_url": agent.url,
            "agent_secret_token": "t",
            "agent_flow": "clean",
            "agent_last_heartbeat": time.time(),
            **info,
        },
    )


def test_a_step_no_interface_declares_is_accepted_then_settled_by_the_agent(conf, agent):
    with _task(agent, clean_manual=True) as task:
        requested = steps.requested(
            task, "clean", [{"interface": "deploy", "step": "vendor_flash", "args": {}}]
        )
        assert [(s["step"], s["agent"], s["provisional"]) for s in requested] == [
            ("vendor_flash", True, True)
        ]
        # An interface that does not talk to the agent still refuses an unknown step.
        with pytest.raises(exceptions.InvalidParameterValue, match="bios.nope"):
            steps.requested(task, "clean", [{"interface": "bios", "step": "nope"}])

        agent_steps.fetch(task, "clean")
        settled = steps.settle_agent_steps(task, "clean", requested, 0)
        # Manual cleaning: the agent's attributes, and nothing added.
        assert [(s["step"], s["reboot_requested"], "provisional" in s) for s in settled] == [
            ("vendor_flash", True, False)
        ]
        # The agent's steps are now among the node's own.
        offered = {(s["interface"], s["step"]) for s in steps.offered(task, "clean")}
        assert {("deploy", "vendor_flash"), ("deploy", "vendor_burn")} <= offered
        assert ("raid", "vendor_raid") not in offered


def test_automated_cleaning_gains_the_agents_steps_of_positive_priority(conf, agent):
    with _task(agent, clean_manual=False) as task:
        declared = steps.automated(task, "clean")
        agent_steps.fetch(task, "clean")
        names = [s["step"] for s in steps.settle_agent_steps(task, "clean", declared, 0)]
        # 99 (declared), 50 (the agent's), 10 (declared, once): by priority.
        assert names == ["erase_devices_metadata", "vendor_burn", "erase_devices"]


def test_a_step_the_agent_does_not_offer_fails_naming_what_it_offers(conf, agent):
    with _task(agent, clean_manual=True) as task:
        wanted = steps.requested(task, "clean", [{"interface": "deploy", "step": "vendor_typo"}])
        agent_steps.fetch(task, "clean")
        with pytest.raises(steps.StepFailed, match="vendor_typo failed: .*offers: .*vendor_flash"):
            steps.run(task, "clean", wanted)


def test_reboot_requested_reboots_into_the_ramdisk_and_waits(conf, agent):
    with _task(agent, clean_manual=True) as task:
        recorder = RecordingPower(task.driver.power)
        task.driver.power = recorder
        wanted = steps.requested(task, "clean", [{"interface": "deploy", "step": "vendor_flash"}])
        outcome = steps.run(task, "clean", wanted)
        assert outcome is steps.Outcome.WAIT
        assert agent.names()[-1] == "clean.execute_clean_step"
        assert agent.calls[-1]["params"]["step"]["step"] == "vendor_flash"
        assert recorder.calls == ["reboot"]
        info = task.node["driver_internal_info"]
        # The next heart-beat (of the rebooted agent) goes on with the next step.
        assert info["agent_wait"] == {"reason": "boot"}
        assert info["clean_step_index"] == 1
        assert "agent_url" not in info
