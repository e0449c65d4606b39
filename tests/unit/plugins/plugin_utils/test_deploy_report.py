# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ml_job_deploy report as plain data: one cluster's outcome from what its tasks registered (ml_job's
loop, and ml_job_open, ml_datafeed_start, ml_datafeed_stop and ml_job_close from their real planners),
the campaign report and its Markdown."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mlops.elasticsearch.plugins.module_utils._jobs import Job
from ansible_collections.mlops.elasticsearch.plugins.module_utils._lifecycle_plans import (
    plan_start,
    plan_stop,
    start_result,
    stop_result,
)
from ansible_collections.mlops.elasticsearch.plugins.module_utils._plans import close_result, plan_close
from ansible_collections.mlops.elasticsearch.plugins.module_utils._releases import Release
from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._deploy_report import REPORT, cluster_outcome
from ansible_collections.mlops.elasticsearch.tests.unit.plugins.plugin_utils.test_deploy_steps import (
    DECLARED,
    DEFINITIONS,
    OPENED,
    definition,
    job_result,
    loop,
    opened,
)

RELEASE = Release((8, 15, 0))
STARTED = 1764584100.0  # 2025-12-01T10:15:00Z
RUN = {"id": "r2", "mode": "run", "started": "2025-12-01T10:15:00Z", "started_ts": STARTED, "previous": {}}
SETTINGS = {"definitions": "/defs", "max_jobs": 100, "recreate": False, "allow_restart": False}
FACTS = {"name": "prod-a", "version": "8.15.0", "username": "ops", "problems": []}
SKIPPED = {"changed": False, "skipped": True, "skip_reason": "Conditional result was False"}
OUTCOME_KEYS = [
    "cluster", "run_id", "mode", "status", "name", "version", "user", "definitions_dir", "definitions",
    "would_create", "created", "would_update", "updated", "would_recreate", "recreated", "would_open", "opened",
    "would_start_datafeeds", "started_datafeeds", "would_stop_datafeeds", "stopped_datafeeds", "would_close",
    "closed", "unchanged", "opening", "starting", "left_running", "refused", "skipped_nodes", "failed", "backup_dir",
    "backups", "started", "duration_s"]


def info(*jobs):
    """ml_job_info's pre-flight read: the cluster and the defined jobs' states before the run."""
    return {"changed": False, "cluster": FACTS, "jobs": [
        {"job_id": job.job_id, "state": job.state, "datafeed_state": job.datafeed_state} for job in jobs]}


# Before the run: closed is closed, running runs, fed is opened without a datafeed, kept is closed.
BEFORE = info(Job("closed"), Job("fed", state="opened"), Job("kept"),
              Job("running", state="opened", datafeed_id="datafeed-running", datafeed_state="started"))


def started(*jobs):
    return start_result(plan_start(list(jobs)), [], [])


def record(check_mode=False, **changes):
    base = {"cluster": "es-a", "run_id": "r2", "check_mode": check_mode, "definitions": DEFINITIONS,
            "definitions_dir": "/defs", "info": BEFORE, "declare": DECLARED, "stop": SKIPPED, "close": SKIPPED,
            "open": OPENED, "start": SKIPPED, "failure": None, "backup_dir": "/report/backups/es-a",
            "started_ts": STARTED, "recorded_ts": STARTED + 3.456}
    base.update(changes)
    return base


def real_run():
    """The real run: every job named, closed/fed/new opened or started now (their planners' predictions)."""
    return cluster_outcome(record(
        open=opened(Job("closed"), Job("fed", state="opened"), Job("new"), Job("running", state="opened")),
        start=started(Job("closed", state="opened", datafeed_id="d-c", datafeed_state="stopped"),
                      Job("fed", state="opened", datafeed_id="d-f", datafeed_state="stopped"),
                      Job("new", state="opened", datafeed_id="d-n", datafeed_state="stopped"),
                      Job("running", state="opened", datafeed_id="d-r", datafeed_state="started"))))


def test_a_real_run_reports_what_the_modules_did():
    outcome = real_run()
    assert list(outcome) == OUTCOME_KEYS
    assert outcome["status"] == "changed" and outcome["mode"] == "run"
    assert (outcome["name"], outcome["version"], outcome["user"]) == ("prod-a", "8.15.0", "ops")
    assert outcome["definitions"] == ["closed", "fed", "kept", "new", "running"]
    assert outcome["definitions_dir"] == "/defs"
    assert outcome["created"] == ["new"]
    # a job whose datafeed alone changed is updated
    assert outcome["updated"] == ["fed", "running"]
    assert outcome["unchanged"] == ["closed", "kept"]
    assert outcome["opened"] == ["closed", "new"]
    assert outcome["started_datafeeds"] == ["closed", "fed", "new"]
    assert all(outcome[key] == [] for key in OUTCOME_KEYS if key.startswith("would_"))
    assert outcome["started"] == "2025-12-01T10:15:00Z" and outcome["duration_s"] == 3.46


def test_check_mode_counts_what_the_steps_could_not_name_as_what_a_run_would_do():
    outcome = cluster_outcome(record(check_mode=True, start=started(
        Job("running", state="opened", datafeed_id="d-r", datafeed_state="started"))))
    assert outcome["status"] == "planned" and outcome["mode"] == "plan"
    assert outcome["would_create"] == ["new"] and outcome["would_update"] == ["fed", "running"]
    assert outcome["would_open"] == ["closed", "new"]
    assert outcome["would_start_datafeeds"] == ["closed", "fed", "new"]
    assert all(outcome[key] == [] for key in ("created", "updated", "opened", "started_datafeeds"))


def test_check_mode_and_the_real_run_report_the_same_jobs():
    plan = cluster_outcome(record(check_mode=True, start=started(
        Job("running", state="opened", datafeed_id="d-r", datafeed_state="started"))))
    run = real_run()
    for done, would in (("created", "would_create"), ("updated", "would_update"), ("opened", "would_open"),
                        ("started_datafeeds", "would_start_datafeeds")):
        assert plan[would] == run[done], done


def test_a_second_run_is_ok():
    definitions = [definition("a"), definition("b", open=False, start=False)]
    outcome = cluster_outcome(record(
        definitions=definitions, declare=loop(job_result("a", "unchanged", "unchanged"), job_result("b", "unchanged")),
        info=info(Job("a", state="opened", datafeed_state="started"), Job("b")),
        open=opened(Job("a", state="opened")),
        start=started(Job("a", state="opened", datafeed_id="d-a", datafeed_state="started"))))
    assert outcome["status"] == "ok"
    assert outcome["unchanged"] == ["a", "b"] and outcome["opened"] == [] and outcome["started_datafeeds"] == []


def test_lazily_opened_jobs_and_their_datafeeds_are_opening_and_starting_and_a_change():
    definitions = [definition("a")]
    open_step = opened(Job("a"))
    open_step.update(opened=[], opening=["a"])
    open_step["jobs"][0].update(action="opened_lazily", state="opening")
    start_step = started(Job("a", state="opening", datafeed_id="d-a", datafeed_state="stopped"))
    start_step["datafeeds"][0]["action"] = "started_lazily"
    start_step.update(started=[], starting=["d-a"], changed=True)
    outcome = cluster_outcome(record(definitions=definitions, declare=loop(job_result("a", "unchanged", "unchanged")),
                                     info=info(Job("a")), open=open_step, start=start_step))
    assert outcome["status"] == "changed"
    assert (outcome["opening"], outcome["starting"]) == (["a"], ["a"])
    assert outcome["opened"] == [] and outcome["started_datafeeds"] == []


def test_running_jobs_and_datafeeds_their_definitions_say_not_running_are_left_running():
    definitions = [definition("job-on", open=False, start=False), definition("feed-on", start=False),
                   definition("job-enforced", open=False, start=False, close=True),
                   definition("feed-enforced", start=False, stop=True), definition("off", open=False, start=False)]
    outcome = cluster_outcome(record(
        definitions=definitions, declare=loop(*[job_result(d["job_id"], "unchanged") for d in definitions]),
        info=info(Job("job-on", state="opened"), Job("feed-on", state="opened", datafeed_state="started"),
                  Job("job-enforced", state="opened"), Job("feed-enforced", state="opened", datafeed_state="started"),
                  Job("off")),
        open=opened(Job("feed-on", state="opened"), Job("feed-enforced", state="opened")),
        stop=stop_result(plan_stop([Job("feed-enforced", state="opened", datafeed_id="d", datafeed_state="started")]),
                         [], []),
        close=close_result(plan_close([Job("job-enforced", state="opened")], False, RELEASE), [])))
    assert outcome["left_running"] == ["job-on", "feed-on"]
    assert outcome["stopped_datafeeds"] == ["feed-enforced"] and outcome["closed"] == ["job-enforced"]
    assert outcome["status"] == "changed"


def test_a_refused_definition_fails_the_cluster_with_each_jobs_reason():
    declared = loop(job_result("a", "created"), job_result("b", "refused", failed=True, msg="Failed to declare the "
                                                                                            "job: bucket_span cannot be updated"))
    failure = {"task": "Create or update each job and its datafeed", "reason": "One or more items failed"}
    outcome = cluster_outcome(record(definitions=[definition("a"), definition("b")], declare=declared,
                                     failure=failure, open=SKIPPED))
    assert outcome["status"] == "failed"
    assert outcome["refused"] == {"b": "Failed to declare the job: bucket_span cannot be updated"}
    assert outcome["failed"] == {"task": failure["task"], "reason": "b: Failed to declare the job: bucket_span cannot "
                                                                    "be updated"}
    assert outcome["created"] == ["a"] and outcome["opened"] == []


def test_another_failure_keeps_its_reason():
    failure = {"task": "Read this cluster's definitions", "reason": "/defs/x.json: not valid JSON (...)"}
    outcome = cluster_outcome(record(definitions=[], declare={}, info={}, open={}, failure=failure))
    assert outcome["failed"] == failure and outcome["status"] == "failed"
    assert outcome["definitions"] == [] and outcome["definitions_dir"] == "/defs" and outcome["name"] is None


def test_the_folder_read_is_the_clusters_own_subfolder():
    definitions = [dict(definition("a"), file="/campaign/backups/es-a/a.json")]
    outcome = cluster_outcome(record(definitions=definitions, declare=loop(job_result("a", "unchanged")),
                                     definitions_dir="/campaign/backups"))
    assert outcome["definitions_dir"] == "/campaign/backups/es-a"


def test_backups_of_recreated_jobs_are_reported():
    result = dict(job_result("a", "recreated"), backup="/report/backups/es-a/a.json")
    outcome = cluster_outcome(record(definitions=[definition("a")], declare=loop(result)))
    assert outcome["recreated"] == ["a"]
    assert outcome["backups"] == {"a": "/report/backups/es-a/a.json"}
    assert outcome["backup_dir"] == "/report/backups/es-a"
    assert cluster_outcome(record())["backup_dir"] is None


def test_skipped_nodes_of_every_step_are_reported_once_each():
    node = {"host": "http://es-1:9200", "reason": "refused"}
    outcome = cluster_outcome(record(info=dict(BEFORE, skipped_nodes=[node]), open=dict(OPENED, skipped_nodes=[node])))
    assert outcome["skipped_nodes"] == [node]


# the campaign report


def fleet():
    nothing = cluster_outcome(record(cluster="es-b", definitions=[], declare={}, info={}, open={}))
    return REPORT.merge(RUN, SETTINGS, [real_run(), nothing], ["es-a", "es-b", "es-c"], STARTED + 5)


def test_the_fleet_report_counts_jobs_per_action():
    report = fleet()
    assert report["report"] == "mlops.elasticsearch.ml_job_deploy"
    totals = report["totals"]
    assert (totals["clusters"], totals["changed"], totals["ok"], totals["pending"]) == (2, 1, 1, 1)
    assert (totals["definitions"], totals["created"], totals["opened"], totals["started_datafeeds"]) == (5, 1, 2, 3)
    assert REPORT.is_report(report)


RUN_MARKDOWN = """\
# ML job deploy report (run)

- Run `r2`, started 2025-12-01T10:15:00Z, updated 2025-12-01T10:15:05Z (5.0 s)
- Definitions: `/defs`
- Max jobs per cluster: 100; recreate: no; allow restart: no

## Totals

| clusters | changed | ok | failed | pending | definitions | created | updated | recreated | opened | started datafeeds |
|---|---|---|---|---|---|---|---|---|---|---|
| 2 | 1 | 1 | 0 | 1 | 5 | 1 | 2 | 0 | 2 | 3 |

## Clusters

| cluster | status | run | definitions | created | updated | recreated | opened | started datafeeds | duration (s) | reason |
|---|---|---|---|---|---|---|---|---|---|---|
| es-a | changed | this run | 5 | 1 | 2 | 0 | 2 | 3 | 3.46 |  |
| es-b | ok | this run | 0 | 0 | 0 | 0 | 0 | 0 | 3.46 |  |

### es-a: changed

- Cluster `prod-a`, Elasticsearch 8.15.0, as user `ops`
- Definitions: 5 in `/defs`
- Created: new
- Updated: fed, running
- Opened: closed, new
- Started datafeeds: closed, fed, new
- Unchanged: closed, kept
- Started 2025-12-01T10:15:00Z, 3.46 s

### es-b: ok

- No definitions for this cluster
- Started 2025-12-01T10:15:00Z, 3.46 s
"""


def test_markdown_of_a_run():
    assert REPORT.markdown(fleet()) == RUN_MARKDOWN


def test_markdown_of_a_plan_says_would():
    plan = cluster_outcome(record(check_mode=True, start=SKIPPED))
    report = REPORT.merge(dict(RUN, mode="plan"), dict(SETTINGS, max_jobs=None), [plan], ["es-a"], STARTED + 1)
    markdown = REPORT.markdown(report)
    lines = markdown.split("\n")
    assert lines[0] == "# ML job deploy report (plan)"
    assert lines[2].startswith("**Plan only (check mode): no cluster was changed.**")
    assert "- Max jobs per cluster: no limit; recreate: no; allow restart: no" in lines
    assert ("| clusters | changed | ok | planned | failed | pending | definitions | would create | would update"
            " | would recreate | would open | would start datafeeds |") in lines
    assert "- Would create: new" in lines and "- Would open: closed, new" in lines
    assert "- Would start datafeeds: closed, fed, new" in lines


def test_markdown_lists_the_rare_lines_only_when_they_name_jobs():
    outcome = dict(real_run(), opening=["a"], starting=["a"], left_running=["b"], refused={"c": "no"},
                   stopped_datafeeds=["d"], closed=["e"], backups={"f": "/r/backups/es-a/f.json"},
                   backup_dir="/r/backups/es-a")
    lines = REPORT.markdown(REPORT.merge(RUN, SETTINGS, [outcome], ["es-a"], STARTED)).split("\n")
    assert "- Stopped datafeeds: d" in lines and "- Closed: e" in lines
    assert "- Opening (waiting for an ML node with room): a" in lines
    assert "- Datafeeds starting (their jobs wait for an ML node): a" in lines
    assert "- Left running (their definitions say not running, without enforce): b" in lines
    assert "- Refused c: no" in lines
    assert "- Configuration backups in `/r/backups/es-a`: f.json" in lines
    plain = REPORT.markdown(fleet())
    for start in ("- Recreated", "- Stopped", "- Closed", "- Opening", "- Datafeeds starting", "- Left running",
                  "- Refused", "- Configuration backups"):
        assert start not in plain, start
