# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ml_job_decommission report as plain data: one cluster's outcome, the fleet report and its
Markdown, checked on concrete values and, for the Markdown, against the Jinja template it replaced."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import jinja2
import pytest

from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._decommission_report import (
    cluster_outcome,
    fleet_report,
    report_markdown,
)

STARTED = 1764584100.0  # 2025-12-01T10:15:00Z
TARGETS = {"jobs": ["old-*"], "exclude": ["old-keep"], "delete": True}
BACKUPS = "/srv/report/backups/es-a"
FAILURE = {"task": "Close the jobs", "reason": "timed out"}
RUN = {"id": "r2", "mode": "run", "started": "2025-12-01T10:15:00Z", "started_ts": STARTED, "previous": {}}
SETTINGS = {"jobs": ["old-*"], "exclude": ["old-keep"], "delete": True, "force": False, "max_jobs": 10,
            "close_timeout": "30m"}
PREVIOUS_REPORT = {"report": "mlops.elasticsearch.ml_job_decommission", "mode": "plan", "run_id": "r1",
                   "started": "2025-11-30T08:00:00Z", "updated": "2025-11-30T08:00:04Z", "duration_s": 4.0,
                   "previous_run": None, "settings": SETTINGS, "totals": {}, "clusters": []}


def job(job_id, state="opened", deleting=False):
    return {"job_id": job_id, "state": state, "deleting": deleting}


def plan(*jobs, **kwargs):
    cluster = kwargs.get("cluster", {"name": "prod-a", "version": "8.15.0", "username": "ops"})
    return {"cluster": cluster, "jobs": list(jobs), "missing": kwargs.get("missing", [])}


def record(**changes):
    base = dict(cluster="es-a", run_id="r2", check_mode=False, targets=dict(TARGETS), plan=plan(), close={},
                delete={}, left=[], failure=None, previous_report={}, backup_dir=BACKUPS, backup_files=[],
                started_ts=STARTED, recorded_ts=STARTED + 3.456)
    base.update(changes)
    return base


def previous_entry(cluster="es-a", targets=None, closed=(), deleted=(), earlier_closed=(), earlier_deleted=()):
    return {"cluster": cluster, "targets": dict(TARGETS) if targets is None else targets,
            "closed": list(closed), "deleted": list(deleted),
            "earlier_runs": {"closed": list(earlier_closed), "deleted": list(earlier_deleted)}}


def previous_report(*entries):
    return dict(PREVIOUS_REPORT, clusters=list(entries))


# cluster_outcome: status


@pytest.mark.parametrize("check_mode, failure, close, delete, status", [
    (True, FAILURE, {"closed": ["old-1"]}, {"deleted": ["old-1"]}, "failed"),
    (False, FAILURE, {"closed": ["old-1"]}, {"deleted": ["old-1"]}, "failed"),
    (True, None, {"closed": ["old-1"]}, {"deleted": ["old-1"]}, "planned"),
    (True, None, {}, {}, "planned"),
    (False, None, {"closed": ["old-1"]}, {}, "changed"),
    (False, None, {}, {"deleted": ["old-1"]}, "changed"),
    (False, None, {"closed": [], "already_closed": ["old-1"]}, {"deleted": [], "already_absent": ["old-2"]}, "ok"),
    (False, None, {"skipped": True}, {"skipped": True}, "ok"),
])
def test_status_precedence_is_failed_then_planned_then_changed_then_ok(check_mode, failure, close, delete, status):
    outcome = cluster_outcome(record(check_mode=check_mode, failure=failure, close=close, delete=delete,
                                     plan=plan(job("old-1"), job("old-2"))))
    assert outcome["status"] == status
    assert outcome["failed"] == failure


# cluster_outcome: what a plan would do

PLANNED = [job("old-3"), job("old-1", "closed"), job("old-2", deleting=True), job("old-4", "failed")]


def test_check_mode_lists_what_a_run_would_close_and_delete():
    outcome = cluster_outcome(record(check_mode=True, plan=plan(*PLANNED)))
    assert outcome["status"] == "planned"
    assert outcome["targeted"] == ["old-3", "old-1", "old-2", "old-4"]
    # Neither a closed job nor one being deleted is closed again.
    assert outcome["would_close"] == ["old-3", "old-4"]
    assert outcome["would_delete"] == ["old-3", "old-1", "old-2", "old-4"]


def test_check_mode_would_delete_nothing_when_the_targets_only_close():
    targets = dict(TARGETS, delete=False)
    outcome = cluster_outcome(record(check_mode=True, targets=targets, plan=plan(*PLANNED)))
    assert outcome["would_close"] == ["old-3", "old-4"]
    assert outcome["would_delete"] == []


def test_check_mode_with_a_failure_would_do_nothing():
    outcome = cluster_outcome(record(check_mode=True, failure=FAILURE, plan=plan(*PLANNED)))
    assert outcome["status"] == "failed"
    assert outcome["would_close"] == [] and outcome["would_delete"] == []
    assert outcome["targeted"] == ["old-3", "old-1", "old-2", "old-4"]


def test_a_real_run_has_no_would_lists():
    outcome = cluster_outcome(record(plan=plan(*PLANNED), close={"closed": ["old-3", "old-4"]},
                                     delete={"deleted": ["old-3", "old-1", "old-2", "old-4"]}))
    assert outcome["would_close"] == [] and outcome["would_delete"] == []
    assert outcome["closed"] == ["old-3", "old-4"]
    assert outcome["deleted"] == ["old-3", "old-1", "old-2", "old-4"]


# cluster_outcome: already closed, already gone


def test_already_closed_is_the_sorted_union_of_the_plan_and_the_close_result():
    outcome = cluster_outcome(record(
        plan=plan(job("old-c", "closed"), job("old-a", "closed"), job("old-b")),
        close={"closed": ["old-b"], "already_closed": ["old-d", "old-a"]}))
    assert outcome["already_closed"] == ["old-a", "old-c", "old-d"]
    assert outcome["closed"] == ["old-b"]


def test_already_gone_is_the_sorted_union_of_missing_absent_and_being_deleted():
    outcome = cluster_outcome(record(
        plan=plan(job("old-b"), missing=["old-z", "old-m"]),
        delete={"deleted": [], "already_absent": ["old-m", "old-b"], "being_deleted": ["old-k"]}))
    assert outcome["already_gone"] == ["old-b", "old-k", "old-m", "old-z"]


def test_skipped_results_count_as_nothing_done():
    outcome = cluster_outcome(record(plan={"skipped": True, "changed": False}, close={"skipped": True},
                                     delete={"skipped": True}))
    assert outcome["status"] == "ok"
    assert (outcome["name"], outcome["version"], outcome["user"]) == (None, None, None)
    for key in ("targeted", "would_close", "would_delete", "closed", "deleted", "already_closed", "already_gone"):
        assert outcome[key] == [], key


def test_cluster_facts_come_from_the_plan():
    outcome = cluster_outcome(record(plan=plan(cluster={"name": "prod-b", "version": "7.17.9"}), left=["old-3"]))
    assert (outcome["name"], outcome["version"], outcome["user"]) == ("prod-b", "7.17.9", None)
    assert outcome["left"] == ["old-3"]


# cluster_outcome: what earlier runs did


def test_what_the_previous_run_did_is_carried_over_when_cluster_and_targets_match():
    previous = previous_report(
        previous_entry("es-b", deleted=["b-gone"], closed=["old-c1"]),
        previous_entry("es-a", deleted=["old-d2"], closed=["old-c1", "old-c9"],
                       earlier_deleted=["old-d1", "old-d2"], earlier_closed=["old-c0"]))
    outcome = cluster_outcome(record(previous_report=previous,
                                     plan=plan(job("old-c1", "closed"), job("old-c0", "closed"), job("old-x"))))
    assert outcome["earlier_runs"] == {"closed": ["old-c0", "old-c1"], "deleted": ["old-d1", "old-d2"]}


@pytest.mark.parametrize("entry", [
    previous_entry("es-b", deleted=["old-d1"], closed=["old-c1"]),
    previous_entry(targets=dict(TARGETS, delete=False), deleted=["old-d1"], closed=["old-c1"]),
    previous_entry(targets=dict(TARGETS, jobs=["other-*"]), deleted=["old-d1"], closed=["old-c1"]),
    previous_entry(targets=dict(TARGETS, exclude=[]), deleted=["old-d1"], closed=["old-c1"]),
], ids=["other-cluster", "other-delete", "other-jobs", "other-exclude"])
def test_nothing_is_carried_over_from_another_cluster_or_other_targets(entry):
    outcome = cluster_outcome(record(previous_report=previous_report(entry), plan=plan(job("old-c1", "closed"))))
    assert outcome["earlier_runs"] == {"closed": [], "deleted": []}


@pytest.mark.parametrize("previous", [{}, None, {"run_id": "r1", "clusters": []}])
def test_nothing_is_carried_over_without_a_previous_report(previous):
    outcome = cluster_outcome(record(previous_report=previous, plan=plan(job("old-c1", "closed"))))
    assert outcome["earlier_runs"] == {"closed": [], "deleted": []}


def test_earlier_deleted_leaves_out_jobs_targeted_or_deleted_now():
    previous = previous_report(previous_entry(deleted=["old-3", "old-1"], earlier_deleted=["old-2", "old-3"]))
    outcome = cluster_outcome(record(previous_report=previous, plan=plan(job("old-1")),
                                     delete={"deleted": ["old-2"]}))
    assert outcome["earlier_runs"]["deleted"] == ["old-3"]


def test_backups_on_disk_are_kept_for_earlier_deleted_jobs_and_merged_with_the_delete_backups():
    files = [BACKUPS + "/old-7.json", BACKUPS + "/old-1.json", BACKUPS + "/old-3.json", BACKUPS + "/old-2.json"]
    outcome = cluster_outcome(record(
        plan=plan(job("old-3"), job("old-2", "closed")), backup_files=files,
        delete={"deleted": ["old-2"], "backups": {"old-2": BACKUPS + "/old-2.json"}}))
    # A backup without its job tells of a deletion by an earlier (maybe interrupted) run.
    assert outcome["earlier_runs"]["deleted"] == ["old-1", "old-7"]
    # old-3 is still there (targeted now): its backup is not reported.
    assert list(outcome["backups"].items()) == [
        ("old-1", BACKUPS + "/old-1.json"), ("old-7", BACKUPS + "/old-7.json"), ("old-2", BACKUPS + "/old-2.json")]
    assert outcome["backup_dir"] == BACKUPS


def test_backups_of_this_run_alone_are_reported_with_their_directory():
    outcome = cluster_outcome(record(plan=plan(job("old-2")), backup_files=[BACKUPS + "/old-2.json"],
                                     delete={"deleted": ["old-2"], "backups": {"old-2": BACKUPS + "/old-2.json"}}))
    assert outcome["backups"] == {"old-2": BACKUPS + "/old-2.json"}
    assert outcome["backup_dir"] == BACKUPS
    assert outcome["earlier_runs"]["deleted"] == []


@pytest.mark.parametrize("backup_files", [[], [BACKUPS + "/old-3.json"]], ids=["none-on-disk", "job-still-there"])
def test_backup_dir_is_none_without_backups(backup_files):
    outcome = cluster_outcome(record(plan=plan(job("old-3")), backup_files=backup_files, delete={"deleted": []}))
    assert outcome["backups"] == {}
    assert outcome["backup_dir"] is None


def test_started_is_utc_iso_and_duration_is_rounded_to_two_decimals():
    outcome = cluster_outcome(record(started_ts="1764584100.25", recorded_ts=1764584103.456))
    assert outcome["started"] == "2025-12-01T10:15:00Z"
    assert outcome["duration_s"] == 3.21


def test_outcome_keys_are_in_report_order():
    outcome = cluster_outcome(record())
    assert list(outcome) == [
        "cluster", "run_id", "status", "name", "version", "user", "targets", "targeted", "would_close",
        "would_delete", "closed", "deleted", "already_closed", "already_gone", "earlier_runs", "left", "failed",
        "backup_dir", "backups", "started", "duration_s"]
    assert (outcome["cluster"], outcome["run_id"], outcome["targets"]) == ("es-a", "r2", TARGETS)


# fleet_report

def fleet_outcomes():
    """Three clusters of run r2 (changed, failed, ok), one of run r1, in no particular order."""
    return [
        cluster_outcome(record(cluster="es-c", plan=plan(job("old-1"), job("old-2", "closed")),
                               close={"closed": ["old-1"], "already_closed": []},
                               delete={"deleted": ["old-1", "old-2"]}, recorded_ts=STARTED + 7)),
        cluster_outcome(record(cluster="es-old", run_id="r1", plan=plan(job("old-8")), close={"closed": ["old-8"]})),
        cluster_outcome(record(cluster="es-a", plan=plan(job("old-5"), missing=["old-9"]),
                               failure={"task": "Close the jobs", "reason": "HTTP 500 | shard\nfailure"},
                               left=["old-5"], recorded_ts=STARTED + 2.5)),
        cluster_outcome(record(cluster="es-b", plan=plan(cluster={"name": "prod-b", "version": "8.15.0"}),
                               backup_dir="/srv/report/backups/es-b",
                               backup_files=["/srv/report/backups/es-b/old-0.json"], recorded_ts=STARTED + 1)),
    ]


def test_fleet_report_keeps_this_run_sorted_by_cluster_and_counts_totals():
    outcomes = fleet_outcomes()
    report = fleet_report(RUN, SETTINGS, outcomes, 5, STARTED + 9.2)
    assert [c["cluster"] for c in report["clusters"]] == ["es-a", "es-b", "es-c"]
    assert report["clusters"] == [outcomes[2], outcomes[3], outcomes[0]]
    assert list(report["totals"].items()) == [
        ("clusters", 3), ("pending", 2), ("changed", 1), ("ok", 1), ("planned", 0), ("failed", 1),
        ("targeted", 3), ("would_close", 0), ("would_delete", 0), ("closed", 1), ("deleted", 2),
        ("already_gone", 1), ("deleted_in_earlier_runs", 1)]
    assert report["report"] == "mlops.elasticsearch.ml_job_decommission"
    assert (report["mode"], report["run_id"], report["started"]) == ("run", "r2", "2025-12-01T10:15:00Z")
    assert report["updated"] == "2025-12-01T10:15:09Z"
    assert report["duration_s"] == 9.2
    assert report["settings"] == SETTINGS
    assert list(report) == ["report", "mode", "run_id", "started", "updated", "duration_s", "previous_run",
                            "settings", "totals", "clusters"]


def test_fleet_report_of_a_plan_counts_what_it_would_do():
    outcomes = [cluster_outcome(record(cluster=name, check_mode=True, plan=plan(*PLANNED))) for name in ("x", "y")]
    report = fleet_report(dict(RUN, mode="plan"), SETTINGS, outcomes, 2, STARTED + 1)
    totals = report["totals"]
    assert (totals["planned"], totals["changed"], totals["ok"], totals["failed"], totals["pending"]) == (2, 0, 0, 0, 0)
    assert (totals["targeted"], totals["would_close"], totals["would_delete"]) == (8, 4, 8)


def test_fleet_report_without_outcomes_counts_every_host_as_pending():
    report = fleet_report(RUN, SETTINGS, fleet_outcomes()[1:2], 4, STARTED)
    assert report["clusters"] == []
    assert report["totals"]["clusters"] == 0 and report["totals"]["pending"] == 4
    assert report["duration_s"] == 0


def test_fleet_report_sorts_clusters_as_the_old_template_did():
    # The old report sorted with Jinja's sort(attribute='cluster'), which ignores case.
    outcomes = [cluster_outcome(record(cluster=name)) for name in ("es-b", "ES-C", "es-a", "Es-0")]
    report = fleet_report(RUN, SETTINGS, outcomes, 4, STARTED)
    old = jinja2.Environment().from_string(
        "{{ outcomes | sort(attribute='cluster') | map(attribute='cluster') | list }}")
    assert [c["cluster"] for c in report["clusters"]] == ["Es-0", "es-a", "es-b", "ES-C"]
    assert str([c["cluster"] for c in report["clusters"]]) == old.render(outcomes=outcomes)


@pytest.mark.parametrize("previous", [{}, None, {"clusters": []}])
def test_previous_run_is_none_without_a_previous_report(previous):
    assert fleet_report(dict(RUN, previous=previous), SETTINGS, [], 1, STARTED)["previous_run"] is None
    run = dict(RUN)
    del run["previous"]
    assert fleet_report(run, SETTINGS, [], 1, STARTED)["previous_run"] is None


def test_previous_run_names_the_previous_report():
    report = fleet_report(dict(RUN, previous=PREVIOUS_REPORT), SETTINGS, [], 1, STARTED)
    assert report["previous_run"] == {"run_id": "r1", "mode": "plan", "started": "2025-11-30T08:00:00Z"}


# report_markdown

def run_report():
    return fleet_report(dict(RUN, previous=PREVIOUS_REPORT), SETTINGS, fleet_outcomes(), 5, STARTED + 9.2)


def plan_report():
    settings = dict(SETTINGS, exclude=[], delete=False, force=True)
    targets = {"jobs": ["old-*"], "exclude": [], "delete": False}
    outcomes = [
        cluster_outcome(record(cluster="es-a", check_mode=True, targets=targets, plan=plan(*PLANNED))),
        cluster_outcome(record(cluster="es-b", check_mode=True, targets=targets, plan=plan(job("old-1")),
                               failure={"task": "Check the cluster", "reason": "no manage_ml | privilege"})),
    ]
    return fleet_report(dict(RUN, mode="plan"), settings, outcomes, 3, STARTED + 2)


RUN_MARKDOWN = """\
# ML job decommission report (run)

- Run `r2`, started 2025-12-01T10:15:00Z, updated 2025-12-01T10:15:09Z (9.2 s)
- Targets: `old-*`, excluding `old-keep`
- Delete: yes; force: no; max jobs per cluster: 10
- Previous run: `r1` (plan, started 2025-11-30T08:00:00Z); what it did is listed as "done earlier"

## Totals

| clusters | changed | ok | failed | pending | targeted jobs | closed | deleted | already gone | deleted earlier |
|---|---|---|---|---|---|---|---|---|---|
| 3 | 1 | 1 | 1 | 2 | 3 | 1 | 2 | 1 | 1 |

## Clusters

| cluster | status | targeted | closed | deleted | already gone | duration (s) | reason |
|---|---|---|---|---|---|---|---|
| es-a | failed | 1 | 0 | 0 | 1 | 2.5 | HTTP 500 \\| shard failure |
| es-b | ok | 0 | 0 | 0 | 0 | 1.0 |  |
| es-c | changed | 2 | 1 | 2 | 0 | 7.0 |  |

### es-a: failed

- Cluster `prod-a`, Elasticsearch 8.15.0, as user `ops`
- **Failed** in "Close the jobs": HTTP 500 | shard
failure
- Targeted: old-5
- Closed: -
- Deleted: -
- Already closed: -
- Already gone: old-9
- Left after the run: old-5
- Started 2025-12-01T10:15:00Z, 2.5 s

### es-b: ok

- Cluster `prod-b`, Elasticsearch 8.15.0
- Targeted: -
- Closed: -
- Deleted: -
- Already closed: -
- Already gone: -
- Done earlier: deleted old-0; closed -
- Configuration backups in `/srv/report/backups/es-b`: old-0.json
- Started 2025-12-01T10:15:00Z, 1.0 s

### es-c: changed

- Cluster `prod-a`, Elasticsearch 8.15.0, as user `ops`
- Targeted: old-1, old-2
- Closed: old-1
- Deleted: old-1, old-2
- Already closed: old-2
- Already gone: -
- Started 2025-12-01T10:15:00Z, 7.0 s
"""


def test_markdown_of_a_run():
    assert report_markdown(run_report()) == RUN_MARKDOWN


def test_markdown_of_a_plan_says_what_a_run_would_do():
    lines = report_markdown(plan_report()).split("\n")
    assert lines[0] == "# ML job decommission report (plan)"
    assert lines[2:4] == [
        '**Plan only (check mode): no cluster was changed.** "Would close" and "would delete" are what a',
        "real run would do now."]
    assert "- Targets: `old-*`" in lines
    assert "- Delete: no (close only); force: yes; max jobs per cluster: 10" in lines
    assert not any(line.startswith("- Previous run:") for line in lines)
    assert ("| clusters | changed | ok | planned | failed | pending | targeted jobs | would close | would delete"
            " | already gone | deleted earlier |") in lines
    assert "|---|---|---|---|---|---|---|---|---|---|---|" in lines
    assert "| 2 | 0 | 0 | 1 | 1 | 1 | 5 | 2 | 0 | 0 | 0 |" in lines
    assert ("| cluster | status | targeted | would close | would delete | already gone | duration (s) | reason |"
            in lines)
    assert "| es-a | planned | 4 | 2 | 0 | 0 | 3.46 |  |" in lines
    assert "| es-b | failed | 1 | 0 | 0 | 0 | 3.46 | no manage_ml \\| privilege |" in lines
    assert lines.count("- Would close: old-3, old-4") == 1
    assert lines.count("- Would close: -") == 1
    assert lines.count("- Would delete: -") == 2
    assert not any(line.startswith(("- Closed:", "- Deleted:")) for line in lines)
    assert '- **Failed** in "Check the cluster": no manage_ml | privilege' in lines


def test_markdown_cluster_sections_leave_out_empty_lines():
    section = report_markdown(run_report()).split("### es-c: changed\n")[1]
    for start in ("- Done earlier", "- Left after the run", "- Configuration backups", "- **Failed**"):
        assert start not in section


def test_markdown_done_earlier_lists_earlier_closed_jobs():
    previous = previous_report(previous_entry(closed=["old-1"]))
    outcome = cluster_outcome(record(previous_report=previous, plan=plan(job("old-1", "closed"))))
    markdown = report_markdown(fleet_report(RUN, SETTINGS, [outcome], 1, STARTED))
    assert "- Done earlier: deleted -; closed old-1\n" in markdown


def test_markdown_lists_backup_files_by_name_in_report_order():
    outcome = cluster_outcome(record(
        plan=plan(job("old-2")), backup_files=[BACKUPS + "/old-9.json", BACKUPS + "/old-2.json"],
        delete={"deleted": ["old-2"], "backups": {"old-2": BACKUPS + "/old-2.json"}}))
    markdown = report_markdown(fleet_report(RUN, SETTINGS, [outcome], 1, STARTED))
    assert "- Configuration backups in `%s`: old-9.json, old-2.json\n" % BACKUPS in markdown
    assert "- Done earlier: deleted old-9; closed -\n" in markdown


# The template that report_markdown replaced (roles/ml_job_decommission/templates/report.md.j2), verbatim
# but for its backslashes, doubled, and its long lines, split with a backslash at the end.
OLD_TEMPLATE = """\
{# Rendered from the same data as report.json (hostvars['localhost'].__ml_job_decommission_report). #}
{% set report = hostvars['localhost']['__ml_job_decommission_report'] %}
{% set t = report.totals %}
{% macro ids(values) %}{{ values | join(', ') if values else '-' }}{% endmacro %}
# ML job decommission report ({{ report.mode }})

{% if report.mode == 'plan' %}
**Plan only (check mode): no cluster was changed.** "Would close" and "would delete" are what a
real run would do now.

{% endif %}
- Run `{{ report.run_id }}`, started {{ report.started }}, updated {{ report.updated }} ({{ report.duration_s \
}} s)
- Targets: `{{ report.settings.jobs | join(', ') }}`{% if report.settings.exclude %}, excluding `{{ \
report.settings.exclude | join(', ') }}`{% endif %}

- Delete: {{ 'yes' if report.settings.delete else 'no (close only)' }}; force: {{ 'yes' if \
report.settings.force else 'no' }}; max jobs per cluster: {{ report.settings.max_jobs }}
{% if report.previous_run %}
- Previous run: `{{ report.previous_run.run_id }}` ({{ report.previous_run.mode }}, started {{ \
report.previous_run.started }}); what it did is listed as "done earlier"
{% endif %}

## Totals

| clusters | changed | ok | {{ 'planned | ' if report.mode == 'plan' else '' }}failed | pending | targeted \
jobs | {{ 'would close | would delete' if report.mode == 'plan' else 'closed | deleted' }} | already gone | \
deleted earlier |
|---|---|---|---|{{ '---|' if report.mode == 'plan' else '' }}---|---|---|---|---|---|
| {{ t.clusters }} | {{ t.changed }} | {{ t.ok }} | {{ (t.planned ~ ' | ') if report.mode == 'plan' else '' \
}}{{ t.failed }} | {{ t.pending }} | {{ t.targeted }} | {{ (t.would_close ~ ' | ' ~ t.would_delete) if \
report.mode == 'plan' else (t.closed ~ ' | ' ~ t.deleted) }} | {{ t.already_gone }} | {{ \
t.deleted_in_earlier_runs }} |

## Clusters

| cluster | status | targeted | {{ 'would close | would delete' if report.mode == 'plan' else 'closed | \
deleted' }} | already gone | duration (s) | reason |
|---|---|---|---|---|---|---|---|
{% for c in report.clusters %}
| {{ c.cluster }} | {{ c.status }} | {{ c.targeted | length }} | {{ (c.would_close | length ~ ' | ' ~ \
c.would_delete | length) if report.mode == 'plan' else (c.closed | length ~ ' | ' ~ c.deleted | length) }} | \
{{ c.already_gone | length }} | {{ c.duration_s }} | {{ (c.failed.reason | replace('|', '\\\\|') | \
replace('\\n', ' ')) if c.failed else '' }} |
{% endfor %}
{% for c in report.clusters %}

### {{ c.cluster }}: {{ c.status }}

{% if c.name %}
- Cluster `{{ c.name }}`, Elasticsearch {{ c.version }}{% if c.user %}, as user `{{ c.user }}`{% endif %}

{% endif %}
{% if c.failed %}
- **Failed** in "{{ c.failed.task }}": {{ c.failed.reason }}
{% endif %}
- Targeted: {{ ids(c.targeted) }}
{% if report.mode == 'plan' %}
- Would close: {{ ids(c.would_close) }}
- Would delete: {{ ids(c.would_delete) }}
{% else %}
- Closed: {{ ids(c.closed) }}
- Deleted: {{ ids(c.deleted) }}
{% endif %}
- Already closed: {{ ids(c.already_closed) }}
- Already gone: {{ ids(c.already_gone) }}
{% if c.earlier_runs.deleted or c.earlier_runs.closed %}
- Done earlier: deleted {{ ids(c.earlier_runs.deleted) }}; closed {{ ids(c.earlier_runs.closed) }}
{% endif %}
{% if c.left %}
- Left after the run: {{ ids(c.left) }}
{% endif %}
{% if c.backups %}
- Configuration backups in `{{ c.backup_dir }}`: {{ c.backups | dict2items | map(attribute='value') | \
map('basename') | join(', ') }}
{% endif %}
- Started {{ c.started }}, {{ c.duration_s }} s
{% endfor %}
"""


def render_old_template(report):
    # As the template action renders it: trim_blocks on, lstrip_blocks off.
    environment = jinja2.Environment(trim_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    environment.filters["basename"] = os.path.basename
    environment.filters["dict2items"] = lambda value: [{"key": key, "value": item} for key, item in value.items()]
    hostvars = {"localhost": {"__ml_job_decommission_report": report}}
    return environment.from_string(OLD_TEMPLATE).render(hostvars=hostvars)


@pytest.mark.parametrize("build", [
    run_report,
    plan_report,
    lambda: fleet_report(RUN, SETTINGS, [], 2, STARTED),
    lambda: fleet_report(dict(RUN, mode="plan", previous=PREVIOUS_REPORT), dict(SETTINGS, exclude=[]), [], 2, STARTED),
], ids=["run", "plan", "run-without-clusters", "plan-without-clusters"])
def test_markdown_is_what_the_old_template_rendered(build):
    report = build()
    assert report_markdown(report) == render_old_template(report)
