"""The agent's side of the ironic-lite API: lookup, heartbeat, continue_inspection.

These three endpoints are open (no Keystone or Basic auth) and token-checked by the API. The
agent asks for a microversion high enough for every field it sends (1.72 for ``agent_status``)
but never higher than the API offers; a field the negotiated version predates is left out, as
an older Ironic would refuse it.
"""

import json
import logging

import requests

from ironic_lite_agent import __version__, errors
from ironic_lite_agent.retry import RetryPolicy

LOG = logging.getLogger(__name__)

VERSION_HEADER = "X-OpenStack-Ironic-API-Version"
WANTED_VERSION = (1, 72)
# Fields of the heartbeat and the microversion that introduced each.
_HEARTBEAT_FIELDS = {
    "agent_version": (1, 36),
    "agent_token": (1, 62),
    "agent_verify_ca": (1, 68),
    "agent_status": (1, 72),
}


class _Retryable(Exception):
    pass


def _parse(version: str) -> tuple[int, int]:
    major, _, minor = version.partition(".")
    return int(major), int(minor or 0)


class IronicClient:
    """Calls the API at ``api_url`` (the root, e.g. ``http://10.0.0.1:6385``)."""

    def __init__(
        self,
        api_url: str,
        policy: RetryPolicy = RetryPolicy(),
        verify: bool | str = True,
        timeout: float = 30.0,
        request_id: str | None = None,
    ):
        self.api_url = api_url.rstrip("/")
        # ipa-global-request-id: the conductor's request, so the API's log ties our calls to it.
        self.request_id = request_id
        self.policy = policy
        self.timeout = timeout
        self.session = requests.Session()
        self.session.verify = verify
        self.version: tuple[int, int] | None = None

    # --- plumbing -------------------------------------------------------------------------
    def negotiate(self) -> tuple[int, int]:
        """Pick min(wanted, the API's maximum) once; fall back to the wanted version when the
        API root does not say."""
        if self.version is None:
            version = WANTED_VERSION
            try:
                resp = self.session.get(self.api_url + "/", timeout=self.timeout)
                offered = (resp.json().get("default_version") or {}).get("version")
                if offered:
                    version = min(version, _parse(offered))
            except (requests.RequestException, ValueError, AttributeError) as exc:
                LOG.debug(
                    "version discovery at %s failed (%s); using %s", self.api_url, exc, version
                )
            self.version = version
        return self.version

    def _headers(self) -> dict:
        major, minor = self.negotiate()
        headers = {VERSION_HEADER: f"{major}.{minor}"}
        if self.request_id:
            headers["X-OpenStack-Request-ID"] = self.request_id
        return headers

    def _call(self, method: str, path: str, retry: bool, ok=(200, 202, 204), **kwargs):
        url = path if "://" in path else self.api_url + path

        def once():
            try:
                resp = self.session.request(
                    method, url, headers=self._headers(), timeout=self.timeout, **kwargs
                )
            except requests.RequestException as exc:
                raise _Retryable(str(exc)) from exc
            if resp.status_code in ok:
                return resp
            message = _error_text(resp)
            # 404 (not enrolled yet), 409 (node locked), 5xx: worth another try.
            if resp.status_code in (404, 409, 429) or resp.status_code >= 500:
                raise _Retryable(f"HTTP {resp.status_code}: {message}")
            raise errors.ApiCallFailed(
                method=method, url=url, err=f"HTTP {resp.status_code}: {message}"
            )

        if not retry:
            try:
                return once()
            except _Retryable as exc:
                raise errors.ApiCallFailed(method=method, url=url, err=str(exc)) from exc
        try:
            for attempt in self.policy.retrying((_Retryable,)):
                with attempt:
                    return once()
        except _Retryable as exc:
            raise errors.ApiCallFailed(
                method=method, url=url, err=f"{exc} (gave up after {self.policy.attempts} tries)"
            ) from exc
        raise AssertionError("unreachable")

    # --- the endpoints --------------------------------------------------------------------
    def lookup(self, macs: list[str], node_uuid: str | None = None) -> dict:
        """``GET /v1/lookup``: the node and the agent config (token, heartbeat_timeout)."""
        params = {"addresses": ",".join(macs)}
        if node_uuid:
            params["node_uuid"] = node_uuid
        try:
            resp = self._call("GET", "/v1/lookup", retry=True, params=params)
        except errors.ApiCallFailed as exc:
            raise errors.LookupFailed(url=self.api_url, err=str(exc)) from exc
        data = resp.json()
        if not isinstance(data.get("node"), dict) or not data["node"].get("uuid"):
            raise errors.LookupFailed(url=self.api_url, err=f"answer has no node: {data}")
        return data

    def heartbeat(
        self, node_uuid: str, callback_url: str, token: str | None, status: str | None = None
    ) -> None:
        """``POST /v1/heartbeat/{node}`` once (the heartbeat loop owns retries)."""
        version = self.negotiate()
        body = {"callback_url": callback_url}
        fields = {"agent_version": __version__, "agent_token": token, "agent_status": status}
        for key, value in fields.items():
            if value is not None and version >= _HEARTBEAT_FIELDS[key]:
                body[key] = value
        self._call("POST", f"/v1/heartbeat/{node_uuid}", retry=False, json=body)

    def continue_inspection(self, data: dict, url: str | None = None) -> dict:
        """``POST /v1/continue_inspection`` (or ``url``, the ramdisk's
        ``ipa-inspection-callback-url``) with the inspection data; the API's answer (it may
        carry the node and config, as a lookup does)."""
        resp = self._call("POST", url or "/v1/continue_inspection", retry=True, json=data)
        try:
            return resp.json() if resp.content else {}
        except ValueError:
            return {}


def _error_text(resp: requests.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.text[:200]
    if isinstance(body, dict) and "error_message" in body:
        inner = body["error_message"]
        if isinstance(inner, str):
            try:
                inner = json.loads(inner)
            except ValueError:
                return inner
        return inner.get("faultstring", str(inner)) if isinstance(inner, dict) else str(inner)
    return str(body)[:200]
