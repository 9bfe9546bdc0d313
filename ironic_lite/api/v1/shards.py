"""/v1/shards (1.82): the shard keys nodes carry and how many nodes carry each.

A shard is only a label on nodes, so the list is derived from them: no create, no show, no
pagination. Nodes without a shard are counted under the name ``"None"``, as Ironic does, so
the counts always add up to the number of nodes.
"""

from flask import Blueprint, g

from ironic_lite.api import spec
from ironic_lite.api.microversions import supports
from ironic_lite.api.responses import json_response
from ironic_lite.api.services import access
from ironic_lite.common import exceptions
from ironic_lite.db import api as dbapi

bp = Blueprint("shards", __name__, url_prefix="/v1/shards")


def _require() -> None:
    if not supports("shards"):
        raise exceptions.NotFound("The API version does not allow shards")


@bp.get("")
@spec.operation("The shards of the nodes, with how many nodes each has (1.82)")
def list_shards():
    access.system(g.context, "baremetal:shards:get")
    _require()  # Ironic ignores query arguments here; so do we
    shards = [{"name": str(shard), "count": count} for shard, count in dbapi.count_nodes_by_shard()]
    return json_response({"shards": shards})


@bp.get("/<name>")
@spec.operation("Ironic shows no single shard: always 404")
def show_shard(name):
    """Ironic has no document for one shard: 404 at every version."""
    access.system(g.context, "baremetal:shards:get")
    _require()
    raise exceptions.NotFound(f"Shard {name} can not be shown; list /v1/shards instead")
