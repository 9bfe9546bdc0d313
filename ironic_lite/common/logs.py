"""What every log line carries, and what none may carry.

Each line names the request it serves (``[req-...]``): the API binds the id when a request
comes in, the RPC server when a conductor receives a call, and workers inherit it from the
call that handed them a node, so one grep follows a request from the API through the
conductor to the BMC. Lines outside any request show ``[-]``.

``safe_query`` keeps query strings loggable: values of parameters whose names suggest a
secret (tokens, passwords, keys) are replaced by ``***``.
"""

import contextlib
import contextvars
import logging
import re
import urllib.parse
from collections.abc import Iterator

__all__ = ["FORMAT", "RequestIdFilter", "bound_request_id", "current_request_id", "safe_query"]

FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s [%(request_id)s] %(message)s"

_REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_SECRET_NAME = re.compile(r"token|password|passwd|secret|key|auth|signature|credential", re.I)


def current_request_id() -> str | None:
    return _REQUEST_ID.get()


@contextlib.contextmanager
def bound_request_id(request_id: str | None) -> Iterator[None]:
    """Log the block's lines (and those of workers it starts) with ``request_id``."""
    token = _REQUEST_ID.set(request_id)
    try:
        yield
    finally:
        _REQUEST_ID.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts ``request_id`` on every record that passes the handler (``-`` when unknown)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _REQUEST_ID.get() or "-"
        return True


def safe_query(query: str) -> str:
    """``query`` with the values of secret-looking parameters masked, for a log line."""
    if not query:
        return ""
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    return urllib.parse.urlencode(
        [(k, "***" if _SECRET_NAME.search(k) else v) for k, v in pairs], safe="/,:*"
    )
