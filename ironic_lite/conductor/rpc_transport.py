"""oslo.messaging over RabbitMQ: the transport between API processes and conductors.

One topic, ``ironic-lite.conductor``, with one server per conductor host. The server's
endpoint exposes exactly the methods of the RPC contract (``rpc_contract``; nothing else is
callable), and the client translates every messaging failure into a 503 so that a broker or
conductor outage never surfaces as a 500 or a hang longer than the call timeout.
"""

import logging
import threading
import time

import oslo_messaging as messaging

from ironic_lite.common import exceptions, logs
from ironic_lite.common.context import RequestContext
from ironic_lite.conductor.rpc_contract import METHODS
from ironic_lite.conf import CONF

LOG = logging.getLogger(__name__)

TOPIC = "ironic-lite.conductor"
VERSION = "1.0"
_ALLOWED_EXMODS = ["ironic_lite.common.exceptions"]

_transport = None
_transport_lock = threading.Lock()


class ContextSerializer(messaging.Serializer):
    """Carries the caller's RequestContext across the bus as a plain dict."""

    def serialize_entity(self, ctxt, entity):
        return entity

    def deserialize_entity(self, ctxt, entity):
        return entity

    def serialize_context(self, ctxt: RequestContext) -> dict:
        return ctxt.to_dict()

    def deserialize_context(self, ctxt: dict) -> RequestContext:
        return RequestContext.from_dict(ctxt)


def transport() -> messaging.Transport:
    global _transport
    with _transport_lock:
        if _transport is None:
            _transport = messaging.get_rpc_transport(CONF, allowed_remote_exmods=_ALLOWED_EXMODS)
        return _transport


class OsloTransport:
    """Client side: ``call``/``cast`` a method on one conductor host.

    A host that did not answer within the call timeout is remembered as suspect for a short
    while, so that the next requests for its nodes fail at once (503) instead of each waiting
    the full timeout until the hash ring drops it.
    """

    def __init__(self):
        self._client = messaging.get_rpc_client(
            transport(),
            messaging.Target(topic=TOPIC, version=VERSION),
            serializer=ContextSerializer(),
        )
        self._suspect: dict[str, float] = {}
        self._ready = threading.Event()
        threading.Thread(target=self._prepare_replies, name="rpc-reply-queue", daemon=True).start()

    def _prepare_replies(self) -> None:
        """Set up the queue that replies come back on, in the background.

        oslo.messaging creates it on the first call and, if the broker is down then, retries
        forever inside that call; doing it here keeps every request answerable (503 until the
        bus is reachable) whatever the broker's state when the API starts.
        """
        driver = getattr(transport(), "_driver", None)
        prepare = getattr(driver, "_get_reply_q", None)
        try:
            if prepare is not None:
                prepare()
        except Exception:
            LOG.exception("Could not set up the RPC reply queue")
        finally:
            self._ready.set()

    def _prepare(self, host: str):
        until = self._suspect.get(host)
        if until is not None:
            if time.monotonic() < until:
                raise exceptions.ServiceUnavailable(
                    reason=f"conductor {host} did not answer recently; retry shortly"
                )
            self._suspect.pop(host, None)
        # retry=1: when the broker is down, give up after one reconnection attempt (503)
        # instead of oslo.messaging's default of retrying until it comes back.
        return self._client.prepare(server=host, timeout=CONF.conductor.rpc_call_timeout, retry=1)

    def call(self, host: str, method: str, context: RequestContext, **kwargs):
        if not self._ready.is_set():
            raise exceptions.ServiceUnavailable(
                reason="the message bus is not reachable yet; retry shortly"
            )
        try:
            return self._prepare(host).call(context, method, **kwargs)
        except exceptions.IronicLiteError:
            raise
        except messaging.MessagingTimeout:
            self._suspect[host] = time.monotonic() + CONF.conductor.heartbeat_interval
            raise exceptions.ServiceUnavailable(
                reason=f"conductor {host} did not answer {method} within "
                f"{CONF.conductor.rpc_call_timeout} s"
            ) from None
        except messaging.RemoteError as exc:
            LOG.error("Conductor %s failed in %s: %s", host, method, exc)
            raise exceptions.IronicLiteError(
                f"Conductor {host} failed to run {method}; its log has the details."
            ) from None
        except messaging.MessagingException as exc:
            raise exceptions.ServiceUnavailable(
                reason=f"the message bus is unavailable ({type(exc).__name__})"
            ) from None

    def cast(self, host: str, method: str, context: RequestContext, **kwargs) -> None:
        try:
            self._prepare(host).cast(context, method, **kwargs)
        except messaging.MessagingException as exc:
            raise exceptions.ServiceUnavailable(
                reason=f"the message bus is unavailable ({type(exc).__name__})"
            ) from None


def client_transport() -> OsloTransport:
    return OsloTransport()


def endpoint_for(manager) -> object:
    """An object exposing exactly the contract's methods of ``manager`` (what the server
    dispatches).

    Each call logs with the request id of the API request that made it.
    """

    def method(name: str):
        def dispatch(self, ctxt: RequestContext, **kwargs):
            with logs.bound_request_id(getattr(ctxt, "request_id", None)):
                return getattr(manager, name)(ctxt, **kwargs)

        return dispatch

    namespace = {"target": messaging.Target(version=VERSION)}
    for name in METHODS:
        namespace[name] = method(name)
    return type("ConductorEndpoint", (), namespace)()


def rpc_server(manager, host: str) -> messaging.MessageHandlingServer:
    """The RPC server of one conductor host; start() and stop()/wait() it."""
    return messaging.get_rpc_server(
        transport(),
        messaging.Target(topic=TOPIC, server=host),
        [endpoint_for(manager)],
        executor="threading",
        serializer=ContextSerializer(),
    )
