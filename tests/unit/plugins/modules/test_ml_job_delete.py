# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ml_job_delete main() against scripted HTTP exchanges."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json


from ansible_collections.mlops.elasticsearch.plugins.modules import ml_job_delete
from ansible_collections.mlops.elasticsearch.tests.unit.utils import es
from ansible_collections.mlops.elasticsearch.tests.unit.utils.scripted_http import AnyOrder, Call

JOB = "/_ml/anomaly_detectors/%s"


def delete_call(job_id, reply=None, status=200, **params):
    reply = es.ACK if reply is None else reply
    return Call("DELETE", JOB % job_id, params=params, reply=reply, status=status)


def reads(expr, *jobs, **kwargs):
    """GET / and the job reads; ``jobs`` are (job_id, state) or (job_id, state, doc kwargs)."""
    version = kwargs.get("version", "8.15.0")
    docs = [es.job_doc(j[0], version=version, **(j[2] if len(j) > 2 else {})) for j in jobs]
    stats = [es.job_stats(j[0], j[1]) for j in jobs]
    return [es.get_root(version)] + es.read_calls(expr, docs, stats)


def test_absent_job_is_ok(run):
    run.http.expect(es.get_root(), *es.read_calls("ghost*", [], []))
    result = run.ok(ml_job_delete, {"job_id": "ghost"})
    assert result["changed"] is False
    assert result["already_absent"] == ["ghost"] and result["deleted"] == []
    assert result["jobs"] == [dict(job_id="ghost", state_before=None, state=None, action="already_absent",
                                   datafeed_id=None, datafeed_state_before=None)]


def test_closed_job_is_deleted(run):
    run.http.expect(*reads("web-1*", ("web-1", "closed"), ("web-10", "closed")))
    run.http.expect(delete_call("web-1"))
    result = run.ok(ml_job_delete, {"job_id": "web-1"})
    assert result["changed"] is True
    assert result["deleted"] == ["web-1"] and result["already_absent"] == [] and result["tasks"] == {}
    assert result["jobs"][0]["state_before"] == "closed" and result["jobs"][0]["action"] == "deleted"
    assert run.http.calls[-1].body is None


def test_opened_job_without_force_fails_with_reason_and_hint_and_no_delete(run):
    run.http.expect(*reads("web-1*", ("web-1", "opened")))
    result = run.fails(ml_job_delete, {"job_id": "web-1"})
    assert "Cannot delete job [web-1] because the job is opened" in result["msg"]
    assert "ml_job_close" in result["msg"] and "force=true" in result["msg"]
    assert "DELETE" not in run.http.methods
    assert result["jobs"][0]["action"] == "refused"


def test_opened_job_without_force_reports_nothing_deleted(run):
    run.http.expect(*reads("web-*", ("web-1", "closed"), ("web-2", "opened")))
    result = run.fails(ml_job_delete, {"job_id": "web-*", "resolve_patterns": True})
    assert "DELETE" not in run.http.methods
    assert result["changed"] is False and result.get("deleted", []) == [], \
        "nothing was deleted, yet the failure reports %r" % result.get("deleted")
    assert [j["action"] for j in result["jobs"]] == ["skipped", "refused"]


def test_opened_job_with_force_is_deleted(run):
    run.http.expect(*reads("web-1*", ("web-1", "opened")))
    run.http.expect(delete_call("web-1", force="true"))
    result = run.ok(ml_job_delete, {"job_id": "web-1", "force": True})
    assert result["deleted"] == ["web-1"] and result["jobs"][0]["state_before"] == "opened"


def test_patterns_are_refused_without_resolve_patterns_before_any_request(run):
    for target in ("web-*", "_all", "*"):
        result = run.fails(ml_job_delete, {"job_id": ["web-1", target]})
        assert "'%s' is a pattern" % target in result["msg"] and "resolve_patterns=true" in result["msg"]
    assert run.http.calls == []


def test_a_group_name_is_refused_without_resolve_patterns(run):
    jobs = [("web-1", "closed", dict(groups=["retired"])), ("web-2", "closed", dict(groups=["retired"]))]
    run.http.expect(*reads("retired*", *jobs))
    result = run.fails(ml_job_delete, {"job_id": "retired"})
    assert "job_id 'retired' is a group of jobs ['web-1', 'web-2'], not a job id" in result["msg"]
    assert "DELETE" not in run.http.methods


def test_a_group_is_resolved_with_resolve_patterns(run):
    jobs = [("web-1", "closed", dict(groups=["retired"])), ("web-2", "closed", dict(groups=["retired"]))]
    run.http.expect(*reads("retired*", *jobs))
    run.http.expect(delete_call("web-1"), delete_call("web-2"))
    result = run.ok(ml_job_delete, {"job_id": "retired", "resolve_patterns": True, "concurrency": 1})
    assert result["deleted"] == ["web-1", "web-2"]


def test_max_jobs_guard_deletes_nothing_and_lists_the_matches(run):
    run.http.expect(*reads("web-*", ("web-1", "closed"), ("web-2", "closed"), ("web-3", "closed")))
    result = run.fails(ml_job_delete, {"job_id": "web-*", "resolve_patterns": True, "max_jobs": 2})
    assert "match 3 jobs, more than max_jobs=2; nothing was deleted. Matches: web-1, web-2, web-3" in result["msg"]
    assert "DELETE" not in run.http.methods


def test_exclude_keeps_jobs(run):
    run.http.expect(*reads("web-*", ("web-1", "closed"), ("web-2", "closed", dict(groups=["keep"])),
                           ("web-3", "closed")))
    run.http.expect(delete_call("web-1"), delete_call("web-3"))
    result = run.ok(ml_job_delete, {"job_id": "web-*", "resolve_patterns": True, "exclude": ["keep"],
                                    "max_jobs": 2, "concurrency": 1})
    assert result["deleted"] == ["web-1", "web-3"]


def test_parallel_deletes_each_job_once(run):
    names = ["web-%d" % n for n in range(1, 7)]
    run.http.expect(*reads("web-*", *[(n, "closed") for n in names]))
    run.http.expect(AnyOrder(*[delete_call(n) for n in names]))
    result = run.ok(ml_job_delete, {"job_id": "web-*", "resolve_patterns": True})
    assert sorted(result["deleted"]) == names


def test_wait_for_completion_false_returns_tasks(run):
    run.http.expect(*reads("web-1*", ("web-1", "closed")))
    run.http.expect(delete_call("web-1", reply={"task": "oTUltX4IQMOUUVeiohTt8A:39"}, wait_for_completion="false"))
    result = run.ok(ml_job_delete, {"job_id": "web-1", "wait_for_completion": False})
    assert result["tasks"] == {"web-1": "oTUltX4IQMOUUVeiohTt8A:39"}
    assert result["jobs"][0]["task"] == "oTUltX4IQMOUUVeiohTt8A:39"


def test_delete_user_annotations_on_8_6_fails_before_deleting(run):
    run.http.expect(*reads("web-1*", ("web-1", "closed"), version="8.6.2"))
    result = run.fails(ml_job_delete, {"job_id": "web-1", "delete_user_annotations": True})
    assert "delete_user_annotations needs Elasticsearch 8.7 or later; this cluster runs 8.6.2" in result["msg"]
    assert "DELETE" not in run.http.methods


def test_delete_user_annotations_on_8_7_is_sent(run):
    run.http.expect(*reads("web-1*", ("web-1", "closed"), version="8.7.0"))
    run.http.expect(delete_call("web-1", delete_user_annotations="true"))
    run.ok(ml_job_delete, {"job_id": "web-1", "delete_user_annotations": True})


def test_404_on_delete_means_already_absent(run):
    run.http.expect(*reads("web-1*", ("web-1", "closed")))
    run.http.expect(delete_call("web-1", status=404, reply=es.no_job("web-1")))
    result = run.ok(ml_job_delete, {"job_id": "web-1"})
    assert result["changed"] is False
    assert result["already_absent"] == ["web-1"] and result["deleted"] == []


def test_version_conflict_on_delete_is_retried(run):
    conflict = es.error(409, "version_conflict_engine_exception",
                        "[anomaly_detector-web-1]: version conflict, required seqNo [12], primary term [1]. "
                        "current document has seqNo [13] and primary term [1]")
    run.http.expect(*reads("web-1*", ("web-1", "closed")))
    run.http.expect(delete_call("web-1", status=409, reply=conflict), delete_call("web-1"))
    result = run.ok(ml_job_delete, {"job_id": "web-1"})
    assert result["changed"] is True and result["deleted"] == ["web-1"]
    assert len(run.sleeps) == 1


def test_a_409_from_the_server_on_delete_is_reported_per_job(run):
    run.http.expect(*reads("web-1*", ("web-1", "closed")))
    run.http.expect(delete_call("web-1", status=409, reply=es.error(
        409, "status_exception", "Cannot delete job [web-1] because the job is opened")))
    result = run.fails(ml_job_delete, {"job_id": "web-1"})
    assert "DELETE /_ml/anomaly_detectors/web-1 returned HTTP 409 status_exception" in result["msg"]
    assert result["jobs"][0]["action"] == "refused" and result["changed"] is False
    assert len(run.http.calls) == 4


def test_closing_job_is_waited_for_then_deleted(run):
    run.http.expect(*reads("web-1*", ("web-1", "closing")))
    stats = "/_ml/anomaly_detectors/web-1/_stats"
    run.http.expect(
        Call("GET", stats, params={"allow_no_match": "true"}, reply=es.stats_page(es.job_stats("web-1", "closing"))),
        Call("GET", stats, params={"allow_no_match": "true"}, reply=es.stats_page(es.job_stats("web-1", "closing"))),
        Call("GET", stats, params={"allow_no_match": "true"}, reply=es.stats_page(es.job_stats("web-1", "closed"))),
        delete_call("web-1"))
    result = run.ok(ml_job_delete, {"job_id": "web-1"})
    assert result["deleted"] == ["web-1"]
    assert len(run.sleeps) == 2


def test_a_job_being_deleted_is_ok_and_waited_for(run):
    run.http.expect(es.get_root(), *es.read_calls(
        "web-1*", [es.job_doc("web-1", deleting=True, blocked={"reason": "delete", "task_id": "n:7"})], []))
    run.http.expect(delete_call("web-1"))
    result = run.ok(ml_job_delete, {"job_id": "web-1"})
    assert result["changed"] is False and result["being_deleted"] == ["web-1"]
    # The repeated delete waited for the running one: the job is reported gone.
    assert result["jobs"][0]["state"] is None and result["jobs"][0]["action"] == "being_deleted"


def test_up_to_7_14_the_datafeed_is_deleted_first(run):
    run.http.expect(*reads("web-1*", ("web-1", "closed"), version="7.14.2"))
    run.http.expect(
        Call("GET", "/_ml/datafeeds", reply=es.datafeeds_page(es.datafeed_doc("datafeed-web-1", "web-1"))),
        Call("GET", "/_ml/datafeeds/datafeed-web-1/_stats",
             reply=es.datafeed_stats_page(es.datafeed_stats("datafeed-web-1", "stopped"))),
        Call("DELETE", "/_ml/datafeeds/datafeed-web-1", reply=es.ACK),
        delete_call("web-1"))
    result = run.ok(ml_job_delete, {"job_id": "web-1"})
    assert result["deleted"] == ["web-1"] and result["jobs"][0]["datafeed_id"] == "datafeed-web-1"


def test_up_to_7_14_a_started_datafeed_without_force_is_refused(run):
    run.http.expect(*reads("web-1*", ("web-1", "opened"), version="7.14.2"))
    run.http.expect(
        Call("GET", "/_ml/datafeeds", reply=es.datafeeds_page(es.datafeed_doc("datafeed-web-1", "web-1"))),
        Call("GET", "/_ml/datafeeds/datafeed-web-1/_stats",
             reply=es.datafeed_stats_page(es.datafeed_stats("datafeed-web-1", "started"))))
    result = run.fails(ml_job_delete, {"job_id": "web-1"})
    assert "job [web-1] has datafeed [datafeed-web-1] in state started" in result["msg"]
    assert "DELETE" not in run.http.methods


def test_check_mode_sends_reads_only(run):
    run.http.expect(*reads("web-1*", ("web-1", "closed")))
    result = run.ok(ml_job_delete, {"job_id": "web-1", "_ansible_check_mode": True, "_ansible_diff": True})
    assert result["changed"] is True and result["deleted"] == ["web-1"]
    assert set(run.http.methods) == {"GET"}
    assert result["diff"] == dict(before=dict(jobs={"web-1": dict(state="closed", datafeed_state=None)}),
                                  after=dict(jobs={}))


def test_check_mode_reports_the_failure_a_real_run_would_meet(run):
    run.http.expect(*reads("web-1*", ("web-1", "opened")))
    result = run.fails(ml_job_delete, {"job_id": "web-1", "_ansible_check_mode": True})
    assert "because the job is opened" in result["msg"]
    assert set(run.http.methods) == {"GET"}


def test_backup_dir_saves_configs_and_states_before_deleting(run, tmp_path):
    run.http.expect(*reads("web-1*", ("web-1", "closed", dict(datafeed_id="datafeed-web-1"))))
    # Backups record the datafeed's state too, so a restore can start what was started.
    run.http.expect(Call("GET", "/_ml/datafeeds/datafeed-web-1/_stats",
                         reply=es.datafeed_stats_page(es.datafeed_stats("datafeed-web-1", "stopped"))))
    # exclude_generated drops the embedded datafeed_config: the datafeed is read on its own.
    config = es.job_doc("web-1")
    run.http.expect(Call("GET", JOB % "web-1*", params={"exclude_generated": "true", "allow_no_match": "true"},
                         reply=es.jobs_page(config)),
                    Call("GET", "/_ml/datafeeds/datafeed-web-1", params={"exclude_generated": "true"},
                         reply=es.datafeeds_page(es.datafeed_doc("datafeed-web-1", "web-1"))),
                    delete_call("web-1"))
    backup = tmp_path / "ml"
    result = run.ok(ml_job_delete, {"job_id": "web-1", "backup_dir": str(backup)})
    saved = json.loads((backup / "web-1.json").read_text())
    assert saved["datafeed"]["datafeed_id"] == "datafeed-web-1" and saved["job"]["job_id"] == "web-1"
    assert saved["state"] == {"job": "closed", "datafeed": "stopped"}
    assert result["backups"] == {"web-1": str(backup / "web-1.json")}
    assert [c.method for c in run.http.calls[-2:]] == ["GET", "DELETE"]
