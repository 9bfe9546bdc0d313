"""Starting and stopping the lab's processes: free loopback ports, readiness, stop by PID.

Every process the lab starts runs in its own session (``start_new_session``), so a signal to
its PID reaches it alone and a stuck one can be killed with its process group. A PID written
to a state file is only signalled while ``/proc/PID/cmdline`` still names what was started:
a PID the system gave to another program since is left alone.
"""

import contextlib
import os
import signal
import socket
import time


def free_port() -> int:
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cmdline(pid: int) -> str:
    """The command line of ``pid``, words joined by spaces; empty when it is gone."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def alive(pid: int | None, marker: str | None = None) -> bool:
    """Whether ``pid`` runs (not a zombie) and, given ``marker``, its command line has it."""
    if not pid:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            if f.read().rsplit(")", 1)[-1].split()[0] == "Z":
                return False
    except OSError:
        return False
    return marker is None or marker in cmdline(pid)


def stop_pid(pid: int | None, marker: str | None = None, timeout: float = 10) -> bool:
    """SIGTERM ``pid``, wait up to ``timeout`` s, then SIGKILL its process group.

    Returns whether something was stopped. ``marker`` guards against a reused PID.
    """
    if not alive(pid, marker):
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap(pid)
        if not alive(pid):
            return True
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.05)
    return True


def _reap(pid: int) -> None:
    """Collect ``pid`` if it is our child (else it stays a zombie until we exit)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def wait_until(predicate, timeout: float, interval: float = 0.1, what: str = "it"):
    """Call ``predicate`` until it returns something true; TimeoutError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)
