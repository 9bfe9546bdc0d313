"""The agent API the conductor calls: status and commands, served by cheroot.

    GET  /v1/status                      open: started_at, version, node_uuid, busy
    GET  /v1/commands/                   {"commands": [result, ...]}            token
    GET  /v1/commands/<id>               result                                 token
    POST /v1/commands/?wait=true|false   {"name": "ext.cmd", "params": {...}}    token

The token is the one the lookup handed out (or ``--token-file``), given as the ``agent_token``
query parameter or the ``X-Agent-Token`` header. Without it the answer is 401, with a wrong one
403; a second command while one runs is 409. Every refusal is a JSON error body with
``type``, ``code``, ``message`` and ``faultstring`` (the field Ironic's client reads).
"""

import hmac
import logging
import threading

import flask
from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter
from werkzeug.exceptions import HTTPException

from ironic_lite_agent import __version__, errors

LOG = logging.getLogger(__name__)


def create_app(agent) -> flask.Flask:
    app = flask.Flask("ironic-lite-agent")
    app.json.sort_keys = False

    @app.errorhandler(errors.AgentError)
    def _agent_error(exc: errors.AgentError):
        return _error(exc, int(exc.code))

    @app.errorhandler(404)
    def _not_found(_exc):
        return _error(errors.InvalidCommand(err=f"no such resource: {flask.request.path}"), 404)

    @app.errorhandler(405)
    def _not_allowed(_exc):
        return _error(errors.InvalidCommand(err=f"{flask.request.method} is not allowed here"), 405)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):  # 400, 415 ... raised by Flask itself
            return _error(errors.InvalidCommand(err=exc.description), exc.code or 400)
        LOG.exception("agent API error on %s %s", flask.request.method, flask.request.path)
        return _error(exc, 500)

    def require_token() -> None:
        given = flask.request.args.get("agent_token") or flask.request.headers.get("X-Agent-Token")
        known = agent.token
        if known is None:
            raise errors.TokenNotKnownYet()
        if not given:
            raise errors.TokenMissing()
        if not hmac.compare_digest(given.encode(), known.encode()):
            raise errors.TokenInvalid()

    @app.get("/")
    def root():
        return {"name": "ironic-lite-agent", "versions": [{"id": "v1"}]}

    @app.get("/v1/status")
    @app.get("/v1/status/")
    def status():
        return {
            "started_at": agent.started_at,
            "version": __version__,
            "node_uuid": agent.node_uuid,
            "busy": agent.dispatcher.busy,
            "hardware": agent.backend.name,
        }

    @app.get("/v1/commands")
    @app.get("/v1/commands/")
    def list_commands():
        require_token()
        return {"commands": [r.as_dict() for r in agent.dispatcher.history()]}

    @app.get("/v1/commands/<command_id>")
    def get_command(command_id: str):
        require_token()
        return agent.dispatcher.get(command_id).as_dict()

    @app.post("/v1/commands")
    @app.post("/v1/commands/")
    def run_command():
        require_token()
        body = flask.request.get_json(silent=True)
        if not isinstance(body, dict) or "name" not in body:
            raise errors.InvalidCommand(
                err='the body must be {"name": "<ext>.<cmd>", "params": {}}'
            )
        wait = flask.request.args.get("wait", "false").lower() in ("true", "1", "yes")
        result = agent.dispatcher.start(body["name"], body.get("params"))
        if wait:
            result.done.wait()
        response = flask.jsonify(result.as_dict())
        if wait:
            response.call_on_close(agent.response_sent.set)
        return response

    return app


def _error(exc: BaseException, code: int):
    body = errors.serialize(exc)
    body["code"] = code
    body["faultstring"] = body["message"]
    return flask.jsonify(body), code


class Server:
    """cheroot serving the app on ``host:port`` (port 0: any free port, see ``port``)."""

    def __init__(
        self,
        app,
        host: str,
        port: int,
        cert: str | None = None,
        key: str | None = None,
        threads: int = 4,
    ):
        self._server = wsgi.Server(
            (host, port), app, numthreads=threads, server_name="ironic-lite-agent"
        )
        self.tls = bool(cert)
        if cert:
            self._server.ssl_adapter = BuiltinSSLAdapter(cert, key)
        self._thread: threading.Thread | None = None

    def start(self) -> "Server":
        self._server.prepare()  # binds now, so the port is known before the first heartbeat
        self._thread = threading.Thread(target=self._server.serve, name="agent-api", daemon=True)
        self._thread.start()
        return self

    @property
    def host(self) -> str:
        return self._server.bind_addr[0]

    @property
    def port(self) -> int:
        return self._server.bind_addr[1]

    def stop(self) -> None:
        self._server.stop()
        if self._thread:
            self._thread.join(5)
