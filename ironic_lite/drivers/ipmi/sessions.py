"""pyghmi sessions pinned to one cipher suite, and the cache that keeps one per BMC.

Pinning. pyghmi's Session proposes cipher suite 17 and falls back to 3 when the BMC refuses,
and it takes the BMC's answer to its proposal for granted. That allows neither "this node
must use 17" (no silent downgrade) nor "this BMC needs 3": some BMCs (pyghmi's own BMC server
among them) accept a suite-17 proposal but answer with suite-3 algorithms, and pyghmi then
fails in RAKP2 with ``struct.error: pack expected 32 items``. A pinned session proposes one
suite and checks that the open-session response selected that suite's algorithms; a refusal
or a mismatch ends the login with CipherSuiteRefused, so that the caller can try the next
suite. A Command gets the pinned session through pyghmi's own sharing: a Command built with
the same BMC, user and password picks up the live session instead of logging in again.

Credentials are bytes: pyghmi finds a live session by comparing them with the bytes it keeps,
and with str a Command built after a logout could get a dead session back.

The cache keeps at most one logged-in Command per BMC endpoint (address and port), for the
user, password and cipher suite it logged in with; another user, password or suite for that
endpoint logs the old session out first. Least recently used sessions are logged out beyond
the size limit, idle ones are replaced before the BMC forgets them, and a session whose
command failed without an answer is dropped. Each entry has a lock: one command at a time
per session, as an IPMI session carries one outstanding request.

Two races in pyghmi 1.6's shared event loop are worked around here, both measured against
the lab's BMCs with many threads: an answer that arrives before the waiting thread sleeps
woke it only at the resend timer (``_PinnedSession.awaitresponse``), and a send could leave
the I/O thread blocked on a quiet socket, stalling every session (``_send_without_blocking``,
which replaces pyghmi's sender for the whole process).
"""

import collections
import dataclasses
import hashlib
import hmac
import logging
import socket
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

from pyghmi import exceptions as pyghmi_exc
from pyghmi.ipmi import command as ipmi_command
from pyghmi.ipmi.private import constants
from pyghmi.ipmi.private import session as ipmi_session

LOG = logging.getLogger(__name__)

# Per suite: the algorithms its open-session response must select (authentication,
# integrity, confidentiality; IPMI 2.0 table 22-20), and the value of pyghmi's
# Session.attemptedhash that makes it propose them (1: suite 3; any other but 256: suite 17
# without the fall-back to 3).
_SUITES = {3: ((1, 1, 1), 1), 17: ((3, 4, 1), 17)}
_HASHES = {3: hashlib.sha1, 17: hashlib.sha256}
# RMCP+ status codes that refuse the proposed algorithms (IPMI 2.0 table 13-15).
_REFUSALS = tuple(constants.rmcp_codes[code] for code in (0x04, 0x05, 0x10, 0x11))
_MISMATCH = "the BMC negotiated other algorithms"
# pyghmi's per-packet timeout starts at 0.5-1 s and grows by 1 s per resend; a command is
# resent while the next timeout stays within this many seconds.
COMMAND_TIMEOUT = 2
# Longest a thread waiting for an answer sleeps before it looks at its session's queue again.
WAIT_SLICE = 0.02

# pyghmi creates this lock on first use, on whatever class the first session has; created
# here it is one lock for the base class and the pinned subclasses.
if ipmi_session.Session.socketchecking is None:
    ipmi_session.Session.socketchecking = threading.Lock()


def _send_without_blocking(sock, packet, sockaddr) -> None:
    """pyghmi's sender, minus its switch of the socket to blocking mode.

    Every session of a process shares a few UDP sockets with pyghmi's I/O thread, which
    reads them after setting them non-blocking; pyghmi's sender set them back to blocking
    before each send. A send landing between the two left the I/O thread blocked in
    recvfrom on a socket that might see no packet for a long time, and every IPMI session
    of the conductor stalled with it (seen as many BMCs timing out at once). A send that
    cannot go out now is dropped, like a lost datagram: the resend timer covers it.
    """
    try:
        sock.sendto(packet, _DONTWAIT, sockaddr)
    except OSError as exc:
        LOG.debug("IPMI packet to %s not sent: %s", sockaddr[0], exc)


_DONTWAIT = getattr(socket, "MSG_DONTWAIT", 0)
ipmi_session._io_sendto = _send_without_blocking


class CipherSuiteRefused(pyghmi_exc.IpmiException):
    """The BMC refused a cipher suite, or answered with another suite's algorithms."""


class _PinnedSession(ipmi_session.Session):
    """A pyghmi session for one cipher suite, whose commands give up rather than log in again.

    pyghmi resends an unanswered command with a growing timeout (0.5-1 s, then +1 s each)
    and, past its limit, logs in again and resends: about 28 s before a command to a dead
    BMC fails. Here a command gives up after COMMAND_TIMEOUT (about 2.5 s: one resend) and
    the session is marked broken, so that the caller's retry policy decides what comes
    next (``bmc_calls``: a new login, within [ipmi] command_retry_timeout).
    """

    suite = 17

    def _initsession(self):
        super()._initsession()
        self.attemptedhash = _SUITES[self.suite][1]

    def _req_priv_level(self):
        super()._req_priv_level()
        self.maxtimeout = COMMAND_TIMEOUT

    def awaitresponse(self, retry, netfn, command):
        """Wait for the answer to the command just sent, as pyghmi does, but in slices.

        pyghmi parks the waiting thread until its I/O thread receives a packet from this BMC.
        An answer that arrives before the thread is parked (a fast BMC, a busy conductor)
        is queued on the session and wakes nobody: the thread sleeps until the resend timer,
        0.5-1 s, and the BMC gets the command twice. Measured on loopback, that was one
        command in twenty; waking every WAIT_SLICE seconds bounds the delay.
        """
        now = ipmi_session._monotonic_time  # pyghmi's clock: its timers are in it
        self.awaitingresponse = True
        try:
            give_up = now() + self._getmaxtimeout() * 2
            while (
                retry
                and ipmi_session.unmatched(self.lastresponse, netfn, command)
                and (self.logging or self.logged or self.onlogpayload)
            ):
                if not self.pktqueue:
                    remaining = self.expiration - now()
                    ipmi_session._io_wait(min(remaining, WAIT_SLICE), self.sockaddr)
                while self.iterwaiters:
                    self.iterwaiters.pop()({"success": True})
                self.process_pktqueue()
                if now() > give_up:
                    self._mark_broken()
                    raise pyghmi_exc.IpmiException("Session no longer connected")
                with ipmi_session.util.protect(ipmi_session.WAITING_SESSIONS):
                    expired = self in self.waiting_sessions and self.expiration < now()
                    if expired:
                        self.waiting_sessions.pop(self, None)
                if expired:
                    if not self.lastpayload and not self.logging:
                        return
                    self._timedout()
        finally:
            self.awaitingresponse = False

    def _timedout(self):
        if (
            self.sessioncontext == "ESTABLISHED"
            and self.logged
            and self.lastpayload
            and self.timeout + 1 > self.maxtimeout
        ):
            # Not logged in any more as far as we know: no close-session request on the way
            # out, and the waiting command ends with "Session no longer connected".
            self.lastpayload = None
            self.logged = 0
            self._mark_broken("timeout")
            return
        super()._timedout()

    def _got_rmcp_response(self, data):
        if (
            self.sessioncontext == "OPENSESSION"
            and len(data) > 32
            and data[0] == self.rmcptag
            and data[1] == 0
        ):
            chosen = (data[16], data[24], data[32])
            if chosen != _SUITES[self.suite][0]:
                self.onlogon(
                    {
                        "error": f"{_MISMATCH}: a cipher suite {self.suite} proposal was "
                        f"answered with authentication/integrity/confidentiality "
                        f"algorithms {chosen[0]}/{chosen[1]}/{chosen[2]}"
                    }
                )
                return -9
        return super()._got_rmcp_response(data)


class _Suite3Session(_PinnedSession):
    suite = 3


class _Suite17Session(_PinnedSession):
    suite = 17


_SESSION_CLASSES = {3: _Suite3Session, 17: _Suite17Session}


def negotiated_suite(session: Any) -> int | None:
    """The cipher suite a logged-in pyghmi session uses."""
    for suite, hashlib_fn in _HASHES.items():
        if session.currhashlib is hashlib_fn:
            return suite
    return None


def login(
    address: str,
    port: int,
    username: bytes,
    password: bytes,
    suite: int,
    privlevel: int | None = None,
):
    """A pyghmi Command on a new session that uses cipher ``suite``; CipherSuiteRefused
    when the BMC will not, IpmiException for other login failures.

    ``privlevel`` (IPMI role, 1-4) is the privilege the session asks for, and only that one;
    None lets pyghmi ask for ADMINISTRATOR and fall back to OPERATOR when refused.
    """
    cls = _SESSION_CLASSES[suite]
    args = {"bmc": address, "userid": username, "password": password, "port": port}
    if privlevel is not None:
        args["privlevel"] = privlevel
    # __new__ then __init__ rather than cls(...): when the login fails half-way we still
    # hold the session, to take it out of pyghmi's tables.
    session = cls.__new__(cls, **args)
    try:
        session.__init__(**args)
    except pyghmi_exc.IpmiException as exc:
        text = str(exc)
        if text.startswith(_MISMATCH) or text.startswith(_REFUSALS):
            raise CipherSuiteRefused(f"cipher suite {suite}: {text}") from exc
        if not exc.args or exc.args[0] is None:
            # pyghmi's login timed out and lost its message on the way ("None").
            raise pyghmi_exc.IpmiException("timeout: no answer to the login") from exc
        raise
    except (struct.error, IndexError) as exc:
        # pyghmi choked on the BMC's answer mid-login (a pinned session checks the
        # negotiated algorithms first, so this is a BMC that breaks the protocol further on).
        session._mark_broken(str(exc))
        raise CipherSuiteRefused(
            f"cipher suite {suite}: the BMC's answer could not be parsed ({exc})"
        ) from exc
    if negotiated_suite(session) != suite:
        # pyghmi handed back a live session of these credentials that uses another suite.
        logout_session(session)
        raise CipherSuiteRefused(f"cipher suite {suite}: an older session is still open")
    command = ipmi_command.Command(**args)
    if command.ipmi_session is not session:
        logout_session(command.ipmi_session)
        logout_session(session)
        raise pyghmi_exc.IpmiException("pyghmi did not reuse the session it logged in")
    return command


def logout_session(session: Any) -> None:
    """Log a pyghmi session out; never raises (the BMC may be gone)."""
    if getattr(session, "broken", False):
        return  # pyghmi already let it go
    try:
        session.logout()
    except Exception as exc:  # noqa: BLE001 - a failed logout leaves nothing to undo
        LOG.debug("Logout from %s failed: %s", getattr(session, "bmc", "?"), exc)


def logout(command: Any) -> None:
    logout_session(command.ipmi_session)


# --- the cache -----------------------------------------------------------------------------
@dataclasses.dataclass(eq=False)
class Entry:
    """One BMC endpoint's session: the Command, who it logged in as, its lock."""

    endpoint: tuple[str, int]
    identity: tuple  # (username, configured cipher suite, ipmi_priv_level)
    password: bytes = dataclasses.field(repr=False)
    command: Any = None
    suite: int | None = None
    last_used: float = 0.0
    closed: bool = False  # evicted or dropped: log out when released
    transient: bool = False  # not cached (cache size 0): log out when released
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)


class SessionCache:
    """Logged-in Commands by BMC endpoint (thread-safe).

    ``acquire(endpoint, identity, password)`` returns the endpoint's entry with its lock held
    and a logged-in ``command`` (``connect`` logs in on a miss and returns the Command and
    the suite it uses); ``release(entry, failed)`` gives it back, dropping the session if the
    command failed without an answer from the BMC.
    """

    def __init__(
        self,
        connect: Callable[[Entry], tuple[Any, int]],
        disconnect: Callable[[Any], None],
        size: Callable[[], int],
        idle_timeout: Callable[[], float],
        clock: Callable[[], float] = time.monotonic,
    ):
        self._connect = connect
        self._disconnect = disconnect
        self._size = size
        self._idle_timeout = idle_timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: collections.OrderedDict[tuple, Entry] = collections.OrderedDict()
        self.logins = 0  # how many sessions were opened (for tests and benchmarks)

    def acquire(self, endpoint: tuple[str, int], identity: tuple, password: bytes) -> Entry:
        while True:
            entry, stale = self._entry(endpoint, identity, password)
            for old in stale:
                self._close(old)
            entry.lock.acquire()
            if not entry.closed:
                break
            # Evicted while we waited for it: log it out, then take the endpoint's new entry.
            self._logout(entry)
            entry.lock.release()
        idle = self._idle_timeout()
        if entry.command is not None and idle and self._clock() - entry.last_used > idle:
            self._logout(entry)
        if entry.command is None:
            try:
                entry.command, entry.suite = self._connect(entry)
            except BaseException:
                self._drop(entry)
                entry.lock.release()
                raise
            self.logins += 1
        return entry

    def release(self, entry: Entry, failed: bool = False) -> None:
        entry.last_used = self._clock()
        if failed:
            self._drop(entry)
        try:
            if entry.closed or entry.transient:
                self._logout(entry)
        finally:
            entry.lock.release()

    def clear(self) -> None:
        with self._lock:
            stale = list(self._entries.values())
            self._entries.clear()
        for entry in stale:
            self._close(entry)

    def __len__(self) -> int:
        return len(self._entries)

    def _entry(self, endpoint, identity, password) -> tuple[Entry, list[Entry]]:
        if not self._size():
            return Entry(endpoint, identity, password, transient=True), []
        stale = []
        with self._lock:
            entry = self._entries.get(endpoint)
            if entry is not None and (
                entry.identity != identity or not hmac.compare_digest(entry.password, password)
            ):
                stale.append(self._entries.pop(endpoint))
                entry = None
            if entry is None:
                entry = Entry(endpoint, identity, password)
                self._entries[endpoint] = entry
            self._entries.move_to_end(endpoint)
            while len(self._entries) > self._size():
                stale.append(self._entries.popitem(last=False)[1])
        return entry, stale

    def _drop(self, entry: Entry) -> None:
        with self._lock:
            if self._entries.get(entry.endpoint) is entry:
                del self._entries[entry.endpoint]
            entry.closed = True

    def _close(self, entry: Entry) -> None:
        """Log an evicted entry out now if nobody uses it, else when its user releases it."""
        entry.closed = True
        if entry.lock.acquire(blocking=False):
            try:
                self._logout(entry)
            finally:
                entry.lock.release()

    def _logout(self, entry: Entry) -> None:
        """Log the entry's session out (its lock held)."""
        if entry.command is not None:
            command, entry.command = entry.command, None
            self._disconnect(command)
