"""Reaching a node's Redfish BMC: driver_info, cached connections and typed errors.

Every interface of the redfish hardware type goes through ``call``::

    info = client.driver_info(task.node)
    state = client.call(info, "get power state", lambda conn: client.system(conn, info).power_state)

``call`` takes a cached sushy connection for the BMC (connecting and authenticating only on
a miss), runs the function under the [redfish] retry policy of ``bmc_calls`` and turns
sushy's and requests' exceptions into ours, naming the BMC and the operation.

The cache is keyed by address, user, TLS verification and auth type. It is NOT keyed by a
hash of the password: Ironic keys it by a 600,000-round PBKDF2 of the password, which costs
~0.7 s of CPU per node on every power sync. The entry keeps the password it authenticated
with instead, and a node whose password differs gets a new connection (compared in constant
time). So a power check of a node whose connection is cached is one HTTP GET of its System.
"""

import collections
import contextlib
import dataclasses
import hmac
import logging
import os
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from typing import TypeVar

import requests
import sushy
from sushy import exceptions as sushy_exc

from ironic_lite.common import exceptions
from ironic_lite.conf import CONF
from ironic_lite.drivers import bmc_calls

LOG = logging.getLogger(__name__)
T = TypeVar("T")

# driver_info keys every redfish interface reads (Ironic's names).
PROPERTIES = {
    "redfish_address": "URL of the BMC, e.g. https://10.0.0.5 or http://127.0.0.1:8000; "
    "https is assumed when no scheme is given; a path replaces the /redfish/v1/ root. "
    "Required.",
    "redfish_system_id": "Path of the node's ComputerSystem, e.g. /redfish/v1/Systems/1. "
    "Needed when the BMC manages more than one system.",
    "redfish_username": "User name on the BMC.",
    "redfish_password": "Password of redfish_username.",
    "redfish_verify_ca": "true (verify the BMC's TLS certificate, the default), false, or "
    "the path of a CA bundle file or directory.",
    "redfish_auth_type": 'How to authenticate: "basic", "session" or "auto"; defaults to '
    "[redfish] auth_type.",
}
AUTH_TYPES = ("auto", "basic", "session")
_DEFAULT_ROOT = "/redfish/v1/"
_TRUE = {"1", "true", "yes", "on", "y", "t"}
_FALSE = {"0", "false", "no", "off", "n", "f"}


@dataclasses.dataclass(frozen=True)
class RedfishInfo:
    """A node's Redfish driver_info, checked. The password never shows in its repr."""

    address: str  # scheme://host[:port]
    root_prefix: str
    system_id: str | None
    username: str | None
    password: str | None = dataclasses.field(repr=False)
    verify: bool | str
    auth_type: str

    @property
    def cache_key(self) -> tuple:
        return (self.address, self.root_prefix, self.username, self.verify, self.auth_type)


def _invalid(node: dict, field: str, why: str) -> exceptions.InvalidParameterValue:
    return exceptions.InvalidParameterValue(
        err=f"Invalid driver_info/{field} of node {node.get('uuid')}: {why}"
    )


def _optional_text(node: dict, info: dict, field: str) -> str | None:
    value = info.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid(node, field, f"expected a string, not {type(value).__name__}")
    return value


def _address(node: dict, raw: object) -> tuple[str, str]:
    if not isinstance(raw, str) or not raw.strip():
        raise _invalid(
            node, "redfish_address", f"expected a URL such as https://10.0.0.5, not {raw!r}"
        )
    text = raw.strip()
    if "://" not in text:
        text = "https://" + text
    parts = urllib.parse.urlsplit(text)
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise _invalid(node, "redfish_address", f"{raw!r}: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _invalid(node, "redfish_address", f"{raw!r} is not an http(s) URL with a host name")
    if parts.query or parts.fragment:
        raise _invalid(node, "redfish_address", f"{raw!r} may not carry a query or fragment")
    root = parts.path if parts.path not in ("", "/") else _DEFAULT_ROOT
    if not root.endswith("/"):
        root += "/"
    return f"{parts.scheme}://{parts.netloc}", root


def _verify(node: dict, raw: object) -> bool | str:
    if raw is None:
        return True
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        if raw.strip().lower() in _TRUE:
            return True
        if raw.strip().lower() in _FALSE:
            return False
        if os.path.isfile(raw) or os.path.isdir(raw):
            return raw
        raise _invalid(
            node,
            "redfish_verify_ca",
            f"{raw!r} is neither a boolean nor an existing CA bundle file or directory",
        )
    raise _invalid(node, "redfish_verify_ca", f"expected a boolean or a path, not {raw!r}")


def driver_info(node: dict) -> RedfishInfo:
    """The node's Redfish settings, or a 400 (Missing/InvalidParameterValue) naming the
    driver_info field that is missing or wrong."""
    info = node.get("driver_info") or {}
    if not info.get("redfish_address"):
        raise exceptions.MissingParameterValue(
            err=f"Node {node.get('uuid')} has no driver_info/redfish_address: the redfish "
            "hardware type needs the URL of the BMC"
        )
    address, root = _address(node, info["redfish_address"])
    system_id = _optional_text(node, info, "redfish_system_id")
    if system_id is not None and not system_id.strip():
        raise _invalid(node, "redfish_system_id", "must not be empty")
    auth_type = info.get("redfish_auth_type") or CONF.redfish.auth_type
    if auth_type not in AUTH_TYPES:
        raise _invalid(
            node, "redfish_auth_type", f"{auth_type!r}; expected one of {', '.join(AUTH_TYPES)}"
        )
    return RedfishInfo(
        address=address,
        root_prefix=root,
        system_id=system_id,
        username=_optional_text(node, info, "redfish_username"),
        password=_optional_text(node, info, "redfish_password"),
        verify=_verify(node, info.get("redfish_verify_ca")),
        auth_type=auth_type,
    )


# --- connections ---------------------------------------------------------------------------------
_AUTH = {"basic": sushy.auth.BasicAuth, "session": sushy.auth.SessionAuth}


@dataclasses.dataclass
class _Entry:
    conn: sushy.Sushy
    password: str


class _Connecting:
    """One connection attempt that threads missing on the same BMC wait for and share."""

    def __init__(self, password: str):
        self.lock = threading.Lock()
        self.password = password
        self.error: Exception | None = None


class ConnectionCache:
    """Open sushy connections by BMC, least recently used dropped first (thread-safe).

    Threads that miss on the same BMC at once (a power sync, 20 nodes of one chassis being
    managed) wait for one of them to connect and share its connection, or its failure,
    instead of each opening a session (or each waiting out a dead BMC's timeout).
    """

    def __init__(self):
        self._entries: collections.OrderedDict[tuple, _Entry] = collections.OrderedDict()
        self._lock = threading.Lock()
        self._connecting: dict[tuple, _Connecting] = {}

    def _cached(self, info: RedfishInfo, password: str) -> sushy.Sushy | None:
        entry = self._entries.get(info.cache_key)
        if entry is None or not hmac.compare_digest(entry.password.encode(), password.encode()):
            return None
        self._entries.move_to_end(info.cache_key)
        return entry.conn

    def get(self, info: RedfishInfo) -> sushy.Sushy:
        password = info.password or ""
        with self._lock:
            conn = self._cached(info, password)
            if conn is not None:
                return conn
            attempt = self._connecting.setdefault(info.cache_key, _Connecting(password))
        with attempt.lock:
            if attempt.error is not None and hmac.compare_digest(
                attempt.password.encode(), password.encode()
            ):
                raise attempt.error  # the thread we waited for failed with our credentials
            with self._lock:
                conn = self._cached(info, password)
            if conn is not None:
                return conn
            try:
                conn = _connect(info)  # outside self._lock: it talks to the BMC
                size = CONF.redfish.connection_cache_size
                with self._lock:
                    if size:
                        self._entries[info.cache_key] = _Entry(conn, password)
                        self._entries.move_to_end(info.cache_key)
                        while len(self._entries) > size:
                            self._entries.popitem(last=False)
            except Exception as exc:
                attempt.error = exc
                raise
            finally:
                with self._lock:
                    if self._connecting.get(info.cache_key) is attempt:
                        del self._connecting[info.cache_key]
            return conn

    def forget(self, info: RedfishInfo) -> None:
        with self._lock:
            self._entries.pop(info.cache_key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


CONNECTIONS = ConnectionCache()


def _connect(info: RedfishInfo) -> sushy.Sushy:
    """A new sushy connection: one GET of the service root, plus a session POST when the
    auth type asks for a session."""
    auth_class = _AUTH.get(info.auth_type, sushy.auth.SessionOrBasicAuth)
    return sushy.Sushy(
        info.address,
        root_prefix=info.root_prefix,
        verify=info.verify,
        auth=auth_class(username=info.username, password=info.password),
        # One attempt per call for refused/timed-out connections: bmc_calls retries them
        # under [redfish]; sushy's own loop would multiply the attempts.
        server_side_retries=1,
        server_side_retries_delay=CONF.redfish.connection_retry_interval,
        read_timeout=CONF.redfish.read_timeout,
        connect_timeout=CONF.redfish.connect_timeout,
    )


# --- calls ---------------------------------------------------------------------------------------
def translate(exc: Exception, address: str, operation: str) -> exceptions.BMCError | None:
    """Our exception for a sushy/requests one (None for anything else): no answer ->
    BMCUnreachable (retried), 401/403 -> BMCAuthFailed, a resource or feature the BMC lacks
    -> BMCNotSupported, any other Redfish error -> BMCError."""
    fields = {"address": address, "operation": operation, "reason": str(exc)}
    if isinstance(exc, sushy_exc.ConnectionError | requests.exceptions.RequestException):
        return exceptions.BMCUnreachable(**fields)
    if isinstance(exc, sushy_exc.AccessError | sushy_exc.MissingXAuthToken):
        return exceptions.BMCAuthFailed(**fields)
    if isinstance(exc, sushy_exc.ResourceNotFoundError):
        return exceptions.BMCNotSupported(**fields)
    if isinstance(exc, sushy_exc.HTTPError) and exc.status_code in (405, 501):
        return exceptions.BMCNotSupported(**fields)
    if isinstance(
        exc,
        sushy_exc.MissingAttributeError
        | sushy_exc.MissingActionError
        | sushy_exc.InvalidParameterValueError,
    ):
        return exceptions.BMCNotSupported(**fields)
    if isinstance(exc, sushy_exc.UnknownDefaultError):
        fields["reason"] += "; set driver_info/redfish_system_id"
        return exceptions.BMCError(**fields)
    if isinstance(exc, sushy_exc.SushyError):
        return exceptions.BMCError(**fields)
    return None


def policy() -> bmc_calls.RetryPolicy:
    return bmc_calls.RetryPolicy(
        attempts=CONF.redfish.connection_attempts,
        interval=CONF.redfish.connection_retry_interval,
    )


class _Slots:
    """A bounded number of calls in flight per BMC address ([redfish]
    max_concurrent_requests_per_bmc). A thread already holding a slot of that BMC does not
    take a second one, so a call made from within a call cannot deadlock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._semaphores: dict[tuple[str, int], threading.BoundedSemaphore] = {}
        self._held = threading.local()

    @contextlib.contextmanager
    def slot(self, address: str) -> Iterator[None]:
        limit = CONF.redfish.max_concurrent_requests_per_bmc
        held = getattr(self._held, "addresses", None)
        if held is None:
            held = self._held.addresses = set()
        if limit <= 0 or address in held:
            yield
            return
        with self._lock:
            semaphore = self._semaphores.setdefault(
                (address, limit), threading.BoundedSemaphore(limit)
            )
        with semaphore:
            held.add(address)
            try:
                yield
            finally:
                held.discard(address)


SLOTS = _Slots()


def call(
    info: RedfishInfo, operation: str, fn: Callable[[sushy.Sushy], T], idempotent: bool = True
) -> T:
    """``fn(connection)`` under the retry policy, errors translated.

    A connection that failed to connect or was refused is dropped from the cache, so the
    next attempt connects and authenticates again (a BMC restart ends its sessions).
    ``idempotent=False`` (creating something) is tried once: a request whose answer was lost
    may have been carried out, and a second one would create a second copy.
    """

    def attempt() -> T:
        conn = CONNECTIONS.get(info)
        try:
            with SLOTS.slot(info.address):
                return fn(conn)
        except (sushy_exc.ConnectionError, sushy_exc.AccessError, AttributeError):
            CONNECTIONS.forget(info)
            raise

    retry = policy() if idempotent else bmc_calls.RetryPolicy(attempts=1, interval=0)
    return bmc_calls.call(
        retry, info.address, operation, attempt, translate=translate, driver="redfish"
    )


def system(conn: sushy.Sushy, info: RedfishInfo):
    """The node's ComputerSystem: one GET with redfish_system_id, two without it. A system
    the BMC does not have is an error naming redfish_system_id, not a missing feature."""
    try:
        return conn.get_system(info.system_id)
    except sushy_exc.ResourceNotFoundError as exc:
        raise exceptions.BMCError(
            address=info.address,
            operation="find the node's system",
            reason=f"it has no system {info.system_id}; check driver_info/redfish_system_id "
            f"({exc})",
        ) from exc


def manager(conn: sushy.Sushy, system_) -> object:
    """The first manager (BMC) of a system."""
    managers = system_.managers
    if not managers:
        raise sushy_exc.MissingAttributeError(attribute="Links/ManagedBy", resource=system_.path)
    return managers[0]
