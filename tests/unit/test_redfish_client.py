"""The redfish client's edges: driver_info checks, error translation, the connection cache.

sushy's exceptions are real ones built from real ``requests.Response`` objects; only the
connecting itself (``client._connect``, the vendor edge) is replaced in the cache tests.
"""

import json
import threading
import time

import pytest
import requests
from sushy import exceptions as sushy_exc

from ironic_lite.common import exceptions
from ironic_lite.conf import CONF
from ironic_lite.drivers import bmc_calls
from ironic_lite.drivers.redfish import client

BMC = "https://10.0.0.5"


@pytest.fixture(autouse=True)
def conf():
    if CONF._args is None:
        CONF([], project="ironic-lite", default_config_files=[])
    client.CONNECTIONS.clear()
    yield CONF
    CONF.clear_override("connection_cache_size", "redfish")
    CONF.clear_override("connection_attempts", "redfish")
    CONF.clear_override("connection_retry_interval", "redfish")
    CONF.clear_override("max_concurrent_requests_per_bmc", "redfish")
    client.CONNECTIONS.clear()


def _node(**info) -> dict:
    return {"uuid": "node-1", "driver_info": {"redfish_address": BMC, **info}}


def _response(status: int, message: str = "nope") -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(
        {"error": {"code": "Base.1.0.GeneralError", "message": message}}
    ).encode()
    return response


# --- driver_info ---------------------------------------------------------------------------------
def test_driver_info_defaults_and_root_prefix():
    info = client.driver_info(_node(redfish_username="admin", redfish_password="s3cret"))
    assert (info.address, info.root_prefix, info.verify, info.auth_type) == (
        BMC,
        "/redfish/v1/",
        True,
        "auto",
    )
    assert "s3cret" not in repr(info)
    info = client.driver_info(_node(redfish_address="10.0.0.6:8443/custom/root"))
    assert info.address == "https://10.0.0.6:8443" and info.root_prefix == "/custom/root/"
    assert client.driver_info(_node(redfish_verify_ca="False")).verify is False


@pytest.mark.parametrize(
    "info, field",
    [
        ({"redfish_address": ""}, "redfish_address"),
        ({"redfish_address": "ftp://bmc"}, "redfish_address"),
        ({"redfish_address": "http://bmc:99999"}, "redfish_address"),
        ({"redfish_verify_ca": "maybe"}, "redfish_verify_ca"),
        ({"redfish_verify_ca": 3}, "redfish_verify_ca"),
        ({"redfish_auth_type": "kerberos"}, "redfish_auth_type"),
        ({"redfish_username": ["admin"]}, "redfish_username"),
        ({"redfish_system_id": " "}, "redfish_system_id"),
    ],
)
def test_bad_driver_info_is_a_400_naming_the_field(info, field):
    with pytest.raises(exceptions.Invalid) as caught:
        client.driver_info(_node(**info))
    assert caught.value.code == 400 and f"driver_info/{field}" in str(caught.value)


# --- translate -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "error, ours",
    [
        (sushy_exc.ConnectionError(url=BMC, error="refused"), exceptions.BMCUnreachable),
        (requests.exceptions.ReadTimeout("slow"), exceptions.BMCUnreachable),
        (sushy_exc.AccessError("GET", BMC, _response(401)), exceptions.BMCAuthFailed),
        (sushy_exc.AccessError("GET", BMC, _response(403)), exceptions.BMCAuthFailed),
        (sushy_exc.ResourceNotFoundError("GET", BMC, _response(404)), exceptions.BMCNotSupported),
        (sushy_exc.HTTPError("POST", BMC, _response(501)), exceptions.BMCNotSupported),
        (
            sushy_exc.MissingAttributeError(attribute="SecureBoot", resource="/x"),
            exceptions.BMCNotSupported,
        ),
        (
            sushy_exc.MissingActionError(action="#Bios.ResetBios", resource="/x"),
            exceptions.BMCNotSupported,
        ),
        (sushy_exc.BadRequestError("PATCH", BMC, _response(400)), exceptions.BMCError),
        (sushy_exc.ServerSideError("GET", BMC, _response(500)), exceptions.BMCError),
    ],
)
def test_translate_maps_sushy_and_requests_errors(error, ours):
    translated = client.translate(error, BMC, "get power state")
    assert type(translated) is ours
    assert BMC in str(translated) and "get power state" in str(translated)


def test_only_unanswered_calls_are_retryable():
    assert client.translate(sushy_exc.ConnectionError(url=BMC, error="x"), BMC, "op").retryable
    assert not client.translate(
        sushy_exc.AccessError("GET", BMC, _response(401)), BMC, "op"
    ).retryable


def test_unknown_exceptions_are_left_to_bmc_calls():
    assert client.translate(KeyError("PowerState"), BMC, "op") is None


# --- the connection cache ------------------------------------------------------------------------
class _Connections:
    """Stands in for sushy.Sushy construction: counts connections, fails on demand."""

    def __init__(self):
        self.made: list[client.RedfishInfo] = []
        self.fail: list[Exception] = []

    def __call__(self, info):
        if self.fail:
            raise self.fail.pop(0)
        self.made.append(info)
        return object()


@pytest.fixture
def connections(monkeypatch):
    fake = _Connections()
    monkeypatch.setattr(client, "_connect", fake)
    return fake


def _info(**overrides) -> client.RedfishInfo:
    return client.driver_info(
        _node(**{"redfish_username": "admin", "redfish_password": "pw", **overrides})
    )


def test_cache_key_is_address_user_verify_and_auth_type_not_the_password():
    key = _info().cache_key
    assert key == (BMC, "/redfish/v1/", "admin", True, "auto")
    assert "pw" not in key
    assert _info(redfish_system_id="/redfish/v1/Systems/2").cache_key == key


def test_nodes_of_one_bmc_share_a_connection(connections):
    first = client.CONNECTIONS.get(_info(redfish_system_id="/redfish/v1/Systems/1"))
    second = client.CONNECTIONS.get(_info(redfish_system_id="/redfish/v1/Systems/2"))
    assert first is second and len(connections.made) == 1
    client.CONNECTIONS.get(_info(redfish_username="other"))
    client.CONNECTIONS.get(_info(redfish_verify_ca=False))
    assert len(connections.made) == 3


def test_a_changed_password_gets_a_new_connection(connections):
    old = client.CONNECTIONS.get(_info())
    new = client.CONNECTIONS.get(_info(redfish_password="rotated"))
    assert old is not new and len(connections.made) == 2
    assert client.CONNECTIONS.get(_info(redfish_password="rotated")) is new


def test_the_cache_is_bounded_least_recently_used_first(connections):
    CONF.set_override("connection_cache_size", 2, "redfish")
    a = client.CONNECTIONS.get(_info(redfish_address="https://a"))
    client.CONNECTIONS.get(_info(redfish_address="https://b"))
    assert client.CONNECTIONS.get(_info(redfish_address="https://a")) is a  # a is now recent
    client.CONNECTIONS.get(_info(redfish_address="https://c"))  # evicts b
    assert len(client.CONNECTIONS) == 2
    client.CONNECTIONS.get(_info(redfish_address="https://a"))
    assert len(connections.made) == 3
    client.CONNECTIONS.get(_info(redfish_address="https://b"))
    assert len(connections.made) == 4


def test_size_zero_disables_the_cache(connections):
    CONF.set_override("connection_cache_size", 0, "redfish")
    client.CONNECTIONS.get(_info())
    client.CONNECTIONS.get(_info())
    assert len(connections.made) == 2 and len(client.CONNECTIONS) == 0


def test_call_retries_unanswered_calls_and_drops_the_broken_connection(connections):
    CONF.set_override("connection_attempts", 3, "redfish")
    CONF.set_override("connection_retry_interval", 0, "redfish")
    answers = [sushy_exc.ConnectionError(url=BMC, error="reset"), "On"]

    def read(conn):
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert client.call(_info(), "get power state", read) == "On"
    assert len(connections.made) == 2, "the connection that failed was not reused"


def test_call_gives_up_after_the_configured_attempts(connections):
    CONF.set_override("connection_attempts", 2, "redfish")
    CONF.set_override("connection_retry_interval", 0, "redfish")
    connections.fail = [sushy_exc.ConnectionError(url=BMC, error="refused")] * 5
    with pytest.raises(exceptions.BMCUnreachable) as caught:
        client.call(_info(), "power on", lambda conn: None)
    assert len(connections.fail) == 3 and "power on" in str(caught.value)
    assert client.policy() == bmc_calls.RetryPolicy(attempts=2, interval=0)


def test_a_call_that_creates_something_is_tried_once(connections):
    CONF.set_override("connection_attempts", 3, "redfish")
    CONF.set_override("connection_retry_interval", 0, "redfish")
    tries = []

    def create(conn):
        tries.append(1)
        raise sushy_exc.ConnectionError(url=BMC, error="reset")

    with pytest.raises(exceptions.BMCUnreachable):
        client.call(_info(), "create a volume", create, idempotent=False)
    assert len(tries) == 1, "a lost answer to a create must not create a second copy"


def _at_once(count: int, fn) -> list:
    """``fn()`` in ``count`` threads started together; what each returned or raised."""
    results: list = []

    def run():
        try:
            results.append(fn())
        except Exception as exc:  # collected for the assertions
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return results


def test_threads_missing_at_once_share_one_connection(monkeypatch):
    made = []

    def slow_connect(info):
        made.append(info)
        time.sleep(0.3)  # the others arrive while this one connects
        return object()

    monkeypatch.setattr(client, "_connect", slow_connect)
    results = _at_once(5, lambda: client.CONNECTIONS.get(_info()))
    assert len(made) == 1 and len(results) == 5
    assert all(r is results[0] for r in results)


def test_threads_waiting_on_a_dead_bmc_share_its_failure(monkeypatch):
    attempts = []

    def dead(info):
        attempts.append(info)
        time.sleep(0.3)
        raise sushy_exc.ConnectionError(url=BMC, error="timed out")

    monkeypatch.setattr(client, "_connect", dead)
    results = _at_once(5, lambda: client.CONNECTIONS.get(_info()))
    assert len(attempts) == 1, "each thread waited out the dead BMC again"
    assert all(isinstance(r, sushy_exc.ConnectionError) for r in results)
    # The next miss tries again.
    with pytest.raises(sushy_exc.ConnectionError):
        client.CONNECTIONS.get(_info())
    assert len(attempts) == 2


def test_calls_to_one_bmc_are_bounded_and_others_are_not_held_up(connections):
    CONF.set_override("max_concurrent_requests_per_bmc", 2, "redfish")
    lock = threading.Lock()
    in_flight = {"now": 0, "peak": 0}
    release = threading.Event()

    def slow(conn):
        with lock:
            in_flight["now"] += 1
            in_flight["peak"] = max(in_flight["peak"], in_flight["now"])
        release.wait(5)
        with lock:
            in_flight["now"] -= 1
        return "On"

    threads = [
        threading.Thread(target=client.call, args=(_info(), "get power state", slow))
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    assert in_flight["now"] == 2, "more calls than the limit reached the BMC at once"
    # Another BMC is not queued behind the busy one.
    other = client.driver_info(
        {"uuid": "node-2", "driver_info": {"redfish_address": "http://10.0.0.9"}}
    )
    assert client.call(other, "get power state", lambda conn: "Off") == "Off"
    release.set()
    for thread in threads:
        thread.join(5)
    assert in_flight["peak"] == 2


def test_a_call_inside_a_call_to_the_same_bmc_does_not_wait_for_itself(connections):
    CONF.set_override("max_concurrent_requests_per_bmc", 1, "redfish")
    inner = client.call(
        _info(), "outer", lambda conn: client.call(_info(), "inner", lambda c: "ok")
    )
    assert inner == "ok"
