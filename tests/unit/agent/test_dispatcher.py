"""The command dispatcher and the agent API's refusals, in-process (Flask's test client)."""

import threading

import pytest

from ironic_lite_agent import errors
from ironic_lite_agent.commands import FAILED, RUNNING, SUCCEEDED, Dispatcher, Extension, command
from ironic_lite_agent.hardware.simulated import SimulatedBackend, make_machine
from ironic_lite_agent.server import create_app
from ironic_lite_agent.service import Agent, AgentConfig


class Gate(Extension):
    """Commands a test controls: ``hold`` runs until the test opens the gate."""

    name = "test"

    def __init__(self, agent=None):
        super().__init__(agent)
        self.gate = threading.Event()

    @command
    def hold(self) -> dict:
        assert self.gate.wait(10)
        return {"held": True}

    @command
    def echo(self, value, configdrive=None) -> dict:
        return {"value": value}

    @command
    def boom(self) -> None:
        raise errors.ImageWriteError(image="x", device="sda", err="disk on fire")

    @command
    def crash(self) -> None:
        raise ZeroDivisionError("division by zero")


@pytest.fixture
def gate():
    return Gate()


@pytest.fixture
def dispatcher(gate):
    return Dispatcher([gate])


def test_one_command_at_a_time(dispatcher, gate):
    first = dispatcher.start("test.hold", {})
    assert first.status == RUNNING and dispatcher.busy
    with pytest.raises(errors.AgentIsBusy, match="busy running command test.hold") as exc:
        dispatcher.start("test.echo", {"value": 1})
    assert exc.value.code == 409
    gate.gate.set()
    assert first.done.wait(5)
    assert first.status == SUCCEEDED and first.result == {"held": True}
    second = dispatcher.start("test.echo", {"value": 2})
    assert second.done.wait(5) and second.result == {"value": 2}
    assert [r.id for r in dispatcher.history()] == [first.id, second.id]


def test_names_and_params_are_checked_before_running(dispatcher):
    with pytest.raises(errors.InvalidCommand, match="not <extension>.<command>"):
        dispatcher.start("echo", {})
    with pytest.raises(errors.InvalidCommand, match="unknown command test.nope"):
        dispatcher.start("test.nope", {})
    with pytest.raises(errors.InvalidCommandParams, match="missing a required argument"):
        dispatcher.start("test.echo", {})
    with pytest.raises(errors.InvalidCommandParams, match="unexpected keyword"):
        dispatcher.start("test.echo", {"value": 1, "other": 2})
    assert dispatcher.history() == [] and not dispatcher.busy


def test_failures_carry_a_readable_error(dispatcher):
    failed = dispatcher.start("test.boom", {})
    assert failed.done.wait(5)
    assert failed.status == FAILED
    assert failed.error == {
        "type": "ImageWriteError",
        "code": 500,
        "message": "Writing image x to sda failed: disk on fire",
        "details": "Writing image x to sda failed: disk on fire",
    }
    crashed = dispatcher.start("test.crash", {})
    assert crashed.done.wait(5)
    assert crashed.error["type"] == "CommandExecutionError"
    assert crashed.error["message"] == "ZeroDivisionError: division by zero"
    assert not dispatcher.busy


def test_wire_shape_hides_secrets_and_large_values(dispatcher):
    result = dispatcher.start("test.echo", {"value": "x" * 5000, "configdrive": "secret"})
    assert result.done.wait(5)
    wire = result.as_dict()
    assert wire["command_name"] == "echo"
    assert wire["command_params"] == {"value": "<5000 characters>", "configdrive": "******"}
    assert set(wire) >= {
        "id",
        "command_name",
        "command_params",
        "command_status",
        "command_error",
        "command_result",
    }


@pytest.fixture
def agent(tmp_path):
    make_machine(str(tmp_path / "m"), macs=["52:54:00:00:00:01"])
    agent = Agent(AgentConfig(api_url="http://127.0.0.1:1"), SimulatedBackend(str(tmp_path / "m")))
    agent.token = "right"
    return agent


def test_api_refuses_without_token_401_with_wrong_token_403(agent):
    client = create_app(agent).test_client()
    body = {"name": "system.get_inventory", "params": {}}
    missing = client.post("/v1/commands/?wait=true", json=body)
    assert missing.status_code == 401
    assert missing.json["type"] == "TokenMissing"
    assert missing.json["faultstring"] == missing.json["message"]
    wrong = client.post("/v1/commands/?wait=true&agent_token=wrong", json=body)
    assert wrong.status_code == 403
    assert client.get("/v1/commands/some-id?agent_token=wrong").status_code == 403
    ok = client.post("/v1/commands/?wait=true", json=body, headers={"X-Agent-Token": "right"})
    assert ok.status_code == 200 and ok.json["command_status"] == "SUCCEEDED"
    assert client.get("/v1/commands/nope?agent_token=right").status_code == 404
    assert client.get("/v1/status").status_code == 200  # open, as Ironic's agent has it


def test_api_refuses_everything_before_the_lookup_gave_a_token(agent):
    agent.token = None
    client = create_app(agent).test_client()
    resp = client.post("/v1/commands/?agent_token=anything", json={"name": "system.get_inventory"})
    assert resp.status_code == 401
    assert "not completed its lookup" in resp.json["message"]


def test_api_answers_409_while_busy_and_400_on_bad_bodies(agent):
    gate = Gate(agent)
    agent.dispatcher = Dispatcher([gate])
    client = create_app(agent).test_client()
    first = client.post("/v1/commands/?agent_token=right&wait=false", json={"name": "test.hold"})
    assert first.status_code == 200 and first.json["command_status"] == "RUNNING"
    busy = client.post(
        "/v1/commands/?agent_token=right", json={"name": "test.echo", "params": {"value": 1}}
    )
    assert busy.status_code == 409 and busy.json["type"] == "AgentIsBusy"
    gate.gate.set()
    agent.dispatcher.get(first.json["id"]).done.wait(5)
    listing = client.get("/v1/commands/?agent_token=right").json["commands"]
    assert [c["command_status"] for c in listing] == ["SUCCEEDED"]
    assert client.post("/v1/commands/?agent_token=right", data="nope").status_code == 400
    assert (
        client.post(
            "/v1/commands/?agent_token=right", json={"name": "test.echo", "params": [1]}
        ).status_code
        == 400
    )
