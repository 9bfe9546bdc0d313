"""Serving the WSGI application with cheroot, a small threaded HTTP/1.1 server.

Used by the all-in-one service and by ``ironic-lite-api``; production deployments may put the
same application (``ironic_lite.cmd.wsgi:application``) behind gunicorn instead.
"""

import logging
import signal
import threading
from collections.abc import Callable

from cheroot import wsgi

from ironic_lite.conf import CONF

LOG = logging.getLogger(__name__)


def serve(
    app, on_stop: Callable[[], None] | None = None, ready: threading.Event | None = None
) -> None:
    """Serve ``app`` on [api] host_ip:port until SIGTERM/SIGINT, then run ``on_stop``."""
    server = wsgi.Server(
        (CONF.api.host_ip, CONF.api.port),
        app,
        numthreads=CONF.api.api_workers,
        server_name="ironic-lite",
        request_queue_size=256,
        shutdown_timeout=5,
    )

    def stop(signum, _frame):
        LOG.info("Signal %s received: stopping", signal.Signals(signum).name)
        threading.Thread(target=server.stop, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.prepare()
    host, port = server.bind_addr[:2]
    LOG.info("API listening on http://%s:%s", host, port)
    if ready is not None:
        ready.set()
    try:
        server.serve()
    finally:
        if on_stop is not None:
            on_stop()
