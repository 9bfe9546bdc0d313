"""The Flask application: request hooks, error translation and the v1 blueprints.

Every request gets a request id, a negotiated microversion and a caller context before any
view runs; every failure leaves as Ironic's error body with the status of its exception class.
"""

import logging
import traceback
import uuid

from flask import Flask, g, request
from werkzeug.exceptions import HTTPException

from ironic_lite.api import auth, microversions, request_log, versionless
from ironic_lite.api.public_paths import is_public
from ironic_lite.api.request_text import refuse_unstorable
from ironic_lite.api.responses import error_body, http_error_body, json_response
from ironic_lite.common import exceptions
from ironic_lite.conf import CONF

LOG = logging.getLogger(__name__)


def create_app(rpcapi=None) -> Flask:
    """Build the WSGI application; ``rpcapi`` is how views reach conductors."""
    app = Flask("ironic_lite")
    app.config["RPCAPI"] = rpcapi
    app.json.sort_keys = False
    # Ironic answers with or without a trailing slash (the clients list ``/v1/nodes/``), and
    # never redirects: a 308 would carry an HTML body no client expects.
    app.url_map.strict_slashes = False
    app.url_map.merge_slashes = False
    authenticate = auth.load(CONF.auth_strategy)
    app.wsgi_app = auth.wrap(CONF.auth_strategy, app.wsgi_app)
    if CONF.auth_strategy == "noauth":
        LOG.warning(
            "auth_strategy is noauth: every API caller is an administrator. "
            "Use http_basic (or a trusted network) outside a lab."
        )

    @app.before_request
    def _begin():
        g.request_id = request.environ.get(request_log.ENVIRON_KEY) or f"req-{uuid.uuid4()}"
        g.version = None
        g.generic_version_header = microversions.GENERIC_HEADER in request.headers
        g.version = microversions.negotiate(request.headers)
        g.context = None
        if not is_public(versionless.client_path(request.environ, request.path)):
            g.context = authenticate(request.headers, g.request_id)

    app.before_request(refuse_unstorable)  # after _begin: a refusal still has its request id

    @app.after_request
    def _finish(response):
        for name, value in microversions.response_headers(
            g.get("version"), g.get("generic_version_header", False)
        ).items():
            response.headers[name] = value
        request_id = g.get("request_id") or f"req-{uuid.uuid4()}"
        response.headers["X-OpenStack-Request-Id"] = request_id
        response.headers["OpenStack-Request-Id"] = request_id
        return response

    @app.errorhandler(microversions.VersionNotAcceptable)
    def _version_error(exc):
        return json_response(http_error_body(406, str(exc)), 406)

    @app.errorhandler(exceptions.IronicLiteError)
    def _our_error(exc: exceptions.IronicLiteError):
        status = int(exc.code)
        if status >= 500:
            LOG.warning("%s %s failed: %s", request.method, request.path, exc)
        headers = {}
        challenge = getattr(exc, "www_authenticate", 'Basic realm="ironic-lite"')
        if status == 401 and challenge:
            headers["WWW-Authenticate"] = challenge
        return json_response(error_body(status, str(exc)), status, headers)

    @app.errorhandler(HTTPException)
    def _routing_error(exc: HTTPException):
        status = exc.code or 500
        description = "" if status in (404, 405) else (exc.description or "")
        return json_response(http_error_body(status, description), status)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        LOG.exception("Unexpected error in %s %s", request.method, request.path)
        debuginfo = traceback.format_exc() if CONF.api.debug_tracebacks_in_api else None
        message = (
            f"An unexpected error prevented the request ({g.get('request_id')}) from "
            "completing; the server log has the details."
        )
        return json_response(error_body(500, message, debuginfo), 500)

    from ironic_lite.api.v1 import register_blueprints

    register_blueprints(app)
    # The request log sees the path the client sent; version-less paths get /v1 inside it.
    app.wsgi_app = request_log.RequestLog(versionless.VersionlessPaths(app.wsgi_app))
    return app
