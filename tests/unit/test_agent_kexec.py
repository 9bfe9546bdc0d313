"""The direct deploy's choice at its end: kexec through the agent, or power off and on.

Each test runs the ``tear_down_agent`` and ``boot_instance`` steps alone on a real node row
(``tests.lab.harness``) against a small HTTP server that answers as an agent would, and a
power interface that records what the BMC was asked."""

import http.server
import json
import threading

import pytest

from ironic_lite.common import exceptions, states
from ironic_lite.conf import CONF
from ironic_lite.db import api as dbapi
from ironic_lite.drivers.agent import deploy
from tests.lab.harness import ensure_config, node_task


class FakeAgent:
    """Answers ``POST /v1/commands/`` with a canned result per command name; records them."""

    def __init__(self, answers: dict[str, dict]):
        self.answers = answers
        self.calls: list[dict] = []
        agent = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format, *args):  # noqa: A002 - the base class's name
                pass

            def do_POST(self):  # noqa: N802 - the stdlib's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                agent.calls.append(body)
                command = body["name"]
                answer = agent.answers.get(command, {"command_status": "SUCCEEDED"})
                data = json.dumps(
                    {"id": "c1", "command_name": command.split(".")[1], **answer}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def names(self) -> list[str]:
        return [c["name"] for c in self.calls]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class RecordingPower:
    """The BMC's side of the fake power interface: what was asked, in order."""

    def __init__(self, real):
        self.real, self.calls = real, []

    def get_power_state(self, task):
        return states.POWER_OFF  # the machine went off as soon as it was asked

    def set_power_state(self, task, state, timeout=None):
        self.calls.append(state)

    def reboot(self, task, timeout=None):
        self.calls.append("reboot")

    def __getattr__(self, name):
        return getattr(self.real, name)


@pytest.fixture
def conf():
    ensure_config()
    overrides = [
        ("post_deploy_power_off_wait", 0, "agent"),
        ("command_retry_interval", 0, "agent"),
        ("max_command_attempts", 2, "agent"),
    ]
    for name, value, group in overrides:
        CONF.set_override(name, value, group)
    yield CONF
    for name, _value, group in overrides:
        CONF.clear_override(name, group)
    CONF.clear_override("kexec", "deploy")


def _finish_deploy(agent: FakeAgent, instance_info: dict | None = None):
    """Run the deploy's last two steps; the node, the BMC's calls and the node's history."""
    with node_task(
        deploy_interface="direct",
        instance_info=instance_info or {},
        power_state=states.POWER_ON,
        provision_state=states.DEPLOYING,
        driver_internal_info={"agent_url": agent.url, "agent_secret_token": "t"},
    ) as task:
        recorder = RecordingPower(task.driver.power)
        task.driver.power = recorder
        interface = deploy.DirectDeploy()
        interface.tear_down_agent(task)
        interface.boot_instance(task)
        history, _ = dbapi.list_history(task.node["id"])
        return task.node, recorder.calls, history


@pytest.fixture
def agent():
    fake = FakeAgent({})
    yield fake
    fake.close()


def test_default_is_the_power_cycle(conf, agent):
    node, bmc, history = _finish_deploy(agent)
    assert agent.names() == ["standby.sync", "standby.power_off"]
    assert bmc == [states.POWER_OFF, states.POWER_ON]
    assert node["power_state"] == states.POWER_ON
    assert not [h for h in history if h["severity"] == "WARNING"]


def test_kexec_from_the_config_boots_without_touching_the_bmc(conf, agent):
    conf.set_override("kexec", True, "deploy")
    agent.answers["standby.kexec"] = {
        "command_status": "SUCCEEDED",
        "command_result": {"result": "kexec", "kernel": "/boot/vmlinuz", "root": "/dev/sda2"},
    }
    node, bmc, history = _finish_deploy(agent)
    assert agent.names() == ["standby.sync", "standby.kexec"]
    assert agent.calls[1]["params"] == {"kernel": "/boot/vmlinuz", "initrd": "/boot/initrd.img"}
    assert bmc == []
    assert node["power_state"] == states.POWER_ON
    info = node["driver_internal_info"]
    assert "agent_url" not in info and "deploy_kexec_booted" not in info
    assert any("kexec" in h["event"] and h["severity"] == "INFO" for h in history)


def test_instance_info_overrides_the_config_and_names_the_files(conf, agent):
    conf.set_override("kexec", False, "deploy")
    _node, bmc, _ = _finish_deploy(
        agent,
        {
            "kexec": "true",
            "kexec_kernel": "/boot/vmlinuz-6.8",
            "kexec_initrd": "/boot/initrd.img-6.8",
            "kexec_append": "root=LABEL=root ro console=ttyS0",
        },
    )
    assert agent.calls[-1] == {
        "name": "standby.kexec",
        "params": {
            "kernel": "/boot/vmlinuz-6.8",
            "initrd": "/boot/initrd.img-6.8",
            "append": "root=LABEL=root ro console=ttyS0",
        },
    }
    assert bmc == []


def test_instance_info_can_turn_kexec_off(conf, agent):
    conf.set_override("kexec", True, "deploy")
    _node, bmc, _ = _finish_deploy(agent, {"kexec": False})
    assert "standby.kexec" not in agent.names()
    assert bmc == [states.POWER_OFF, states.POWER_ON]


def test_a_failed_kexec_falls_back_to_the_power_cycle_with_a_warning(conf, agent):
    agent.answers["standby.kexec"] = {
        "command_status": "FAILED",
        "command_error": {"type": "DeviceNotFound", "message": "no kernel /boot/vmlinuz"},
    }
    node, bmc, history = _finish_deploy(agent, {"kexec": True})
    assert agent.names() == ["standby.sync", "standby.kexec", "standby.sync", "standby.power_off"]
    assert bmc == [states.POWER_OFF, states.POWER_ON]
    assert node["power_state"] == states.POWER_ON
    warnings = [h["event"] for h in history if h["severity"] == "WARNING"]
    assert len(warnings) == 1 and "no kernel /boot/vmlinuz" in warnings[0]


def test_an_unreachable_agent_falls_back_after_the_retries(conf, agent):
    agent.close()
    node, bmc, history = _finish_deploy(agent, {"kexec": True})
    assert bmc == [states.POWER_OFF, states.POWER_ON]
    assert node["power_state"] == states.POWER_ON
    assert [h for h in history if h["severity"] == "WARNING"]


def test_a_kexec_value_that_is_no_boolean_is_refused(conf):
    with pytest.raises(exceptions.InvalidParameterValue, match="instance_info/kexec"):
        deploy.kexec_wanted({"uuid": "n1", "instance_info": {"kexec": "maybe"}})
