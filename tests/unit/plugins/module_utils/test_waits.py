# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Polling with a timeout. Plain Python: no Ansible, no HTTP."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mlops.elasticsearch.plugins.module_utils._errors import Interrupted, WaitTimeout
from ansible_collections.mlops.elasticsearch.plugins.module_utils import _waits
from ansible_collections.mlops.elasticsearch.tests.unit.utils.scripted_http import FakeClock


# --- waiting -------------------------------------------------------------------------------

def test_poll_intervals_grow_cap_and_stop_at_the_deadline():
    clock = FakeClock()
    out = []
    for interval in _waits.poll_intervals(10.0, first=0.5, factor=2.0, cap=2.0, now=clock):
        out.append(interval)
        clock.sleep(interval)
    assert out == [0.5, 1.0, 2.0, 2.0, 2.0, 2.0, 0.5]
    assert sum(out) == pytest.approx(10.0)


def test_poll_intervals_with_no_time_left_yield_nothing():
    assert list(_waits.poll_intervals(0, now=FakeClock())) == []


def test_wait_until_done_at_once_does_not_sleep():
    clock = FakeClock()
    reads = []
    last, waited = _waits.wait_until(lambda: reads.append(1) or "closed", lambda s: s == "closed", 5, "jobs",
                                     sleep=clock.sleep, now=clock)
    assert (last, waited, clock.sleeps, len(reads)) == ("closed", 0.0, [], 1)


def test_wait_until_polls_until_done():
    clock = FakeClock()
    states = iter(["closing", "closing", "closed"])
    last, waited = _waits.wait_until(lambda: next(states), lambda s: s == "closed", 60, "jobs",
                                     sleep=clock.sleep, now=clock)
    assert last == "closed"
    assert len(clock.sleeps) == 2
    assert waited == pytest.approx(sum(clock.sleeps))


def test_wait_until_times_out_raising_wait_timeout_with_the_last_result():
    clock = FakeClock()
    reads = []

    def read():
        reads.append(clock.now)
        return "closing"

    with pytest.raises(WaitTimeout) as exc:
        _waits.wait_until(read, lambda s: s == "closed", 3.0, "jobs to close", sleep=clock.sleep, now=clock)
    assert exc.value.last_seen == "closing"
    assert exc.value.waited_s == pytest.approx(3.0)
    assert "waiting for jobs to close" in exc.value.msg
    assert sum(clock.sleeps) == pytest.approx(3.0)
    assert len(reads) == len(clock.sleeps) + 1


def test_wait_until_stops_when_asked_before_the_next_read():
    clock = FakeClock()
    reads = []
    with pytest.raises(Interrupted) as exc:
        _waits.wait_until(lambda: reads.append(1) or "closing", lambda s: s == "closed", 60, "jobs to close",
                          sleep=clock.sleep, now=clock, stopping=lambda: len(reads) >= 2)
    assert len(reads) == 2 and "interrupted while waiting for jobs to close" in exc.value.msg
