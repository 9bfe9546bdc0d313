"""/v1/inspection_rules (1.96): conditions on what inspection found, and actions on the node.

The conductor runs every rule of the ``main`` phase, highest priority first, on each inventory
it records. A ``sensitive`` rule never shows its conditions and actions (they may hold
credentials it writes into driver_info); it cannot be made non-sensitive again.
"""

from flask import Blueprint, g

from ironic_lite.api import body, links, params, spec
from ironic_lite.api.microversions import since, supports
from ironic_lite.api.resource import Resource
from ironic_lite.api.responses import json_response, no_content
from ironic_lite.api.services import access
from ironic_lite.api.views import timestamp
from ironic_lite.common import exceptions
from ironic_lite.common import inspection_rules as rules
from ironic_lite.db import api as dbapi

bp = Blueprint("inspection_rules", __name__, url_prefix="/v1/inspection_rules")

FIELDS = (
    "uuid",
    "description",
    "phase",
    "priority",
    "sensitive",
    "conditions",
    "actions",
    "created_at",
    "updated_at",
    "links",
)
LIST_DEFAULT = ("uuid", "priority", "phase", "description")
SORTABLE = ("id", "uuid", "description", "phase", "priority", "sensitive", "created_at")
PATCHABLE = ["description", "phase", "priority", "sensitive", "conditions", "actions", "uuid"]
RULES = Resource(
    "inspection_rules",
    "inspection rule",
    fields=dict.fromkeys(FIELDS, since("inspection_rules")),
    list_default=LIST_DEFAULT,
    sortable=dict.fromkeys(SORTABLE, 1),
    refused_sort=("conditions", "actions"),
    patchable=PATCHABLE,
    detail_feature="inspection_rules",
)


def _require_version(write: bool = False) -> None:
    if not supports("inspection_rules"):
        if write:
            raise exceptions.MethodNotAllowed("The API version does not allow inspection rules")
        raise exceptions.ResourceNotFound("The API version does not allow inspection rules")


def _steps(items: list[dict], condition: bool) -> list[dict]:
    shown = []
    for item in items or []:
        doc = {"op": item["op"], "args": item["args"]}
        if item.get("loop"):
            doc["loop"] = item["loop"]
            if condition:
                doc["multiple"] = item.get("multiple", "any")
        shown.append(doc)
    return shown


def render(row: dict, fields=None) -> dict:
    wanted = FIELDS if fields is None else list(dict.fromkeys([*fields, "links"]))
    doc = {}
    for name in wanted:
        if name in ("created_at", "updated_at"):
            doc[name] = timestamp(row[name])
        elif name == "links":
            doc[name] = links.pair(links.base_url(), "inspection_rules", row["uuid"])
        elif name in ("conditions", "actions"):
            doc[name] = None if row["sensitive"] else _steps(row[name], name == "conditions")
        else:
            doc[name] = row[name]
    return doc


def find_rule(ident: str) -> dict:
    if not dbapi.is_uuid(ident):
        raise exceptions.InvalidParameterValue(err=f"Expected a UUID for inspection rule: {ident}")
    return dbapi.get_inspection_rule(ident)


def _checked(doc: dict) -> dict:
    """``doc`` validated, with priority and sensitive as a number and a flag (the CLI sends
    them as text)."""
    body.validate(doc, rules.RULE_SCHEMA, "inspection rule")
    doc = dict(doc)
    if doc.get("priority") is not None:
        doc["priority"] = int(doc["priority"])
    if doc.get("sensitive") is not None:
        doc["sensitive"] = params.parse_bool("sensitive", doc["sensitive"])
    rules.validate_rule(doc)
    return doc


def _values(doc: dict) -> dict:
    values = {k: v for k, v in doc.items() if v is not None}
    values.setdefault("phase", "main")
    values.setdefault("priority", 0)
    values["sensitive"] = bool(values.get("sensitive", False))
    values.setdefault("conditions", [])
    return values


@bp.get("")
@spec.operation(
    "List inspection rules (1.96)",
    query=("limit", "marker", "sort_key", "sort_dir", "detail", "fields", "phase"),
)
def list_rules():
    access.system(g.context, "baremetal:inspection_rule:get")
    _require_version()
    args = spec.arguments()
    return RULES.listing(
        args,
        "inspection_rules",
        False,
        lambda p: dbapi.list_inspection_rules(
            p.limit, p.marker, p.sort_key, p.sort_dir, phase=args.get("phase")
        ),
        lambda wanted: lambda row: render(row, wanted),
    )


@bp.get("/<ident>")
@spec.operation("Show an inspection rule", query=("fields",))
def show_rule(ident):
    access.system(g.context, "baremetal:inspection_rule:get")
    _require_version()
    fields = RULES.selection(spec.arguments())
    return json_response(render(find_rule(ident), fields))


@bp.post("")
@spec.operation(
    "Create an inspection rule", body=rules.RULE_SCHEMA, body_name="inspection rule", status=201
)
def create_rule():
    access.system(g.context, "baremetal:inspection_rule:create")
    _require_version(write=True)
    row = dbapi.create_inspection_rule(_values(_checked(spec.body())))
    return RULES.created(row, render(row))


@bp.patch("/<ident>")
@spec.operation("Update an inspection rule (JSON-Patch)", patch=PATCHABLE)
def update_rule(ident):
    access.system(g.context, "baremetal:inspection_rule:update")
    _require_version(write=True)
    row = find_rule(ident)
    ops = spec.body()
    _, changed = RULES.patched(row, ops, _checked, {"sensitive": False})
    if row["sensitive"] and "sensitive" in changed and not changed["sensitive"]:
        raise exceptions.PatchError(
            patch=ops, reason="Inspection rules cannot have the sensitive flag unset."
        )
    defaults = {"phase": "main", "priority": 0, "conditions": []}
    for key, default in defaults.items():
        if key in changed and changed[key] is None:
            changed[key] = default
    if changed:
        row = dbapi.update_inspection_rule(row["id"], changed)
    return json_response(render(row))


@bp.delete("/<ident>")
@spec.operation("Delete an inspection rule", status=204)
def delete_rule(ident):
    access.system(g.context, "baremetal:inspection_rule:delete")
    _require_version(write=True)
    dbapi.destroy_inspection_rule(find_rule(ident)["id"])
    return no_content()
