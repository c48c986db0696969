"""run_isolated: children are reused for speed, but every guarantee of one-child-per-call holds."""

from __future__ import annotations

import os
import signal
import time

from extractors.isolated import run_isolated


def pid(_item) -> int:
    return os.getpid()


def test_every_item_gets_one_result_with_its_value():
    results = list(run_isolated(lambda n: n * n, range(20), workers=2))
    assert sorted((o.item, o.value) for o in results) == [(n, n * n) for n in range(20)]
    assert all(o.error is None and o.seconds >= 0 for o in results)


def test_children_are_reused_up_to_tasks_per_child():
    pids = [o.value for o in run_isolated(pid, range(9), workers=1, tasks_per_child=3)]
    assert len(set(pids)) == 3
    assert os.getpid() not in pids
    fresh = [o.value for o in run_isolated(pid, range(4), workers=1, tasks_per_child=1)]
    assert len(set(fresh)) == 4


def test_a_child_is_never_reused_after_a_failure():
    def fail_on_one(n):
        if n == 1:
            raise ValueError("bad input\nsecond line")
        return os.getpid()

    results = list(run_isolated(fail_on_one, [0, 1, 2], workers=1))
    assert [o.error for o in results] == [None, "bad input", None]
    assert results[0].value != results[2].value


def test_timeout_kills_only_the_runaway_and_the_run_goes_on():
    def maybe_endless(n):
        while n == 2:
            pass
        return n

    started = time.monotonic()
    results = {o.item: o for o in run_isolated(maybe_endless, range(6), workers=2, timeout=1.0)}
    assert time.monotonic() - started < 10
    assert results[2].error == "timed out after 1 s"
    assert [results[n].value for n in (0, 1, 3, 4, 5)] == [0, 1, 3, 4, 5]


def test_a_crashed_child_is_reported_and_replaced():
    def crash_on_one(n):
        if n == 1:
            os.kill(os.getpid(), signal.SIGKILL)
        return n

    results = {o.item: o for o in run_isolated(crash_on_one, range(4), workers=1)}
    assert results[1].error == "extraction process killed by signal 9"
    assert [results[n].value for n in (0, 2, 3)] == [0, 2, 3]


def test_memory_limit_applies_to_a_reused_child():
    def greedy_second(n):
        return len(bytearray(600 * 1024 * 1024)) if n == 1 else n

    results = {o.item: o for o in run_isolated(greedy_second, range(3), workers=1, memory_mb=256)}
    assert results[1].error == "out of memory (limit 256 MB)"
    assert results[2].value == 2


def test_a_result_that_cannot_be_sent_back_is_an_error():
    (result,) = run_isolated(lambda _: (lambda: None), ["x"], workers=1)
    assert result.error.startswith("result cannot be sent back")


def test_stopping_early_leaves_no_child_behind():
    def slow(n):
        time.sleep(0.2)
        return os.getpid()

    results = run_isolated(slow, range(10), workers=2)
    first = next(results)
    results.close()
    time.sleep(0.1)
    try:
        os.kill(first.value, 0)
        alive = True
    except ProcessLookupError:
        alive = False
    if alive:  # a zombie not yet reaped counts as gone
        with open(f"/proc/{first.value}/stat") as stat:
            alive = stat.read().split(")")[-1].split()[0] != "Z"
    assert not alive
