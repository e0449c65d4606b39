# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The planners: what closing and deleting mean per job, results and diffs. Plain Python: no Ansible, no HTTP."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _jobs
from ansible_collections.mlops.elasticsearch.plugins.module_utils import _plans
from ansible_collections.mlops.elasticsearch.tests.unit.utils.releases import (
    V6, V7_13, V7_14, V7_15, V7_17, V8_6, V8_7, V8_15, V9,
)


# --- plan_close ----------------------------------------------------------------------------

def one(plan):
    (entry,) = plan.entries
    return entry


@pytest.mark.parametrize("state, force, action, changed", [
    ("closed", False, _plans.ALREADY_CLOSED, False),
    ("closed", True, _plans.ALREADY_CLOSED, False),
    ("closing", False, _plans.WAIT_CLOSING, False),
    ("closing", True, _plans.WAIT_CLOSING, False),
    ("opened", False, _plans.CLOSE, True),
    ("opened", True, _plans.CLOSE, True),
    ("opening", False, _plans.CLOSE, True),
    ("opening", True, _plans.CLOSE, True),
    ("failed", True, _plans.CLOSE, True),
])
def test_plan_close_per_state(state, force, action, changed):
    plan = _plans.plan_close([_jobs.Job("j", state=state)], force, V8_15)
    entry = one(plan)
    assert (entry.action, entry.changed, plan.changed, plan.errors) == (action, changed, changed, [])
    assert not entry.stop_datafeed


def test_plan_close_failed_without_force_is_refused_with_a_hint():
    plan = _plans.plan_close([_jobs.Job("j", state="failed")], False, V8_15)
    entry = one(plan)
    assert entry.action == _plans.REFUSED and not entry.changed
    assert plan.errors == [entry.error]
    assert "job [j] has state failed" in entry.error
    assert "cannot close job [j] because it failed, use force close" in entry.error
    assert "force=true" in entry.error


@pytest.mark.parametrize("state", ["opened", "closed", "closing", "failed"])
def test_plan_close_leaves_a_job_being_deleted_alone(state):
    plan = _plans.plan_close([_jobs.Job("j", state=state, deleting=True)], False, V8_15)
    assert (one(plan).action, plan.changed, plan.errors) == (_plans.BEING_DELETED, False, [])


@pytest.mark.parametrize("release, stop", [(V6, True), (V7_13, True), (V7_14, False), (V8_15, False)])
def test_plan_close_stops_started_datafeeds_only_before_7_14(release, stop):
    job = _jobs.Job("j", state="opened", datafeed_id="df", datafeed_state="started")
    assert one(_plans.plan_close([job], False, release)).stop_datafeed is stop
    assert one(_plans.plan_close([job], True, release)).stop_datafeed is stop


def test_plan_close_does_not_stop_a_stopped_datafeed():
    job = _jobs.Job("j", state="opened", datafeed_id="df", datafeed_state="stopped")
    assert not one(_plans.plan_close([job], False, V7_13)).stop_datafeed


def test_plan_close_mixed_fleet():
    jobs = [_jobs.Job("a", "closed"), _jobs.Job("b", "opened"), _jobs.Job("c", "closing"), _jobs.Job("d", "failed")]
    plan = _plans.plan_close(jobs, False, V8_15)
    assert [e.action for e in plan.entries] == [_plans.ALREADY_CLOSED, _plans.CLOSE, _plans.WAIT_CLOSING, _plans.REFUSED]
    assert plan.ids(_plans.CLOSE, _plans.WAIT_CLOSING) == ["b", "c"]
    assert len(plan.errors) == 1


# --- plan_delete ---------------------------------------------------------------------------

@pytest.mark.parametrize("state, force, action, wait", [
    ("closed", False, _plans.DELETE, False),
    ("closed", True, _plans.DELETE, False),
    ("closing", False, _plans.DELETE, True),
    ("closing", True, _plans.DELETE, False),
    ("opened", True, _plans.DELETE, False),
    ("opening", True, _plans.DELETE, False),
    ("failed", True, _plans.DELETE, False),
])
def test_plan_delete_per_state(state, force, action, wait):
    plan = _plans.plan_delete([_jobs.Job("j", state=state)], [], force, V8_15)
    entry = one(plan)
    assert (entry.action, entry.changed, entry.wait_close, plan.errors) == (action, True, wait, [])
    assert not entry.delete_datafeed


@pytest.mark.parametrize("state", ["opened", "opening", "failed"])
def test_plan_delete_refuses_a_running_job_without_force_with_reason_and_hint(state):
    plan = _plans.plan_delete([_jobs.Job("j", state=state)], [], False, V8_15)
    entry = one(plan)
    assert entry.action == _plans.REFUSED and not entry.changed and not plan.changed
    assert plan.errors == [entry.error]
    assert "Cannot delete job [j] because the job is %s" % state in entry.error
    assert "ml_job_close" in entry.error and "force=true" in entry.error


@pytest.mark.parametrize("force", [False, True])
def test_plan_delete_sends_again_for_a_job_being_deleted(force):
    plan = _plans.plan_delete([_jobs.Job("j", state="opened", deleting=True)], [], force, V8_15)
    assert (one(plan).action, one(plan).changed, plan.errors) == (_plans.BEING_DELETED, False, [])


def test_plan_delete_missing_ids_are_already_absent():
    plan = _plans.plan_delete([_jobs.Job("j")], ["ghost", "gone"], False, V8_15)
    assert [(e.job_id, e.action, e.changed) for e in plan.entries] == [
        ("ghost", _plans.ALREADY_ABSENT, False), ("gone", _plans.ALREADY_ABSENT, False), ("j", _plans.DELETE, True)]
    assert plan.entries[0].job.state is None


@pytest.mark.parametrize("release, pre_delete", [(V6, True), (V7_13, True), (V7_14, True), (V7_15, False), (V8_15, False)])
def test_plan_delete_deletes_the_datafeed_first_up_to_7_14(release, pre_delete):
    job = _jobs.Job("j", state="closed", datafeed_id="df", datafeed_state="stopped")
    entry = one(_plans.plan_delete([job], [], False, release))
    assert (entry.action, entry.delete_datafeed) == (_plans.DELETE, pre_delete)


def test_plan_delete_up_to_7_14_refuses_a_started_datafeed_without_force():
    job = _jobs.Job("j", state="opened", datafeed_id="df", datafeed_state="started")
    plan = _plans.plan_delete([job], [], False, V7_14)
    assert one(plan).action == _plans.REFUSED
    assert "job [j] has datafeed [df] in state started" in plan.errors[0]
    assert "force=true" in plan.errors[0]
    forced = one(_plans.plan_delete([job], [], True, V7_14))
    assert (forced.action, forced.delete_datafeed) == (_plans.DELETE, True)


def test_plan_delete_from_7_15_leaves_a_started_datafeed_to_the_server():
    job = _jobs.Job("j", state="opened", datafeed_id="df", datafeed_state="started")
    entry = one(_plans.plan_delete([job], [], True, V7_15))
    assert (entry.action, entry.delete_datafeed) == (_plans.DELETE, False)
    refused = _plans.plan_delete([job], [], False, V7_15)
    assert "because the job is opened" in refused.errors[0]


def test_plan_delete_closing_job_up_to_7_14_waits_then_deletes_the_datafeed():
    job = _jobs.Job("j", state="closing", datafeed_id="df", datafeed_state="stopped")
    entry = one(_plans.plan_delete([job], [], False, V7_14))
    assert (entry.action, entry.wait_close, entry.delete_datafeed) == (_plans.DELETE, True, True)


@pytest.mark.parametrize("release, refused", [(V7_17, True), (V8_6, True), (V8_7, False), (V9, False)])
def test_plan_delete_user_annotations_needs_8_7(release, refused):
    plan = _plans.plan_delete([_jobs.Job("j")], [], False, release, delete_user_annotations=True)
    if refused:
        assert plan.errors == ["delete_user_annotations needs Elasticsearch 8.7 or later; this cluster runs %s"
                               % release.number]
    else:
        assert plan.errors == []
    assert _plans.plan_delete([_jobs.Job("j")], [], False, V8_6).errors == []


# --- results and diff ----------------------------------------------------------------------

def test_close_result_shape():
    jobs = [_jobs.Job("a", "closed"), _jobs.Job("b", "opened", datafeed_id="df-b", datafeed_state="started"),
            _jobs.Job("c", "closing"), _jobs.Job("d", "opened", deleting=True)]
    result = _plans.close_result(_plans.plan_close(jobs, False, V8_15), ["ghost"])
    assert result == dict(
        changed=True,
        jobs=[
            dict(job_id="a", state_before="closed", state="closed", action="already_closed",
                 datafeed_id=None, datafeed_state_before=None),
            dict(job_id="b", state_before="opened", state="closed", action="closed",
                 datafeed_id="df-b", datafeed_state_before="started"),
            dict(job_id="c", state_before="closing", state="closed", action="waited_for_close",
                 datafeed_id=None, datafeed_state_before=None),
            dict(job_id="d", state_before="opened", state="opened", action="being_deleted",
                 datafeed_id=None, datafeed_state_before=None),
        ],
        closed=["b"], already_closed=["a", "c"], missing=["ghost"])


def test_close_result_unchanged_when_all_closed():
    result = _plans.close_result(_plans.plan_close([_jobs.Job("a", "closed")], False, V8_15), [])
    assert result["changed"] is False and result["closed"] == [] and result["already_closed"] == ["a"]


def test_refused_entry_reports_its_error():
    result = _plans.close_result(_plans.plan_close([_jobs.Job("f", "failed")], False, V8_15), [])
    (report,) = result["jobs"]
    assert report["action"] == "refused" and report["state"] == "failed" and "force" in report["error"]


def test_delete_result_shape_with_task():
    plan = _plans.plan_delete([_jobs.Job("a", "closed"), _jobs.Job("b", "opened", deleting=True)], ["ghost"], False, V8_15)
    plan.entries[1].task = "n:1"
    result = _plans.delete_result(plan)
    assert result == dict(
        changed=True,
        jobs=[
            dict(job_id="ghost", state_before=None, state=None, action="already_absent",
                 datafeed_id=None, datafeed_state_before=None),
            dict(job_id="a", state_before="closed", state=None, action="deleted", task="n:1",
                 datafeed_id=None, datafeed_state_before=None),
            dict(job_id="b", state_before="opened", state=None, action="being_deleted",
                 datafeed_id=None, datafeed_state_before=None),
        ],
        deleted=["a"], closed=[], already_absent=["ghost"], being_deleted=["b"], tasks={"a": "n:1"})


def test_delete_result_unchanged_when_all_absent():
    result = _plans.delete_result(_plans.plan_delete([], ["ghost"], False, V8_15))
    assert (result["changed"], result["deleted"], result["already_absent"], result["tasks"]) == (
        False, [], ["ghost"], {})


def test_plan_diff_for_close():
    jobs = [_jobs.Job("a", "closed"), _jobs.Job("b", "opened", datafeed_id="df", datafeed_state="started")]
    assert _plans.plan_diff(_plans.plan_close(jobs, False, V8_15)) == dict(
        before=dict(jobs=dict(a=dict(state="closed", datafeed_state=None),
                              b=dict(state="opened", datafeed_state="started"))),
        after=dict(jobs=dict(a=dict(state="closed", datafeed_state=None),
                             b=dict(state="closed", datafeed_state="stopped"))))


def test_plan_diff_for_delete_drops_deleted_and_absent_jobs_after():
    plan = _plans.plan_delete([_jobs.Job("a", "closed"), _jobs.Job("b", "opened")], ["ghost"], True, V8_15)
    assert _plans.plan_diff(plan) == dict(
        before=dict(jobs=dict(a=dict(state="closed", datafeed_state=None),
                              b=dict(state="opened", datafeed_state=None))),
        after=dict(jobs={}))


def test_plan_diff_keeps_a_refused_job_unchanged():
    plan = _plans.plan_delete([_jobs.Job("a", "opened")], [], False, V8_15)
    diff = _plans.plan_diff(plan)
    assert diff["before"] == diff["after"] == dict(jobs=dict(a=dict(state="opened", datafeed_state=None)))


def test_a_delete_waits_for_a_job_being_deleted_and_reports_it_gone_while_a_close_leaves_it_alone():
    job = _jobs.Job("b", "opened", deleting=True)
    (waited,) = _plans.plan_delete([job], [], False, V8_15).entries
    (left,) = _plans.plan_close([job], False, V8_15).entries
    assert (waited.action, waited.wait_delete, _plans.state_after(waited)) == ("being_deleted", True, None)
    assert (left.action, left.wait_delete, _plans.state_after(left)) == ("being_deleted", False, "opened")
