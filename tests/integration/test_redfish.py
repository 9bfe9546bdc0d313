"""The redfish hardware type end to end: the real service, openstacksdk, sushy-tools' emulator.

One emulator (tests.lab.redfish, N systems) serves most tests, each test on its own system; a
fleet of 20 systems has an emulator of its own, and another one is stopped and restarted to
take a BMC away. Images for virtual media and firmware come from a threaded HTTP server on
loopback. Nothing of sushy is mocked. When the emulator cannot start, the tests fail in CI
and are skipped elsewhere (tests.lab.redfish.started).
"""

import functools
import http.server
import json
import os
import tempfile
import threading
import time
import uuid

import pytest

from tests.lab.redfish import RedfishLab, started
from tests.lab.server import Service, free_port

pytestmark = pytest.mark.xdist_group("redfish")

SYSTEMS = 32
FLEET = 20
SYNC_RETRIES = 2


class _Images(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output quiet
        pass


class _Served(list):
    """The paths the image server served, and the directory it serves."""

    root: str


@pytest.fixture(scope="module")
def images():
    """A loopback HTTP server with a boot ISO and two BIOS images; yields its base URL and
    the list of paths it served (its directory is ``served.root``)."""
    root = tempfile.mkdtemp(prefix="redfish-images-")
    for name, size in (("boot.iso", 64 * 1024), ("bios-2.20.0.bin", 4096), ("bios-9.9.bin", 10)):
        with open(os.path.join(root, name), "wb") as f:
            f.write(os.urandom(size))
    served = _Served()
    served.root = root

    class Handler(_Images):
        def do_GET(self):
            served.append(self.path)
            super().do_GET()

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", free_port()), functools.partial(Handler, directory=root)
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", served
    server.shutdown()


def _lab(**kwargs):
    running = started(RedfishLab(**kwargs))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def lab():
    yield from _lab(systems=SYSTEMS)


@pytest.fixture(scope="module")
def fleet_lab():
    """20 machines behind one BMC address and user."""
    yield from _lab(systems=FLEET)


@pytest.fixture(scope="module")
def stock_lab():
    """sushy-tools' emulator as it comes: a BMC without BIOS, storage or firmware update."""
    yield from _lab(systems=2, extended=False)


@pytest.fixture(scope="module")
def flaky_lab():
    """A BMC the tests take away and bring back."""
    yield from _lab(systems=1)


@pytest.fixture(scope="module")
def rf_service():
    svc = Service(
        extra_conf=f"""
        [conductor]
        sync_power_state_interval = 1
        power_state_sync_max_retries = {SYNC_RETRIES}
        [redfish]
        connection_attempts = 2
        connection_retry_interval = 0.2
        connect_timeout = 2
        read_timeout = 30
        poll_interval = 0.2
        power_state_change_timeout = 20
        bios_apply_timeout = 20
        firmware_update_timeout = 20
        """
    ).start()
    yield svc
    svc.stop()


@pytest.fixture(scope="module")
def rsdk(rf_service):
    import openstack

    conn = openstack.connect(
        auth_type="none",
        auth={"endpoint": rf_service.url},
        baremetal_endpoint_override=rf_service.url,
        has_compute=False,
        has_image=False,
        load_yaml_config=False,
        load_envvars=False,
    )
    yield conn
    conn.close()


_next_system = iter(range(SYSTEMS))


def _enroll(rsdk, lab, index=None, **fields):
    index = next(_next_system) if index is None else index
    info = fields.pop("driver_info", None) or lab.driver_info(index)
    node = rsdk.baremetal.create_node(
        driver="redfish", name=f"rf-{uuid.uuid4().hex[:8]}", driver_info=info, **fields
    )
    return node, index


def _manageable(rsdk, lab, **fields):
    node, index = _enroll(rsdk, lab, **fields)
    node = rsdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=60)
    assert node.provision_state == "manageable", node.last_error
    return node, index


def _until(check, timeout=30, interval=0.2, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


def _power(rsdk, node, target):
    rsdk.baremetal.set_node_power_state(node, target, wait=True, timeout=30)
    return rsdk.baremetal.get_node(node.id)


def _call(rsdk, method, path, version, **kwargs):
    return getattr(rsdk.baremetal, method)(path, microversion=version, **kwargs)


def _fault(resp) -> str:
    return json.loads(resp.json()["error_message"])["faultstring"]


def test_the_redfish_type_and_its_interfaces(rsdk):
    driver = rsdk.baremetal.get_driver("redfish")
    assert set(driver.enabled_boot_interfaces) == {
        "redfish-virtual-media",
        "redfish-https",
        "pxe",
        "ipxe",
        "fake",
    }
    assert driver.default_boot_interface == "redfish-virtual-media"
    assert (driver.default_power_interface, driver.default_management_interface) == (
        "redfish",
        "redfish",
    )
    assert driver.default_bios_interface == "redfish"
    assert driver.default_firmware_interface == "redfish"
    assert driver.default_inspect_interface == "redfish"
    assert driver.default_raid_interface == "redfish"


# --- verify, caches ------------------------------------------------------------------------------
def test_manage_reads_power_bios_and_firmware(rsdk, lab):
    node, index = _manageable(rsdk, lab)
    assert node.power_state == "power off" and node.last_error is None

    bios = _call(rsdk, "get", f"/nodes/{node.id}/bios", "1.74", params={"detail": "True"})
    settings = {s["name"]: s for s in bios.json()["bios"]}
    assert {n: s["value"] for n, s in settings.items()} == {
        "AcPwrRcvryUserDelay": "60",
        "BootMode": "Uefi",
        "EmbeddedSata": "Raid",
        "ProcTurboMode": "Enabled",
        "SerialNumber": "QPX12345",
        "SriovGlobalEnable": "False",
        "SystemMemorySize": "32 GB",
    }
    # Registry fields come from the BMC's attribute registry.
    assert settings["BootMode"]["allowable_values"] == ["Uefi", "Bios"]
    assert settings["AcPwrRcvryUserDelay"]["attribute_type"] == "Integer"
    assert settings["AcPwrRcvryUserDelay"]["upper_bound"] == 600
    assert settings["SystemMemorySize"]["read_only"] is True

    firmware = {c["component"]: c for c in rsdk.baremetal.list_node_firmware(node)["firmware"]}
    assert set(firmware) == {"bios", "bmc"}
    assert firmware["bios"]["current_version"] == firmware["bios"]["initial_version"] == "2.19.1"
    assert firmware["bmc"]["current_version"] == "1.00"


def test_wrong_password_fails_verify_naming_the_bmc(rsdk, lab):
    node, _ = _enroll(rsdk, lab, driver_info=lab.driver_info(0, redfish_password="wrong"))
    rsdk.baremetal.set_node_provision_state(node, "manage")
    node = _until(
        lambda: (
            (n := rsdk.baremetal.get_node(node.id)).provision_state == "enroll"
            and n.last_error
            and n
        ),
        what="verify to fail",
    )
    assert lab.url in node.last_error and "refused the credentials" in node.last_error
    assert "wrong" not in node.last_error


def test_bad_driver_info_is_a_400_naming_the_field(rsdk, lab):
    node, _ = _enroll(rsdk, lab, driver_info=lab.driver_info(0, redfish_verify_ca="maybe"))
    resp = _call(rsdk, "get", f"/nodes/{node.id}/management/boot_device", "1.1")
    assert resp.status_code == 400 and "redfish_verify_ca" in _fault(resp)
    validation = rsdk.baremetal.validate_node(node, required=())
    assert validation["power"].result is False
    assert "redfish_verify_ca" in validation["power"].reason

    node, _ = _enroll(rsdk, lab, driver_info={"redfish_username": "admin"})
    resp = _call(rsdk, "get", f"/nodes/{node.id}/management/boot_device", "1.1")
    assert resp.status_code == 400 and "redfish_address" in _fault(resp)


def test_an_unreachable_bmc_fails_verify_naming_it(rsdk):
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    node = rsdk.baremetal.create_node(
        driver="redfish",
        name=f"rf-{uuid.uuid4().hex[:8]}",
        driver_info={
            "redfish_address": url,
            "redfish_system_id": "/redfish/v1/Systems/gone",
            "redfish_username": "admin",
            "redfish_password": "not-logged",
        },
    )
    rsdk.baremetal.set_node_provision_state(node, "manage")
    node = _until(
        lambda: (
            (n := rsdk.baremetal.get_node(node.id)).provision_state == "enroll"
            and n.last_error
            and n
        ),
        what="verify to fail",
    )
    assert f"BMC {url} did not answer" in node.last_error, node.last_error
    assert "not-logged" not in node.last_error


def test_a_missing_feature_or_system_is_a_clear_error(rsdk, stock_lab):
    node, _ = _manageable(rsdk, stock_lab, index=0)
    # Verify does not need a BIOS; it notes that it could not read one.
    assert _call(rsdk, "get", f"/nodes/{node.id}/bios", "1.40").json()["bios"] == []
    history = _call(rsdk, "get", f"/nodes/{node.id}/history", "1.78").json()["history"]
    assert any(
        "BIOS settings failed" in e["event"] and "does not support" in e["event"] for e in history
    ), history
    node = _clean(
        rsdk,
        node,
        [
            {
                "interface": "bios",
                "step": "apply_configuration",
                "args": {"settings": [{"name": "ProcTurboMode", "value": "Disabled"}]},
            }
        ],
    )
    assert node.provision_state == "clean failed"
    assert f"BMC {stock_lab.url} does not support read BIOS settings" in node.last_error

    gone = "/redfish/v1/Systems/no-such-system"
    node, _ = _enroll(rsdk, stock_lab, driver_info=stock_lab.driver_info(1, redfish_system_id=gone))
    rsdk.baremetal.set_node_provision_state(node, "manage")
    node = _until(
        lambda: (
            (n := rsdk.baremetal.get_node(node.id)).provision_state == "enroll"
            and n.last_error
            and n
        ),
        what="verify to fail",
    )
    assert f"has no system {gone}" in node.last_error
    assert "driver_info/redfish_system_id" in node.last_error


# --- a fleet -------------------------------------------------------------------------------------
def _all(rsdk, nodes, check, what, timeout=90):
    """Poll every node until ``check(node)`` holds for all of them; the fresh nodes."""
    fresh = {}

    def done():
        for node in nodes:
            if node.id not in fresh or not check(fresh[node.id]):
                fresh[node.id] = rsdk.baremetal.get_node(node.id)
        return all(check(n) for n in fresh.values())

    _until(done, timeout=timeout, interval=0.3, what=what)
    return [fresh[n.id] for n in nodes]


def test_a_fleet_of_twenty_is_managed_powered_and_deployed(rsdk, fleet_lab, images):
    base_url, _ = images
    time.sleep(0.3)
    roots_before = fleet_lab.requests_seen().count(("GET", "/redfish/v1/", 200))
    nodes = [
        rsdk.baremetal.create_node(
            driver="redfish",
            name=f"fleet-{uuid.uuid4().hex[:6]}-{i}",
            driver_info=fleet_lab.driver_info(i, deploy_iso=f"{base_url}/boot.iso"),
            # The BMC is under test here; no agent runs, so the fake deploy (direct is the
            # default for redfish and has its own tests with the agent).
            deploy_interface="fake",
        )
        for i in range(FLEET)
    ]
    for node in nodes:
        rsdk.baremetal.set_node_provision_state(node, "manage")
    nodes = _all(rsdk, nodes, lambda n: n.provision_state != "verifying", "verify of 20 nodes")
    assert [n.provision_state for n in nodes] == ["manageable"] * FLEET, [
        n.last_error for n in nodes
    ]
    assert {n.driver for n in nodes} == {"redfish"}
    assert {n.boot_interface for n in nodes} == {"redfish-virtual-media"}

    for target, reported in (("power on", "On"), ("power off", "Off")):
        for node in nodes:
            rsdk.baremetal.set_node_power_state(node, target)
        nodes = _all(
            rsdk,
            nodes,
            lambda n, t=target: n.power_state == t and n.target_power_state is None,
            f"{target} of 20 nodes",
        )
        assert [fleet_lab.system(i)["PowerState"] for i in range(FLEET)] == [reported] * FLEET

    for node in nodes:
        rsdk.baremetal.set_node_boot_device(node, "pxe", persistent=True)
    assert {fleet_lab.system(i)["Boot"]["BootSourceOverrideTarget"] for i in range(FLEET)} == {
        "Pxe"
    }

    for node in nodes:
        rsdk.baremetal.set_node_provision_state(node, "provide")
    nodes = _all(rsdk, nodes, lambda n: n.provision_state == "available", "provide")
    for node in nodes:
        rsdk.baremetal.set_node_provision_state(node, "active")
    nodes = _all(rsdk, nodes, lambda n: n.provision_state in ("active", "deploy failed"), "deploy")
    assert [n.provision_state for n in nodes] == ["active"] * FLEET, [n.last_error for n in nodes]
    # The fake deploy ends powering the machine on through its BMC; no ramdisk media is left.
    assert {fleet_lab.system(i)["PowerState"] for i in range(FLEET)} == {"On"}
    cds = [
        fleet_lab.session().get(f"{fleet_lab.url}{system.path}/VirtualMedia/Cd").json()
        for system in fleet_lab.systems
    ]
    assert not any(cd["Inserted"] for cd in cds)

    # 20 nodes of one BMC address and user share one connection: one GET of the service
    # root for all of it, however many threads asked at once.
    time.sleep(0.3)
    roots = fleet_lab.requests_seen().count(("GET", "/redfish/v1/", 200)) - roots_before
    assert roots == 1, f"{roots} connections were opened to one BMC"


# --- power ---------------------------------------------------------------------------------------
def test_power_on_off_reboot(rsdk, lab):
    node, index = _manageable(rsdk, lab)
    node = _power(rsdk, node, "power on")
    assert node.power_state == "power on" and lab.system(index)["PowerState"] == "On"
    node = _power(rsdk, node, "power off")
    assert node.power_state == "power off" and lab.system(index)["PowerState"] == "Off"
    node = _power(rsdk, node, "rebooting")
    assert node.power_state == "power on" and lab.system(index)["PowerState"] == "On"
    node = _power(rsdk, node, "soft power off")
    assert node.power_state == "power off" and node.last_error is None


def test_power_actions_wait_for_a_slow_bmc(rsdk, lab):
    node, index = _manageable(rsdk, lab)
    lab.configure(power_delay=2)
    try:
        started = time.monotonic()
        rsdk.baremetal.set_node_power_state(node, "power on")
        node = _until(
            lambda: (n := rsdk.baremetal.get_node(node.id)).target_power_state is None and n,
            what="the power action to end",
        )
        elapsed = time.monotonic() - started
    finally:
        lab.configure(power_delay=0)
    assert node.power_state == "power on" and node.last_error is None
    assert elapsed >= 2, f"the driver did not wait for the BMC ({elapsed:.1f} s)"
    assert lab.system(index)["PowerState"] == "On"


def test_a_power_check_is_one_get_once_connected():
    """The cost the power sync pays per node: one GET of its System on a cached connection
    (an emulator of its own, so that no other client's requests are counted)."""
    from ironic_lite.conf import CONF
    from ironic_lite.drivers.redfish import client, power

    if CONF._args is None:
        CONF([], project="ironic-lite", default_config_files=[])
    own = started(RedfishLab(systems=1))
    try:
        info = client.driver_info({"uuid": "count", "driver_info": own.driver_info(0)})

        def seen():
            time.sleep(0.3)  # the emulator logs a request just after answering it
            return own.requests_seen()

        before = len(seen())
        assert power.read_power(info).value == "Off"
        cold = seen()[before:]
        for _ in range(3):
            power.read_power(info)
        warm = seen()[before + len(cold) :]
        client.CONNECTIONS.forget(info)
    finally:
        own.stop()
    assert warm == [("GET", own.systems[0].path, 200)] * 3
    # Connecting: the service root, a session attempt (the emulator has no SessionService and
    # refuses the POST: HTTP Basic from then on), then the GET of the system.
    assert [(method, status) for method, _path, status in cold] == [
        ("GET", 200),
        ("POST", 401),
        ("GET", 200),
    ]


def test_soft_power_off_gives_up_after_its_timeout(rsdk, lab):
    node, index = _manageable(rsdk, lab)
    node = _power(rsdk, node, "power on")
    lab.configure(power_delay=4)  # the OS takes longer to shut down than the request allows
    try:
        resp = _call(
            rsdk,
            "put",
            f"/nodes/{node.id}/states/power",
            "1.27",
            json={"target": "soft power off", "timeout": 1},
        )
        assert resp.status_code == 202, resp.text
        node = _until(
            lambda: (
                (n := rsdk.baremetal.get_node(node.id)).target_power_state is None
                and n.last_error
                and n
            ),
            what="the soft power off to give up",
        )
    finally:
        lab.configure(power_delay=0)
    assert "soft power off" in node.last_error and "after 1 s" in node.last_error
    assert lab.url in node.last_error and node.power_state == "power on"


# --- management ----------------------------------------------------------------------------------
def test_boot_device_mode_secure_boot_and_nmi(rsdk, lab):
    node, index = _manageable(rsdk, lab)
    # openstacksdk hands back the document as the API sends it.
    supported = rsdk.baremetal.get_node_supported_boot_devices(node)
    assert supported == {"supported_boot_devices": ["pxe", "disk", "cdrom"]}  # no BiosSetup

    rsdk.baremetal.set_node_boot_device(node, "pxe", persistent=True)
    assert rsdk.baremetal.get_node_boot_device(node) == {"boot_device": "pxe", "persistent": True}
    assert lab.system(index)["Boot"]["BootSourceOverrideTarget"] == "Pxe"
    rsdk.baremetal.set_node_boot_device(node, "disk")
    assert rsdk.baremetal.get_node_boot_device(node)["boot_device"] == "disk"

    resp = _call(
        rsdk, "put", f"/nodes/{node.id}/management/boot_device", "1.1", json={"boot_device": "bios"}
    )
    assert resp.status_code == 400 and "pxe, disk, cdrom" in _fault(resp)

    rsdk.baremetal.set_node_boot_mode(node, "bios")
    assert lab.system(index)["Boot"]["BootSourceOverrideMode"] == "Legacy"
    rsdk.baremetal.set_node_boot_mode(node, "uefi")
    rsdk.baremetal.set_node_secure_boot(node, True)
    secure = lab.session().get(f"{lab.url}{lab.systems[index].path}/SecureBoot").json()
    assert secure["SecureBootEnable"] is True
    node = rsdk.baremetal.get_node(node.id)
    assert node.boot_mode == "uefi" and node.is_secure_boot is True

    rsdk.baremetal.inject_nmi_to_node(node)


def test_indicator_leds(rsdk, lab):
    node, index = _manageable(rsdk, lab)
    path = f"/nodes/{node.id}/management/indicators"
    assert _call(rsdk, "get", path, "1.62").status_code == 404
    resp = _call(rsdk, "get", path, "1.63")
    assert resp.status_code == 200, resp.text
    assert [c["name"] for c in resp.json()["components"]] == ["chassis", "system"]
    listed = _call(rsdk, "get", f"{path}/system", "1.63").json()["indicators"]
    assert [(i["name"], i["readonly"], i["states"]) for i in listed] == [
        ("led", False, ["ON", "BLINKING", "OFF"])
    ]

    resp = _call(rsdk, "put", f"{path}/led@system", "1.63", json={"state": "BLINKING"})
    assert resp.status_code == 204, resp.text
    assert lab.system(index)["IndicatorLED"] == "Blinking"
    assert _call(rsdk, "get", f"{path}/led@system", "1.63").json() == {"state": "BLINKING"}
    resp = _call(rsdk, "put", f"{path}/led@system", "1.63", json={"state": "OFF"})
    assert resp.status_code == 204 and lab.system(index)["IndicatorLED"] == "Off"

    resp = _call(rsdk, "get", f"{path}/fan@system", "1.63")
    assert resp.status_code == 404 and "fan@system" in _fault(resp)
    resp = _call(rsdk, "put", f"{path}/led@system", "1.63", json={"state": "GREEN"})
    assert resp.status_code == 400


# --- BIOS ----------------------------------------------------------------------------------------
def _clean(rsdk, node, steps):
    rsdk.baremetal.set_node_provision_state(node, "clean", clean_steps=steps)
    return _until(
        lambda: (
            (n := rsdk.baremetal.get_node(node.id)).provision_state
            in ("manageable", "clean failed")
            and n
        ),
        timeout=60,
        what="manual cleaning to end",
    )


def _bios_values(rsdk, node) -> dict:
    listed = _call(rsdk, "get", f"/nodes/{node.id}/bios", "1.40").json()["bios"]
    return {s["name"]: s["value"] for s in listed}


def test_manual_clean_applies_bios_settings_after_a_reboot(rsdk, lab):
    node, index = _manageable(rsdk, lab)
    node = _clean(
        rsdk,
        node,
        [
            {
                "interface": "bios",
                "step": "apply_configuration",
                "args": {
                    "settings": [
                        {"name": "ProcTurboMode", "value": "Disabled"},
                        {"name": "AcPwrRcvryUserDelay", "value": 120},
                        {"name": "SriovGlobalEnable", "value": True},
                    ]
                },
            }
        ],
    )
    assert node.provision_state == "manageable", node.last_error
    values = _bios_values(rsdk, node)
    assert values["ProcTurboMode"] == "Disabled"
    assert values["AcPwrRcvryUserDelay"] == "120"
    assert values["SriovGlobalEnable"] == "True"
    on_bmc = lab.session().get(f"{lab.url}{lab.systems[index].path}/BIOS").json()["Attributes"]
    assert on_bmc["ProcTurboMode"] == "Disabled" and on_bmc["AcPwrRcvryUserDelay"] == 120
    # The node was off: it is off again after the reboot that applied the settings.
    assert node.power_state == "power off" and lab.system(index)["PowerState"] == "Off"

    node = _clean(rsdk, node, [{"interface": "bios", "step": "factory_reset"}])
    assert node.provision_state == "manageable", node.last_error
    assert _bios_values(rsdk, node)["ProcTurboMode"] == "Enabled"


def test_a_setting_the_registry_refuses_fails_cleaning_naming_it(rsdk, lab):
    node, index = _manageable(rsdk, lab)
    for settings, words in (
        ([{"name": "AcPwrRcvryUserDelay", "value": 5}], ("AcPwrRcvryUserDelay", "60 to 600")),
        ([{"name": "SystemMemorySize", "value": "1 TB"}], ("SystemMemorySize", "read-only")),
        ([{"name": "NoSuchThing", "value": "x"}], ("NoSuchThing",)),
    ):
        node = _clean(
            rsdk,
            node,
            [{"interface": "bios", "step": "apply_configuration", "args": {"settings": settings}}],
        )
        assert node.provision_state == "clean failed"
        assert all(w in node.last_error for w in words), node.last_error
        node = rsdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=30)
    assert (
        lab.session().get(f"{lab.url}{lab.systems[index].path}/BIOS/Settings").json()["Attributes"]
        == {}
    ), "nothing was staged on the BMC"


# --- firmware ------------------------------------------------------------------------------------
def test_firmware_update_as_a_service_step(rsdk, lab, images):
    base_url, served = images
    node, index = _manageable(rsdk, lab, boot_interface="fake", deploy_interface="fake")
    rsdk.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=60)
    rsdk.baremetal.set_node_provision_state(node, "active", wait=True, timeout=60)
    lab.configure(firmware_delay=2)  # the BMC's task runs a while: the step follows it
    try:
        node.set_provision_state(
            rsdk.baremetal,
            "service",
            service_steps=[
                {
                    "interface": "firmware",
                    "step": "update",
                    "args": {
                        "settings": [
                            {
                                "component": "bios",
                                "url": f"{base_url}/bios-2.20.0.bin",
                                "version": "2.20.0",
                            }
                        ]
                    },
                }
            ],
        )
        progress = []

        def serviced():
            n = rsdk.baremetal.get_node(node.id)
            update = (n.driver_internal_info or {}).get("firmware_update")
            if update:
                progress.append(update)
            return n.provision_state in ("active", "service failed") and n

        node = _until(serviced, timeout=60, what="servicing to end")
    finally:
        lab.configure(firmware_delay=0)
    assert node.provision_state == "active", node.last_error
    # While the BMC's task ran, the node showed how far it was.
    assert progress and progress[0]["component"] == "bios" and progress[0]["percent"] == 50
    assert "firmware_update" not in (node.driver_internal_info or {})
    assert "/bios-2.20.0.bin" in served, "the BMC downloaded the image"
    firmware = {c["component"]: c for c in rsdk.baremetal.list_node_firmware(node)["firmware"]}
    assert firmware["bios"]["current_version"] == "2.20.0"
    assert firmware["bios"]["last_version_flashed"] == "2.20.0"
    assert firmware["bios"]["initial_version"] == "2.19.1"
    assert lab.system(index)["BiosVersion"] == "2.20.0"

    # A component the BMC cannot flash: the step fails naming it.
    node.set_provision_state(
        rsdk.baremetal,
        "service",
        service_steps=[
            {
                "interface": "firmware",
                "step": "update",
                "args": {"settings": [{"component": "bmc", "url": f"{base_url}/bios-9.9.bin"}]},
            }
        ],
    )
    node = _until(
        lambda: (n := rsdk.baremetal.get_node(node.id)).provision_state == "service failed" and n,
        timeout=60,
        what="servicing to fail",
    )
    assert "bmc firmware" in node.last_error and lab.url in node.last_error

    # The version read back after the update is checked against the one the step expects.
    node.set_provision_state(
        rsdk.baremetal,
        "service",
        service_steps=[
            {
                "interface": "firmware",
                "step": "update",
                "args": {
                    "settings": [
                        {"component": "bios", "url": f"{base_url}/bios-9.9.bin", "version": "10.0"}
                    ]
                },
            }
        ],
    )
    node = _until(
        lambda: (n := rsdk.baremetal.get_node(node.id)).provision_state == "service failed" and n,
        timeout=60,
        what="servicing to fail on the version check",
    )
    assert "reports version 9.9, not 10.0" in node.last_error, node.last_error


# --- virtual media -------------------------------------------------------------------------------
def _vmedia(rsdk, node) -> list[dict]:
    resp = _call(rsdk, "get", f"/nodes/{node.id}/vmedia", "1.93")
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_virtual_media_attach_and_detach(rsdk, lab, images):
    base_url, served = images
    node, _ = _manageable(rsdk, lab)
    url = f"{base_url}/boot.iso"
    rsdk.baremetal.attach_vmedia_to_node(
        node, device_type="cdrom", image_url=url, image_download_source="http"
    )
    media = _until(
        lambda: [m for m in _vmedia(rsdk, node) if m["inserted"]],
        what="the ISO to be inserted",
    )
    assert media[0]["image"] == url and "CD" in media[0]["media_types"]
    assert "/boot.iso" in served, "the emulator downloaded the image"
    assert rsdk.baremetal.get_node(node.id).last_error is None

    rsdk.baremetal.detach_vmedia_from_node(node, device_types=["cdrom"])
    _until(
        lambda: not any(m["inserted"] for m in _vmedia(rsdk, node)),
        what="the ISO to be ejected",
    )

    for version, status in (("1.88", 404), ("1.89", 204)):
        resp = _call(
            rsdk,
            "post",
            f"/nodes/{node.id}/vmedia",
            version,
            json={"device_type": "cdrom", "image_url": url},
        )
        assert resp.status_code == status, resp.text
    assert _call(rsdk, "get", f"/nodes/{node.id}/vmedia", "1.92").status_code == 404
    resp = _call(
        rsdk,
        "post",
        f"/nodes/{node.id}/vmedia",
        "1.89",
        json={"device_type": "cdrom", "image_url": url, "image_download_source": "local"},
    )
    assert resp.status_code == 400 and "image_download_source" in _fault(resp)
    resp = _call(
        rsdk,
        "post",
        f"/nodes/{node.id}/vmedia",
        "1.89",
        json={"device_type": "cdrom", "image_url": "file:///etc/passwd"},
    )
    assert resp.status_code == 400 and "URL scheme" in _fault(resp)


def test_a_failed_attach_lands_in_last_error(rsdk, lab, images):
    base_url, _ = images
    node, _ = _manageable(rsdk, lab)
    rsdk.baremetal.attach_vmedia_to_node(
        node, device_type="cdrom", image_url=f"{base_url}/missing.iso", image_download_source="http"
    )
    node = _until(lambda: (n := rsdk.baremetal.get_node(node.id)).last_error and n)
    assert "missing.iso" in node.last_error and lab.url in node.last_error


def test_dhcp_less_boot_inserts_a_config_drive_with_network_data(lab, images):
    """The boot interface alone, against the emulator: the deploy ISO in the CD, a config-2
    ISO with the node's network_data in the other device, both gone after clean-up."""
    import io

    import pycdlib

    from ironic_lite.conf import CONF
    from ironic_lite.drivers.redfish import boot
    from tests.lab.harness import node_task

    base_url, served = images
    index = next(_next_system)
    network_data = {
        "links": [
            {"id": "port0", "type": "phy", "ethernet_mac_address": lab.systems[index].macs[0]}
        ],
        "networks": [
            {
                "id": "net0",
                "link": "port0",
                "type": "ipv4",
                "ip_address": "192.0.2.50",
                "netmask": "255.255.255.0",
                "routes": [],
            }
        ],
        "services": [],
    }
    iso_url = f"{base_url}/boot.iso"
    with node_task(
        driver="redfish",
        driver_info=lab.driver_info(index, deploy_iso=iso_url),
        network_data=network_data,
    ) as task:
        CONF.set_override("http_root", served.root, "deploy")
        CONF.set_override("http_url", base_url, "deploy")
        try:
            interface = boot.RedfishVirtualMediaBoot()
            interface.prepare_ramdisk(task, {})
            media = {
                tuple(m["media_types"]): m
                for m in boot.describe(boot.client.driver_info(task.node))
            }
            cd = next(m for types, m in media.items() if "CD" in types)
            stick = next(m for types, m in media.items() if "USBStick" in types)
            assert cd["inserted"] and cd["image"] == iso_url
            assert stick["inserted"] and stick["image"].startswith(f"{base_url}/vmedia/")
            assert stick["image"].rsplit("/", 1)[1] in "".join(served), "the BMC fetched it"
            assert lab.system(index)["Boot"]["BootSourceOverrideTarget"] == "Cd"

            published = os.path.join(served.root, "vmedia", f"{task.node['uuid']}-config.iso")
            iso = pycdlib.PyCdlib()
            iso.open(published)
            try:
                assert iso.pvd.volume_identifier.decode().strip() == "config-2"
                found = io.BytesIO()
                iso.get_file_from_iso_fp(found, rr_path="/openstack/latest/network_data.json")
                assert json.loads(found.getvalue()) == network_data
            finally:
                iso.close()

            interface.clean_up_ramdisk(task)
            assert not any(m["inserted"] for m in boot.describe(boot.client.driver_info(task.node)))
            assert not os.path.exists(published)
        finally:
            CONF.clear_override("http_root", "deploy")
            CONF.clear_override("http_url", "deploy")


# --- inspection ----------------------------------------------------------------------------------
def test_out_of_band_inspection_creates_ports(rsdk, lab):
    node, index = _manageable(rsdk, lab)
    node = rsdk.baremetal.set_node_provision_state(node, "inspect", wait=True, timeout=60)
    assert node.provision_state == "manageable", node.last_error
    assert node.properties["cpus"] == 8
    assert node.properties["memory_mb"] == 32 * 1024
    assert node.properties["cpu_arch"] == "x86_64"
    assert node.properties["local_gb"] == 99
    ports = {p.address for p in rsdk.baremetal.ports(node_id=node.id)}
    assert ports == set(lab.systems[index].macs)
    # What the BMC reported is the node's inventory, as an agent's would be (rules ran on it).
    stored = rsdk.baremetal.get(f"/nodes/{node.id}/inventory", microversion="1.81").json()
    assert stored["plugin_data"]["source"] == "redfish"
    assert stored["inventory"]["cpu"] == {"count": 8, "architecture": "x86_64"}
    assert {i["mac_address"] for i in stored["inventory"]["interfaces"]} == ports
    # Inspecting again adds nothing.
    rsdk.baremetal.set_node_provision_state(node, "inspect", wait=True, timeout=60)
    assert len(list(rsdk.baremetal.ports(node_id=node.id))) == len(lab.systems[index].macs)


# --- a BMC that goes away ------------------------------------------------------------------------
def test_a_dead_bmc_puts_the_node_in_maintenance_until_it_answers(rsdk, flaky_lab):
    node, _ = _enroll(rsdk, flaky_lab, index=0)
    node = rsdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=60)
    assert node.provision_state == "manageable", node.last_error
    flaky_lab.stop()
    try:
        node = _until(
            lambda: (n := rsdk.baremetal.get_node(node.id)).fault == "power failure" and n,
            timeout=60,
            what="the power failure fault",
        )
        assert node.is_maintenance and flaky_lab.url in node.maintenance_reason
        assert f"{SYNC_RETRIES} times" in node.maintenance_reason
        assert node.health == "Critical"  # power sync's failures stand for the BMC's health
    finally:
        flaky_lab.start()
    node = _until(
        lambda: (n := rsdk.baremetal.get_node(node.id)).fault is None and n,
        timeout=60,
        what="the fault to clear",
    )
    assert not node.is_maintenance
    assert node.health == "OK"


def test_health_is_the_systems_status_health(rsdk, lab):
    """health (1.109) follows the system's Status.Health, read by power sync with the power
    state (one GET), and each change is in node history as Ironic words it."""
    node, index = _manageable(rsdk, lab)
    try:
        assert _until(lambda: rsdk.baremetal.get_node(node.id).health == "OK", what="OK")
        lab.set_health(index, "Critical")
        _until(lambda: rsdk.baremetal.get_node(node.id).health == "Critical", what="Critical")
        lab.set_health(index, "Warning")
        _until(lambda: rsdk.baremetal.get_node(node.id).health == "Warning", what="Warning")
    finally:
        lab.set_health(index, None)
    _until(lambda: rsdk.baremetal.get_node(node.id).health == "OK", what="OK again")
    events = [
        e["event"]
        for e in _call(rsdk, "get", f"/nodes/{node.id}/history?detail=true", "1.78").json()[
            "history"
        ]
        if e["event_type"] == "monitoring"
    ]
    assert "Node health status changed: health='Critical' (previously 'OK')" in events
    assert "Node health status changed: health='OK' (previously 'Warning')" in events
    # Before 1.109 the field is not shown.
    doc = _call(rsdk, "get", f"/nodes/{node.id}", "1.108").json()
    assert "health" not in doc
