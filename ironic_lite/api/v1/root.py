"""Discovery documents at / and /v1."""

from flask import Blueprint, current_app

from ironic_lite.api import links, openapi, spec
from ironic_lite.api.microversions import MAX_VERSION, MIN_VERSION, supports
from ironic_lite.api.responses import json_response

bp = Blueprint("root", __name__)

# Resource links of /v1 and the feature that adds each (None: every version), in Ironic's order.
RESOURCES = {
    "chassis": None,
    "nodes": None,
    "ports": None,
    "drivers": None,
    "portgroups": "portgroups",
    "volume": "volume",
    "lookup": "ramdisk_api",
    "heartbeat": "ramdisk_api",
    "conductors": "conductors",
    "allocations": "allocations",
    "events": "events",
    "deploy_templates": "deploy_templates",
    "shards": "shards",
    "runbooks": "runbooks",
    "inspection_rules": "inspection_rules",
    "continue_inspection": "continue_inspection",
}


def _version(base: str) -> dict:
    return {
        "id": "v1",
        "links": [{"href": f"{base}/v1/", "rel": "self"}],
        "status": "CURRENT",
        "min_version": str(MIN_VERSION),
        "version": str(MAX_VERSION),
    }


@bp.get("/")
@spec.operation("The API versions this service offers")
def root():
    base = links.base_url()
    version = _version(base)
    return json_response(
        {
            "name": "OpenStack Ironic API",
            "description": "ironic-lite: bare-metal provisioning speaking Ironic's v1 API.",
            "default_version": version,
            "versions": [version],
        }
    )


@bp.get("/v1")
@bp.get("/v1/")
@spec.operation("The v1 API: its media types and resource links")
def v1():
    base = links.base_url()
    doc = {
        "id": "v1",
        "links": [
            {"href": f"{base}/v1/", "rel": "self"},
            {
                "href": "https://docs.openstack.org/ironic/latest/contributor/webapi.html",
                "rel": "describedby",
                "type": "text/html",
            },
        ],
        "media_types": {
            "base": "application/json",
            "type": "application/vnd.openstack.ironic.v1+json",
        },
    }
    for name, feature in RESOURCES.items():
        if feature is None or supports(feature):
            doc[name] = [
                {"href": link["href"] + "/", "rel": link["rel"]} for link in links.pair(base, name)
            ]
        if name == "drivers":
            # Ironic lists the version between the 1.1 resources and the later ones.
            doc["version"] = _version(base)
    return json_response(doc)


@bp.get("/v1/openapi.json")
@spec.operation("This document: the OpenAPI 3.1 description of the v1 API")
def openapi_document():
    """Open, like the discovery documents: it says what the API accepts, nothing about what
    it holds. Built once per process from the routes and their declarations."""
    cached = current_app.config.get("OPENAPI_DOCUMENT")
    if cached is None:
        cached = current_app.config["OPENAPI_DOCUMENT"] = openapi.document(current_app)
    return json_response(cached)
