# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Close, delete and describe against an in-memory cluster (tests/unit/utils/fake_endpoints.py):
no HTTP, every call the operations make recorded, errors injected between calls."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _operations as operations
from ansible_collections.mlops.elasticsearch.plugins.module_utils._endpoints import Unavailable
from ansible_collections.mlops.elasticsearch.plugins.module_utils._errors import (
    ApiError,
    AuthenticationFailed,
    Forbidden,
    JobsFailed,
)
from ansible_collections.mlops.elasticsearch.plugins.module_utils._job_requests import (
    CloseRequest,
    DeleteRequest,
    DescribeRequest,
)
from ansible_collections.mlops.elasticsearch.tests.unit.utils.fake_endpoints import (
    CLOSE_TIMEOUT_REASON,
    FakeEndpoints,
    FakeJob as J,
    conflict,
    not_found,
)

FAILED_WITHOUT_FORCE = ("job [f] has state failed; Elasticsearch refuses to close it without force "
                        "(cannot close job [f] because it failed, use force close). Set force=true to close it.")
UPGRADE_MODE = "ML upgrade mode is enabled; ML write actions answer 429 until it ends"


def close_request(*job_ids, **params):
    return CloseRequest(dict(params, job_id=list(job_ids)))


def delete_request(*job_ids, **params):
    return DeleteRequest(dict(params, job_id=list(job_ids)))


def describe_request(*job_ids, **params):
    return DescribeRequest(dict(params, job_id=list(job_ids) or None))


def actions(result):
    return dict((job["job_id"], job["action"]) for job in result["jobs"])


def report(result, job_id):
    (found,) = [job for job in result["jobs"] if job["job_id"] == job_id]
    return found


def result_lists(result):
    return result["deleted"], result["closed"], result["already_absent"]


def refusal(call, *args, **kwargs):
    with pytest.raises(JobsFailed) as exc:
        call(*args, **kwargs)
    return exc.value


# --- reading ----------------------------------------------------------------------------------------

def test_read_jobs_on_8_x_reads_embedded_datafeeds_and_their_stats():
    api = FakeEndpoints("8.15.0", [J("a", "opened", datafeed_id="df-a", datafeed_state="started"), J("b")])
    jobs = operations.read_jobs(api, close_request("a", "b").targets)
    assert api.calls == [("get_jobs", "a*,b*", False), ("get_job_stats", "a*,b*"), ("get_datafeed_stats", ["df-a"])]
    assert [(job.job_id, job.state, job.datafeed_id, job.datafeed_state) for job in jobs] == [
        ("a", "opened", "df-a", "started"), ("b", "closed", None, None)]


def test_read_jobs_before_8_reads_every_datafeed_and_keeps_the_targets_ones():
    api = FakeEndpoints("7.17.24", [J("a", "opened", datafeed_id="df-a", datafeed_state="started"),
                                    J("other", datafeed_id="df-other")])
    (job,) = operations.read_jobs(api, close_request("a").targets)
    assert api.calls == [("get_jobs", "a*", False), ("get_job_stats", "a*"), ("get_datafeeds", None, False),
                         ("get_datafeed_stats", ["df-a"])]
    assert (job.datafeed_id, job.datafeed_state) == ("df-a", "started")


def test_read_jobs_without_datafeed_states_leaves_them_unknown():
    api = FakeEndpoints("8.15.0", [J("a", "opened", datafeed_id="df-a", datafeed_state="started")])
    (job,) = operations.read_jobs(api, close_request("a").targets, datafeed_states=False)
    assert api.names() == ["get_jobs", "get_job_stats"]
    assert (job.datafeed_id, job.datafeed_state) == ("df-a", None)


def test_read_jobs_matching_nothing_reads_once():
    api = FakeEndpoints("8.15.0", [J("other")])
    assert operations.read_jobs(api, close_request("a").targets) == []
    assert api.calls == [("get_jobs", "a*", False)]


def test_job_states_reads_ids_as_prefixes_when_one_is_gone():
    api = FakeEndpoints("8.15.0", [J("a", "opened"), J("ab", "closing"), J("c", "opened", deleting=True)])
    assert operations.job_states(api, ["a", "c", "gone"]) == {"a": "opened"}
    assert api.calls == [("get_job_stats", "a,c,gone"), ("get_job_stats", "a*,c*,gone*")]


# --- close ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("job, force, action, state, sent", [
    (J("j", "closed"), False, "already_closed", "closed", []),
    (J("j", "closing"), False, "waited_for_close", "closed", [("close_jobs", ["j"], False, "30m")]),
    (J("j", "opened"), False, "closed", "closed", [("close_jobs", ["j"], False, "30m")]),
    (J("j", "opening"), False, "closed", "closed", [("close_jobs", ["j"], False, "30m")]),
    (J("j", "failed"), True, "closed", "closed", [("close_jobs", ["j"], True, "30m")]),
    # A job being deleted has no stats: it reads as closed.
    (J("j", "opened", deleting=True), False, "being_deleted", "closed", []),
])
def test_close_per_state(job, force, action, state, sent):
    api = FakeEndpoints("8.15.0", [job])
    plan, result = operations.close_jobs(api, close_request("j", force=force))
    assert api.writes() == sent
    assert (report(result, "j")["action"], report(result, "j")["state"]) == (action, state)
    assert result["changed"] is (action == "closed")
    if sent:
        assert api.jobs["j"].state == "closed"


def test_close_names_every_job_to_close_or_wait_for_in_one_request():
    api = FakeEndpoints("8.15.0", [J("a"), J("b", "opened"), J("c", "closing"), J("d", "opened")])
    plan, result = operations.close_jobs(api, close_request("_all", timeout="90s", max_jobs=4))
    assert api.calls == [("get_jobs", "_all", False), ("get_job_stats", "_all"),
                         ("close_jobs", ["b", "c", "d"], False, "90s")]
    assert (result["closed"], result["already_closed"], result["missing"], result["changed"]) == (
        ["b", "d"], ["a", "c"], [], True)


@pytest.mark.parametrize("version, stopped", [("7.13.4", [("stop_datafeeds", ["df-b"], False, "30m")]),
                                              ("7.14.2", [])])
def test_close_stops_started_datafeeds_first_only_before_7_14(version, stopped):
    api = FakeEndpoints(version, [J("b", "opened", datafeed_id="df-b", datafeed_state="started")])
    operations.close_jobs(api, close_request("b"))
    assert api.writes() == stopped + [("close_jobs", ["b"], False, "30m")]
    assert (api.jobs["b"].state, api.jobs["b"].datafeed_state) == ("closed", "stopped")


def test_close_refuses_missing_ids_with_the_servers_wording_and_the_per_job_result():
    api = FakeEndpoints("8.15.0", [J("a", "opened")])
    error = refusal(operations.close_jobs, api, close_request("a", "ghost"))
    assert error.msg == ("No known job with id 'ghost'; set ignore_missing=true to accept ids that do not exist")
    assert (error.status, error.error_type) == (404, "resource_not_found_exception")
    assert (actions(error.result), error.result["missing"], error.result["closed"], error.result["changed"]) == (
        {"a": "skipped"}, ["ghost"], [], False)
    assert api.writes() == []


def test_close_with_ignore_missing_closes_the_rest():
    api = FakeEndpoints("8.15.0", [J("a", "opened")])
    plan, result = operations.close_jobs(api, close_request("a", "ghost", ignore_missing=True))
    assert (result["closed"], result["missing"]) == (["a"], ["ghost"])
    assert api.writes() == [("close_jobs", ["a"], False, "30m")]


@pytest.mark.parametrize("job_ids, jobs, message", [
    (["a", "zz*"], [J("a", "opened")], "No known job with id 'zz*' (allow_no_match=false)"),
    (["_all"], [], "No known job with id '*' (allow_no_match=false)"),
])
def test_close_refuses_unmatched_patterns_with_allow_no_match_false(job_ids, jobs, message):
    api = FakeEndpoints("8.15.0", jobs)
    error = refusal(operations.close_jobs, api, close_request(*job_ids, allow_no_match=False, max_jobs=10))
    assert (error.msg, error.status) == (message, 404)
    assert actions(error.result) == dict((job.job_id, "skipped") for job in jobs)
    assert api.writes() == []


def test_close_refuses_more_jobs_than_max_jobs():
    api = FakeEndpoints("8.15.0", [J("a", "opened"), J("b", "opened"), J("c")])
    error = refusal(operations.close_jobs, api, close_request("_all", max_jobs=2))
    assert error.msg == "the targets match 3 jobs, more than max_jobs=2; nothing was closed. Matches: a, b, c"
    assert actions(error.result) == {"a": "skipped", "b": "skipped", "c": "already_closed"}
    assert error.status is None and api.writes() == []


def test_close_refuses_a_failed_job_without_force_and_closes_no_other():
    api = FakeEndpoints("8.15.0", [J("a", "opened"), J("f", "failed")])
    error = refusal(operations.close_jobs, api, close_request("a", "f", ignore_missing=True))
    assert error.msg == FAILED_WITHOUT_FORCE
    assert actions(error.result) == {"a": "skipped", "f": "refused"}
    assert report(error.result, "f")["error"] == FAILED_WITHOUT_FORCE
    assert api.writes() == [] and api.jobs["a"].state == "opened"


def test_close_joins_every_refusal_missing_ids_first():
    api = FakeEndpoints("8.15.0", [J("f", "failed")])
    error = refusal(operations.close_jobs, api, close_request("f", "ghost"))
    assert error.msg == ("No known job with id 'ghost'; set ignore_missing=true to accept ids that do not exist; "
                         + FAILED_WITHOUT_FORCE)


def test_close_timeout_re_reads_the_states_and_marks_the_stuck_job_timed_out():
    api = FakeEndpoints("8.15.0", [J("a", "opened"), J("b", "opened")]).stick("b")
    error = refusal(operations.close_jobs, api, close_request("a", "b", timeout="2m"))
    assert error.msg == ("jobs did not close within timeout 2m: b (closing); the server said: "
                         + CLOSE_TIMEOUT_REASON % "2m")
    assert (error.status, error.error_type) == (500, "illegal_state_exception")
    assert api.calls[-2:] == [("close_jobs", ["a", "b"], False, "2m"), ("get_job_stats", "a,b")]
    assert report(error.result, "a") == dict(job_id="a", state_before="opened", state="closed", action="closed",
                                             datafeed_id=None, datafeed_state_before=None)
    assert report(error.result, "b") == dict(job_id="b", state_before="opened", state="closing", action="timed_out",
                                             datafeed_id=None, datafeed_state_before=None,
                                             error="still closing when the close timed out")
    assert (error.result["closed"], error.result["changed"]) == (["a"], True)


def test_close_of_a_job_deleted_meanwhile_closes_the_others():
    api = FakeEndpoints("8.15.0", [J("a", "opened"), J("b", "opened")])
    api.before("close_jobs", lambda fake, *args: fake.jobs.pop("b", None))
    operations.close_jobs(api, close_request("a", "b"))
    assert api.calls[2:] == [("close_jobs", ["a", "b"], False, "30m"), ("get_job_stats", "a,b"),
                             ("get_job_stats", "a*,b*"), ("close_jobs", ["a"], False, "30m")]
    assert api.jobs["a"].state == "closed"


def test_close_refused_by_the_server_fails_with_its_status_and_the_per_job_result():
    api = FakeEndpoints("8.15.0", [J("a", "opened")])
    api.fail_once("close_jobs", conflict("the job is being reassigned"))
    error = refusal(operations.close_jobs, api, close_request("a"))
    assert (error.msg, error.status, error.error_type, error.reason) == (
        "409 status_exception: the job is being reassigned", 409, "status_exception", "the job is being reassigned")
    assert list(actions(error.result)) == ["a"] and error.result["missing"] == []


def test_close_refused_by_the_server_does_not_report_the_job_closed():
    api = FakeEndpoints("8.15.0", [J("a", "opened")])
    api.fail_once("close_jobs", conflict("the job is being reassigned"))
    error = refusal(operations.close_jobs, api, close_request("a"))
    assert api.jobs["a"].state == "opened"
    assert error.result["closed"] == [] and report(error.result, "a")["state"] == "opened"


@pytest.mark.parametrize("jobs, job_ids", [
    ([J("a"), J("b", "opened"), J("c", "closing")], ["_all"]),
    ([J("f", "failed")], ["f"]),
])
def test_close_in_check_mode_predicts_and_sends_no_write(jobs, job_ids):
    real = FakeEndpoints("8.15.0", jobs)
    checked = FakeEndpoints("8.15.0", jobs, check_mode=True)
    request = close_request(*job_ids, max_jobs=10)
    try:
        expected = operations.close_jobs(real, request)[1]
    except JobsFailed as exc:
        with pytest.raises(JobsFailed) as predicted:
            operations.close_jobs(checked, request, check_mode=True)
        assert (predicted.value.msg, predicted.value.result) == (exc.msg, exc.result)
    else:
        assert operations.close_jobs(checked, request, check_mode=True)[1] == expected
    assert checked.writes() == [] and set(checked.names()) == {"get_jobs", "get_job_stats"}


# --- delete ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("job, force, action, changed", [
    (J("j", "closed"), False, "deleted", True),
    (J("j", "opened"), True, "deleted", True),
    (J("j", "failed"), True, "deleted", True),
    (J("j", "closing", closing_reads=2), False, "deleted", True),
    (J("j", "opened", deleting=True), False, "being_deleted", False),
])
def test_delete_per_state(job, force, action, changed):
    api = FakeEndpoints("8.15.0", [job])
    plan, result = operations.delete_jobs(api, delete_request("j", force=force))
    assert api.writes() == [("delete_job", "j", force, True, False, None)]
    assert (actions(result), result["changed"]) == ({"j": action}, changed)
    assert "j" not in api.jobs


def test_delete_waits_for_a_closing_job_before_deleting_it():
    api = FakeEndpoints("8.15.0", [J("j", "closing", closing_reads=3)])
    operations.delete_jobs(api, delete_request("j"))
    assert api.names() == ["get_jobs", "get_job_stats", "get_job_stats", "get_job_stats", "get_job_stats",
                           "delete_job"]
    assert len(api.transport.sleeps) == 2


@pytest.mark.parametrize("state", ["opened", "opening", "failed"])
def test_delete_refuses_a_running_job_without_force(state):
    api = FakeEndpoints("8.15.0", [J("a"), J("j", state)])
    error = refusal(operations.delete_jobs, api, delete_request("a", "j"))
    assert error.msg.startswith("Cannot delete job [j] because the job is %s; close it first" % state)
    assert actions(error.result) == {"a": "skipped", "j": "refused"}
    assert (error.result["deleted"], error.result["changed"]) == ([], False)
    assert api.writes() == []


def test_delete_close_first_closes_in_one_request_waits_for_closing_jobs_then_deletes():
    api = FakeEndpoints("8.15.0", [J("a", "opened"), J("b", "opening"), J("c", "closing", closing_reads=2),
                                   J("d"), J("e", "opened", deleting=True)])
    plan, result = operations.delete_jobs(api, delete_request("a", "b", "c", "d", "e", close_first=True,
                                                              close_timeout="90s", timeout="5m"))
    first_delete = api.names().index("delete_job")
    assert api.writes()[0] == ("close_jobs", ["a", "b"], False, "90s")
    assert api.names()[first_delete - 1] == "get_job_stats" and api.sent("get_job_stats")[-1] == ("c",)
    assert set(api.sent("delete_job")) == set((job_id, False, True, False, "5m") for job_id in "abcde")
    assert api.names().count("close_jobs") == 1 and api.jobs == {}
    assert (result["deleted"], result["closed"], result["being_deleted"], result["already_absent"]) == (
        ["a", "b", "c", "d"], ["a", "b"], ["e"], [])
    assert [job_id for job_id in "abcde" if report(result, job_id).get("closed_first")] == ["a", "b"]
    assert api.transport.parallel == [4]


def test_delete_close_first_deletes_what_closed_in_time_never_the_stuck_job():
    api = FakeEndpoints("8.15.0", [J("a", "opened"), J("b", "opened")]).stick("b")
    error = refusal(operations.delete_jobs, api, delete_request("a", "b", close_first=True, close_timeout="90s"))
    assert error.msg == ("jobs did not close within timeout 90s: b (closing); the server said: "
                         + CLOSE_TIMEOUT_REASON % "90s")
    assert api.writes() == [("close_jobs", ["a", "b"], False, "90s"), ("delete_job", "a", False, True, False, None)]
    assert sorted(api.jobs) == ["b"]
    assert result_lists(error.result) == (["a"], ["a"], [])
    assert report(error.result, "b") == dict(job_id="b", state_before="opened", state="closing", action="timed_out",
                                             datafeed_id=None, datafeed_state_before=None, closed_first=True,
                                             error="still closing when the close timed out")


def test_delete_reports_a_job_still_closing_after_close_timeout_and_deletes_the_others():
    api = FakeEndpoints("8.15.0", [J("a"), J("c", "closing")])
    error = refusal(operations.delete_jobs, api, delete_request("a", "c", close_timeout="0s"))
    assert error.msg == "jobs still closing after 0.0s, not deleted: c (closing)"
    assert api.writes() == [("delete_job", "a", False, True, False, None)]
    assert report(error.result, "c")["action"] == "timed_out" and report(error.result, "c")["state"] == "closing"
    assert report(error.result, "c")["error"] == "still closing after waiting for its close"
    assert (error.result["deleted"], error.result["changed"]) == (["a"], True)


def test_delete_refuses_a_group_name_without_resolve_patterns_with_the_jobs_in_the_result():
    api = FakeEndpoints("8.15.0", [J("a", groups=["grp"]), J("b", groups=["grp"]), J("c")])
    error = refusal(operations.delete_jobs, api, delete_request("grp", "c"))
    assert error.msg == ("job_id 'grp' is a group of jobs ['a', 'b'], not a job id; "
                         "set resolve_patterns=true to delete them")
    assert actions(error.result) == {"grp": "already_absent", "c": "skipped"}
    assert (error.result["deleted"], error.result["changed"]) == ([], False)
    assert api.writes() == []


def test_delete_resolves_a_group_with_resolve_patterns():
    api = FakeEndpoints("8.15.0", [J("a", groups=["grp"]), J("b", groups=["grp"]), J("c")])
    plan, result = operations.delete_jobs(api, delete_request("grp", resolve_patterns=True))
    assert result["deleted"] == ["a", "b"] and sorted(api.jobs) == ["c"]


def test_delete_refuses_more_jobs_than_max_jobs_and_writes_no_backup(tmp_path):
    api = FakeEndpoints("8.15.0", [J("a"), J("b"), J("c")])
    request = delete_request("*", resolve_patterns=True, max_jobs=2, backup_dir=str(tmp_path / "bk"))
    error = refusal(operations.delete_jobs, api, request)
    assert error.msg == "the targets match 3 jobs, more than max_jobs=2; nothing was deleted. Matches: a, b, c"
    assert actions(error.result) == {"a": "skipped", "b": "skipped", "c": "skipped"}
    assert error.result["backups"] == {} and not (tmp_path / "bk").exists()
    assert api.writes() == []


def test_delete_writes_backups_before_any_change_holding_the_states_before_the_run(tmp_path):
    directory = str(tmp_path / "bk")
    api = FakeEndpoints("8.15.0", [J("a", datafeed_id="df-a"), J("b", "opened", datafeed_id="df-b",
                                                                 datafeed_state="started"),
                                   J("e", deleting=True)])
    backed_up_before = []
    api.before("close_jobs", lambda fake, *args: backed_up_before.append(sorted(os.listdir(directory))))
    plan, result = operations.delete_jobs(api, delete_request("a", "b", "e", close_first=True, backup_dir=directory))
    assert backed_up_before == [["a.json", "b.json"]]
    assert result["backups"] == {"a": os.path.join(directory, "a.json"), "b": os.path.join(directory, "b.json")}
    with open(result["backups"]["b"]) as stream:
        saved = json.load(stream)
    assert saved == {"job": J("b").config(), "datafeed": J("b", datafeed_id="df-b").datafeed_config(),
                     "state": {"job": "opened", "datafeed": "started"}}
    assert result["deleted"] == ["a", "b"] and api.jobs == {}


def test_delete_with_a_lost_reply_counts_the_job_as_deleted_by_this_run():
    api = FakeEndpoints("8.15.0", [J("a"), J("b")]).lose_reply("a")
    api.before("delete_job", lambda fake, job_id, *args: fake.jobs.pop("b") if job_id == "b" else None)
    plan, result = operations.delete_jobs(api, delete_request("a", "b"))
    assert (result["deleted"], result["already_absent"], result["changed"]) == (["a"], ["b"], True)
    assert (report(result, "a")["state_before"], report(result, "b")["state_before"]) == ("closed", "closed")
    assert api.jobs == {}


def test_delete_of_a_job_someone_else_deleted_is_already_absent_and_unchanged():
    api = FakeEndpoints("8.15.0", [J("b")])
    api.before("delete_job", lambda fake, *args: fake.jobs.pop("b"))
    plan, result = operations.delete_jobs(api, delete_request("b"))
    assert (actions(result), result["deleted"], result["changed"]) == ({"b": "already_absent"}, [], False)


def test_delete_interrupted_sends_no_queued_delete_and_reports_them_interrupted():
    api = FakeEndpoints("8.15.0", [J("a"), J("b"), J("c")])
    api.before("delete_job", lambda fake, job_id, *args: fake.transport.stop() if job_id == "b" else None)
    error = refusal(operations.delete_jobs, api, delete_request("a", "b", "c", concurrency=1))
    assert error.msg == "interrupted: 2 deletes not sent (b, c); run again to finish"
    assert api.sent("delete_job") == [("a", False, True, False, None)]
    assert sorted(api.jobs) == ["b", "c"]
    assert actions(error.result) == {"a": "deleted", "b": "interrupted", "c": "interrupted"}
    assert report(error.result, "b")["state"] == "closed" and report(error.result, "b")["error"].startswith(
        "interrupted: delete_job b was not sent")
    assert (error.result["deleted"], error.result["changed"]) == (["a"], True)


def test_delete_refused_by_the_server_reports_that_job_and_deletes_the_others():
    api = FakeEndpoints("8.15.0", [J("a"), J("b")])
    api.fail_once("delete_job", conflict("the job is being reassigned"), when=lambda job_id, *args: job_id == "b")
    error = refusal(operations.delete_jobs, api, delete_request("a", "b"))
    assert error.msg == "409 status_exception: the job is being reassigned"
    assert actions(error.result) == {"a": "deleted", "b": "refused"}
    assert report(error.result, "b")["error"] == error.msg and sorted(api.jobs) == ["b"]


def test_delete_without_waiting_reports_the_tasks():
    api = FakeEndpoints("8.15.0", [J("a")])
    plan, result = operations.delete_jobs(api, delete_request("a", wait_for_completion=False))
    assert result["tasks"] == {"a": "node-1:1"} and report(result, "a")["task"] == "node-1:1"
    assert api.writes() == [("delete_job", "a", False, False, False, None)]


@pytest.mark.parametrize("version, first", [("7.14.2", [("delete_datafeed", "df-a", False)]), ("7.15.0", [])])
def test_delete_deletes_the_datafeed_first_only_before_7_15(version, first):
    api = FakeEndpoints(version, [J("a", datafeed_id="df-a")])
    operations.delete_jobs(api, delete_request("a"))
    assert api.writes() == first + [("delete_job", "a", False, True, False, None)]


def test_delete_user_annotations_before_8_7_is_refused_before_any_write():
    api = FakeEndpoints("8.6.2", [J("a")])
    error = refusal(operations.delete_jobs, api, delete_request("a", delete_user_annotations=True))
    assert error.msg == "delete_user_annotations needs Elasticsearch 8.7 or later; this cluster runs 8.6.2"
    assert api.writes() == []


def test_delete_in_check_mode_predicts_and_sends_no_write(tmp_path):
    jobs = [J("a", "opened"), J("c", "closing", closing_reads=1), J("d"), J("e", deleting=True)]
    checked = FakeEndpoints("8.15.0", jobs, check_mode=True)
    request = delete_request("a", "c", "d", "e", "ghost", close_first=True, backup_dir=str(tmp_path / "bk"))
    plan, result = operations.delete_jobs(checked, request, check_mode=True)
    assert checked.writes() == [] and checked.names() == ["get_jobs", "get_job_stats"]
    assert not (tmp_path / "bk").exists()
    assert (result["deleted"], result["closed"], result["being_deleted"], result["already_absent"]) == (
        ["a", "c", "d"], ["a"], ["e"], ["ghost"])
    assert result["changed"] is True and sorted(checked.jobs) == ["a", "c", "d", "e"]


# --- every failure after planning carries the jobs -----------------------------------------------------

def _refused_plan(api):
    api.add("f", "failed")


def _backup_read_fails(api):
    api.fail_once("get_jobs", ApiError("503 no master", status=503), when=lambda expr, generated: generated)


def _close_refused(api):
    api.add("o", "opened").fail_once("close_jobs", conflict("the job is being reassigned"))


def _close_times_out(api):
    api.add("o", "opened").stick("o")


def _delete_refused(api):
    api.fail_once("delete_job", conflict("busy"))


def _interrupted(api):
    api.before("delete_job", lambda fake, *args: fake.transport.stop())


def _interrupted_while_waiting(api):
    api.add("c", "closing").before("get_job_stats", lambda fake, expr: fake.transport.stop() if expr == "c" else None)


FAILURES_AFTER_PLANNING = [_refused_plan, _backup_read_fails, _close_refused, _close_times_out, _delete_refused,
                           _interrupted, _interrupted_while_waiting]


@pytest.mark.parametrize("inject", FAILURES_AFTER_PLANNING)
def test_every_delete_failure_after_planning_carries_every_job(inject, tmp_path):
    api = FakeEndpoints("8.15.0", [J("a")])
    inject(api)
    job_ids = sorted(api.jobs) + ["ghost"]
    error = refusal(operations.delete_jobs, api, delete_request(*job_ids, close_first=True,
                                                                backup_dir=str(tmp_path)))
    assert sorted(report["job_id"] for report in error.result["jobs"]) == sorted(job_ids)
    assert set(error.result) >= {"jobs", "deleted", "closed", "already_absent", "being_deleted", "tasks", "backups"}
    assert error.result["already_absent"] == ["ghost"]


@pytest.mark.parametrize("inject", [
    _backup_read_fails,
    _close_refused,
    _interrupted_while_waiting,
])
def test_a_failure_before_any_delete_reports_no_job_deleted(inject, tmp_path):
    api = FakeEndpoints("8.15.0", [J("a")])
    inject(api)
    error = refusal(operations.delete_jobs, api, delete_request(*sorted(api.jobs), close_first=True,
                                                                backup_dir=str(tmp_path)))
    assert api.sent("delete_job") == [] and "a" in api.jobs
    assert error.result["deleted"] == [] and report(error.result, "a")["state"] == "closed"


def test_a_backup_dir_that_cannot_be_written_fails_with_the_jobs_and_deletes_nothing(tmp_path):
    (tmp_path / "a-file").write_text("")
    api = FakeEndpoints("8.15.0", [J("a")])
    error = refusal(operations.delete_jobs, api, delete_request("a", backup_dir=str(tmp_path / "a-file" / "bk")))
    assert api.writes() == [] and [job["job_id"] for job in error.result["jobs"]] == ["a"]


# --- describe -------------------------------------------------------------------------------------

def plan_fleet():
    return FakeEndpoints("8.15.0", [J("a", "opened"), J("b", "closing"), J("c"), J("d", "opened", deleting=True),
                                    J("f", "failed")], check_mode=True)


def test_describe_plan_of_a_delete():
    api = plan_fleet()
    plan = operations.describe_jobs(api, describe_request(plan={"max_jobs": 10}))["plan"]
    jobs = plan.pop("jobs")
    assert plan == dict(changed=True, targeted=["a", "b", "c", "d", "f"], close=["a"], wait_close=["b"],
                        delete=["a", "b", "c"], already_closed=["c"], being_deleted=["d"],
                        pending=["a", "b", "c", "d", "f"],
                        refused=[dict(job_id="f", reason=FAILED_WITHOUT_FORCE)], unmatched=[],
                        problems=[FAILED_WITHOUT_FORCE])
    assert [(job["job_id"], job["action"]) for job in jobs] == [
        ("a", "deleted"), ("b", "deleted"), ("c", "deleted"), ("d", "being_deleted"), ("f", "refused")]
    assert api.writes() == []


def test_describe_plan_of_a_close_only():
    api = plan_fleet()
    request = describe_request(plan={"delete": False, "force": True, "max_jobs": 10})
    plan = operations.describe_jobs(api, request)["plan"]
    assert (plan["close"], plan["wait_close"], plan["delete"], plan["already_closed"], plan["being_deleted"]) == (
        ["a", "f"], ["b"], [], ["c"], ["d"])
    assert (plan["pending"], plan["refused"], plan["problems"]) == (["a", "b", "d", "f"], [], [])
    assert api.writes() == []


def test_describe_never_counts_unmatched_targets_as_jobs():
    api = FakeEndpoints("8.15.0", [J("a", "opened"), J("other")], check_mode=True)
    result = operations.describe_jobs(api, describe_request("a", "ghost", "zz*", plan={}))
    assert ([job["job_id"] for job in result["jobs"]], result["missing"], result["exists"]) == (["a"], ["ghost"], True)
    plan = result["plan"]
    assert (plan["targeted"], plan["delete"], plan["pending"], plan["unmatched"]) == (
        ["a"], ["a"], ["a"], ["ghost", "zz*"])
    assert [job["job_id"] for job in plan["jobs"]] == ["a"]


def test_describe_plan_lists_cluster_problems_then_max_jobs():
    api = FakeEndpoints("8.15.0", [J("a"), J("b")], check_mode=True)
    api.ml_info_answer = {"upgrade_mode": True}
    api.privileges_answer = {"username": "bob", "cluster": {"manage_ml": False}}
    result = operations.describe_jobs(api, describe_request(include_cluster=True, plan={"max_jobs": 1}))
    assert result["plan"]["problems"] == [
        UPGRADE_MODE, "user bob lacks the cluster privilege manage_ml",
        "the targets match 2 jobs, more than max_jobs=1; nothing was deleted. Matches: a, b"]
    assert result["cluster"]["problems"] == result["plan"]["problems"][:2]


def test_describe_with_ml_disabled_reads_no_job_and_plans_nothing():
    api = FakeEndpoints("8.15.0", [J("a")], check_mode=True)
    api.ml_info_answer = Unavailable(ApiError("no handler found for uri [/_ml/info]", status=400))
    result = operations.describe_jobs(api, describe_request(include_cluster=True, plan={"max_jobs": 10}))
    assert api.names() == ["ml_info", "has_privileges"]
    assert (result["jobs"], result["missing"], result["exists"], result["server_version"]) == ([], [], False, "8.15.0")
    assert result["plan"] == dict(changed=False, targeted=[], close=[], wait_close=[], delete=[], already_closed=[],
                                  being_deleted=[], pending=[], refused=[], unmatched=[],
                                  problems=["machine learning is not available: no handler found for uri [/_ml/info]"],
                                  jobs=[])


def test_describe_without_plan_or_cluster_reads_the_jobs_only():
    api = FakeEndpoints("8.15.0", [J("a", "opened", groups=["g"])], check_mode=True)
    result = operations.describe_jobs(api, describe_request("g"))
    assert set(result) == {"jobs", "missing", "exists", "server_version"}
    assert result["jobs"] == [dict(job_id="a", state="opened", groups=["g"], datafeed_id=None, datafeed_state=None,
                                   deleting=False, blocked=None, node=None, memory_bytes=None)]


def test_describe_with_config_attaches_each_jobs_configurations():
    api = FakeEndpoints("8.15.0", [J("a", datafeed_id="df-a"), J("b")], check_mode=True)
    result = operations.describe_jobs(api, describe_request("a", "b", include_config=True))
    assert [(job["config"], job["datafeed_config"]) for job in result["jobs"]] == [
        (J("a").config(), J("a", datafeed_id="df-a").datafeed_config()), (J("b").config(), None)]


# --- cluster facts ------------------------------------------------------------------------------------

def test_cluster_facts():
    api = FakeEndpoints("8.15.0", check_mode=True)
    assert operations.cluster_facts(api) == dict(
        name="fake", uuid="uuid-1", version="8.15.0", ml_enabled=True, upgrade_mode=False, security_enabled=True,
        username="ml-admin", privileges={"manage_ml": True}, problems=[])
    assert api.calls == [("ml_info",), ("has_privileges", ["manage_ml"])]


def test_cluster_facts_without_security_grants_every_privilege():
    api = FakeEndpoints("8.15.0", check_mode=True)
    api.privileges_answer = Unavailable(ApiError("no handler found for uri [/_security/user/_has_privileges]"))
    facts = operations.cluster_facts(api, privileges=("manage_ml", "monitor"))
    assert (facts["security_enabled"], facts["username"], facts["privileges"], facts["problems"]) == (
        False, None, {"manage_ml": True, "monitor": True}, [])


def test_cluster_facts_names_each_missing_privilege():
    api = FakeEndpoints("8.15.0", check_mode=True)
    api.privileges_answer = {"username": "bob", "cluster": {"monitor": False, "manage_ml": False}}
    facts = operations.cluster_facts(api, privileges=("monitor", "manage_ml"))
    assert facts["problems"] == ["user bob lacks the cluster privilege manage_ml, monitor"]


@pytest.mark.parametrize("error", [AuthenticationFailed("401", status=401), Forbidden("403", status=403),
                                   ApiError("500 exception", status=500, error_type="exception")])
@pytest.mark.parametrize("read", ["ml_info", "has_privileges"])
def test_cluster_facts_fail_closed_on_any_other_error(read, error):
    api = FakeEndpoints("8.15.0", check_mode=True).fail_once(read, error)
    with pytest.raises(type(error)) as exc:
        operations.cluster_facts(api)
    assert exc.value is error


def test_missing_message_is_the_servers_wording():
    assert operations.missing_message(["a", "b"]) == "No known job with id 'a,b'"
    assert str(not_found("job", ["a", "b"])) == operations.missing_message(["a", "b"])
