"""/v1/volume (1.32): the connectors (initiator identities) and targets (volumes) a node uses
to boot from or attach remote storage, and the same collections under /v1/nodes/<node>/volume.

Connectors and targets are created whatever the node does, as Ironic allows. Changing one needs
its node powered off; deleting one needs the node powered off or not yet in use (enroll,
manageable, adopt failed). A node a conductor holds answers 409.
"""

import dataclasses
import functools
import ipaddress
import re
from collections.abc import Callable

from flask import Blueprint, g

from ironic_lite.api import body, links, spec
from ironic_lite.api.identifiers import is_valid_name
from ironic_lite.api.microversions import since, supports
from ironic_lite.api.resource import Resource
from ironic_lite.api.responses import json_response, no_content
from ironic_lite.api.schemas import volumes as schemas
from ironic_lite.api.services import access
from ironic_lite.api.v1.nodes import find_node
from ironic_lite.api.views import volumes as views
from ironic_lite.common import exceptions, states
from ironic_lite.db import api as dbapi

bp = Blueprint("volume", __name__)

_DELETE_ALLOWED_STATES = (states.MANAGEABLE, states.ENROLL, states.ADOPTFAIL)
_IQN_RE = re.compile(r"^(iqn\.\d{4}-\d{2}\.[^\s]+|eui\.[0-9A-Fa-f]{16}|naa\.[0-9A-Fa-f]{16,32})$")
_MAC_RE = re.compile(r"^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$")
_WWN_RE = re.compile(r"^(0x)?([0-9A-Fa-f]{16}|([0-9A-Fa-f]{2}[:-]){7}[0-9A-Fa-f]{2})$")


def _valid_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


# What a connector_id of each type must look like, and how to say so.
_CONNECTOR_FORMATS: dict[str, tuple[Callable[[str], bool], str]] = {
    "iqn": (lambda v: bool(_IQN_RE.match(v)), "an iSCSI name (iqn.YYYY-MM.<domain>[:<id>])"),
    "ip": (_valid_ip, "an IPv4 or IPv6 address"),
    "mac": (lambda v: bool(_MAC_RE.match(v)), "a MAC address"),
    "wwnn": (lambda v: bool(_WWN_RE.match(v)), "a world wide name of 16 hex digits"),
    "wwpn": (lambda v: bool(_WWN_RE.match(v)), "a world wide name of 16 hex digits"),
    "port": (lambda v: dbapi.is_uuid(v) or is_valid_name(v), "a port UUID or name"),
    "portgroup": (lambda v: dbapi.is_uuid(v) or is_valid_name(v), "a portgroup UUID or name"),
}


def check_connector(doc: dict) -> None:
    """400 unless the connector's id has the format its type needs."""
    check, wanted = _CONNECTOR_FORMATS[doc["type"]]
    if not check(doc["connector_id"]):
        raise exceptions.InvalidParameterValue(
            err=f"Volume connector of type {doc['type']} needs {wanted} as connector_id, "
            f"not {doc['connector_id']!r}."
        )


def _normalise_connector(values: dict) -> dict:
    if values.get("type") == "mac":
        values["connector_id"] = values["connector_id"].replace("-", ":").lower()
    elif values.get("type") in ("wwnn", "wwpn"):
        raw = values["connector_id"].lower().removeprefix("0x").replace(":", "").replace("-", "")
        values["connector_id"] = ":".join(raw[i : i + 2] for i in range(0, 16, 2))
    return values


def _require_version() -> None:
    if not supports("volume"):
        raise exceptions.ResourceNotFound()


def _node_for(node_uuid: str) -> dict:
    """The node a connector or target is created on: ``baremetal:volume:create`` with the
    node as target, a 403 before a missing node's 400, as Ironic."""
    try:
        node = dbapi.get_node_by_uuid(node_uuid)
    except exceptions.NodeNotFound:
        node = None
    access.create_on_node(g.context, "baremetal:volume:create", node)
    if node is None:
        raise exceptions.InvalidParameterValue(err=f"Invalid node_uuid {node_uuid}: no such node.")
    return node


def _check_unlocked(node: dict) -> None:
    if node["reservation"]:
        raise exceptions.NodeLocked(node=node["uuid"], host=node["reservation"])


@dataclasses.dataclass(frozen=True)
class VolumeAPI:
    resource: str  # "connectors" or "targets": URL segment and collection key
    kind: str  # "volume connector", "volume target"
    fields: tuple[str, ...]
    list_default: tuple[str, ...]
    sortable: tuple[str, ...]
    create_schema: dict
    patchable: list[str]
    db_get: Callable[..., dict]
    db_list: Callable[..., tuple[list[dict], bool]]
    db_create: Callable[[dict], dict]
    db_update: Callable[[int, dict], dict]
    db_destroy: Callable[[int], None]
    check_document: Callable[[dict], None] = lambda doc: None
    normalise: Callable[[dict], dict] = lambda values: values

    @functools.cached_property
    def common(self) -> Resource:
        return Resource(
            f"volume/{self.resource}",
            self.kind,
            fields=dict.fromkeys(self.fields, since("volume")),
            list_default=self.list_default,
            sortable=dict.fromkeys(self.sortable, 1),
            refused_sort=("extra", "properties"),
            patchable=self.patchable,
            detail_feature="volume",
        )

    def find(self, ident: str) -> dict:
        _require_version()
        if not dbapi.is_uuid(ident):
            raise exceptions.InvalidParameterValue(
                err=f"Expected a UUID for {self.kind.replace(' ', '_')}: {ident}"
            )
        return self.db_get(ident)

    def find_for(self, ident: str, rule: str) -> tuple[dict, dict | None]:
        """The row and its node, if the caller may apply ``rule`` (a connector or target of
        a node the caller may not see is a 404)."""
        row = self.find(ident)
        node = dbapi.get_node_by_id(row["node_id"]) if row["node_id"] else None
        kind = self.kind.capitalize()
        hidden = exceptions.ResourceNotFound(f"{kind} {ident} could not be found.")
        access.volume(g.context, rule, node, hidden)
        return row, node

    def render(self, row: dict, fields=None) -> dict:
        wanted = self.fields if fields is None else list(dict.fromkeys([*fields, "links"]))
        doc = views.render(row, wanted, links.base_url(), self.resource)
        if self.resource == "targets":
            access.redact_target_properties(g.context, doc)
        return doc

    def list(self, path: str, node_ident: str | None = None):
        _require_version()
        args = spec.arguments()
        parent = find_node(node_ident) if node_ident else None
        project = access.list_filter("volume", g.context, parent=parent, parent_ident=node_ident)
        node_ident = node_ident or args.get("node")
        node_id = find_node(node_ident)["id"] if node_ident else None
        return self.common.listing(
            args,
            path,
            False,
            lambda p: self.db_list(node_id, p.limit, p.marker, p.sort_key, p.sort_dir, project),
            lambda wanted: lambda row: self.render(row, wanted),
        )

    def show(self, ident: str):
        row, _ = self.find_for(ident, "baremetal:volume:get")
        return json_response(self.render(row, self.common.selection(spec.arguments())))

    def create(self):
        _require_version()
        doc = spec.body()
        self.check_document(doc)
        node = _node_for(doc.pop("node_uuid"))
        values = self.normalise({k: v for k, v in doc.items() if v is not None})
        values["node_id"] = node["id"]
        row = self.db_create(values)
        return self.common.created(row, self.render(row))

    def update(self, ident: str):
        row, node = self.find_for(ident, "baremetal:volume:update")
        before = {f: row.get(f) for f in self.patchable}
        _, changed = self.common.patched(
            row, spec.body(), lambda doc: body.validate(doc, self.create_schema, self.kind)
        )
        if not changed:
            return json_response(self.render(row))
        merged = {**before, **changed}
        self.check_document(merged)
        nodes = [node]
        if "node_uuid" in changed:
            ref = changed.pop("node_uuid")
            try:
                moved_to = dbapi.get_node_by_uuid(ref)
            except exceptions.NodeNotFound:
                moved_to = None
            access.node_link(g.context, node["owner"], moved_to, "node_uuid", ref)
            nodes.append(moved_to)
            changed["node_id"] = moved_to["id"]
        for node in nodes:
            _check_unlocked(node)
            if node["power_state"] != states.POWER_OFF:
                raise exceptions.InvalidStateRequested(
                    action=f"{self.kind} update", node=node["uuid"], state=node["power_state"]
                )
        for key in ("extra", "properties"):
            if key in changed and changed[key] is None:
                changed[key] = {}
        if "type" in changed or "connector_id" in changed:
            normalised = self.normalise(dict(merged))
            changed["connector_id"] = normalised["connector_id"]
        return json_response(self.render(self.db_update(row["id"], changed)))

    def delete(self, ident: str):
        row, node = self.find_for(ident, "baremetal:volume:delete")
        _check_unlocked(node)
        if (
            node["provision_state"] not in _DELETE_ALLOWED_STATES
            and node["power_state"] != states.POWER_OFF
        ):
            raise exceptions.InvalidStateRequested(
                action=f"{self.kind} deletion", node=node["uuid"], state=node["power_state"]
            )
        self.db_destroy(row["id"])
        return no_content()


CONNECTORS = VolumeAPI(
    resource="connectors",
    kind="volume connector",
    fields=views.CONNECTOR_FIELDS,
    list_default=views.CONNECTOR_LIST_DEFAULT,
    sortable=("id", "uuid", "node_id", "type", "connector_id", "created_at", "updated_at"),
    create_schema=schemas.CONNECTOR_CREATE,
    patchable=schemas.CONNECTOR_PATCHABLE,
    db_get=dbapi.get_volume_connector,
    db_list=dbapi.list_volume_connectors,
    db_create=dbapi.create_volume_connector,
    db_update=dbapi.update_volume_connector,
    db_destroy=dbapi.destroy_volume_connector,
    check_document=check_connector,
    normalise=_normalise_connector,
)
TARGETS = VolumeAPI(
    resource="targets",
    kind="volume target",
    fields=views.TARGET_FIELDS,
    list_default=views.TARGET_LIST_DEFAULT,
    sortable=(
        "id",
        "uuid",
        "node_id",
        "volume_type",
        "boot_index",
        "volume_id",
        "created_at",
        "updated_at",
    ),
    create_schema=schemas.TARGET_CREATE,
    patchable=schemas.TARGET_PATCHABLE,
    db_get=dbapi.get_volume_target,
    db_list=dbapi.list_volume_targets,
    db_create=dbapi.create_volume_target,
    db_update=dbapi.update_volume_target,
    db_destroy=dbapi.destroy_volume_target,
)
_LIST_QUERY = ("limit", "marker", "sort_key", "sort_dir", "detail", "fields")


def _register(api: VolumeAPI) -> None:
    """The routes of connectors or targets, each declared with that resource's schemas."""
    kind, name = api.resource, api.kind

    def list_all():
        return api.list(f"volume/{kind}")

    def list_of_node(node_ident):
        _require_version()
        return api.list(f"nodes/{node_ident}/volume/{kind}", node_ident)

    def show(ident):
        return api.show(ident)

    def create():
        return api.create()

    def update(ident):
        return api.update(ident)

    def delete(ident):
        return api.delete(ident)

    routes = (
        ("", "GET", list_all, f"List {name}s (1.32)", {"query": (*_LIST_QUERY, "node")}),
        ("/<ident>", "GET", show, f"Show a {name}", {"query": ("fields",)}),
        ("", "POST", create, f"Create a {name}", {"body": api.create_schema, "status": 201}),
        ("/<ident>", "PATCH", update, f"Update a {name} (JSON-Patch)", {"patch": api.patchable}),
        ("/<ident>", "DELETE", delete, f"Delete a {name}", {"status": 204}),
    )
    for suffix, method, view, summary, details in routes:
        view.__name__ = f"{view.__name__}_{kind}"
        declare = spec.operation(summary, body_name=name, **details)
        bp.add_url_rule(f"/v1/volume/{kind}{suffix}", view_func=declare(view), methods=[method])
    list_of_node.__name__ = f"list_node_{kind}"
    declare = spec.operation(f"List the {name}s of a node (1.32)", query=_LIST_QUERY)
    bp.add_url_rule(
        f"/v1/nodes/<node_ident>/volume/{kind}", view_func=declare(list_of_node), methods=["GET"]
    )


for _api in (CONNECTORS, TARGETS):
    _register(_api)


# --- the roots -----------------------------------------------------------------------------
@bp.get("/v1/volume")
@bp.get("/v1/volume/")
@spec.operation("Links to the volume resources (1.32)")
def volume_root():
    _require_version()
    spec.arguments()
    access.system(g.context, "baremetal:volume:get")
    return json_response(views.root(links.base_url(), "volume"))


@bp.get("/v1/nodes/<node_ident>/volume")
@bp.get("/v1/nodes/<node_ident>/volume/")
@spec.operation("Links to the volume resources of a node (1.32)")
def node_volume_root(node_ident):
    _require_version()
    spec.arguments()
    access.on_node(g.context, "baremetal:volume:get", find_node(node_ident), node_ident)
    return json_response(views.root(links.base_url(), f"nodes/{node_ident}/volume"))
