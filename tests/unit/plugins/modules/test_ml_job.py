# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ml_job main() against scripted HTTP exchanges."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json

from ansible_collections.mlops.elasticsearch.plugins.modules import ml_job
from ansible_collections.mlops.elasticsearch.tests.unit.utils import es
from ansible_collections.mlops.elasticsearch.tests.unit.utils.scripted_http import Call

JOB = "/_ml/anomaly_detectors/web"
EXPORT = {"allow_no_match": "true", "exclude_generated": "true"}
CONFIG = {
    "description": "requests",
    "analysis_config": {"bucket_span": "15m", "detectors": [{"function": "count"}]},
    "analysis_limits": {"model_memory_limit": "1gb"},
    "data_description": {"time_field": "timestamp"},
}


def stored(**changes):
    """The job as GET ...?exclude_generated=true shows CONFIG once created."""
    doc = {
        "job_id": "web", "description": "requests",
        "analysis_config": {"bucket_span": "15m", "detectors": [
            {"detector_description": "count", "function": "count", "detector_index": 0}], "influencers": []},
        "analysis_limits": {"model_memory_limit": "1024mb", "categorization_examples_limit": 4},
        "data_description": {"time_field": "timestamp", "time_format": "epoch_ms"},
        "model_snapshot_retention_days": 10, "daily_model_snapshot_retention_after_days": 1,
        "results_index_name": "shared", "allow_lazy_open": False,
    }
    doc.update(changes)
    return doc


def read_config(doc=None, version="8.15.0"):
    """GET / and the export read of job web (a 404 without ``doc``)."""
    if doc is None:
        config = Call("GET", JOB, params=EXPORT, status=404, reply=es.no_job("web"))
    else:
        config = Call("GET", JOB, params=EXPORT, reply=es.jobs_page(doc))
    return [es.get_root(version), config]


def read_state(state, datafeed_state=None):
    """What the module reads of the job's state: jobs, stats and its datafeed's stats."""
    datafeed_id = "datafeed-web" if datafeed_state else None
    calls = es.read_calls("web*", [es.job_doc("web", datafeed_id=datafeed_id)], [es.job_stats("web", state)])
    if datafeed_state:
        calls.append(Call("GET", "/_ml/datafeeds/datafeed-web/_stats",
                          reply=es.datafeed_stats_page(es.datafeed_stats("datafeed-web", datafeed_state))))
    return calls


def args(**extra):
    return dict(dict(job_id="web", config=copy.deepcopy(CONFIG)), **extra)


def test_a_missing_job_is_created_from_its_config(run):
    run.http.expect(*read_config())
    run.http.expect(Call("PUT", JOB, body=CONFIG, reply=stored()))
    result = run.ok(ml_job, dict(args(), _ansible_diff=True))
    assert (result["changed"], result["action"], result["update_body"]) == (True, "created", {})
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["analysis_limits"] == {"model_memory_limit": "1024mb"}


def test_a_second_run_is_ok_and_sends_nothing(run):
    run.http.expect(*read_config(stored()))
    result = run.ok(ml_job, args())
    assert (result["changed"], result["action"], result["changed_keys"]) == (False, "unchanged", [])
    assert run.http.methods == ["GET", "GET"]


def test_changed_updatable_keys_are_sent_alone_with_their_diff(run):
    run.http.expect(*read_config(stored()))
    run.http.expect(Call("POST", JOB + "/_update", body={"description": "errors", "groups": ["web"]},
                         reply=stored(description="errors", groups=["web"])))
    result = run.ok(ml_job, args(config=dict(CONFIG, description="errors", groups=["web"]), _ansible_diff=True))
    assert (result["changed"], result["action"]) == (True, "updated")
    assert result["changed_keys"] == ["description", "groups"]
    assert result["diff"]["before"]["description"] == "requests" and result["diff"]["before"]["groups"] == []
    assert result["diff"]["after"]["description"] == "errors" and result["diff"]["after"]["groups"] == ["web"]


def test_check_mode_plans_the_update_with_gets_only(run):
    run.http.expect(*read_config(stored()))
    result = run.ok(ml_job, args(config=dict(CONFIG, description="errors"), _ansible_check_mode=True))
    assert (result["changed"], result["action"], result["update_body"]) == (True, "updated", {"description": "errors"})
    assert set(run.http.methods) == {"GET"}


def test_check_mode_plans_a_create(run):
    run.http.expect(*read_config())
    result = run.ok(ml_job, args(_ansible_check_mode=True))
    assert (result["changed"], result["action"]) == (True, "created")


def test_a_field_update_cannot_change_is_refused_with_its_name(run):
    run.http.expect(*read_config(stored()))
    config = dict(CONFIG, analysis_config={"bucket_span": "30m", "detectors": [{"function": "count"}]})
    result = run.fails(ml_job, args(config=config))
    assert result["msg"] == ("Failed to declare the job: analysis_config.bucket_span cannot be updated (Elasticsearch's "
                             "_update does not take them); set recreate=true to back the job up, delete it and "
                             "create it again (its results and model state are lost)")
    assert (result["action"], result["changed"], result["not_updatable"]) == (
        "refused", False, ["analysis_config.bucket_span"])
    assert set(run.http.methods) == {"GET"}


def test_recreate_needs_a_backup_dir_before_any_request(run):
    result = run.fails(ml_job, args(recreate=True))
    assert "recreate=true needs backup_dir" in result["msg"] and run.http.calls == []


def test_the_memory_limit_of_an_opened_job_is_refused_naming_the_state(run):
    run.http.expect(*read_config(stored()))
    run.http.expect(*read_state("opened"))
    result = run.fails(ml_job, args(config=dict(CONFIG, analysis_limits={"model_memory_limit": "2gb"})))
    assert "analysis_limits.model_memory_limit can be updated only while the job is not opened, and job [web] is " \
           "opened" in result["msg"] and "allow_restart=true" in result["msg"]
    assert set(run.http.methods) == {"GET"}


def test_the_memory_limit_of_a_closed_job_is_updated(run):
    run.http.expect(*read_config(stored()))
    run.http.expect(*read_state("closed"))
    run.http.expect(Call("POST", JOB + "/_update", body={"analysis_limits": {"model_memory_limit": "2048mb"}},
                         reply=stored()))
    result = run.ok(ml_job, args(config=dict(CONFIG, analysis_limits={"model_memory_limit": "2gb"})))
    assert (result["action"], result["restarted"]) == ("updated", False)


def test_allow_restart_closes_updates_opens_and_restarts_the_datafeed(run):
    run.http.expect(*read_config(stored()))
    run.http.expect(*read_state("opened", "started"))
    # ml_job_close's operation: its own read, then the close (7.14+ stops the datafeed itself).
    run.http.expect(*read_state("opened", "started"))
    run.http.expect(Call("POST", JOB + "/_close", params={"timeout": "30m"}, reply=es.CLOSED_TRUE))
    run.http.expect(Call("POST", JOB + "/_update", body={"analysis_limits": {"model_memory_limit": "2048mb"}},
                         reply=stored()))
    run.http.expect(Call("POST", JOB + "/_open", params={"timeout": "30m"}, reply={"opened": True, "node": "n1"}))
    run.http.expect(Call("POST", "/_ml/datafeeds/datafeed-web/_start", params={"timeout": "30m"},
                         reply={"started": True, "node": "n1"}))
    result = run.ok(ml_job, args(config=dict(CONFIG, analysis_limits={"model_memory_limit": "2gb"}),
                                 allow_restart=True))
    assert (result["changed"], result["action"], result["restarted"]) == (True, "updated", True)


def test_recreate_backs_up_deletes_creates_and_puts_the_datafeed_back(run, tmp_path):
    datafeed = {"datafeed_id": "datafeed-web", "job_id": "web", "indices": ["logs-*"]}
    run.http.expect(*read_config(stored()))
    run.http.expect(*read_state("closed", "stopped"))
    # The configuration to put back, as the backup holds it.
    backup_reads = [Call("GET", JOB + "*", params=EXPORT, reply=es.jobs_page(stored())),
                    Call("GET", "/_ml/datafeeds/datafeed-web", params={"exclude_generated": "true"},
                         reply=es.datafeeds_page(datafeed))]
    run.http.expect(*backup_reads)
    # ml_job_delete's operation with close_first and backup_dir.
    run.http.expect(*read_state("closed", "stopped"))
    run.http.expect(*backup_reads)
    run.http.expect(Call("DELETE", JOB, reply=es.ACK))
    config = dict(CONFIG, analysis_config={"bucket_span": "30m", "detectors": [{"function": "count"}]})
    run.http.expect(Call("PUT", JOB, body=config, reply=stored()),
                    Call("PUT", "/_ml/datafeeds/datafeed-web", body=datafeed, reply=datafeed))
    result = run.ok(ml_job, args(config=config, recreate=True, backup_dir=str(tmp_path)))
    assert (result["changed"], result["action"], result["restarted"]) == (True, "recreated", False)
    assert result["backup"] == str(tmp_path / "web.json")
    backup = json.loads((tmp_path / "web.json").read_text())
    assert backup["job"] == stored() and backup["datafeed"] == datafeed
    assert backup["state"] == {"job": "closed", "datafeed": "stopped"}


def test_an_embedded_datafeed_is_created_with_the_job(run):
    config = dict(CONFIG, datafeed_config={"datafeed_id": "datafeed-web", "indices": ["logs-*"]})
    run.http.expect(*read_config())
    run.http.expect(Call("PUT", JOB, body=config, reply=stored()))
    result = run.ok(ml_job, args(config=config))
    assert result["datafeed"]["action"] == "created" and result["datafeed"]["datafeed_id"] == "datafeed-web"


def test_before_7_11_the_datafeed_is_created_after_the_job(run):
    config = dict(CONFIG, datafeed_config={"indices": ["logs-*"]})
    run.http.expect(es.get_root("7.10.2"), Call("GET", JOB, params={"allow_no_match": "true"}, status=404,
                                                reply=es.no_job("web")))
    run.http.expect(Call("PUT", JOB, body=CONFIG, reply=stored()),
                    Call("PUT", "/_ml/datafeeds/web", body={"indices": ["logs-*"], "job_id": "web"}, reply={}))
    run.ok(ml_job, args(config=config))


def test_an_embedded_datafeed_of_an_existing_job_is_declared_as_ml_datafeed_does(run):
    config = dict(CONFIG, datafeed_config={"datafeed_id": "datafeed-web", "indices": ["logs-*"], "scroll_size": 10})
    run.http.expect(*read_config(stored()))
    run.http.expect(Call("GET", "/_ml/datafeeds/datafeed-web", reply=es.datafeeds_page(
        es.datafeed_doc("datafeed-web", "web"))))
    run.http.expect(Call("GET", "/_ml/datafeeds/datafeed-web/_stats",
                         reply=es.datafeed_stats_page(es.datafeed_stats("datafeed-web", "stopped"))))
    run.http.expect(Call("POST", "/_ml/datafeeds/datafeed-web/_update", body={"scroll_size": 10}, reply={}))
    result = run.ok(ml_job, args(config=config, _ansible_diff=True))
    assert (result["changed"], result["action"]) == (True, "unchanged")
    assert result["datafeed"]["changed_keys"] == ["scroll_size"]
    assert result["diff"]["before"]["datafeed_config"] == {
        "datafeed_id": "datafeed-web", "job_id": "web", "indices": ["logs-*"], "scroll_size": 1000}


def test_a_job_being_deleted_is_refused(run):
    run.http.expect(*read_config(stored(blocked={"reason": "delete", "task_id": "n:1"})))
    result = run.fails(ml_job, args())
    assert "job [web] is executing [delete]; run the task again once that has finished" in result["msg"]


def test_absent_deletes_closing_it_first(run):
    run.http.expect(*read_config(stored()))
    run.http.expect(*read_state("opened"))
    run.http.expect(Call("POST", JOB + "/_close", params={"timeout": "30m"}, reply=es.CLOSED_TRUE))
    run.http.expect(Call("DELETE", JOB, reply=es.ACK))
    result = run.ok(ml_job, dict(job_id="web", state="absent", _ansible_diff=True))
    assert (result["changed"], result["action"], result["closed_first"]) == (True, "deleted", True)
    assert result["diff"]["after"] == {} and result["diff"]["before"]["description"] == "requests"


def test_absent_of_a_missing_job_is_ok(run):
    run.http.expect(*read_config())
    result = run.ok(ml_job, dict(job_id="web", state="absent"))
    assert (result["changed"], result["action"]) == (False, "already_absent")
