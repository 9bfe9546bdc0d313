"""BIOS settings and firmware components through the real API, openstacksdk and the CLI.

The fake BIOS and firmware keep the machine's settings and versions in the database: manage
caches them, clean and service steps change them, and the API shows what they now are.
"""

import json
import time
import uuid

import pytest
import requests

from ironic_lite.drivers.fake import DEFAULT_BIOS_SETTINGS, DEFAULT_FIRMWARE

DEFAULTS = {s["name"]: s["value"] for s in DEFAULT_BIOS_SETTINGS}
REGISTRY_FIELDS = {
    "attribute_type",
    "allowable_values",
    "lower_bound",
    "max_length",
    "min_length",
    "read_only",
    "reset_required",
    "unique",
    "upper_bound",
}


def _manageable(sdk, **fields):
    node = sdk.baremetal.create_node(
        driver="fake-hardware", name=f"bios-{uuid.uuid4().hex[:8]}", **fields
    )
    return sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=30)


def _get(url, path, version, **params):
    return requests.get(
        f"{url}/v1/{path}", params=params, headers={"X-OpenStack-Ironic-API-Version": version}
    )


def _fault(resp) -> str:
    return json.loads(resp.json()["error_message"])["faultstring"]


def _bios(sdk, node, version="1.74", **params) -> dict:
    resp = sdk.baremetal.get(f"/nodes/{node.id}/bios", params=params, microversion=version)
    assert resp.status_code == 200, resp.text
    return {s["name"]: s for s in resp.json()["bios"]}


def _values(sdk, node) -> dict:
    return {name: s["value"] for name, s in _bios(sdk, node).items()}


def _firmware(sdk, node) -> dict:
    return {c["component"]: c for c in sdk.baremetal.list_node_firmware(node)["firmware"]}


def _wait_state(sdk, node_id, wanted, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        node = sdk.baremetal.get_node(node_id)
        if node.provision_state in wanted:
            return node
        time.sleep(0.2)
    raise AssertionError(f"node {node_id} stuck in {node.provision_state}, wanted {wanted}")


def _apply(settings):
    return {"interface": "bios", "step": "apply_configuration", "args": {"settings": settings}}


# --- caching ---------------------------------------------------------------------------------
def test_manage_caches_bios_settings_and_firmware(sdk):
    node = _manageable(sdk)
    resp = sdk.baremetal.get(f"/nodes/{node.id}/bios", microversion="1.40")
    settings = resp.json()["bios"]
    assert {s["name"]: s["value"] for s in settings} == DEFAULTS
    first = settings[0]
    assert set(first) == {"name", "value", "created_at", "updated_at", "links"}
    assert first["created_at"].endswith("+00:00")
    assert first["links"][0]["href"].endswith(f"/v1/nodes/{node.id}/bios/{first['name']}")
    assert first["links"][0]["rel"] == "self" and first["links"][1]["rel"] == "bookmark"

    firmware = _firmware(sdk, node)
    assert set(firmware) == {c["component"] for c in DEFAULT_FIRMWARE}
    for default in DEFAULT_FIRMWARE:
        row = firmware[default["component"]]
        assert row["initial_version"] == row["current_version"] == default["current_version"]
        assert row["last_version_flashed"] is None
        assert set(row) == {
            "component",
            "initial_version",
            "current_version",
            "last_version_flashed",
            "created_at",
            "updated_at",
        }


def test_a_node_without_bios_or_firmware_interfaces_caches_nothing(sdk):
    node = _manageable(sdk, bios_interface="no-bios", firmware_interface="no-firmware")
    assert node.provision_state == "manageable" and node.last_error is None
    assert _bios(sdk, node) == {}
    assert _firmware(sdk, node) == {}


def test_cli_lists_and_shows_bios_settings(sdk, cli):
    node = _manageable(sdk)
    listed = cli.json("node", "bios", "setting", "list", node.name)
    assert {row["name"]: row["value"] for row in listed} == DEFAULTS
    long = cli.json("node", "bios", "setting", "list", "--long", node.id)
    boot_mode = next(row for row in long if row["name"] == "BootMode")
    assert boot_mode["allowable_values"] == ["Uefi", "Bios"]
    shown = cli.json("node", "bios", "setting", "show", node.id, "ProcTurboMode")
    assert shown["value"] == "Enabled" and shown["attribute_type"] == "Enumeration"


# --- the API: versions, fields, errors -------------------------------------------------------
def test_registry_fields_appear_from_1_74(service, sdk):
    node = _manageable(sdk)
    plain = _bios(sdk, node, "1.73")
    assert not REGISTRY_FIELDS & set(plain["BootMode"])
    detailed = _bios(sdk, node, "1.74", detail="True")
    boot_mode = detailed["BootMode"]
    assert set(boot_mode) >= REGISTRY_FIELDS
    assert boot_mode["attribute_type"] == "Enumeration"
    assert boot_mode["allowable_values"] == ["Uefi", "Bios"]
    assert detailed["SystemMemorySize"]["read_only"] is True
    assert detailed["AcPwrRcvryUserDelay"]["lower_bound"] == 60
    assert detailed["AcPwrRcvryUserDelay"]["upper_bound"] == 600
    assert detailed["AssetTag"]["max_length"] == 32

    chosen = _bios(sdk, node, "1.74", fields="name,read_only")
    assert set(chosen["AssetTag"]) == {"name", "read_only", "created_at", "updated_at", "links"}
    assert not REGISTRY_FIELDS & set(_bios(sdk, node, "1.74")["BootMode"])

    one = _get(service.url, f"nodes/{node.id}/bios/BootMode", "1.73").json()
    assert set(one) == {"BootMode"} and one["BootMode"]["value"] == "Uefi"
    assert not REGISTRY_FIELDS & set(one["BootMode"])
    one = _get(service.url, f"nodes/{node.name}/bios/BootMode", "1.74").json()
    assert set(one["BootMode"]) >= REGISTRY_FIELDS


def test_bad_queries_are_400_naming_the_problem(service, sdk):
    node = _manageable(sdk)
    path = f"nodes/{node.id}/bios"
    resp = _get(service.url, path, "1.73", detail="True")
    assert resp.status_code == 400 and "?detail=True" in _fault(resp)
    resp = _get(service.url, path, "1.73", fields="name")
    assert resp.status_code == 400 and "?fields=" in _fault(resp)
    resp = _get(service.url, path, "1.74", detail="True", fields="name")
    assert resp.status_code == 400 and "Can not specify ?detail=True and fields" in _fault(resp)
    resp = _get(service.url, path, "1.74", fields="name,colour")
    assert resp.status_code == 400 and "colour" in _fault(resp)
    resp = _get(service.url, path, "1.74", detail="maybe")
    assert resp.status_code == 400 and "detail" in _fault(resp)
    resp = _get(service.url, path, "1.74", sort_key="name")
    assert resp.status_code == 400 and "sort_key" in _fault(resp)
    resp = _get(service.url, f"nodes/{node.id}/firmware", "1.86", fields="component,size")
    assert resp.status_code == 400 and "size" in _fault(resp)
    resp = _get(service.url, f"nodes/{node.id}/bios/bad%20name", "1.74")
    assert resp.status_code == 400 and "setting_name" in _fault(resp)


def test_version_gates_and_unknown_names_are_404(service, sdk):
    node = _manageable(sdk)
    for path, version in (
        (f"nodes/{node.id}/bios", "1.39"),
        (f"nodes/{node.id}/bios/BootMode", "1.39"),
        (f"nodes/{node.id}/firmware", "1.85"),
    ):
        resp = _get(service.url, path, version)
        assert resp.status_code == 404, (path, version, resp.text)
        assert json.loads(resp.json()["error_message"])["code"] == 404
    assert _get(service.url, f"nodes/{node.id}/bios", "1.40").status_code == 200
    assert _get(service.url, f"nodes/{node.id}/firmware", "1.86").status_code == 200

    resp = _get(service.url, f"nodes/{node.id}/bios/NoSuchSetting", "1.40")
    assert resp.status_code == 404
    assert _fault(resp) == f"Node {node.id} doesn't have a BIOS setting 'NoSuchSetting'"
    resp = _get(service.url, f"nodes/{uuid.uuid4()}/bios", "1.40")
    assert resp.status_code == 404 and "could not be found" in _fault(resp)


# --- steps -----------------------------------------------------------------------------------
def test_manual_clean_applies_settings_and_factory_reset_restores_them(sdk):
    node = _manageable(sdk)
    before = _bios(sdk, node)
    node = sdk.baremetal.set_node_provision_state(
        node,
        "clean",
        clean_steps=[
            _apply(
                [
                    {"name": "ProcTurboMode", "value": "Disabled"},
                    {"name": "AcPwrRcvryUserDelay", "value": 120},
                    {"name": "SriovGlobalEnable", "value": True},
                    {"name": "AssetTag", "value": "rack-7-u12"},
                ]
            )
        ],
        wait=True,
        timeout=30,
    )
    assert node.provision_state == "manageable" and node.last_error is None
    after = _bios(sdk, node)
    assert {n: s["value"] for n, s in after.items()} == dict(
        DEFAULTS,
        ProcTurboMode="Disabled",
        AcPwrRcvryUserDelay="120",
        SriovGlobalEnable="true",
        AssetTag="rack-7-u12",
    )
    assert after["ProcTurboMode"]["updated_at"] is not None
    assert after["BootMode"]["updated_at"] == before["BootMode"]["updated_at"]

    node = sdk.baremetal.set_node_provision_state(
        node,
        "clean",
        clean_steps=[{"interface": "bios", "step": "factory_reset"}],
        wait=True,
        timeout=30,
    )
    assert node.provision_state == "manageable"
    assert _values(sdk, node) == DEFAULTS


@pytest.mark.parametrize(
    ("setting", "value", "words"),
    [
        ("NoSuchSetting", "on", ["NoSuchSetting"]),
        ("SystemMemorySize", "128 GB", ["SystemMemorySize", "read-only"]),
        ("BootMode", "Legacy", ["BootMode", "Uefi, Bios"]),
        ("AcPwrRcvryUserDelay", 5, ["AcPwrRcvryUserDelay", "60 to 600"]),
    ],
)
def test_a_setting_the_bios_refuses_fails_the_clean_naming_it(sdk, setting, value, words):
    node = _manageable(sdk)
    sdk.baremetal.set_node_provision_state(
        node,
        "clean",
        clean_steps=[
            _apply(
                [{"name": "ProcTurboMode", "value": "Disabled"}, {"name": setting, "value": value}]
            )
        ],
    )
    node = _wait_state(sdk, node.id, {"clean failed"})
    assert "bios.apply_configuration" in node.last_error
    for word in words:
        assert word in node.last_error
    assert node.fault == "clean failure"
    # Checked before anything changed: the valid setting of the same step was not applied.
    assert _values(sdk, node) == DEFAULTS


def test_malformed_settings_fail_the_step_naming_the_item(sdk):
    node = _manageable(sdk)
    sdk.baremetal.set_node_provision_state(
        node, "clean", clean_steps=[_apply([{"name": "BootMode"}])]
    )
    node = _wait_state(sdk, node.id, {"clean failed"})
    assert "BIOS setting #0" in node.last_error and '"value"' in node.last_error


def test_service_firmware_update_records_the_new_versions(service, sdk):
    node = _manageable(sdk)
    sdk.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=30)
    node = sdk.baremetal.set_node_provision_state(node, "active", wait=True, timeout=30)
    node.set_provision_state(
        sdk.baremetal,
        "service",
        service_steps=[
            {
                "interface": "firmware",
                "step": "update",
                "args": {
                    "settings": [
                        {"component": "bmc", "url": "http://fw.example/bmc-7.10.50.00.bin"},
                        {
                            "component": "nic",
                            "url": "http://fw.example/nic/latest.bin",
                            "checksum": "sha256:" + "ab" * 32,
                            "version": "22.36.1",
                            "wait": 30,
                        },
                    ]
                },
            }
        ],
    )
    node = _wait_state(sdk, node.id, {"active", "service failed"})
    assert node.provision_state == "active" and node.last_error is None
    firmware = _firmware(sdk, node)
    assert firmware["bmc"]["initial_version"] == "7.10.30.00"
    assert firmware["bmc"]["current_version"] == "7.10.50.00"
    assert firmware["bmc"]["last_version_flashed"] == "7.10.50.00"
    assert firmware["nic"]["current_version"] == firmware["nic"]["last_version_flashed"]
    assert firmware["nic"]["last_version_flashed"] == "22.36.1"
    assert firmware["bios"]["last_version_flashed"] is None
    assert firmware["bmc"]["updated_at"] is not None

    # An unknown component is refused before anything is flashed.
    node.set_provision_state(
        sdk.baremetal,
        "service",
        service_steps=[
            {
                "interface": "firmware",
                "step": "update",
                "args": {
                    "settings": [
                        {"component": "bios", "url": "http://fw.example/bios-2.20.0.bin"},
                        {"component": "raid", "url": "http://fw.example/raid-1.2.bin"},
                    ]
                },
            }
        ],
    )
    node = _wait_state(sdk, node.id, {"service failed"})
    assert "firmware.update" in node.last_error and "raid" in node.last_error
    assert _firmware(sdk, node)["bios"]["current_version"] == "2.19.1"
