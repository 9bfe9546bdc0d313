"""Links in API documents: ``self`` under /v1 and ``bookmark`` without it."""

from flask import request

from ironic_lite.conf import CONF


def base_url() -> str:
    """Public base URL of the API, without a trailing slash."""
    return (CONF.api.public_endpoint or request.host_url).rstrip("/")


def pair(base: str, resource: str, arg: str = "") -> list[dict]:
    path = f"{resource}/{arg}" if arg else resource
    return [
        {"href": f"{base}/v1/{path}", "rel": "self"},
        {"href": f"{base}/{path}", "rel": "bookmark"},
    ]


def next_link(base: str, path: str, args, limit: int, marker: str) -> str:
    """URL of the next page: the request's own query (filters included), a new marker."""
    from urllib.parse import urlencode

    query = [(k, v) for k, v in args.items(multi=True) if k not in ("marker", "limit")]
    query += [("limit", str(limit)), ("marker", marker)]
    return f"{base}/v1/{path}?{urlencode(query, safe=',')}"
