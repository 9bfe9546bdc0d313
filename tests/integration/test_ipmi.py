"""The ipmi hardware type end to end: openstacksdk -> the real service -> pyghmi -> lab BMCs.

Twenty nodes point at twenty in-memory BMCs (``tests.lab.ipmi``, a child process); what the
API says is checked against what each BMC's machine went through: power, boots and the boot
device each boot used, NMIs. Half the nodes are pinned to cipher suite 17, half to 3. Power
sync runs every second here, so that a BMC that stops answering puts its node in maintenance
within seconds. The twenty nodes boot with the ``fake`` boot interface; nodes with ``ipxe``
and ``pxe`` (the ipmi type's defaults) get ports and deploy ramdisk images of their own.
"""

import os
import time
import uuid

import openstack
import pytest
import requests

from tests.lab.ipmi import running_lab
from tests.lab.server import Service

pytestmark = pytest.mark.xdist_group("ipmi")

NODES = 20
SYNC_FAILURES = 2  # [conductor] power_state_sync_max_retries
H = {"X-OpenStack-Ironic-API-Version": "latest"}
CONF = """\
    [DEFAULT]
    enabled_hardware_types = ipmi,fake-hardware
    [conductor]
    sync_power_state_interval = 1
    power_state_sync_max_retries = {failures}
    check_provision_state_interval = 1
    deploy_kernel = {images}/ipa.kernel
    deploy_ramdisk = file://{images}/ipa.initramfs
    file_url_allowed_paths = {images}
    [pxe]
    tftp_root = {roots}/tftp
    [deploy]
    http_root = {roots}/http
    http_url = http://127.0.0.1:8080
    [ipmi]
    command_retry_timeout = 4
    min_command_interval = 0.05
    poll_interval = 0.05
    power_state_change_timeout = 10
    soft_power_off_timeout = 10
    """


@pytest.fixture(scope="module")
def lab():
    with running_lab(count=NODES + 3) as running:
        yield running


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    """Where network boot files go, and the deploy ramdisk they are made of."""
    base = tmp_path_factory.mktemp("ipmi-boot")
    (base / "ipa.kernel").write_bytes(b"deploy kernel")
    (base / "ipa.initramfs").write_bytes(b"deploy initramfs")
    return base


@pytest.fixture(scope="module")
def service(roots, lab):
    # Started after the lab and stopped before it: power sync never sees the BMCs go away.
    conf = CONF.format(failures=SYNC_FAILURES, images=roots, roots=roots)
    svc = Service(extra_conf=conf).start()
    yield svc
    svc.stop()


@pytest.fixture(scope="module")
def sdk(service):
    conn = openstack.connect(
        auth_type="none",
        auth={"endpoint": service.url},
        baremetal_endpoint_override=service.url,
        has_compute=False,
        has_image=False,
        load_yaml_config=False,
        load_envvars=False,
    )
    yield conn
    conn.close()


def driver_info(bmc: dict, **changes) -> dict:
    return {
        "ipmi_address": bmc["address"],
        "ipmi_port": bmc["port"],
        "ipmi_username": bmc["username"],
        "ipmi_password": bmc["password"],
        **changes,
    }


def power(sdk, node, target: str, timeout: float = 30) -> None:
    """Ask for a power change and wait until the conductor has finished it.

    openstacksdk's ``wait=True`` only waits for the power state it expects, which a reboot
    of a node that is on shows before the reboot even starts: wait for the target to clear.
    """
    sdk.baremetal.set_node_power_state(node, target)
    done = wait_until(
        f"{target} to finish",
        lambda: (n := sdk.baremetal.get_node(node.id)).target_power_state is None and n,
        timeout=timeout,
        interval=0.1,
    )
    assert done.last_error is None, done.last_error
    expected = "power off" if target in ("power off", "soft power off") else "power on"
    assert done.power_state == expected


def wait_until(what, check, timeout=30.0, interval=0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


@pytest.fixture(scope="module")
def nodes(sdk, lab):
    """Twenty IPMI nodes, enrolled and verified (manageable), one per lab BMC."""
    created = [
        sdk.baremetal.create_node(
            driver="ipmi",
            name=f"ipmi-{i}-{uuid.uuid4().hex[:6]}",
            driver_info=driver_info(bmc, ipmi_cipher_suite=(3 if i % 2 else 17)),
            boot_interface="fake",
            # These tests are about the BMC; the agent's deploy has its own tests.
            deploy_interface="fake",
        )
        for i, bmc in enumerate(lab.bmcs[:NODES])
    ]
    for node in created:
        sdk.baremetal.set_node_provision_state(node, "manage")
    done = sdk.baremetal.wait_for_nodes_provision_state(created, "manageable", timeout=60)
    by_id = {node.id: node for node in done}
    return [by_id[node.id] for node in created]  # node i is on BMC i


def bmc_of(lab, index):
    return lab.bmcs[index]["name"]


# --- enrolment -------------------------------------------------------------------------------
def test_twenty_nodes_are_verified_through_their_bmcs(sdk, lab, nodes):
    assert len(nodes) == NODES
    assert all(n.provision_state == "manageable" and n.power_state == "power off" for n in nodes)
    assert all(n.power_interface == "ipmitool" for n in nodes)
    assert all(n.management_interface == "ipmitool" for n in nodes)
    assert all(n.driver_info["ipmi_password"] == "******" for n in nodes)
    states = lab.states()
    # Odd nodes are pinned to cipher suite 3, even ones to 17, and nothing else is tried.
    for i in range(NODES):
        pinned, other = (3, 17) if i % 2 else (17, 3)
        logins = states[bmc_of(lab, i)]["logins"]
        assert logins[str(pinned)] >= 1 and logins[str(other)] == 0, (i, logins)


def test_new_ipmi_nodes_boot_with_ipxe_by_default(sdk):
    node = sdk.baremetal.create_node(driver="ipmi", driver_info={"ipmi_address": "127.0.0.1"})
    try:
        assert node.boot_interface == "ipxe" and node.deploy_interface == "direct"
        assert node.inspect_interface == "agent"
    finally:
        sdk.baremetal.delete_node(node)


def test_driver_properties_list_the_ipmi_fields(sdk):
    props = sdk.baremetal.get("/drivers/ipmi/properties", microversion="1.30").json()
    assert {"ipmi_address", "ipmi_port", "ipmi_username", "ipmi_password"} <= set(props)
    assert "ipmi_cipher_suite" in props


def test_a_node_without_an_address_fails_validation_naming_the_field(sdk, service):
    node = sdk.baremetal.create_node(driver="ipmi", driver_info={"ipmi_username": "u"})
    result = requests.get(f"{service.url}/v1/nodes/{node.id}/validate", headers=H).json()
    assert result["power"]["result"] is False and "ipmi_address" in result["power"]["reason"]
    assert result["management"]["result"] is False
    sdk.baremetal.set_node_provision_state(node, "manage")
    failed = wait_until(
        "verify to fail", lambda: _settled(sdk.baremetal.get_node(node.id), "enroll")
    )
    assert "ipmi_address" in failed.last_error
    sdk.baremetal.delete_node(node)


def _settled(node, state):
    return node if node.provision_state == state and node.target_provision_state is None else None


def test_a_wrong_password_fails_verify_naming_the_bmc(sdk, lab):
    bmc = lab.bmcs[NODES]
    node = sdk.baremetal.create_node(
        driver="ipmi", driver_info=driver_info(bmc, ipmi_password="not-it")
    )
    sdk.baremetal.set_node_provision_state(node, "manage")
    failed = wait_until(
        "verify to fail", lambda: _settled(sdk.baremetal.get_node(node.id), "enroll")
    )
    assert f"{bmc['address']}:{bmc['port']}" in failed.last_error
    assert "refused the credentials" in failed.last_error
    assert "not-it" not in failed.last_error
    sdk.baremetal.delete_node(node)


# --- power -----------------------------------------------------------------------------------
def test_power_on_off_reboot_reach_the_bmc(sdk, lab, nodes):
    node, name = nodes[0], bmc_of(lab, 0)
    boots = len(lab.state(name)["boots"])
    power(sdk, node, "power on")
    state = lab.state(name)
    assert state["power"] == "on" and len(state["boots"]) == boots + 1
    power(sdk, node, "rebooting")
    state = lab.state(name)
    assert state["power"] == "on" and len(state["boots"]) == boots + 2
    power(sdk, node, "power off")
    assert lab.state(name)["power"] == "off"
    power(sdk, node, "soft rebooting")  # from off: a plain power on
    state = lab.state(name)
    assert state["power"] == "on" and len(state["boots"]) == boots + 3
    power(sdk, node, "soft power off")
    assert lab.state(name)["power"] == "off"


def test_power_changed_outside_is_put_back_by_power_sync(sdk, lab, nodes):
    """[conductor] force_power_state_during_sync (the default): the recorded state wins."""
    node, name = nodes[1], bmc_of(lab, 1)
    assert sdk.baremetal.get_node(node.id).power_state == "power off"
    lab.press_power(name, True)
    wait_until(
        "power sync to switch the machine off again", lambda: lab.state(name)["power"] == "off"
    )
    node = wait_until(
        "the correction to end",
        lambda: (n := sdk.baremetal.get_node(node.id)).target_power_state is None and n,
    )
    assert node.power_state == "power off" and node.last_error is None
    power(sdk, node, "power on")
    assert lab.state(name)["power"] == "on"
    power(sdk, node, "power off")


# --- boot device -----------------------------------------------------------------------------
def test_a_one_time_boot_device_is_consumed_by_the_next_power_on(sdk, lab, nodes):
    node, name = nodes[2], bmc_of(lab, 2)
    sdk.baremetal.set_node_boot_device(node, "pxe", persistent=False)
    assert lab.state(name)["boot"] == {
        "valid": True,
        "device": "pxe",
        "persistent": False,
        "uefi": True,
    }
    assert sdk.baremetal.get_node_boot_device(node) == {"boot_device": "pxe", "persistent": False}
    power(sdk, node, "power on")
    state = lab.state(name)
    assert state["boots"][-1]["device"] == "pxe" and state["boots"][-1]["uefi"] is True
    assert state["boot"]["valid"] is False
    assert sdk.baremetal.get_node_boot_device(node) == {"boot_device": None, "persistent": None}
    power(sdk, node, "rebooting")
    state = lab.state(name)
    assert len(state["boots"]) == 2 and state["boots"][-1]["device"] is None  # own order again
    power(sdk, node, "power off")


def test_a_persistent_boot_device_stays(sdk, lab, nodes):
    node, name = nodes[3], bmc_of(lab, 3)
    sdk.baremetal.set_node_boot_device(node, "disk", persistent=True)
    for _ in range(2):
        power(sdk, node, "rebooting")
    state = lab.state(name)
    assert [b["device"] for b in state["boots"]] == ["disk", "disk"]
    assert state["boot"] == {"valid": True, "device": "disk", "persistent": True, "uefi": True}
    assert sdk.baremetal.get_node_boot_device(node) == {"boot_device": "disk", "persistent": True}
    assert set(sdk.baremetal.get_node_supported_boot_devices(node)["supported_boot_devices"]) == {
        "pxe",
        "disk",
        "cdrom",
        "bios",
        "safe",
    }
    power(sdk, node, "power off")


def test_inject_nmi(sdk, lab, nodes, service):
    node, name = nodes[4], bmc_of(lab, 4)
    refused = requests.put(
        f"{service.url}/v1/nodes/{node.id}/management/inject_nmi", headers=H, json={}
    )
    assert refused.status_code == 400 and "not supported in present state" in refused.text
    assert f"{lab.bmcs[4]['address']}:{lab.bmcs[4]['port']}" in refused.text
    power(sdk, node, "power on")
    sdk.baremetal.inject_nmi_to_node(node)
    assert lab.state(name)["nmis"] == 1
    power(sdk, node, "power off")


# --- an unreachable BMC ----------------------------------------------------------------------
def test_a_bmc_that_stops_answering_puts_its_node_in_maintenance_until_it_is_back(sdk, lab, nodes):
    node, name = nodes[5], bmc_of(lab, 5)
    lab.stop_bmc(name)
    try:
        down = wait_until(
            "the power failure fault",
            lambda: (n := sdk.baremetal.get_node(node.id)).is_maintenance and n,
            timeout=90,
        )
        assert down.fault == "power failure"
        assert down.health == "Critical"  # from power sync: IPMI reports no health
        assert f"could not be read {SYNC_FAILURES} times in a row" in down.maintenance_reason
        assert down.driver_internal_info["power_sync_failures"] == SYNC_FAILURES
        assert f"{lab.bmcs[5]['address']}:{lab.bmcs[5]['port']}" in down.maintenance_reason
        assert "did not answer get power state" in down.maintenance_reason
        assert lab.bmcs[5]["password"] not in down.maintenance_reason
    finally:
        lab.start_bmc(name)
    back = wait_until(
        "the fault to clear",
        lambda: not (n := sdk.baremetal.get_node(node.id)).is_maintenance and n,
        timeout=60,
    )
    assert back.fault is None and back.power_state == "power off"
    assert back.health == "OK"
    history = sdk.baremetal.get(f"/nodes/{node.id}/history", microversion="1.78").json()
    changes = [e["event"] for e in history["history"] if "health" in e["event"]]
    assert changes[-3:] == [
        "Node health status changed: health='Warning' (previously 'OK')",
        "Node health status changed: health='Critical' (previously 'Warning')",
        "Node health status changed: health='OK' (previously 'Critical')",
    ]


# --- privilege level (ipmi_priv_level) ---------------------------------------------------------
def test_ipmi_priv_level_is_the_privilege_the_session_asks_for(sdk, lab, service):
    """A BMC user limited to OPERATOR: ADMINISTRATOR is refused at login, OPERATOR works, and
    unset asks for ADMINISTRATOR then falls back to OPERATOR; USER may read the power state
    but not change it. An unknown level is a validation error in Ironic's words."""
    bmc = lab.bmcs[NODES + 1]
    lab.configure(bmc["name"], max_privilege=3)
    node = sdk.baremetal.create_node(
        driver="ipmi",
        driver_info=driver_info(bmc, ipmi_priv_level="ADMINISTRATOR"),
        boot_interface="fake",
        deploy_interface="fake",
    )
    try:
        sdk.baremetal.set_node_provision_state(node, "manage")
        failed = wait_until(
            "verify to fail", lambda: _settled(sdk.baremetal.get_node(node.id), "enroll")
        )
        assert "Invalid role" in failed.last_error, failed.last_error
        assert f"{bmc['address']}:{bmc['port']}" in failed.last_error

        sdk.baremetal.update_node(node, driver_info=driver_info(bmc, ipmi_priv_level="OPERATOR"))
        node = sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=60)
        assert node.provision_state == "manageable", node.last_error
        power(sdk, node, "power on")
        power(sdk, node, "power off")
        sdk.baremetal.update_node(node, driver_info=driver_info(bmc))  # unset: falls back
        power(sdk, node, "power on")
        power(sdk, node, "power off")

        sdk.baremetal.update_node(node, driver_info=driver_info(bmc, ipmi_priv_level="USER"))
        refused = requests.put(
            f"{service.url}/v1/nodes/{node.id}/states/power",
            headers=H,
            json={"target": "power on"},
        )
        assert refused.status_code == 202
        done = wait_until(
            "the power on to fail",
            lambda: (n := sdk.baremetal.get_node(node.id)).target_power_state is None and n,
        )
        assert "Insufficient privilege level" in done.last_error, done.last_error
        assert lab.state(bmc["name"])["power"] == "off"
        assert sdk.baremetal.get_node(node.id).power_state == "power off"  # reading is allowed

        sdk.baremetal.update_node(node, driver_info=driver_info(bmc, ipmi_priv_level="ROOT"))
        result = requests.get(f"{service.url}/v1/nodes/{node.id}/validate", headers=H).json()
        assert result["power"]["result"] is False
        assert result["power"]["reason"].endswith(
            "Invalid privilege level value:ROOT, the valid value can be one of "
            "ADMINISTRATOR, CALLBACK, OPERATOR, USER"
        )
    finally:
        lab.configure(bmc["name"], max_privilege=4)
        sdk.baremetal.delete_node(node)


# --- provisioning ----------------------------------------------------------------------------
def test_provide_deploy_and_undeploy_power_the_machine_through_ipmi(sdk, lab, nodes):
    node, name = nodes[6], bmc_of(lab, 6)
    sdk.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=60)
    node = sdk.baremetal.set_node_provision_state(node, "active", wait=True, timeout=60)
    assert node.provision_state == "active" and node.power_state == "power on"
    state = lab.state(name)
    assert state["power"] == "on" and len(state["boots"]) == 1  # the fake deploy's power on
    node = sdk.baremetal.set_node_provision_state(node, "deleted", wait=True, timeout=60)
    assert node.provision_state == "available" and node.power_state == "power off"
    assert lab.state(name)["power"] == "off"


def test_every_node_deploys_at_once(sdk, lab, nodes):
    batch = nodes[10:NODES]
    for node in batch:
        sdk.baremetal.set_node_provision_state(node, "provide")
    sdk.baremetal.wait_for_nodes_provision_state(batch, "available", timeout=120)
    for node in batch:
        sdk.baremetal.set_node_provision_state(node, "active")
    deployed = sdk.baremetal.wait_for_nodes_provision_state(batch, "active", timeout=120)
    assert all(n.power_state == "power on" for n in deployed)
    states = lab.states()
    assert all(states[bmc_of(lab, i)]["power"] == "on" for i in range(10, NODES))


# --- network boot: the boot interface in the deploy and undeploy flows ------------------------
def _files(root) -> set[str]:
    """Every file and link under ``root``, relative to it (the shared image cache aside)."""
    found = set()
    for directory, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != "master_images"]
        for name in names + [d for d in dirs if os.path.islink(os.path.join(directory, d))]:
            found.add(os.path.relpath(os.path.join(directory, name), root))
    return found


def _settle(sdk, node, state, timeout=60):
    """Wait until the node is in ``state``, or has stopped moving (then fail)."""
    done = wait_until(
        f"the node to reach {state}",
        lambda: (
            (n := sdk.baremetal.get_node(node.id)).provision_state == state
            or n.target_provision_state is None
        ),
        timeout=timeout,
        interval=0.1,
    )
    done = sdk.baremetal.get_node(node.id)
    assert done.provision_state == state, done.last_error
    return done


@pytest.mark.parametrize("boot", ["ipxe", "pxe"])
def test_network_boot_files_live_while_the_ramdisk_may_boot(sdk, lab, roots, boot):
    """Deploy writes the node's boot files and sets a one-time PXE boot; the deploy ends with
    the instance booting from disk and the files gone; undeploy from a deploy parked in
    ``wait call-back`` removes them too."""
    index = NODES + 1 if boot == "ipxe" else NODES + 2
    bmc, name = lab.bmcs[index], lab.bmcs[index]["name"]
    mac = f"52:54:00:00:{index:02x}:01"
    dashed = mac.replace(":", "-")
    link = f"pxelinux.cfg/{dashed}" if boot == "ipxe" else f"pxelinux.cfg/01-{dashed}"
    node = sdk.baremetal.create_node(
        driver="ipmi",
        boot_interface=boot,
        deploy_interface="fake",
        driver_info=driver_info(bmc, ipmi_cipher_suite=17),
    )
    sdk.baremetal.create_port(node_id=node.id, address=mac)
    root = roots / ("http" if boot == "ipxe" else "tftp")
    expected = {f"{node.id}/config", link}
    expected |= {"boot.ipxe"} if boot == "ipxe" else {f"{node.id}/deploy_kernel"}
    expected |= {f"{node.id}/deploy_ramdisk"}
    sdk.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=60)
    sdk.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=60)

    # A deploy parked before its first step: the ramdisk's boot is ready.
    park = [{"interface": "deploy", "step": "wait", "priority": 200}]
    sdk.baremetal.set_node_provision_state(node, "active", deploy_steps=park)
    _settle(sdk, node, "wait call-back")
    assert expected <= _files(root)
    config = (root / node.id / "config").read_text()
    assert "ipa-api-url=" in config
    if boot == "ipxe":
        assert f"http://127.0.0.1:8080/{node.id}/deploy_kernel" in config
        assert (root / node.id / "deploy_ramdisk").read_bytes() == b"deploy initramfs"
    assert (root / link).read_text() == config  # the MAC points at it
    assert lab.state(name)["boot"] == {
        "valid": True,
        "device": "pxe",
        "persistent": False,
        "uefi": True,
    }
    sdk.baremetal.set_node_provision_state(node, "deleted")
    _settle(sdk, node, "available")
    assert _files(root) & expected <= {"boot.ipxe"}  # the shared iPXE script stays

    # A whole deploy: the machine boots the network once, then its disk, always.
    sdk.baremetal.set_node_provision_state(
        node, "active", deploy_steps=[dict(park[0], args={"seconds": 3})]
    )
    _settle(sdk, node, "wait call-back")
    assert expected <= _files(root)
    node = _settle(sdk, node, "active")
    state = lab.state(name)
    assert state["boots"][-1]["device"] == "pxe"  # the fake deploy powered it on
    assert state["boot"] == {"valid": True, "device": "disk", "persistent": True, "uefi": True}
    assert not _files(root) & expected - {"boot.ipxe"}
    sdk.baremetal.set_node_provision_state(node, "deleted", wait=True, timeout=60)
    sdk.baremetal.delete_node(node)
