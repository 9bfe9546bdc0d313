"""Commands: named ``<extension>.<command>``, run one at a time, remembered with their result.

An extension is a class whose methods marked :func:`command` become commands. The
:class:`Dispatcher` checks a request before anything runs (known name, parameters that fit the
method, no other command running: 409 otherwise), runs the command in a worker thread and keeps
its :class:`CommandResult`, which the agent API shows as Ironic's agent does.
"""

import dataclasses
import inspect
import logging
import threading
import time
import uuid
from collections.abc import Callable

from ironic_lite_agent import errors

LOG = logging.getLogger(__name__)

RUNNING, SUCCEEDED, FAILED = "RUNNING", "SUCCEEDED", "FAILED"
_SECRET_PARAMS = ("agent_token", "password", "configdrive")
_MAX_ECHO = 1024


def command(fn):
    """Mark an extension method as a command (its name is the method's name)."""
    fn._is_command = True
    return fn


class Extension:
    """A group of commands; ``name`` is the part before the dot."""

    name = ""

    def __init__(self, agent):
        self.agent = agent

    def commands(self) -> dict[str, Callable]:
        return {
            n: getattr(self, n)
            for n, m in inspect.getmembers(type(self), inspect.isfunction)
            if getattr(m, "_is_command", False)
        }


@dataclasses.dataclass
class CommandResult:
    """One command and what became of it."""

    id: str
    name: str
    params: dict
    status: str = RUNNING
    error: dict | None = None
    result: object = None
    started_at: float = dataclasses.field(default_factory=time.time)
    finished_at: float | None = None
    done: threading.Event = dataclasses.field(default_factory=threading.Event, repr=False)

    def as_dict(self) -> dict:
        """The wire shape: ``command_name`` is the method name without the extension, as
        Ironic's conductor expects it (e.g. ``prepare_image``)."""
        return {
            "id": self.id,
            "command_name": self.name.split(".", 1)[-1],
            "command_params": _echo(self.params),
            "command_status": self.status,
            "command_error": self.error,
            "command_result": self.result,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
        }


def _echo(params: dict) -> dict:
    """Parameters as shown back: secrets and large values are not repeated."""
    out = {}
    for key, value in params.items():
        if key in _SECRET_PARAMS and value:
            out[key] = "******"
        elif isinstance(value, str) and len(value) > _MAX_ECHO:
            out[key] = f"<{len(value)} characters>"
        else:
            out[key] = value
    return out


class Dispatcher:
    """Runs commands from ``extensions``, one at a time; ``on_finish`` is called with each
    result when its command ends (the agent heart-beats then, so the conductor learns soon)."""

    def __init__(self, extensions: list[Extension], on_finish: Callable | None = None):
        self._commands: dict[str, Callable] = {}
        for ext in extensions:
            for name, fn in ext.commands().items():
                self._commands[f"{ext.name}.{name}"] = fn
        self._lock = threading.Lock()
        self._history: list[CommandResult] = []
        self._current: CommandResult | None = None
        self._on_finish = on_finish

    def names(self) -> list[str]:
        return sorted(self._commands)

    def start(self, name: str, params: dict | None) -> CommandResult:
        """Check and start a command; raises InvalidCommand, InvalidCommandParams or
        AgentIsBusy before anything runs."""
        if not isinstance(name, str) or "." not in name:
            raise errors.InvalidCommand(err=f"command name {name!r} is not <extension>.<command>")
        fn = self._commands.get(name)
        if fn is None:
            raise errors.InvalidCommand(
                err=f"unknown command {name}; this agent knows {', '.join(self.names())}"
            )
        params = params or {}
        if not isinstance(params, dict):
            raise errors.InvalidCommandParams(name=name, err="params must be a JSON object")
        try:
            inspect.signature(fn).bind(**params)
        except TypeError as exc:
            raise errors.InvalidCommandParams(name=name, err=str(exc)) from exc
        with self._lock:
            if self._current is not None:
                raise errors.AgentIsBusy(name=self._current.name, id=self._current.id)
            result = CommandResult(id=str(uuid.uuid4()), name=name, params=params)
            self._current = result
            self._history.append(result)
        LOG.info("command %s (%s) started", name, result.id)
        threading.Thread(
            target=self._run, args=(fn, result), name=f"command-{name}", daemon=True
        ).start()
        return result

    def _run(self, fn: Callable, result: CommandResult) -> None:
        try:
            value = fn(**result.params)
        except Exception as exc:
            if isinstance(exc, errors.AgentError):
                LOG.error("command %s (%s) failed: %s", result.name, result.id, exc)
            else:
                LOG.exception("command %s (%s) failed unexpectedly", result.name, result.id)
            result.error, result.status = errors.serialize(exc), FAILED
        else:
            result.result, result.status = value, SUCCEEDED
            LOG.info("command %s (%s) succeeded", result.name, result.id)
        result.finished_at = time.time()
        with self._lock:
            self._current = None
        result.done.set()
        if self._on_finish:
            try:
                self._on_finish(result)
            except Exception:
                LOG.exception("after command %s", result.name)

    def get(self, command_id: str) -> CommandResult:
        for result in self._history:
            if result.id == command_id:
                return result
        raise errors.CommandNotFound(id=command_id)

    def history(self) -> list[CommandResult]:
        return list(self._history)

    @property
    def busy(self) -> bool:
        return self._current is not None
