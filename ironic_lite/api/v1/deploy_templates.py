"""/v1/deploy_templates (1.55): steps that run at deploy time on nodes whose instance asks
for the template's name as a trait."""

from flask import Blueprint, g

from ironic_lite.api import spec
from ironic_lite.api.schemas import step_lists as schemas
from ironic_lite.api.services import access
from ironic_lite.api.v1.step_lists import LIST_QUERY, StepListAPI
from ironic_lite.api.views import step_lists as views
from ironic_lite.db import api as dbapi

bp = Blueprint("deploy_templates", __name__, url_prefix="/v1/deploy_templates")

API = StepListAPI(
    resource="deploy_templates",
    kind="deploy template",
    feature="deploy_templates",
    fields=views.TEMPLATE_FIELDS,
    create_schema=schemas.TEMPLATE_CREATE,
    patchable=schemas.TEMPLATE_PATCHABLE,
    order="priority",
    step_kinds=("deploy",),
    db_get=dbapi.get_deploy_template,
    db_list=dbapi.list_deploy_templates,
    db_create=dbapi.create_deploy_template,
    db_update=dbapi.update_deploy_template,
    db_destroy=dbapi.destroy_deploy_template,
)


@bp.get("")
@spec.operation("List deploy templates (1.55)", query=LIST_QUERY)
def list_templates():
    access.system(g.context, "baremetal:deploy_template:get")
    return API.list()


@bp.get("/<ident>")
@spec.operation("Show a deploy template", query=("fields",))
def show_template(ident):
    access.system(g.context, "baremetal:deploy_template:get")
    return API.show(ident)


@bp.post("")
@spec.operation(
    "Create a deploy template",
    body=schemas.TEMPLATE_CREATE,
    body_name="deploy template",
    status=201,
)
def create_template():
    access.system(g.context, "baremetal:deploy_template:create")
    return API.create()


@bp.patch("/<ident>")
@spec.operation("Update a deploy template (JSON-Patch)", patch=schemas.TEMPLATE_PATCHABLE)
def update_template(ident):
    access.system(g.context, "baremetal:deploy_template:update")
    return API.update(ident)


@bp.delete("/<ident>")
@spec.operation("Delete a deploy template", status=204)
def delete_template(ident):
    access.system(g.context, "baremetal:deploy_template:delete")
    return API.delete(ident)
