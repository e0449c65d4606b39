# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The job domain, without Ansible and without HTTP."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mlops.elasticsearch.plugins.module_utils._common import InvalidInput
from ansible_collections.mlops.elasticsearch.plugins.module_utils import _ml_jobs as J
from ansible_collections.mlops.elasticsearch.tests.unit.utils.scripted_http import FakeClock

V6 = J.Release((6, 8, 23))
V7_9 = J.Release((7, 9, 3))
V7_13 = J.Release((7, 13, 4))
V7_14 = J.Release((7, 14, 2))
V7_15 = J.Release((7, 15, 0))
V7_17 = J.Release((7, 17, 24))
V8_6 = J.Release((8, 6, 2))
V8_7 = J.Release((8, 7, 0))
V8_15 = J.Release((8, 15, 0))
V9 = J.Release((9, 1, 0))


def targets(*texts, **kwargs):
    return J.parse_targets(list(texts), **kwargs)


# --- job ids -------------------------------------------------------------------------------

@pytest.mark.parametrize("job_id", [
    "a", "0", "web-1", "web_errors", "a.b", "a-b_c.d9", "x" * 64, "1-a",
])
def test_valid_job_ids_pass(job_id):
    J.validate_job_id(job_id)


@pytest.mark.parametrize("job_id, words", [
    ("Web", ["Invalid job_id", "'Web'", "lowercase alphanumeric"]),
    ("web errors", ["'web errors'"]),
    ("_hidden", ["'_hidden'", "must start and end with alphanumeric"]),
    ("-web", ["'-web'"]),
    (".web", ["'.web'"]),
    ("web-", ["'web-'"]),
    ("a/../_all", ["'a/../_all'"]),
    ("a%2Fb", ["'a%2Fb'"]),
    ("a?b", ["'a?b'"]),
    ("a#b", ["'a#b'"]),
    ("a,b", ["'a,b'"]),
    ("web*", ["'web*'"]),
    ("caf\u00e9", ["caf\u00e9"]),
    ("abc\n", ["abc\n"]),
    ("\nabc", ["\nabc"]),
    ("x" * 65, ["'%s'" % ("x" * 65), "64"]),
    ("_all", ["'_all'", "not a job id"]),
    ("*", ["'*'", "not a job id"]),
    ("", ["non-empty"]),
])
def test_invalid_job_ids_are_refused_naming_the_value(job_id, words):
    with pytest.raises(InvalidInput) as exc:
        J.validate_job_id(job_id)
    for word in words:
        assert word in exc.value.msg


def test_invalid_job_id_names_the_option():
    with pytest.raises(InvalidInput, match="^Invalid exclude; 'X'"):
        J.validate_job_id("X", option="exclude")


@pytest.mark.parametrize("value", [None, 5, ["a"]])
def test_job_id_must_be_a_string(value):
    with pytest.raises(InvalidInput, match="non-empty string"):
        J.validate_job_id(value)


# --- targets -------------------------------------------------------------------------------

def test_parse_targets_splits_comma_lists_and_strips_blanks():
    got = J.parse_targets(["web-1, web-2", "batch-*", "retired"])
    assert [t.text for t in got] == ["web-1", "web-2", "batch-*", "retired"]
    assert [t.is_pattern for t in got] == [False, False, True, False]


def test_parse_targets_accepts_one_string():
    assert [t.text for t in J.parse_targets("a,b")] == ["a", "b"]


def test_parse_targets_drops_duplicates_keeping_the_first_order():
    assert [t.text for t in J.parse_targets(["b", "a", "b", "a,b,c"])] == ["b", "a", "c"]


@pytest.mark.parametrize("values", [[], None, ""])
def test_parse_targets_refuses_an_empty_list(values):
    with pytest.raises(InvalidInput, match="job_id (is empty|.. has an empty entry)"):
        J.parse_targets(values)


@pytest.mark.parametrize("values", [[""], ["a,,b"], ["a,"], [" "]])
def test_parse_targets_refuses_empty_entries(values):
    with pytest.raises(InvalidInput, match="empty entry"):
        J.parse_targets(values)


def test_parse_targets_refuses_non_strings():
    with pytest.raises(InvalidInput, match="must be strings"):
        J.parse_targets([1])


@pytest.mark.parametrize("bad", ["a/../_all", "%2F", "a?pretty", "a#b", "Web", "web 1", "_x", "-x", "x" * 65])
def test_parse_targets_refuses_anything_that_could_reach_another_endpoint(bad):
    with pytest.raises(InvalidInput) as exc:
        J.parse_targets(["ok-1", bad])
    assert bad in exc.value.msg


@pytest.mark.parametrize("pattern", ["*", "_all", "web-*", "*-errors", "w*b*", "a.*", "0*"])
def test_patterns_are_accepted(pattern):
    (target,) = J.parse_targets([pattern])
    assert target.is_pattern


@pytest.mark.parametrize("pattern", ["Web-*", "_web*", "-web*", ".web*", "web/*", "w?b*", "web *", "we\nb-*",
                                     "*" + "x" * 64])
def test_bad_patterns_are_refused_naming_the_value(pattern):
    with pytest.raises(InvalidInput) as exc:
        J.parse_targets([pattern])
    assert pattern in exc.value.msg


@pytest.mark.parametrize("pattern", ["web-*", "_all", "*"])
def test_patterns_are_refused_when_not_allowed(pattern):
    with pytest.raises(InvalidInput) as exc:
        J.parse_targets(["web-1", pattern], allow_patterns=False)
    assert "'%s' is a pattern" % pattern in exc.value.msg
    assert "resolve_patterns=true" in exc.value.msg


def test_parse_exclude_is_empty_when_not_set_and_checked_when_set():
    assert J.parse_exclude([]) == []
    assert J.parse_exclude(None) == []
    assert [t.text for t in J.parse_exclude(["keep-*", "k1"])] == ["keep-*", "k1"]
    with pytest.raises(InvalidInput, match="^Invalid exclude; 'K1'"):
        J.parse_exclude(["K1"])


@pytest.mark.parametrize("texts, expected", [
    (["web-1"], "web-1*"),
    (["web-1", "batch-*"], "web-1*,batch-*"),
    (["web-1", "_all"], "_all"),
    (["*"], "_all"),
    (["retired"], "retired*"),
])
def test_read_expression_never_names_an_id_that_could_404(texts, expected):
    assert J.read_expression(targets(*texts)) == expected


# --- matching ------------------------------------------------------------------------------

FLEET = [
    J.Job("web-1", groups=["web", "retired"]),
    J.Job("web-10", groups=["web"]),
    J.Job("web-2", groups=["web"]),
    J.Job("batch-1", groups=["retired"]),
    J.Job("retired", groups=[]),
    J.Job("solo"),
]


def ids(selection):
    return selection.job_ids


def test_match_explicit_id_is_exact_not_a_prefix():
    sel = J.match_jobs(targets("web-1"), FLEET)
    assert ids(sel) == ["web-1"]
    assert sel.missing == [] and sel.unmatched_patterns == []


def test_match_group_expands_to_members_and_a_job_of_the_same_name():
    assert ids(J.match_jobs(targets("retired"), FLEET)) == ["batch-1", "retired", "web-1"]


def test_match_wildcard_matches_ids_and_groups():
    assert ids(J.match_jobs(targets("web-*"), FLEET)) == ["web-1", "web-10", "web-2"]
    assert ids(J.match_jobs(targets("re*"), FLEET)) == ["batch-1", "retired", "web-1"]
    assert ids(J.match_jobs(targets("*-1"), FLEET)) == ["batch-1", "web-1"]
    assert ids(J.match_jobs(targets("w*b-1*"), FLEET)) == ["web-1", "web-10"]


def test_match_wildcard_is_anchored_and_dots_are_literal():
    jobs = [J.Job("a.b"), J.Job("axb"), J.Job("xa.b")]
    assert ids(J.match_jobs(targets("a.*"), jobs)) == ["a.b"]


@pytest.mark.parametrize("token", ["_all", "*"])
def test_match_all(token):
    assert ids(J.match_jobs(targets(token), FLEET)) == sorted(j.job_id for j in FLEET)


def test_match_all_on_an_empty_cluster_is_an_unmatched_pattern():
    sel = J.match_jobs(targets("_all"), [])
    assert sel.jobs == [] and sel.missing == [] and sel.unmatched_patterns == ["_all"]


def test_match_reports_missing_ids_and_unmatched_patterns_apart():
    sel = J.match_jobs(targets("web-1", "ghost", "nope-*", "other"), FLEET)
    assert ids(sel) == ["web-1"]
    assert sel.missing == ["ghost", "other"]
    assert sel.unmatched_patterns == ["nope-*"]


def test_match_selects_each_job_once_sorted():
    sel = J.match_jobs(targets("web-2", "web", "web-*", "_all"), FLEET)
    assert ids(sel) == sorted(j.job_id for j in FLEET)
    assert len(sel.jobs) == len(set(ids(sel)))


def test_match_exclude_by_id_group_and_pattern():
    sel = J.match_jobs(targets("_all"), FLEET, exclude=targets("solo", "batch-*", "web"))
    assert ids(sel) == ["retired"]
    assert sorted(sel.excluded) == ["batch-1", "solo", "web-1", "web-10", "web-2"]


def test_match_exclude_that_matches_nothing_changes_nothing():
    sel = J.match_jobs(targets("web-1"), FLEET, exclude=targets("zzz"))
    assert ids(sel) == ["web-1"] and sel.excluded == []


def test_match_ids_only_does_not_expand_groups():
    sel = J.match_jobs(targets("web", "retired"), FLEET, ids_only=True)
    assert ids(sel) == ["retired"]
    assert sel.missing == ["web"]


def test_match_ids_only_still_expands_patterns():
    assert ids(J.match_jobs(targets("web-1*"), FLEET, ids_only=True)) == ["web-1", "web-10"]


def test_groups_named_lists_groups_that_are_not_also_jobs():
    got = J.groups_named(targets("web", "retired", "web-1", "web-*", "ghost"), FLEET)
    assert got == {"web": ["web-1", "web-10", "web-2"]}


def test_groups_named_is_empty_for_plain_ids():
    assert J.groups_named(targets("web-1", "solo"), FLEET) == {}


# --- time values ---------------------------------------------------------------------------

@pytest.mark.parametrize("value, seconds", [
    ("30m", 1800.0), ("90s", 90.0), ("2h", 7200.0), ("1d", 86400.0), ("500ms", 0.5),
    ("1500micros", 0.0015), ("2000000nanos", 0.002), ("0s", 0.0), ("1.5h", 5400.0), (" 10s ", 10.0),
])
def test_parse_time_units(value, seconds):
    assert J.parse_time(value) == pytest.approx(seconds)


@pytest.mark.parametrize("value", ["30", "m", "30 m", "30min", "-1s", "1y", "30mm", "abc", "", None, "1e3s", "3.s"])
def test_parse_time_refuses_what_is_not_a_time_value(value):
    with pytest.raises(InvalidInput) as exc:
        J.parse_time(value, option="timeout")
    assert "timeout '%s'" % (value,) in exc.value.msg
    assert "30m" in exc.value.msg


# --- releases ------------------------------------------------------------------------------

@pytest.mark.parametrize("feature, last_without, first_with", [
    ("ml_prefix", (6, 8, 23), (7, 0, 0)),
    ("allow_no_match", (7, 9, 3), (7, 10, 0)),
    ("close_stops_datafeeds", (7, 13, 4), (7, 14, 0)),
    ("blocked", (7, 13, 4), (7, 14, 0)),
    ("delete_removes_datafeed", (7, 14, 2), (7, 15, 0)),
    ("jobs_embed_datafeed", (7, 17, 24), (8, 0, 0)),
    ("delete_user_annotations", (8, 6, 2), (8, 7, 0)),
])
def test_release_supports_per_version(feature, last_without, first_with):
    assert not J.Release(last_without).supports(feature)
    assert J.Release(first_with).supports(feature)
    assert J.Release((9, 0, 0)).supports(feature)


def test_release_paths_and_params():
    assert (V6.ml_prefix, V6.no_match_param) == ("_xpack/ml", "allow_no_jobs")
    assert (V7_9.ml_prefix, V7_9.no_match_param) == ("_ml", "allow_no_jobs")
    assert (V8_15.ml_prefix, V8_15.no_match_param) == ("_ml", "allow_no_match")
    assert V8_15.number == "8.15.0"


def test_release_unknown_feature_is_a_bug_not_a_false():
    with pytest.raises(KeyError):
        V8_15.supports("no-such-feature")


# --- documents -> Job ------------------------------------------------------------------------

def test_job_from_documents_merges_stats_and_datafeed():
    job = J.job_from_documents(
        {"job_id": "j", "groups": ["g"]},
        {"job_id": "j", "state": "opened", "node": {"name": "es-ml-1"}, "model_size_stats": {"model_bytes": 42}},
        {"datafeed_id": "df", "job_id": "j"},
        {"datafeed_id": "df", "state": "started"})
    assert job.to_dict() == dict(job_id="j", state="opened", groups=["g"], datafeed_id="df",
                                 datafeed_state="started", deleting=False, blocked=None,
                                 node="es-ml-1", memory_bytes=42)
    assert job.datafeed_running


def test_job_without_stats_is_closed_and_datafeed_without_stats_is_stopped():
    job = J.job_from_documents({"job_id": "j"}, None, {"datafeed_id": "df"}, {})
    assert (job.state, job.datafeed_state, job.datafeed_running) == ("closed", "stopped", False)


def test_datafeed_state_is_unknown_when_its_stats_were_not_read():
    job = J.job_from_documents({"job_id": "j"}, None, {"datafeed_id": "df"}, None)
    assert (job.datafeed_id, job.datafeed_state, job.datafeed_running) == ("df", None, False)


@pytest.mark.parametrize("doc", [
    {"job_id": "j", "deleting": True},
    {"job_id": "j", "deleting": True, "blocked": {"reason": "delete", "task_id": "n:1"}},
    {"job_id": "j", "blocked": {"reason": "delete"}},
])
def test_deleting_is_read_from_either_field(doc):
    assert J.job_from_documents(doc).deleting


@pytest.mark.parametrize("reason", ["reset", "revert"])
def test_other_blocks_are_not_deleting(reason):
    job = J.job_from_documents({"job_id": "j", "blocked": {"reason": reason, "task_id": "n:2"}})
    assert not job.deleting and job.blocked == {"reason": reason, "task_id": "n:2"}


@pytest.mark.parametrize("state, running", [
    ("started", True), ("starting", True), ("stopping", True), ("stopped", False), (None, False),
])
def test_datafeed_running(state, running):
    assert J.Job("j", datafeed_id="df", datafeed_state=state).datafeed_running is running


def test_no_datafeed_is_not_running():
    assert not J.Job("j", datafeed_state="started").datafeed_running


# --- plan_close ----------------------------------------------------------------------------

def one(plan):
    (entry,) = plan.entries
    return entry


@pytest.mark.parametrize("state, force, action, changed", [
    ("closed", False, J.ALREADY_CLOSED, False),
    ("closed", True, J.ALREADY_CLOSED, False),
    ("closing", False, J.WAIT_CLOSING, False),
    ("closing", True, J.WAIT_CLOSING, False),
    ("opened", False, J.CLOSE, True),
    ("opened", True, J.CLOSE, True),
    ("opening", False, J.CLOSE, True),
    ("opening", True, J.CLOSE, True),
    ("failed", True, J.CLOSE, True),
])
def test_plan_close_per_state(state, force, action, changed):
    plan = J.plan_close([J.Job("j", state=state)], force, V8_15)
    entry = one(plan)
    assert (entry.action, entry.changed, plan.changed, plan.errors) == (action, changed, changed, [])
    assert not entry.stop_datafeed


def test_plan_close_failed_without_force_is_refused_with_a_hint():
    plan = J.plan_close([J.Job("j", state="failed")], False, V8_15)
    entry = one(plan)
    assert entry.action == J.REFUSED and not entry.changed
    assert plan.errors == [entry.error]
    assert "job [j] has state failed" in entry.error
    assert "cannot close job [j] because it failed, use force close" in entry.error
    assert "force=true" in entry.error


@pytest.mark.parametrize("state", ["opened", "closed", "closing", "failed"])
def test_plan_close_leaves_a_job_being_deleted_alone(state):
    plan = J.plan_close([J.Job("j", state=state, deleting=True)], False, V8_15)
    assert (one(plan).action, plan.changed, plan.errors) == (J.BEING_DELETED, False, [])


@pytest.mark.parametrize("release, stop", [(V6, True), (V7_13, True), (V7_14, False), (V8_15, False)])
def test_plan_close_stops_started_datafeeds_only_before_7_14(release, stop):
    job = J.Job("j", state="opened", datafeed_id="df", datafeed_state="started")
    assert one(J.plan_close([job], False, release)).stop_datafeed is stop
    assert one(J.plan_close([job], True, release)).stop_datafeed is stop


def test_plan_close_does_not_stop_a_stopped_datafeed():
    job = J.Job("j", state="opened", datafeed_id="df", datafeed_state="stopped")
    assert not one(J.plan_close([job], False, V7_13)).stop_datafeed


def test_plan_close_mixed_fleet():
    jobs = [J.Job("a", "closed"), J.Job("b", "opened"), J.Job("c", "closing"), J.Job("d", "failed")]
    plan = J.plan_close(jobs, False, V8_15)
    assert [e.action for e in plan.entries] == [J.ALREADY_CLOSED, J.CLOSE, J.WAIT_CLOSING, J.REFUSED]
    assert plan.ids(J.CLOSE, J.WAIT_CLOSING) == ["b", "c"]
    assert len(plan.errors) == 1


# --- plan_delete ---------------------------------------------------------------------------

@pytest.mark.parametrize("state, force, action, wait", [
    ("closed", False, J.DELETE, False),
    ("closed", True, J.DELETE, False),
    ("closing", False, J.DELETE, True),
    ("closing", True, J.DELETE, False),
    ("opened", True, J.DELETE, False),
    ("opening", True, J.DELETE, False),
    ("failed", True, J.DELETE, False),
])
def test_plan_delete_per_state(state, force, action, wait):
    plan = J.plan_delete([J.Job("j", state=state)], [], force, V8_15)
    entry = one(plan)
    assert (entry.action, entry.changed, entry.wait_close, plan.errors) == (action, True, wait, [])
    assert not entry.delete_datafeed


@pytest.mark.parametrize("state", ["opened", "opening", "failed"])
def test_plan_delete_refuses_a_running_job_without_force_with_reason_and_hint(state):
    plan = J.plan_delete([J.Job("j", state=state)], [], False, V8_15)
    entry = one(plan)
    assert entry.action == J.REFUSED and not entry.changed and not plan.changed
    assert plan.errors == [entry.error]
    assert "Cannot delete job [j] because the job is %s" % state in entry.error
    assert "ml_job_close" in entry.error and "force=true" in entry.error


@pytest.mark.parametrize("force", [False, True])
def test_plan_delete_sends_again_for_a_job_being_deleted(force):
    plan = J.plan_delete([J.Job("j", state="opened", deleting=True)], [], force, V8_15)
    assert (one(plan).action, one(plan).changed, plan.errors) == (J.BEING_DELETED, False, [])


def test_plan_delete_missing_ids_are_already_absent():
    plan = J.plan_delete([J.Job("j")], ["ghost", "gone"], False, V8_15)
    assert [(e.job_id, e.action, e.changed) for e in plan.entries] == [
        ("ghost", J.ALREADY_ABSENT, False), ("gone", J.ALREADY_ABSENT, False), ("j", J.DELETE, True)]
    assert plan.entries[0].job.state is None


@pytest.mark.parametrize("release, pre_delete", [(V6, True), (V7_13, True), (V7_14, True), (V7_15, False), (V8_15, False)])
def test_plan_delete_deletes_the_datafeed_first_up_to_7_14(release, pre_delete):
    job = J.Job("j", state="closed", datafeed_id="df", datafeed_state="stopped")
    entry = one(J.plan_delete([job], [], False, release))
    assert (entry.action, entry.delete_datafeed) == (J.DELETE, pre_delete)


def test_plan_delete_up_to_7_14_refuses_a_started_datafeed_without_force():
    job = J.Job("j", state="opened", datafeed_id="df", datafeed_state="started")
    plan = J.plan_delete([job], [], False, V7_14)
    assert one(plan).action == J.REFUSED
    assert "job [j] has datafeed [df] in state started" in plan.errors[0]
    assert "force=true" in plan.errors[0]
    forced = one(J.plan_delete([job], [], True, V7_14))
    assert (forced.action, forced.delete_datafeed) == (J.DELETE, True)


def test_plan_delete_from_7_15_leaves_a_started_datafeed_to_the_server():
    job = J.Job("j", state="opened", datafeed_id="df", datafeed_state="started")
    entry = one(J.plan_delete([job], [], True, V7_15))
    assert (entry.action, entry.delete_datafeed) == (J.DELETE, False)
    refused = J.plan_delete([job], [], False, V7_15)
    assert "because the job is opened" in refused.errors[0]


def test_plan_delete_closing_job_up_to_7_14_waits_then_deletes_the_datafeed():
    job = J.Job("j", state="closing", datafeed_id="df", datafeed_state="stopped")
    entry = one(J.plan_delete([job], [], False, V7_14))
    assert (entry.action, entry.wait_close, entry.delete_datafeed) == (J.DELETE, True, True)


@pytest.mark.parametrize("release, refused", [(V7_17, True), (V8_6, True), (V8_7, False), (V9, False)])
def test_plan_delete_user_annotations_needs_8_7(release, refused):
    plan = J.plan_delete([J.Job("j")], [], False, release, delete_user_annotations=True)
    if refused:
        assert plan.errors == ["delete_user_annotations needs Elasticsearch 8.7 or later; this cluster runs %s"
                               % release.number]
    else:
        assert plan.errors == []
    assert J.plan_delete([J.Job("j")], [], False, V8_6).errors == []


# --- results and diff ----------------------------------------------------------------------

def test_close_result_shape():
    jobs = [J.Job("a", "closed"), J.Job("b", "opened", datafeed_id="df-b", datafeed_state="started"),
            J.Job("c", "closing"), J.Job("d", "opened", deleting=True)]
    result = J.close_result(J.plan_close(jobs, False, V8_15), ["ghost"])
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
    result = J.close_result(J.plan_close([J.Job("a", "closed")], False, V8_15), [])
    assert result["changed"] is False and result["closed"] == [] and result["already_closed"] == ["a"]


def test_refused_entry_reports_its_error():
    result = J.close_result(J.plan_close([J.Job("f", "failed")], False, V8_15), [])
    (report,) = result["jobs"]
    assert report["action"] == "refused" and report["state"] == "failed" and "force" in report["error"]


def test_delete_result_shape_with_task():
    plan = J.plan_delete([J.Job("a", "closed"), J.Job("b", "opened", deleting=True)], ["ghost"], False, V8_15)
    plan.entries[1].task = "n:1"
    result = J.delete_result(plan)
    assert result == dict(
        changed=True,
        jobs=[
            dict(job_id="ghost", state_before=None, state=None, action="already_absent",
                 datafeed_id=None, datafeed_state_before=None),
            dict(job_id="a", state_before="closed", state=None, action="deleted", task="n:1",
                 datafeed_id=None, datafeed_state_before=None),
            dict(job_id="b", state_before="opened", state="opened", action="being_deleted",
                 datafeed_id=None, datafeed_state_before=None),
        ],
        deleted=["a"], already_absent=["ghost"], being_deleted=["b"], tasks={"a": "n:1"})


def test_delete_result_unchanged_when_all_absent():
    result = J.delete_result(J.plan_delete([], ["ghost"], False, V8_15))
    assert (result["changed"], result["deleted"], result["already_absent"], result["tasks"]) == (
        False, [], ["ghost"], {})


def test_plan_diff_for_close():
    jobs = [J.Job("a", "closed"), J.Job("b", "opened", datafeed_id="df", datafeed_state="started")]
    assert J.plan_diff(J.plan_close(jobs, False, V8_15)) == dict(
        before=dict(jobs=dict(a=dict(state="closed", datafeed_state=None),
                              b=dict(state="opened", datafeed_state="started"))),
        after=dict(jobs=dict(a=dict(state="closed", datafeed_state=None),
                             b=dict(state="closed", datafeed_state="stopped"))))


def test_plan_diff_for_delete_drops_deleted_and_absent_jobs_after():
    plan = J.plan_delete([J.Job("a", "closed"), J.Job("b", "opened")], ["ghost"], True, V8_15)
    assert J.plan_diff(plan) == dict(
        before=dict(jobs=dict(a=dict(state="closed", datafeed_state=None),
                              b=dict(state="opened", datafeed_state=None))),
        after=dict(jobs={}))


def test_plan_diff_keeps_a_refused_job_unchanged():
    plan = J.plan_delete([J.Job("a", "opened")], [], False, V8_15)
    diff = J.plan_diff(plan)
    assert diff["before"] == diff["after"] == dict(jobs=dict(a=dict(state="opened", datafeed_state=None)))


# --- waiting -------------------------------------------------------------------------------

def test_poll_intervals_grow_cap_and_stop_at_the_deadline():
    clock = FakeClock()
    out = []
    for interval in J.poll_intervals(10.0, first=0.5, factor=2.0, cap=2.0, now=clock):
        out.append(interval)
        clock.sleep(interval)
    assert out == [0.5, 1.0, 2.0, 2.0, 2.0, 2.0, 0.5]
    assert sum(out) == pytest.approx(10.0)


def test_poll_intervals_with_no_time_left_yield_nothing():
    assert list(J.poll_intervals(0, now=FakeClock())) == []


def test_wait_until_done_at_once_does_not_sleep():
    clock = FakeClock()
    reads = []
    ok, last, waited = J.wait_until(lambda: reads.append(1) or "closed", lambda s: s == "closed", 5,
                                    sleep=clock.sleep, now=clock)
    assert (ok, last, waited, clock.sleeps, len(reads)) == (True, "closed", 0.0, [], 1)


def test_wait_until_polls_until_done():
    clock = FakeClock()
    states = iter(["closing", "closing", "closed"])
    ok, last, waited = J.wait_until(lambda: next(states), lambda s: s == "closed", 60, sleep=clock.sleep, now=clock)
    assert (ok, last) == (True, "closed")
    assert len(clock.sleeps) == 2
    assert waited == pytest.approx(sum(clock.sleeps))


def test_wait_until_times_out_with_the_last_result():
    clock = FakeClock()
    reads = []

    def read():
        reads.append(clock.now)
        return "closing"

    ok, last, waited = J.wait_until(read, lambda s: s == "closed", 3.0, sleep=clock.sleep, now=clock)
    assert (ok, last) == (False, "closing")
    assert waited == pytest.approx(3.0)
    assert sum(clock.sleeps) == pytest.approx(3.0)
    assert len(reads) == len(clock.sleeps) + 1


def test_parse_targets_strips_surrounding_whitespace_as_elasticsearch_does():
    assert [t.text for t in J.parse_targets([" web-1\n", "web-*\n"])] == ["web-1", "web-*"]
