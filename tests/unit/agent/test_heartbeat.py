import random
import threading

from ironic_lite_agent import errors
from ironic_lite_agent.heartbeat import Heartbeater


def test_interval_is_a_jittered_fraction_of_the_timeout():
    hb = Heartbeater(lambda s: None, heartbeat_timeout=100, rand=random.Random(7))
    values = [hb.interval() for _ in range(200)]
    assert min(values) >= 30 and max(values) <= 60
    assert len(set(values)) > 100
    assert Heartbeater(lambda s: None, 1).interval() == 1.0  # never below the floor


def test_backoff_doubles_and_is_bounded_by_the_interval():
    hb = Heartbeater(lambda s: None, heartbeat_timeout=20, interval=10)
    assert [hb.backoff(n) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]


def test_first_beat_says_start_and_failures_are_retried_quickly():
    statuses, done = [], threading.Event()
    calls = {"n": 0}

    def beat(status):
        calls["n"] += 1
        statuses.append(status)
        if calls["n"] in (2, 3):
            raise errors.ApiCallFailed(method="POST", url="u", err="HTTP 503")
        if calls["n"] >= 5:
            done.set()

    hb = Heartbeater(beat, heartbeat_timeout=2, interval=0.05, min_interval=0.01).start()
    try:
        assert done.wait(10)
    finally:
        hb.stop()
    assert statuses[:5] == ["start", None, None, None, None]
    assert hb.failures == 2 and hb.beats >= 3 and hb.last_error is None


def test_now_wakes_the_loop_early():
    beats = []
    hb = Heartbeater(lambda s: beats.append(s), heartbeat_timeout=1000, interval=60).start()
    try:
        for _ in range(100):
            if beats:
                break
            threading.Event().wait(0.01)
        hb.now()
        for _ in range(200):
            if len(beats) >= 2:
                break
            threading.Event().wait(0.01)
    finally:
        hb.stop()
    assert len(beats) >= 2
