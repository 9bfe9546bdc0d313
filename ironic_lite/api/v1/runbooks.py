"""/v1/runbooks (1.92; description, traits and logical names 1.112): named step lists for
cleaning and servicing, usable on nodes that carry the runbook's name (or one of its traits) as
a trait. Before 1.112 a name must look like a trait; from 1.112 on any logical name will do.

Access (Ironic's rules, ``services/access.py``): an owned runbook (``owner`` set) is its
project's; an unowned one is for system users unless ``public``, which anyone with an API role
may read. A project-scoped creator owns what it creates. With noauth and http_basic every
caller is a system administrator.
"""

from flask import Blueprint, g

from ironic_lite.api import body, params, spec
from ironic_lite.api.microversions import supports
from ironic_lite.api.responses import json_response, no_content
from ironic_lite.api.schemas import step_lists as schemas
from ironic_lite.api.schemas.nodes import TRAIT
from ironic_lite.api.services import access
from ironic_lite.api.v1.step_lists import LIST_QUERY, StepListAPI
from ironic_lite.api.views import step_lists as views
from ironic_lite.common import exceptions
from ironic_lite.db import api as dbapi

bp = Blueprint("runbooks", __name__, url_prefix="/v1/runbooks")

_TRAIT_NAME = {"type": "object", "properties": {"name": TRAIT}}


def _check(doc: dict) -> None:
    if not supports("runbook_traits") and doc.get("name") is not None:
        # Before 1.112 a runbook's name is what a node's trait must equal to run it.
        body.validate({"name": doc["name"]}, _TRAIT_NAME, "runbook")
    if doc.get("owner") and params.parse_bool("public", doc.get("public", False)):
        raise exceptions.InvalidParameterValue(
            err="A runbook with an owner can not be public: set one or the other."
        )


API = StepListAPI(
    resource="runbooks",
    kind="runbook",
    feature="runbooks",
    fields=views.RUNBOOK_FIELDS,
    create_schema=schemas.RUNBOOK_CREATE,
    patchable=schemas.RUNBOOK_PATCHABLE,
    order="order",
    step_kinds=("clean", "service"),
    db_get=dbapi.get_runbook,
    db_list=dbapi.list_runbooks,
    db_create=dbapi.create_runbook,
    db_update=dbapi.update_runbook,
    db_destroy=dbapi.destroy_runbook,
    check_document=_check,
)


def find_runbook(ident: str) -> dict:
    return API.find(ident)


def runbook_for(ident: str, rules: str | list[str]) -> dict:
    """The runbook ``ident`` names, if the caller passes ``rules`` on it (403 otherwise)."""
    runbook = find_runbook(ident)
    for rule in [rules] if isinstance(rules, str) else rules:
        access.runbook(g.context, rule, runbook)
    return runbook


@bp.get("")
@spec.operation("List runbooks (1.92)", query=LIST_QUERY)
def list_runbooks():
    API.require_version()
    project = access.list_filter("runbook", g.context)
    return API.list(projects=None if project is None else [project])


@bp.get("/<ident>")
@spec.operation("Show a runbook", query=("fields",))
def show_runbook(ident):
    runbook_for(ident, "baremetal:runbook:get")
    return API.show(ident)


@bp.post("")
@spec.operation("Create a runbook", body=schemas.RUNBOOK_CREATE, body_name="runbook", status=201)
def create_runbook():
    doc = body.json_body()
    doc = doc if isinstance(doc, dict) else {}
    owner = access.runbook_create_owner(g.context, doc)
    access.steps(g.context, [s for s in doc.get("steps") or () if isinstance(s, dict)])
    return API.create(owner_default=owner)


@bp.patch("/<ident>")
@spec.operation("Update a runbook (JSON-Patch)", patch=schemas.RUNBOOK_PATCHABLE)
def update_runbook(ident):
    ops = body.json_body()
    ops = [op for op in ops if isinstance(op, dict)] if isinstance(ops, list) else []
    runbook_for(ident, access.runbook_patch_rules(ops))
    access.steps(g.context, _patched_steps(ops))
    return API.update(ident)


def _patched_steps(ops: list[dict]) -> list[dict]:
    """The steps a runbook PATCH adds or replaces (the step-level rules apply to them)."""
    found: list[dict] = []
    for op in ops:
        if str(op.get("path", "")).startswith("/steps") and op.get("op") in ("add", "replace"):
            value = op.get("value")  # anything: the patch's own validation judges it later
            found += (
                [value] if isinstance(value, dict) else value if isinstance(value, list) else []
            )
    return [s for s in found if isinstance(s, dict)]


@bp.delete("/<ident>")
@spec.operation("Delete a runbook", status=204)
def delete_runbook(ident):
    runbook_for(ident, "baremetal:runbook:delete")
    return API.delete(ident)


# --- traits (1.112) ------------------------------------------------------------------------------
def _traits_runbook(ident: str, rule: str = "baremetal:runbook:update") -> dict:
    params.require_version("runbook_traits")
    return runbook_for(ident, rule)


@bp.get("/<ident>/traits")
@spec.operation("A runbook's traits (1.112)")
def list_traits(ident):
    return json_response({"traits": _traits_runbook(ident, "baremetal:runbook:get")["traits"]})


@bp.put("/<ident>/traits")
@spec.operation(
    "Replace a runbook's traits", body=schemas.RUNBOOK_TRAITS, body_name="traits", status=204
)
def replace_traits(ident):
    runbook = _traits_runbook(ident)
    doc = spec.body()
    dbapi.set_runbook_traits(runbook["id"], doc["traits"])
    return no_content()


@bp.put("/<ident>/traits/<trait>")
@spec.operation("Add a trait to a runbook", status=204, path={"trait": schemas.TRAIT})
def add_trait(ident, trait):
    runbook = _traits_runbook(ident)
    body.validate(trait, schemas.TRAIT, "trait")
    dbapi.add_runbook_trait(runbook["id"], trait)
    return no_content()


@bp.delete("/<ident>/traits")
@spec.operation("Remove every trait of a runbook", status=204)
def delete_all_traits(ident):
    runbook = _traits_runbook(ident)
    dbapi.delete_runbook_trait(runbook["id"], None)
    return no_content()


@bp.delete("/<ident>/traits/<trait>")
@spec.operation("Remove a trait from a runbook", status=204)
def delete_trait(ident, trait):
    runbook = _traits_runbook(ident)
    dbapi.delete_runbook_trait(runbook["id"], trait)
    return no_content()
