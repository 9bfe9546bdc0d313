"""One INFO line per API request, written when the answer is ready.

``127.0.0.1 "GET /v1/nodes?limit=2" 200 in 3.1 ms``, on a line that carries the request id
(the id the answer returns in ``X-OpenStack-Request-Id``). Query values whose names suggest a
secret are masked; bodies and headers are never logged. A WSGI middleware, so that requests
refused before any view (authentication, microversion, routing) are logged too.
"""

import logging
import time
import uuid

from ironic_lite.common import logs

LOG = logging.getLogger(__name__)

# Where the middleware leaves the request id for the application to answer with.
ENVIRON_KEY = "ironic_lite.request_id"


class RequestLog:
    """Wraps a WSGI application: binds a request id for the request's log lines, then logs
    the request."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        request_id = f"req-{uuid.uuid4()}"
        environ[ENVIRON_KEY] = request_id
        status: list[str] = []

        def capture(status_line, headers, exc_info=None):
            status[:] = [status_line.split(" ", 1)[0]]
            return start_response(status_line, headers, exc_info)

        started = time.monotonic()
        with logs.bound_request_id(request_id):
            try:
                return self.app(environ, capture)
            finally:
                query = logs.safe_query(environ.get("QUERY_STRING", ""))
                LOG.info(
                    '%s "%s %s%s" %s in %.1f ms',
                    environ.get("REMOTE_ADDR", "-"),
                    environ.get("REQUEST_METHOD", "-"),
                    environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "") or "/",
                    f"?{query}" if query else "",
                    status[0] if status else "-",
                    (time.monotonic() - started) * 1000,
                )
