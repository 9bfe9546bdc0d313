"""/v1/deploy_templates (1.55): steps that run at deploy time on nodes whose instance asks
for the template's name as a trait."""

from flask import Blueprint

from ironic_lite.api.schemas import step_lists as schemas
from ironic_lite.api.v1.step_lists import StepListAPI
from ironic_lite.api.views import step_lists as views
from ironic_lite.db import api as dbapi

bp = Blueprint("deploy_templates", __name__, url_prefix="/v1/deploy_templates")

API = StepListAPI(
    resource="deploy_templates",
    kind="deploy template",
    min_minor=55,
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
def list_templates():
    return API.list()


@bp.get("/<ident>")
def show_template(ident):
    return API.show(ident)


@bp.post("")
def create_template():
    return API.create()


@bp.patch("/<ident>")
def update_template(ident):
    return API.update(ident)


@bp.delete("/<ident>")
def delete_template(ident):
    return API.delete(ident)
