# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Opening jobs, starting and stopping datafeeds: the decisions per state, the guard, and the
results and diffs built from the same plan."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _lifecycle_plans as L
from ansible_collections.mlops.elasticsearch.plugins.module_utils._jobs import Job


def job(job_id="web", state="closed", node=None, datafeed_state=None, **kwargs):
    datafeed_id = "datafeed-" + job_id if datafeed_state else None
    return Job(job_id, state=state, node=node, datafeed_id=datafeed_id, datafeed_state=datafeed_state, **kwargs)


@pytest.mark.parametrize("seen, action, changed, after", [
    (job(state="closed"), L.OPEN, True, "opened"),
    (job(state="closing"), L.OPEN, True, "opened"),
    (job(state="opened", node="n1"), L.ALREADY_OPENED, False, "opened"),
    (job(state="opening", node="n1"), L.WAIT_OPENING, False, "opened"),
    (job(state="opening"), L.AWAITING_NODE, False, "opening"),
])
def test_open_per_state(seen, action, changed, after):
    entry = L.plan_open([seen]).entries[0]
    assert (entry.action, entry.changed, L.open_report(entry)["state"]) == (action, changed, after)


@pytest.mark.parametrize("seen, reason", [
    (job(state="failed"), "job [web] has state failed; Elasticsearch refuses to open it"),
    (job(deleting=True), "Cannot open job [web] because it is executing [delete]"),
    (job(blocked={"reason": "reset", "task_id": "n:1"}), "Cannot open job [web] because it is executing [reset]"),
])
def test_open_refusals(seen, reason):
    plan = L.plan_open([seen, job("other")])
    assert plan.entries[0].action == "refused" and plan.errors[0].startswith(reason)
    plan.refuse()
    assert [e.action for e in plan.entries] == ["refused", "skipped"] and not plan.changed


def test_a_blocked_reason_of_none_is_not_a_block():
    assert L.plan_open([job(blocked={"reason": "none"})]).entries[0].action == L.OPEN


def test_the_guard_counts_every_match():
    plan = L.plan_open([job("a", state="opened"), job("b")], max_jobs=1)
    assert plan.errors == ["the targets match 2 jobs, more than max_jobs=1; nothing was opened. Matches: a, b"]


@pytest.mark.parametrize("seen, action, after", [
    (job(state="opened", datafeed_state="stopped"), L.START, "started"),
    (job(state="opening", datafeed_state="stopped"), L.START, "started"),
    (job(state="opened", datafeed_state="stopping"), L.START, "started"),
    (job(state="opened", datafeed_state="started"), L.ALREADY_STARTED, "started"),
    (job(state="opening", datafeed_state="starting"), L.ALREADY_STARTED, "starting"),
])
def test_start_per_state(seen, action, after):
    entry = L.plan_start([seen]).entries[0]
    assert (entry.action, L.datafeed_report(entry, L.START_STATE_AFTER)["state"]) == (action, after)


@pytest.mark.parametrize("state", ["closed", "closing", "failed"])
def test_a_datafeed_of_a_job_that_is_not_open_is_refused(state):
    plan = L.plan_start([job(state=state, datafeed_state="stopped")])
    assert plan.errors == ["cannot start datafeed [datafeed-web] because job [web] is %s; open the job first "
                           "(mlops.elasticsearch.ml_job_open)" % state]


@pytest.mark.parametrize("datafeed_state, action, changed", [
    ("started", L.STOP, True), ("starting", L.STOP, True), ("stopping", L.WAIT_STOPPING, False),
    ("stopped", L.ALREADY_STOPPED, False),
])
def test_stop_per_state(datafeed_state, action, changed):
    entry = L.plan_stop([job(state="opened", datafeed_state=datafeed_state)]).entries[0]
    assert (entry.action, entry.changed) == (action, changed)
    assert L.datafeed_report(entry, L.STOP_STATE_AFTER)["state"] == "stopped"


def test_results_and_diff_come_from_the_same_reports():
    plan = L.plan_open([job("a"), job("b", state="opened"), job("c", state="opening")])
    plan.entries[0].action, plan.entries[0].observed_state = L.OPENED_LAZILY, "opening"
    result = L.open_result(plan, ["ghost"])
    assert (result["opened"], result["opening"], result["already_opened"], result["missing"]) == (
        [], ["a", "c"], ["b"], ["ghost"])
    assert L.states_diff(result["jobs"], "job_id") == {
        "before": {"jobs": {"a": {"state": "closed"}, "b": {"state": "opened"}, "c": {"state": "opening"}}},
        "after": {"jobs": {"a": {"state": "opening"}, "b": {"state": "opened"}, "c": {"state": "opening"}}}}


def test_datafeed_results():
    plan = L.plan_start([job("a", state="opened", datafeed_state="stopped"),
                         job("b", state="opened", datafeed_state="started")])
    result = L.start_result(plan, [], ["c"])
    assert (result["started"], result["already_started"], result["without_datafeed"]) == (
        ["datafeed-a"], ["datafeed-b"], ["c"])
    assert result["datafeeds"][0] == dict(datafeed_id="datafeed-a", job_id="a", job_state="opened",
                                          state_before="stopped", state="started", action="started")
    stop = L.stop_result(L.plan_stop([job("a", state="opened", datafeed_state="started")]), [], [])
    assert L.states_diff(stop["datafeeds"], "datafeed_id") == {
        "before": {"datafeeds": {"datafeed-a": {"state": "started"}}},
        "after": {"datafeeds": {"datafeed-a": {"state": "stopped"}}}}
