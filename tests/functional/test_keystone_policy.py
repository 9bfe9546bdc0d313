"""What each Keystone persona may list, see, change and provision, against Ironic's defaults.

The tables below are written from Ironic 39's documented default policy (not derived from
``ironic_lite/common/policy_rules.py``), so a rule that drifts from Ironic fails here. Every
persona logs in to the real Keystone of the ``keystone`` fixture with its password and drives
ironic-lite through openstacksdk (and, for the lessee's everyday work, the ``openstack`` CLI).

One ironic-lite serves the default configuration and one ``rbac_service_role_elevated_access``
(Nova's service user acting across projects); both live for the module.
"""

import json
import os
import subprocess
import sys
import textwrap
import uuid

import openstack.exceptions
import pytest

from tests.lab.keystone import PERSONAS, TokenAuth, connect, ironic_conf
from tests.lab.server import Service

pytestmark = pytest.mark.xdist_group("keystone")

OK, DENIED, HIDDEN = "ok", 403, 404
SECRET = "s3cret-bmc-password"


@pytest.fixture(scope="module")
def ks_service(keystone, tmp_path_factory):
    svc = Service(
        state_dir=str(tmp_path_factory.mktemp("keystone-policy")),
        extra_conf=ironic_conf(keystone),
        auth=TokenAuth(keystone),
    )
    svc.start()
    keystone.register_endpoint("baremetal", svc.url)
    yield svc
    svc.stop()


@pytest.fixture(scope="module")
def elevated(keystone, tmp_path_factory):
    """An ironic-lite where Nova's service user acts across projects."""
    svc = Service(
        state_dir=str(tmp_path_factory.mktemp("keystone-elevated")),
        extra_conf=ironic_conf(keystone, "rbac_service_role_elevated_access = true"),
        auth=TokenAuth(keystone),
    )
    svc.start()
    yield svc
    svc.stop()


@pytest.fixture(scope="module")
def admins(keystone, ks_service, elevated):
    """System-admin connections to both services, keyed ``default`` and ``elevated``."""
    conns = {
        "default": connect(keystone, "system-admin"),
        "elevated": connect(keystone, "system-admin", elevated.url + "/v1"),
    }
    yield conns
    for conn in conns.values():
        conn.close()


def _mac() -> str:
    return "52:54:00:" + ":".join(f"{b:02x}" for b in uuid.uuid4().bytes[:3])


def _available_node(admin, keystone, **extra):
    """A node owned by OWNER, leased to LESSEE, with a BMC password, moved to available."""
    p = keystone.project_ids
    node = admin.baremetal.create_node(
        driver="fake-hardware",
        owner=p["owner"],
        lessee=p["lessee"],
        network_interface="flat",
        driver_info={"ipmi_address": "192.0.2.10", "ipmi_password": SECRET},
        **extra,
    )
    admin.baremetal.set_node_provision_state(node, "manage", wait=True, timeout=60)
    admin.baremetal.set_node_provision_state(node, "provide", wait=True, timeout=60)
    admin.baremetal.create_port(node_uuid=node.id, address=_mac())
    return node.id


def _outcome(call) -> str | int:
    try:
        call()
    except openstack.exceptions.ForbiddenException:
        return DENIED
    except openstack.exceptions.NotFoundException:
        return HIDDEN
    return OK


# Each operation, in the order the table test runs them on one node.
def _operations(conn, admin, node: str, who: str) -> dict:
    bm = conn.baremetal

    def patch(path, value, op="add"):
        return lambda: bm.patch_node(node, [{"op": op, "path": path, "value": value}])

    def maintenance():
        bm.set_node_maintenance(node, reason=who)
        bm.unset_node_maintenance(node)

    def power():
        bm.set_node_power_state(node, "power on")
        admin.baremetal.wait_for_node_reservation(node, timeout=30)

    owner = admin.baremetal.get_node(node).owner
    return {
        "show": lambda: bm.get_node(node),
        "extra": patch("/extra/by", who),
        "instance_info": patch("/instance_info/note", who),
        "driver_info": patch("/driver_info/note", who),
        "owner": patch("/owner", owner, "replace"),
        "boot_device": lambda: bm.set_node_boot_device(node, "pxe"),
        "traits": lambda: bm.add_node_trait(node, "CUSTOM_POLICY"),
        "maintenance": maintenance,
        "vif": lambda: bm.list_node_vifs(node),
        "port": lambda: bm.create_port(node_uuid=node, address=_mac()),
        "power": power,
        "deploy": lambda: bm.set_node_provision_state(node, "active"),
    }


def _row(show, extra, instance_info, driver_info, owner, device, maintenance, vif, port, power):
    """One persona's expectations; ``maintenance`` also stands for instance_info-like rules
    (VIF attach, provisioning), ``device`` for boot device and traits."""
    return {
        "show": show,
        "extra": extra,
        "instance_info": instance_info,
        "driver_info": driver_info,
        "owner": owner,
        "boot_device": device,
        "traits": device,
        "maintenance": maintenance,
        "vif": vif,
        "port": port,
        "power": power,
        "deploy": maintenance,
    }


_ALL = _row(OK, OK, OK, OK, OK, OK, OK, OK, OK, OK)
_NOTHING = _row(*(HIDDEN,) * 8, DENIED, HIDDEN)  # creating a port is a 403, as Ironic
_READER = _row(OK, *(DENIED,) * 6, OK, DENIED, DENIED)

# persona -> what it may do to a node owned by OWNER and leased to LESSEE (Ironic's defaults)
EXPECTED = {
    "system-admin": _ALL,
    "system-member": {**_ALL, "port": DENIED},  # ports are created by admins
    "system-reader": _READER,
    "owner-admin": _ALL | {"owner": DENIED},
    "owner-member": _row(OK, OK, OK, OK, DENIED, DENIED, OK, OK, DENIED, OK),
    "owner-reader": _READER,
    # the lessee's admins and managers provision; its members power and edit extra
    "lessee-admin": _row(OK, OK, OK, DENIED, DENIED, DENIED, OK, OK, DENIED, OK),
    "lessee-manager": _row(OK, OK, OK, DENIED, DENIED, DENIED, OK, OK, DENIED, OK),
    "lessee-member": _row(OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED, OK, DENIED, OK),
    "lessee-reader": _READER,
    "third-admin": _NOTHING,
    "nova": _NOTHING,  # the service project owns nothing here and is not elevated
    # elevated: a system member and reader, so no ports (an admin's job)
    "nova-elevated": {**_ALL, "port": DENIED},
}
# callers below baremetal:node:get:filter_threshold who still see driver_info (the owner's)
DRIVER_INFO_VISIBLE = {"owner-admin", "owner-member", "owner-reader"}
SYSTEM = {"system-admin", "system-member", "system-reader", "nova-elevated"}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_what_each_persona_may_do_to_an_owned_and_leased_node(keystone, admins, elevated, who):
    persona = who.removesuffix("-elevated")
    place = "elevated" if who.endswith("-elevated") else "default"
    admin = admins[place]
    node = _available_node(admin, keystone)
    conn = connect(keystone, persona, elevated.url + "/v1" if place == "elevated" else None)
    try:
        ops = _operations(conn, admin, node, who)
        got = {name: _outcome(call) for name, call in ops.items()}
        assert got == EXPECTED[who]
        if got["show"] != OK:
            return
        shown = conn.baremetal.get_node(node)
        # a BMC password is never shown to anyone; infrastructure details only to the owner
        # and system users (Ironic's filter_threshold)
        if who in SYSTEM or who in DRIVER_INFO_VISIBLE:
            assert shown.driver_info["ipmi_password"] == "******"
            assert shown.driver_info["ipmi_address"] == "192.0.2.10"
        else:
            assert list(shown.driver_info) == ["content"]
            assert "baremetal:node:get:driver_info" in shown.driver_info["content"]
        assert SECRET not in json.dumps(conn.baremetal.get(f"/nodes/{node}").json())
        if got["deploy"] == OK:
            admin.baremetal.wait_for_nodes_provision_state([node], "active", timeout=60)
    finally:
        conn.close()


# persona -> which of the module's four nodes (and their ports) its lists hold
LISTED = {
    "system-reader": {"owned", "lessee-owned", "service-owned", "free"},
    "owner-member": {"owned"},
    "lessee-reader": {"owned", "lessee-owned"},
    "third-admin": set(),
    "nova": {"service-owned"},
}


@pytest.fixture(scope="module")
def four_nodes(keystone, admins):
    admin = admins["default"]
    p = keystone.project_ids
    owners = {
        "owned": (p["owner"], p["lessee"]),
        "lessee-owned": (p["lessee"], None),
        "service-owned": (p["service"], None),
        "free": (None, None),
    }
    made = {}
    for key, (owner, lessee) in owners.items():
        node = admin.baremetal.create_node(driver="fake-hardware", owner=owner, lessee=lessee)
        port = admin.baremetal.create_port(node_uuid=node.id, address=_mac())
        made[key] = (node.id, port.id)
    return made


@pytest.mark.parametrize("who", sorted(LISTED))
def test_lists_of_nodes_and_ports_hold_only_what_the_persona_may_see(keystone, four_nodes, who):
    conn = connect(keystone, who)
    try:
        nodes = {n.id for n in conn.baremetal.nodes()}
        ports = {p.id for p in conn.baremetal.ports(details=True)}
        assert {k for k, (n, _) in four_nodes.items() if n in nodes} == LISTED[who]
        assert {k for k, (_, p) in four_nodes.items() if p in ports} == LISTED[who]
        for key, (node, port) in four_nodes.items():
            if key in LISTED[who]:
                continue
            # neither the node nor what hangs off it is admitted to exist
            for call in (
                lambda node=node: conn.baremetal.get_node(node),
                lambda port=port: conn.baremetal.get_port(port),
                lambda node=node: conn.baremetal.list_node_vifs(node),
            ):
                assert _outcome(call) == HIDDEN
            assert conn.baremetal.get(f"/nodes/{node}/ports").status_code == HIDDEN
    finally:
        conn.close()


def test_a_lessee_member_powers_and_edits_extra_with_the_cli(keystone, admins):
    node = _available_node(admins["default"], keystone)
    exe = os.path.join(os.path.dirname(sys.executable), "openstack")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update(PERSONAS["lessee-member"].env(keystone.url), OS_BAREMETAL_API_VERSION="latest")

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [exe, "baremetal", *args], env=env, capture_output=True, text=True, timeout=120
        )

    assert cli("node", "set", node, "--extra", "rack=r1").returncode == 0
    assert cli("node", "power", "on", node).returncode == 0
    admins["default"].baremetal.wait_for_node_reservation(node, timeout=30)
    refused = cli("node", "deploy", node)
    assert refused.returncode != 0
    assert "baremetal:node:set_provision_state" in refused.stderr
    shown = json.loads(cli("node", "show", node, "-f", "json").stdout)
    assert shown["extra"] == {"rack": "r1"} and shown["power_state"] == "power on"


def test_a_project_admin_creates_and_deletes_its_own_nodes(keystone, ks_service):
    """Ironic 1.80: a project admin's new node belongs to its project; another owner is a 400."""
    conn = connect(keystone, "third-admin")
    member = connect(keystone, "owner-member")
    try:
        node = conn.baremetal.create_node(
            driver="fake-hardware", name=f"own-{uuid.uuid4().hex[:6]}"
        )
        assert node.owner == keystone.project_ids["third"]
        with pytest.raises(openstack.exceptions.BadRequestException, match="your own project"):
            conn.baremetal.create_node(driver="fake-hardware", owner=keystone.project_ids["owner"])
        with pytest.raises(openstack.exceptions.ForbiddenException):
            member.baremetal.create_node(driver="fake-hardware")
        conn.baremetal.delete_node(node)
        with pytest.raises(openstack.exceptions.NotFoundException):
            conn.baremetal.get_node(node.id)
    finally:
        conn.close()
        member.close()


def test_the_owner_of_a_deployed_node_changes_only_by_a_system_admin(keystone, admins):
    admin = admins["default"]
    node = _available_node(admin, keystone)
    admin.baremetal.set_node_provision_state(node, "active", wait=True, timeout=60)
    member = connect(keystone, "system-member")
    try:
        third = keystone.project_ids["third"]
        with pytest.raises(openstack.exceptions.ConflictException, match="while it is in state"):
            member.baremetal.patch_node(node, [{"op": "replace", "path": "/owner", "value": third}])
        patched = admin.baremetal.patch_node(
            node, [{"op": "replace", "path": "/owner", "value": third}]
        )
        assert patched.owner == third
    finally:
        member.close()


def test_nova_does_its_whole_job_with_elevated_access(keystone, admins, elevated):
    """What Nova's ironic driver does for one instance, as Nova's service user."""
    admin = admins["elevated"]
    node = _available_node(admin, keystone)
    unowned = admin.baremetal.create_node(driver="fake-hardware").id
    instance = str(uuid.uuid4())
    vif = str(uuid.uuid4())
    nova = connect(keystone, "nova", elevated.url + "/v1")
    try:
        bm = nova.baremetal
        # every project's nodes, and nodes of none
        assert {node, unowned} <= {n.id for n in bm.nodes(associated=False)}
        free = {n.id for n in bm.nodes(associated=False, provision_state="available")}
        assert node in free and unowned not in free
        assert bm.validate_node(node, required=("power",))
        bm.patch_node(
            node,
            [
                {"op": "add", "path": "/instance_uuid", "value": instance},
                {"op": "add", "path": "/instance_info/display_name", "value": "vm-1"},
                {"op": "add", "path": "/instance_info/root_gb", "value": "10"},
            ],
        )
        assert [p.id for p in bm.ports(node=node)]
        bm.attach_vif_to_node(node, vif, retry_on_conflict=False)
        assert bm.list_node_vifs(node) == [vif]
        bm.set_node_provision_state(
            node, "active", config_drive={"user_data": "#!/bin/sh\necho hi\n"}
        )
        deployed = bm.wait_for_nodes_provision_state([node], "active", timeout=60)[0]
        assert deployed.instance_id == instance
        assert {n.id for n in bm.nodes(associated=True)} >= {node}
        assert bm.get_node(node).instance_info["configdrive"] == "******"
        bm.set_node_power_state(node, "power off", wait=True, timeout=60)
        bm.set_node_power_state(node, "power on", wait=True, timeout=60)
        bm.set_node_provision_state(node, "deleted", wait=True, timeout=60)
        bm.detach_vif_from_node(node, vif)
        bm.patch_node(node, [{"op": "remove", "path": "/instance_uuid"}])
        # nothing more than a system member: deleting nodes or making chassis is an admin's
        for call in (lambda: bm.delete_node(node), lambda: bm.create_chassis(description="x")):
            assert _outcome(call) == DENIED
    finally:
        nova.close()


def test_a_policy_file_overrides_a_default(keystone, tmp_path):
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text('"baremetal:node:set_power_state": "role:admin and system_scope:all"\n')
    svc = Service(
        state_dir=str(tmp_path),
        extra_conf=textwrap.dedent(ironic_conf(keystone))
        + f"[oslo_policy]\npolicy_file = {policy_file}\n",
        auth=TokenAuth(keystone),
    )
    svc.start()
    admin = connect(keystone, "system-admin", svc.url + "/v1")
    member = connect(keystone, "owner-member", svc.url + "/v1")
    try:
        node = admin.baremetal.create_node(
            driver="fake-hardware", owner=keystone.project_ids["owner"]
        )
        assert _outcome(lambda: member.baremetal.set_node_power_state(node, "power on")) == DENIED
        member.baremetal.patch_node(node, [{"op": "add", "path": "/extra/a", "value": "b"}])
    finally:
        admin.close()
        member.close()
        svc.stop()
