# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ml_job_close main() against scripted HTTP exchanges."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mlops.elasticsearch.plugins.modules import ml_job_close
from ansible_collections.mlops.elasticsearch.tests.unit.utils import es
from ansible_collections.mlops.elasticsearch.tests.unit.utils.scripted_http import Call

CLOSE = "/_ml/anomaly_detectors/%s/_close"


def close_call(ids, reply=None, status=200, **params):
    params.setdefault("timeout", "30m")
    reply = es.CLOSED_TRUE if reply is None else reply
    return Call("POST", CLOSE % ids, params=params, reply=reply, status=status)


def reads(expr, *jobs, **kwargs):
    """GET / and the job reads; ``jobs`` are (job_id, state) or (job_id, state, doc kwargs)."""
    docs = [es.job_doc(j[0], **(j[2] if len(j) > 2 else {})) for j in jobs]
    stats = [es.job_stats(j[0], j[1]) for j in jobs]
    return [es.get_root(kwargs.get("version", "8.15.0"))] + es.read_calls(expr, docs, stats)


def test_opened_job_is_closed_and_changed(run):
    run.http.expect(*reads("web-1*", ("web-1", "opened")))
    run.http.expect(close_call("web-1"))
    result = run.ok(ml_job_close, {"job_id": "web-1"})
    assert result["changed"] is True
    assert result["closed"] == ["web-1"] and result["already_closed"] == [] and result["missing"] == []
    assert result["jobs"] == [dict(job_id="web-1", state_before="opened", state="closed", action="closed",
                                   datafeed_id=None, datafeed_state_before=None)]
    assert "diff" not in result
    # The close is held open by the server up to timeout: the read timeout covers it.
    assert run.http.calls[-1].timeout == (30.0, 1800.0 + 30.0)


def test_several_jobs_are_closed_in_one_request_naming_exact_ids(run):
    run.http.expect(*reads("web-*", ("web-1", "opened"), ("web-2", "closed"), ("web-3", "opening")))
    run.http.expect(close_call("web-1,web-3"))
    result = run.ok(ml_job_close, {"job_id": "web-*"})
    assert result["closed"] == ["web-1", "web-3"] and result["already_closed"] == ["web-2"]


def test_already_closed_job_is_ok_and_nothing_is_posted(run):
    run.http.expect(*reads("web-1*", ("web-1", "closed"), ("web-10", "opened")))
    result = run.ok(ml_job_close, {"job_id": "web-1"})
    assert result["changed"] is False
    assert result["already_closed"] == ["web-1"] and result["closed"] == []
    assert "POST" not in run.http.methods


def test_closing_job_is_waited_for_and_ok(run):
    run.http.expect(*reads("web-1*", ("web-1", "closing")))
    run.http.expect(close_call("web-1"))
    result = run.ok(ml_job_close, {"job_id": "web-1"})
    assert result["changed"] is False
    assert result["already_closed"] == ["web-1"]
    assert result["jobs"][0]["action"] == "waited_for_close" and result["jobs"][0]["state"] == "closed"


def test_failed_job_without_force_fails_before_any_post(run):
    run.http.expect(*reads("web-*", ("web-1", "opened"), ("web-2", "failed")))
    result = run.fails(ml_job_close, {"job_id": "web-*"})
    assert result["msg"].startswith("Failed to close jobs: job [web-2] has state failed")
    assert "force=true" in result["msg"]
    assert "POST" not in run.http.methods
    refused = [j for j in result["jobs"] if j["action"] == "refused"]
    assert [j["job_id"] for j in refused] == ["web-2"]


def test_failed_job_without_force_reports_nothing_closed(run):
    """A failure that sent no close must not claim a change or a closed job."""
    run.http.expect(*reads("web-*", ("web-1", "opened"), ("web-2", "failed")))
    result = run.fails(ml_job_close, {"job_id": "web-*"})
    assert result["changed"] is False
    assert result.get("closed", []) == []
    assert [j["action"] for j in result["jobs"]] == ["skipped", "refused"]


def test_failed_job_with_force_is_closed(run):
    run.http.expect(*reads("web-1*", ("web-1", "failed")))
    run.http.expect(close_call("web-1", force="true", timeout="5m"))
    result = run.ok(ml_job_close, {"job_id": "web-1", "force": True, "timeout": "5m"})
    assert result["changed"] is True and result["closed"] == ["web-1"]
    assert run.http.calls[-1].timeout == (30.0, 300.0 + 30.0)


def test_unknown_id_fails_with_the_servers_wording(run):
    run.http.expect(es.get_root(),
                    *es.read_calls("web-1*,ghost*", [es.job_doc("web-1")], [es.job_stats("web-1", "opened")]))
    result = run.fails(ml_job_close, {"job_id": ["web-1", "ghost"]})
    assert "No known job with id 'ghost'" in result["msg"]
    assert "ignore_missing=true" in result["msg"]
    assert result["status"] == 404 and result["error_type"] == "resource_not_found_exception"
    assert "POST" not in run.http.methods


def test_ignore_missing_reports_missing_and_closes_the_rest(run):
    run.http.expect(es.get_root(),
                    *es.read_calls("web-1*,ghost*", [es.job_doc("web-1")], [es.job_stats("web-1", "opened")]))
    run.http.expect(close_call("web-1"))
    result = run.ok(ml_job_close, {"job_id": "web-1,ghost", "ignore_missing": True})
    assert result["missing"] == ["ghost"] and result["closed"] == ["web-1"]


def test_ignore_missing_with_nothing_there(run):
    run.http.expect(es.get_root(), *es.read_calls("ghost*", [], []))
    result = run.ok(ml_job_close, {"job_id": "ghost", "ignore_missing": True})
    assert (result["changed"], result["missing"], result["jobs"]) == (False, ["ghost"], [])


def test_pattern_matching_nothing_is_ok_by_default(run):
    run.http.expect(es.get_root(), *es.read_calls("batch-*", [], []))
    result = run.ok(ml_job_close, {"job_id": "batch-*"})
    assert (result["changed"], result["jobs"], result["closed"]) == (False, [], [])


def test_pattern_matching_nothing_fails_with_allow_no_match_false(run):
    run.http.expect(es.get_root(), *es.read_calls("batch-*", [], []))
    result = run.fails(ml_job_close, {"job_id": "batch-*", "allow_no_match": False})
    assert "No known job with id 'batch-*' (allow_no_match=false)" in result["msg"]


def test_all_on_an_empty_cluster_with_allow_no_match_false_says_star(run):
    run.http.expect(es.get_root(), *es.read_calls("_all", [], []))
    result = run.fails(ml_job_close, {"job_id": "_all", "allow_no_match": False, "max_jobs": 10})
    assert "No known job with id '*'" in result["msg"]


def test_group_and_exclude(run):
    jobs = [("web-1", "opened", dict(groups=["retired"])), ("web-2", "opened", dict(groups=["retired"])),
            ("retired-keep", "opened", dict(groups=["retired"]))]
    run.http.expect(*reads("retired*", *jobs))
    run.http.expect(close_call("web-1,web-2"))
    result = run.ok(ml_job_close, {"job_id": "retired", "exclude": ["retired-keep"]})
    assert result["closed"] == ["web-1", "web-2"]


def test_check_mode_sends_reads_only_and_predicts(run):
    run.http.expect(*reads("web-*", ("web-1", "opened"), ("web-2", "closed")))
    result = run.ok(ml_job_close, {"job_id": "web-*", "_ansible_check_mode": True})
    assert result["changed"] is True and result["closed"] == ["web-1"]
    assert set(run.http.methods) == {"GET"}
    assert run.client_kwargs[0]["check_mode"] is True


def test_check_mode_reports_the_failure_a_real_run_would_meet(run):
    run.http.expect(*reads("web-1*", ("web-1", "failed")))
    result = run.fails(ml_job_close, {"job_id": "web-1", "_ansible_check_mode": True})
    assert "has state failed" in result["msg"]
    assert set(run.http.methods) == {"GET"}


def test_diff_mode_gives_before_and_after(run):
    run.http.expect(*reads("web-*", ("web-1", "opened", dict(datafeed_id="datafeed-web-1")), ("web-2", "closed")))
    run.http.expect(Call("GET", "/_ml/datafeeds/datafeed-web-1/_stats",
                         reply=es.datafeed_stats_page(es.datafeed_stats("datafeed-web-1", "started"))))
    run.http.expect(close_call("web-1"))
    result = run.ok(ml_job_close, {"job_id": "web-*", "_ansible_diff": True})
    assert result["diff"] == dict(
        before=dict(jobs={"web-1": dict(state="opened", datafeed_state="started"),
                          "web-2": dict(state="closed", datafeed_state=None)}),
        after=dict(jobs={"web-1": dict(state="closed", datafeed_state="stopped"),
                         "web-2": dict(state="closed", datafeed_state=None)}))
    assert result["jobs"][0]["datafeed_state_before"] == "started"


def test_before_7_14_a_started_datafeed_is_stopped_first(run):
    run.http.expect(es.get_root("7.13.4"),
                    *es.read_calls("web-1*", [es.job_doc("web-1", version="7.13.4")], [es.job_stats("web-1", "opened")]))
    run.http.expect(
        Call("GET", "/_ml/datafeeds", reply=es.datafeeds_page(
            es.datafeed_doc("datafeed-web-1", "web-1"), es.datafeed_doc("datafeed-other", "other"))),
        Call("GET", "/_ml/datafeeds/datafeed-web-1/_stats",
             reply=es.datafeed_stats_page(es.datafeed_stats("datafeed-web-1", "started"))),
        Call("POST", "/_ml/datafeeds/datafeed-web-1/_stop", params={"timeout": "30m"}, reply=es.STOPPED_TRUE),
        close_call("web-1"))
    result = run.ok(ml_job_close, {"job_id": "web-1"})
    assert result["closed"] == ["web-1"]


def test_from_7_14_the_server_stops_the_datafeed(run):
    run.http.expect(*reads("web-1*", ("web-1", "opened", dict(datafeed_id="datafeed-web-1")), version="8.15.0"))
    run.http.expect(Call("GET", "/_ml/datafeeds/datafeed-web-1/_stats",
                         reply=es.datafeed_stats_page(es.datafeed_stats("datafeed-web-1", "started"))),
                    close_call("web-1"))
    run.ok(ml_job_close, {"job_id": "web-1"})


def test_6_x_paths_and_no_match_parameter(run):
    run.http.expect(es.get_root("6.8.23"),
                    *es.read_calls("web-1*", [es.job_doc("web-1")], [es.job_stats("web-1", "opened")],
                                   prefix="_xpack/ml", no_match="allow_no_jobs"))
    run.http.expect(Call("GET", "/_xpack/ml/datafeeds", reply=es.datafeeds_page()),
                    Call("POST", "/_xpack/ml/anomaly_detectors/web-1/_close", params={"timeout": "30m"},
                         reply=es.CLOSED_TRUE))
    run.ok(ml_job_close, {"job_id": "web-1"})


def test_a_job_being_deleted_is_left_alone(run):
    run.http.expect(es.get_root(), *es.read_calls(
        "web-1*", [es.job_doc("web-1", deleting=True, blocked={"reason": "delete", "task_id": "n:7"})], []))
    result = run.ok(ml_job_close, {"job_id": "web-1"})
    assert result["changed"] is False and result["jobs"][0]["action"] == "being_deleted"


def test_close_timeout_names_the_job_and_its_state(run):
    run.http.expect(*reads("web-1*", ("web-1", "opened")))
    run.http.expect(
        close_call("web-1", status=500, reply=es.error(500, "illegal_state_exception",
                                                       "Timed out when waiting for persistent tasks after 30m")),
        Call("GET", "/_ml/anomaly_detectors/web-1/_stats", params={"allow_no_match": "true"},
             reply=es.stats_page(es.job_stats("web-1", "closing"))))
    result = run.fails(ml_job_close, {"job_id": "web-1"})
    assert "did not close within timeout 30m: web-1 (closing)" in result["msg"]
    assert "Timed out when waiting for persistent tasks after 30m" in result["msg"]
    assert result["changed"] is False and result["closed"] == []
    assert result["jobs"][0]["action"] == "timed_out" and result["jobs"][0]["state"] == "closing"


def test_close_timeout_reports_the_jobs_it_did_close(run):
    run.http.expect(*reads("web-*", ("web-1", "opened"), ("web-2", "opened")))
    run.http.expect(
        close_call("web-1,web-2", status=500, reply=es.error(500, "illegal_state_exception",
                                                             "Timed out when waiting for persistent tasks after 30m")),
        Call("GET", "/_ml/anomaly_detectors/web-1,web-2/_stats", params={"allow_no_match": "true"},
             reply=es.stats_page(es.job_stats("web-1", "closed"), es.job_stats("web-2", "closing"))))
    result = run.fails(ml_job_close, {"job_id": "web-*"})
    assert "web-2 (closing)" in result["msg"] and "web-1 (" not in result["msg"]
    assert result["changed"] is True and result["closed"] == ["web-1"]
    assert [j["action"] for j in result["jobs"]] == ["closed", "timed_out"]


def test_a_busy_server_is_retried_honouring_retry_after(run):
    busy = es.error(429, "status_exception",
                    "Cannot perform cluster:admin/xpack/ml/job/close action while upgrade mode is enabled")
    run.http.expect(*reads("web-1*", ("web-1", "opened")))
    run.http.expect(Call("POST", CLOSE % "web-1", params={"timeout": "30m"}, status=429, reply=busy,
                         headers={"Retry-After": "3"}),
                    close_call("web-1"))
    result = run.ok(ml_job_close, {"job_id": "web-1"})
    assert result["changed"] is True
    assert run.sleeps == [3.0]
    assert len(run.warnings) == 1 and "HTTP 429" in run.warnings[0]


def test_a_closed_false_answer_is_a_clear_failure(run):
    run.http.expect(*reads("web-1*", ("web-1", "opened")))
    run.http.expect(close_call("web-1", reply={"closed": False}))
    result = run.fails(ml_job_close, {"job_id": "web-1"})
    assert "close of [web-1] answered" in result["msg"] and "instead of closed: true" in result["msg"]


def test_a_bad_id_is_refused_before_any_request(run):
    result = run.fails(ml_job_close, {"job_id": ["web-1", "a/../_all"]})
    assert "'a/../_all'" in result["msg"]
    assert run.http.calls == []


def test_a_bad_timeout_is_refused_before_any_request(run):
    result = run.fails(ml_job_close, {"job_id": "web-1", "timeout": "30 minutes"})
    assert "timeout '30 minutes' is not an Elasticsearch time value" in result["msg"]
    assert run.http.calls == []


@pytest.mark.parametrize("target", ["_all", "*", "web-1,*"])
def test_every_job_of_the_cluster_needs_max_jobs_and_sends_nothing(run, target):
    result = run.fails(ml_job_close, {"job_id": target, "force": True})
    assert "names every job of the cluster: set max_jobs to the most jobs you mean to close" in result["msg"]
    assert run.http.calls == []


def test_every_job_within_max_jobs_is_closed(run):
    run.http.expect(es.get_root(), *es.read_calls("_all", [es.job_doc("a")], [es.job_stats("a", "opened")]))
    run.http.expect(Call("POST", "/_ml/anomaly_detectors/a/_close", params={"timeout": "30m"}, reply=es.CLOSED_TRUE))
    assert run.ok(ml_job_close, {"job_id": "*", "max_jobs": 5})["closed"] == ["a"]


def test_every_job_beyond_max_jobs_closes_none_and_lists_the_matches(run):
    docs = [es.job_doc(job_id) for job_id in ("a", "b", "c")]
    run.http.expect(es.get_root(), *es.read_calls("_all", docs, [es.job_stats(d["job_id"], "opened") for d in docs]))
    result = run.fails(ml_job_close, {"job_id": "_all", "max_jobs": 2})
    assert "the targets match 3 jobs, more than max_jobs=2; nothing was closed. Matches: a, b, c" in result["msg"]
    assert "POST" not in run.http.methods
    assert [job["action"] for job in result["jobs"]] == ["skipped"] * 3
