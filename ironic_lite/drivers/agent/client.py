"""HTTP calls from the conductor to a node's agent, every one under the same retry policy.

The agent's address and token come from the node (``driver_internal_info.agent_url`` and
``agent_secret_token``, recorded at lookup and heart-beat). A refused connection, a timeout, a
5xx or a 409 (the agent is busy with another command) is tried again ``[agent]
max_command_attempts`` times; anything else is an AgentError at once, naming the node, the
agent's URL and the call. Each attempt is fenced like a BMC call (``common.fencing``); each
call is logged at DEBUG (node, agent URL, operation, duration, outcome; never the token).
"""

import hashlib
import logging
import os
import time

import requests
import tenacity

from ironic_lite.common import exceptions, fencing
from ironic_lite.conf import CONF
from ironic_lite.drivers.bmc_calls import RetryPolicy

LOG = logging.getLogger(__name__)


class AgentError(exceptions.IronicLiteError):
    message = "Agent of node %(node)s at %(url)s: %(operation)s failed: %(reason)s"
    retryable = False


class AgentUnreachable(AgentError):
    message = "Agent of node %(node)s at %(url)s did not answer %(operation)s: %(reason)s"
    retryable = True


class AgentBusy(AgentError):
    retryable = True


class AgentNotRunning(exceptions.IronicLiteError):
    message = "Node %(node)s has no running agent: %(reason)s"


def policy() -> RetryPolicy:
    return RetryPolicy(CONF.agent.max_command_attempts, CONF.agent.command_retry_interval)


def _verify(node: str, agent_cert: str | None) -> bool | str:
    """What verifies the agent's certificate: the one it sent in its heart-beat (IPA's
    auto-TLS, ``agent_verify_ca``), kept as ``<certificates_path>/<node>.crt``, as Ironic
    does; else ``[agent] ca_file`` or the system CAs."""
    if not CONF.agent.verify_ca:
        return False
    if agent_cert:
        return _cert_file(node, agent_cert)
    return CONF.agent.ca_file or True


def _cert_file(node: str, cert: str) -> str:
    path = os.path.join(CONF.agent.certificates_path, f"{node}.crt")
    data = cert.encode()
    try:
        with open(path, "rb") as f:
            if hashlib.sha256(f.read()).digest() == hashlib.sha256(data).digest():
                return path
    except OSError:
        pass
    os.makedirs(CONF.agent.certificates_path, mode=0o700, exist_ok=True)
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)
    return path


class AgentClient:
    """The agent of one node, as its last heart-beat described it."""

    def __init__(self, node: dict):
        info = node["driver_internal_info"] or {}
        self.node = node["uuid"]
        self.url = (info.get("agent_url") or "").rstrip("/")
        self.token = info.get("agent_secret_token")
        self.cert = info.get("agent_verify_ca")
        if not self.url:
            raise AgentNotRunning(node=self.node, reason="no agent has heart-beat since it booted")

    # --- the one place requests are made -------------------------------------------------------
    def _request(self, method: str, path: str, operation: str, **kwargs) -> dict:
        # The token goes in the query, the only place stock IPA reads it.
        params = dict(kwargs.pop("params", None) or {})
        if self.token:
            params["agent_token"] = self.token
        verify = _verify(self.node, self.cert)

        def attempt() -> dict:
            fencing.guard(f"{operation} at agent {self.url}")
            try:
                resp = requests.request(
                    method,
                    f"{self.url}{path}",
                    params=params,
                    timeout=CONF.agent.command_timeout,
                    verify=verify,
                    **kwargs,
                )
            except requests.RequestException as exc:
                raise AgentUnreachable(
                    node=self.node, url=self.url, operation=operation, reason=str(exc)
                ) from exc
            if resp.status_code < 400:
                try:
                    return resp.json()
                except ValueError as exc:
                    raise AgentError(
                        node=self.node, url=self.url, operation=operation, reason="not JSON"
                    ) from exc
            reason = _error_text(resp)
            kind = AgentError
            if resp.status_code == 409:
                kind = AgentBusy
            elif resp.status_code >= 500:
                kind = AgentUnreachable
            raise kind(node=self.node, url=self.url, operation=operation, reason=reason)

        rules = policy()

        def log_retry(state: tenacity.RetryCallState) -> None:
            LOG.info(
                "Agent of node %s: %s failed (attempt %d of %d), retrying: %s",
                self.node,
                operation,
                state.attempt_number,
                rules.attempts,
                state.outcome.exception() if state.outcome else "?",
            )

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(lambda e: getattr(e, "retryable", False)),
            stop=tenacity.stop_after_attempt(max(1, rules.attempts)),
            wait=tenacity.wait_fixed(rules.interval),
            before_sleep=log_retry,
            reraise=True,
        )
        started = time.monotonic()
        try:
            result = retrying(attempt)
        except AgentError as exc:
            LOG.debug(
                "Agent call %s %s %s: failed in %.1f ms: %s",
                self.node,
                self.url,
                operation,
                (time.monotonic() - started) * 1000,
                type(exc).__name__,
            )
            raise
        LOG.debug(
            "Agent call %s %s %s: ok in %.1f ms",
            self.node,
            self.url,
            operation,
            (time.monotonic() - started) * 1000,
        )
        return result

    # --- what the conductor asks of an agent --------------------------------------------------
    def run(self, name: str, params: dict | None = None, wait: bool = False) -> dict:
        """Start the command ``<extension>.<command>``; its result (final when ``wait``)."""
        return self._request(
            "POST",
            "/v1/commands/",
            f"command {name}",
            params={"wait": str(wait).lower()},
            json={"name": name, "params": params or {}},
        )

    def command(self, command_id: str) -> dict | None:
        """A command's result, or None if the agent does not know it (it restarted)."""
        for result in self.commands():
            if result.get("id") == command_id:
                return result
        return None

    def commands(self) -> list[dict]:
        return self._request("GET", "/v1/commands/", "listing commands").get("commands") or []

    def steps(self, kind: str, node: dict, ports: list[dict]) -> dict:
        """``{"<kind>_steps": {manager: [step ...]}, "hardware_manager_version": ...}``."""
        result = self.run(f"{kind}.get_{kind}_steps", {"node": node, "ports": ports}, wait=True)
        checked(result, self, f"listing {kind} steps")
        return result.get("command_result") or {}

    def status(self) -> dict:
        return self._request("GET", "/v1/status", "status")


def _error_text(resp: requests.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return f"HTTP {resp.status_code}: {resp.text[:200]}"
    if isinstance(body, dict):
        message = (
            body.get("details")
            or body.get("message")
            or body.get("faultstring")
            or body.get("error_message")
        )
        if message:
            return f"HTTP {resp.status_code}: {message}"
    return f"HTTP {resp.status_code}: {str(body)[:200]}"


def command_error(result: dict) -> str:
    """The readable cause of a failed command: IPA puts it in ``details`` (its ``message`` is
    a generic "Command execution failed"), so that comes first."""
    error = result.get("command_error")
    if isinstance(error, dict):
        return error.get("details") or error.get("message") or error.get("type") or str(error)
    return str(error or "no error given")


def checked(result: dict, client: AgentClient, operation: str) -> dict:
    """``result`` if its command succeeded, else AgentError with the agent's message."""
    if result.get("command_status") == "FAILED":
        raise AgentError(
            node=client.node, url=client.url, operation=operation, reason=command_error(result)
        )
    return result
