"""The joints of the plan, checked on the code: what the API process loads, and the RPC
contract the manager is held to."""

import inspect
import json
import pathlib
import subprocess
import sys

import pytest

from ironic_lite.conductor import rpc_contract

ROOT = pathlib.Path(__file__).resolve().parents[2]


# What an API process does: build the Flask app with the RPC client over oslo.messaging.
BUILD_API = """
from ironic_lite.api.app import create_app
from ironic_lite.conductor import rpc_transport
from ironic_lite.conductor.rpcapi import ConductorAPI, LocalTransport
create_app(ConductorAPI(LocalTransport(None)))
"""


def _loaded_after(code: str) -> list[str]:
    """The ironic_lite modules a fresh interpreter has loaded after running ``code``."""
    code += (
        "\nimport json, sys\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('ironic_lite'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_api_app_loads_no_manager_flows_or_drivers():
    loaded = _loaded_after(BUILD_API)
    assert {"ironic_lite.api.app", "ironic_lite.conductor.rpc_transport"} <= set(loaded)
    forbidden = [
        m
        for m in loaded
        if m.startswith(("ironic_lite.conductor.flows", "ironic_lite.drivers"))
        or m == "ironic_lite.conductor.manager"
    ]
    assert forbidden == []


def test_rpc_client_does_not_import_the_manager():
    loaded = _loaded_after("import ironic_lite.conductor.rpcapi")
    assert "ironic_lite.conductor.manager" not in loaded
    assert "ironic_lite.conductor.rpc_contract" in loaded


def test_no_driver_imports_the_conductor():
    offenders = []
    for path in sorted((ROOT / "ironic_lite" / "drivers").rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            words = line.split()
            if words[:1] in (["import"], ["from"]) and words[1].startswith("ironic_lite.conductor"):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_manager_matches_the_rpc_contract():
    from ironic_lite.conductor.manager import ConductorManager

    for spec in rpc_contract.METHODS.values():
        params = list(inspect.signature(getattr(ConductorManager, spec.name)).parameters)
        assert params[2:] == list(spec.args), spec.name


def test_a_method_straying_from_the_contract_fails_the_check():
    from ironic_lite.conductor.manager import ConductorManager

    class Stray(ConductorManager):
        def set_boot_mode(self, context, node_id, mode, persistent=False):
            """One argument more than the contract says."""

    with pytest.raises(TypeError, match="set_boot_mode"):
        rpc_contract.check(Stray)


def test_client_refuses_arguments_the_contract_does_not_name():
    spec = rpc_contract.METHODS["set_boot_device"]
    spec.check_kwargs({"device": "pxe"})
    with pytest.raises(TypeError, match="bogus"):
        spec.check_kwargs({"device": "pxe", "bogus": 1})
    with pytest.raises(TypeError, match="device"):
        spec.check_kwargs({"persistent": True})


def test_every_declared_flow_is_registered_and_owns_its_states():
    import importlib
    import pkgutil

    from ironic_lite.common import states
    from ironic_lite.conductor import flows
    from ironic_lite.conductor.flows import registry
    from ironic_lite.conductor.flows.declaration import Flow

    declared = []
    for info in pkgutil.iter_modules(flows.__path__):
        module = importlib.import_module(f"ironic_lite.conductor.flows.{info.name}")
        declared += [v for v in vars(module).values() if isinstance(v, Flow)]
    assert sorted(f.name for f in declared) == sorted(f.name for f in registry.FLOWS)
    # Every transient state of the state machine belongs to exactly one flow.
    assert set(registry.BY_STATE) == set(states.TARGETS)
    assert set(registry.WAIT_TIMEOUTS) == states.WAIT_STATES
