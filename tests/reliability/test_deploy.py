# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A decommissioning campaign and its restore, end to end: a fleet of 7.x, 8.x and 9.x clusters whose
jobs were made with Elasticsearch's own APIs (opened and closed, datafeeds started and stopped, a
spread of configuration fields), decommissioned with mlops.elasticsearch.decommission, then restored
with mlops.elasticsearch.deploy pointed at the campaign's backups folder: a plan first, the restore,
and the same command again. Every job must come back with the configuration it had (compared as
GET ...?exclude_generated=true returns it) and in the states it had."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

import pytest

from es_ml_simulator import start_fleet

from harness import Sim, finish_playbook, start_playbook

RELEASES = {"es713": "7.13.0", "es7": "7.17.0", "es8": "8.15.0", "es9": "9.0.0"}
KEPT = "keep-me"


def job_body(**fields):
    body = {"analysis_config": {"bucket_span": "15m", "detectors": [{"function": "count"}]},
            "data_description": {"time_field": "timestamp"}}
    body.update(fields)
    return body


# job_id -> (job body, datafeed body or None, job state, datafeed state): each made by PUT, then
# _open and _start as its states say.
JOBS = {
    "rt-web": (job_body(
        description="Requests per host", groups=["web", "rt"],
        analysis_config={"bucket_span": "30m", "influencers": ["host"], "detectors": [
            {"function": "mean", "field_name": "bytes", "by_field_name": "host", "detector_description": "bytes"},
            {"function": "nzc", "over_field_name": "client"}]},
        analysis_limits={"model_memory_limit": "64MB"}, model_plot_config={"enabled": True},
        results_retention_days=30, custom_settings={"owner": "web-team"}),
        {"indices": ["web-logs-*"], "query": {"term": {"service": "web"}}, "scroll_size": 500, "frequency": "150s"},
        "opened", "started"),
    "rt-latency": (job_body(
        analysis_config={"bucket_span": "5m", "detectors": [{"function": "high_mean", "field_name": "latency"}]},
        analysis_limits={"model_memory_limit": "1gb"}, allow_lazy_open=True, model_snapshot_retention_days=3),
        {"indices": ["web-logs-*"], "query_delay": "90s", "delayed_data_check_config": {"enabled": False}},
        "opened", "stopped"),
    "rt-categories": (job_body(
        analysis_config={"bucket_span": "1h", "categorization_field_name": "message",
                         "detectors": [{"function": "count", "by_field_name": "mlcategory"}]},
        daily_model_snapshot_retention_after_days=2),
        {"indices": ["app-logs"]}, "closed", "stopped"),
    "rt-batch": (job_body(description="Nightly batch", results_index_name="batch"), None, "closed", None),
}


def make_jobs(sim):
    """The jobs of JOBS, and one not targeted (running), made as a user would make them."""
    for job_id, (job, datafeed, state, datafeed_state) in sorted(JOBS.items()) + [
            (KEPT, (job_body(), {"indices": ["x"]}, "opened", "started"))]:
        sim.api("PUT", "/_ml/anomaly_detectors/" + job_id, job)
        if datafeed is not None:
            sim.api("PUT", "/_ml/datafeeds/datafeed-" + job_id, dict(datafeed, job_id=job_id))
        if state == "opened":
            sim.api("POST", "/_ml/anomaly_detectors/%s/_open" % job_id)
        if datafeed_state == "started":
            sim.api("POST", "/_ml/datafeeds/datafeed-%s/_start" % job_id)
    sim.clear_requests()


def exported(sim):
    """What Elasticsearch exports of every job and datafeed: job_id -> {job, datafeed}, as
    GET ...?exclude_generated=true returns them."""
    jobs = sim.api("GET", "/_ml/anomaly_detectors/_all?exclude_generated=true")["jobs"]
    datafeeds = dict((d["job_id"], d) for d in sim.api("GET", "/_ml/datafeeds/_all?exclude_generated=true")["datafeeds"])
    return dict((job["job_id"], {"job": job, "datafeed": datafeeds.get(job["job_id"])}) for job in jobs)


def states(sim):
    """job_id -> "job state/datafeed state" from the simulator's own view."""
    return dict((job["job_id"], "%s/%s" % (job["state"], (job["datafeed"] or {}).get("state")))
                for job in sim.state()["jobs"])


def run(workdir, playbook, clusters, extra, *args):
    inventory = os.path.join(workdir, "inventory.json")
    with open(inventory, "w") as stream:
        json.dump({"all": {"hosts": dict((name, {"elasticsearch_hosts": [sim.url]})
                                         for name, sim in clusters.items())}}, stream)
    return finish_playbook(start_playbook(workdir, playbook, inventory=inventory,
                                          extra_args=["-e", json.dumps(extra)] + list(args)))


def recap(result):
    return dict((host, dict((key, int(value)) for key, value in re.findall(r"(\w+)=(\d+)", fields)))
                for host, fields in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", result.stdout, re.M))


def mutations(clusters):
    return dict((name, ["%s %s" % (e["method"], e["path"]) for e in sim.requests() if e["method"] != "GET"])
                for name, sim in clusters.items())


@pytest.fixture(scope="module")
def campaign(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("roundtrip"))
    fleets = [start_fleet(clusters=1, es_version=version) for version in RELEASES.values()]
    try:
        clusters = dict((name, Sim(fleet.clusters[0].url)) for name, fleet in zip(RELEASES, fleets))
        for sim in clusters.values():
            make_jobs(sim)
        done = {"before": dict((name, exported(sim)) for name, sim in clusters.items()),
                "states_before": dict((name, states(sim)) for name, sim in clusters.items())}
        report_dir = os.path.join(workdir, "campaign")
        done["decommission"] = run(workdir, "mlops.elasticsearch.decommission", clusters, {
            "ml_job_decommission_jobs": ["rt-*"], "ml_job_decommission_report_dir": report_dir})
        done["states_decommissioned"] = dict((name, states(sim)) for name, sim in clusters.items())
        restore = {"ml_job_deploy_definitions": os.path.join(report_dir, "backups"),
                   "ml_job_deploy_report_dir": os.path.join(workdir, "restore")}
        for sim in clusters.values():
            sim.clear_requests()
        done["plan"] = run(workdir, "mlops.elasticsearch.deploy", clusters, restore, "--check", "--diff")
        done["plan_mutations"] = mutations(clusters)
        with open(os.path.join(workdir, "restore", "report.json")) as stream:
            done["plan_report"] = json.load(stream)
        done["plan_states"] = dict((name, states(sim)) for name, sim in clusters.items())
        for sim in clusters.values():
            sim.clear_requests()
        done["restore"] = run(workdir, "mlops.elasticsearch.deploy", clusters, restore)
        done["restore_mutations"] = mutations(clusters)
        done["after"] = dict((name, exported(sim)) for name, sim in clusters.items())
        done["states_after"] = dict((name, states(sim)) for name, sim in clusters.items())
        for sim in clusters.values():
            sim.clear_requests()
        done["again"] = run(workdir, "mlops.elasticsearch.deploy", clusters, restore)
        done["again_mutations"] = mutations(clusters)
        with open(os.path.join(workdir, "restore", "report.json")) as stream:
            done["report"] = json.load(stream)
        yield done
    finally:
        for fleet in fleets:
            fleet.stop()


def test_a_decommissioned_fleet_is_restored_as_it_was(campaign, record):
    decommissioned, restored = campaign["decommission"], campaign["restore"]
    states_after = json.dumps(campaign["states_after"]["es8"], sort_keys=True)
    differing = ["%s on %s" % (job_id, name) for name in RELEASES for job_id in JOBS
                 if campaign["after"][name].get(job_id) != campaign["before"][name][job_id]]
    record("Decommission, then restore the campaign", "%d clusters (%s), each with jobs made by PUT/_open/_start: "
           "opened and started, opened with a stopped datafeed, closed with and without datafeeds, a categorization "
           "job, units and short names; decommissioned (`rt-*`), then `mlops.elasticsearch.deploy` with "
           "`ml_job_deploy_definitions: <report_dir>/backups`" % (len(RELEASES), ", ".join(sorted(RELEASES.values()))),
           "decommission rc %s, restore rc %s; %d of %d jobs' exclude_generated configuration differ%s; states after: %s"
           % (decommissioned.rc, restored.rc, len(differing), len(JOBS) * len(RELEASES),
              " (%s)" % ", ".join(differing) if differing else "", states_after),
           "", ["%s: %s" % (name, ", ".join(sorted(sent))) for name, sent in sorted(campaign["restore_mutations"].items())])
    assert decommissioned.rc == 0, decommissioned.output[-3000:]
    assert all(sorted(found) == [KEPT] for found in campaign["states_decommissioned"].values())
    assert restored.rc == 0, restored.output[-3000:]
    assert differing == []
    # jobs opened and datafeeds started as they were, the closed ones closed, the job not targeted untouched
    assert campaign["states_after"] == campaign["states_before"]
    for name, sent in campaign["restore_mutations"].items():
        assert not [request for request in sent if KEPT in request], (name, sent)
    assert "Traceback" not in decommissioned.output + restored.output


def test_the_restore_plan_reads_only_and_says_what_the_restore_does(campaign, record):
    plan, report = campaign["plan"], campaign["plan_report"]
    entries = dict((entry["cluster"], entry) for entry in report["clusters"])
    record("Restore plan (--check --diff)", "the restore command of the campaign with `--check --diff`",
           "rc %s; statuses %s; would create %s, would open %s, would start datafeeds of %s per cluster" % (
               plan.rc, sorted(set(e["status"] for e in entries.values())), entries["es8"]["would_create"],
               entries["es8"]["would_open"], entries["es8"]["would_start_datafeeds"]),
           "", ["%s: %s" % (name, sent or "(GET requests only)") for name, sent in sorted(campaign["plan_mutations"].items())])
    assert plan.rc == 0, plan.output[-3000:]
    assert all(sent == [] for sent in campaign["plan_mutations"].values())
    assert campaign["plan_states"] == campaign["states_decommissioned"]
    assert report["mode"] == "plan" and all(e["status"] == "planned" for e in entries.values())
    running = sorted(job_id for job_id, (dummy, dummy_feed, state, dummy_state) in JOBS.items() if state == "opened")
    started = sorted(job_id for job_id, (dummy, dummy_feed, dummy_s, state) in JOBS.items() if state == "started")
    for entry in entries.values():
        assert entry["would_create"] == sorted(JOBS)
        assert entry["would_open"] == running and entry["would_start_datafeeds"] == started
    # --diff shows each job's declared keys, created from nothing
    assert re.search(r'\+\s+"job_id": "rt-web"', plan.stdout)
    # the same jobs a real run then reports
    done = dict((entry["cluster"], entry) for entry in campaign["report"]["clusters"])
    assert campaign["report"]["previous_run"]["mode"] == "run"
    assert all(done[name]["status"] == "ok" for name in RELEASES)


def test_restoring_again_changes_nothing(campaign, record):
    again, report = campaign["again"], campaign["report"]
    counts = recap(again)
    record("Restore again", "the same restore command once more",
           "rc %s; changed per cluster %s; report statuses %s" % (
               again.rc, dict((name, counts[name]["changed"]) for name in RELEASES),
               sorted(set(entry["status"] for entry in report["clusters"]))),
           "", ["%s: %s" % (name, sent or "(GET requests only)") for name, sent in sorted(campaign["again_mutations"].items())])
    assert again.rc == 0, again.output[-3000:]
    assert all(counts[name]["changed"] == 0 for name in RELEASES)
    assert all(sent == [] for sent in campaign["again_mutations"].values())
    assert all(entry["unchanged"] == sorted(JOBS) for entry in report["clusters"])
