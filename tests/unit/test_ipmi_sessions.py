"""The IPMI session cache: one session per BMC endpoint, reused, bounded, dropped on failure.

The cache is given a ``connect`` that records logins instead of talking to a BMC: what is
tested here is which session each call gets and when sessions are logged out (the logins
themselves are tested against lab BMCs in tests/integration/test_ipmi_lab.py).
"""

import threading
import time

import pytest

from ironic_lite.drivers.ipmi import sessions

BMC_A = ("10.0.0.1", 623)
BMC_B = ("10.0.0.2", 623)
BMC_C = ("10.0.0.2", 624)
ADMIN = (b"admin", None)


class Recorder:
    """Stands in for a BMC: numbered sessions, and which ones were logged out."""

    def __init__(self, size=10, idle=0):
        self.size = size
        self.idle = idle
        self.now = 1000.0
        self.opened: list[tuple] = []
        self.closed: list[str] = []
        self.fail_next: Exception | None = None
        self.cache = sessions.SessionCache(
            connect=self.connect,
            disconnect=self.closed.append,
            size=lambda: self.size,
            idle_timeout=lambda: self.idle,
            clock=lambda: self.now,
        )

    def connect(self, entry):
        if self.fail_next is not None:
            failure, self.fail_next = self.fail_next, None
            raise failure
        self.opened.append((entry.endpoint, entry.identity, entry.password))
        return f"session-{len(self.opened)}", entry.identity[1] or 17

    def use(self, endpoint, identity=ADMIN, password=b"pw", failed=False):
        entry = self.cache.acquire(endpoint, identity, password)
        command = entry.command
        self.cache.release(entry, failed=failed)
        return command


def test_a_bmc_keeps_its_session():
    bmc = Recorder()
    assert [bmc.use(BMC_A) for _ in range(5)] == ["session-1"] * 5
    assert bmc.cache.logins == 1 and bmc.closed == []


def test_another_password_user_or_suite_replaces_the_session():
    bmc = Recorder()
    bmc.use(BMC_A)
    assert bmc.use(BMC_A, password=b"new") == "session-2"
    assert bmc.closed == ["session-1"]
    assert bmc.use(BMC_A, identity=(b"operator", None), password=b"new") == "session-3"
    assert bmc.use(BMC_A, identity=(b"operator", 3), password=b"new") == "session-4"
    assert bmc.closed == ["session-1", "session-2", "session-3"]
    assert len(bmc.cache) == 1  # one session per BMC endpoint


def test_endpoints_are_address_and_port():
    bmc = Recorder()
    assert {bmc.use(BMC_A), bmc.use(BMC_B), bmc.use(BMC_C)} == {
        "session-1",
        "session-2",
        "session-3",
    }
    assert len(bmc.cache) == 3


def test_least_recently_used_sessions_are_logged_out_beyond_the_size():
    bmc = Recorder(size=2)
    bmc.use(BMC_A)
    bmc.use(BMC_B)
    bmc.use(BMC_A)
    bmc.use(BMC_C)  # B is the least recently used
    assert bmc.closed == ["session-2"]
    assert bmc.use(BMC_A) == "session-1"


def test_a_failed_command_drops_its_session():
    bmc = Recorder()
    bmc.use(BMC_A, failed=True)
    assert bmc.closed == ["session-1"] and len(bmc.cache) == 0
    assert bmc.use(BMC_A) == "session-2"


def test_a_failed_login_leaves_nothing_behind():
    bmc = Recorder()
    bmc.fail_next = sessions.CipherSuiteRefused("cipher suite 17: refused")
    with pytest.raises(sessions.CipherSuiteRefused):
        bmc.use(BMC_A)
    assert len(bmc.cache) == 0
    assert bmc.use(BMC_A) == "session-1"


def test_idle_sessions_are_replaced_before_the_bmc_forgets_them():
    bmc = Recorder(idle=30)
    bmc.use(BMC_A)
    bmc.now += 29
    assert bmc.use(BMC_A) == "session-1"
    bmc.now += 31
    assert bmc.use(BMC_A) == "session-2"
    assert bmc.closed == ["session-1"]


def test_size_zero_logs_in_and_out_every_time():
    bmc = Recorder(size=0)
    assert [bmc.use(BMC_A), bmc.use(BMC_A)] == ["session-1", "session-2"]
    assert bmc.closed == ["session-1", "session-2"] and len(bmc.cache) == 0


def test_one_command_at_a_time_per_session():
    bmc = Recorder()
    inside = threading.Event()
    release = threading.Event()
    order = []

    def slow():
        entry = bmc.cache.acquire(BMC_A, ADMIN, b"pw")
        inside.set()
        release.wait(5)
        order.append("slow")
        bmc.cache.release(entry)

    def quick():
        inside.wait(5)
        entry = bmc.cache.acquire(BMC_A, ADMIN, b"pw")
        order.append("quick")
        bmc.cache.release(entry)

    threads = [threading.Thread(target=slow), threading.Thread(target=quick)]
    for t in threads:
        t.start()
    time.sleep(0.1)
    release.set()
    for t in threads:
        t.join(5)
    assert order == ["slow", "quick"]
    assert bmc.cache.logins == 1


def test_a_session_evicted_while_in_use_is_logged_out_when_released():
    bmc = Recorder(size=1)
    entry = bmc.cache.acquire(BMC_A, ADMIN, b"pw")
    bmc.use(BMC_B)  # evicts A, which is busy
    assert bmc.closed == []
    bmc.cache.release(entry)
    assert bmc.closed == ["session-1"]
