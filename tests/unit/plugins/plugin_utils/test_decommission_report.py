# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ml_job_decommission report as plain data: one cluster's outcome, the campaign report and its
Markdown. The records are built as the role builds them, from what the modules return: the real
matcher and planners decide the plan (ml_job_info), the act (ml_job_delete with close_first, or
ml_job_close) and the verifying read, so the report is checked against the modules' real shapes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mlops.elasticsearch.plugins.module_utils._jobs import Job
from ansible_collections.mlops.elasticsearch.plugins.module_utils._plans import (
    DELETE,
    REFUSED,
    close_result,
    delete_result,
    plan_close,
    plan_delete,
    plan_summary,
)
from ansible_collections.mlops.elasticsearch.plugins.module_utils._releases import Release
from ansible_collections.mlops.elasticsearch.plugins.module_utils._targets import (
    match_jobs,
    parse_exclude,
    parse_targets,
)
from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._decommission_report import (
    as_list,
    cluster_outcome,
    fleet_report,
    is_report,
    normalised_targets,
    report_markdown,
)

RELEASE = Release((8, 15, 0))
STARTED = 1764584100.0  # 2025-12-01T10:15:00Z
REPORT_DIR = "/srv/report"
TARGETS = {"jobs": ["old-*", "retired"], "exclude": ["old-keep"], "delete": True}
CLOSE_ONLY = dict(TARGETS, delete=False)
SETTINGS = {"jobs": ["old-*", "retired"], "exclude": ["old-keep"], "delete": True, "force": False, "max_jobs": 10,
            "close_timeout": "30m"}
RUN = {"id": "r2", "mode": "run", "started": "2025-12-01T10:15:00Z", "started_ts": STARTED, "previous": {}}
PLAN_RUN = dict(RUN, mode="plan")
# What ml_job_info's include_cluster reads: here GET / answered and security is on.
FACTS = {"name": "prod-a", "uuid": "Qx8", "version": "8.15.0", "ml_enabled": True, "upgrade_mode": False,
         "security_enabled": True, "username": "ops", "privileges": {"manage_ml": True}, "problems": []}
# What a task registers when its `when` is false.
SKIPPED = {"changed": False, "skipped": True, "skip_reason": "Conditional result was False",
           "false_condition": "__ml_job_decommission_plan.plan.targeted | length > 0"}
ACT_TASK = "Close and delete the targeted jobs, saving their configuration first"
OUTCOME_KEYS = [
    "cluster", "run_id", "mode", "status", "name", "version", "user", "targets", "targeted", "would_close",
    "would_delete", "closed", "deleted", "already_closed", "already_gone", "not_found", "earlier_runs", "left",
    "skipped_nodes", "failed", "backup_dir", "backups", "started", "duration_s"]


def fleet_jobs():
    """old-* and the group `retired` match old-1 to old-4; old-keep is excluded, web-1 not targeted."""
    return [Job("old-1", state="opened", datafeed_id="datafeed-old-1", datafeed_state="started"),
            Job("old-2", state="closed", groups=["retired"]),
            Job("old-3", state="closing"),
            Job("old-4", state="opened", groups=["retired"]),
            Job("old-keep", state="opened"),
            Job("web-1", state="opened")]


def backup_dir(cluster="es-a"):
    return "%s/backups/%s" % (REPORT_DIR, cluster)


def backup(job_id, cluster="es-a"):
    return "%s/%s.json" % (backup_dir(cluster), job_id)


def info_result(jobs, targets=None, force=False, include_cluster=True, facts=None):
    """What ml_job_info registers with its plan option: the jobs the targets match, closed then deleted
    (or closed only), as its planners decide; with include_cluster, the cluster's ``facts`` (FACTS)."""
    targets = targets or TARGETS
    cluster = (FACTS if facts is None else facts) if include_cluster else None
    selection = match_jobs(parse_targets(targets["jobs"]), jobs, exclude=parse_exclude(targets["exclude"]))
    if targets["delete"]:
        plan = plan_delete(selection.jobs, [], force, RELEASE, close_first=True)
    else:
        plan = plan_close(selection.jobs, force, RELEASE)
    problems = list((cluster or {}).get("problems") or []) + plan.errors
    result = {"changed": False, "jobs": [job.to_dict() for job in selection.jobs], "missing": selection.missing,
              "exists": bool(selection.jobs), "server_version": RELEASE.number,
              "plan": plan_summary(plan, selection.missing + selection.unmatched_patterns, problems)}
    if cluster is not None:
        result["cluster"] = cluster
    return result


def delete_task(jobs, targeted, cluster="es-a", check_mode=False, force=False, refused=None):
    """What ml_job_delete (close_first, backup_dir) registers for the planned ids, on the jobs as it reads
    them. ``refused``: job_id -> the server's refusal of its delete, after the others were done."""
    selection = match_jobs(parse_targets(targeted), jobs, ids_only=True)
    plan = plan_delete(selection.jobs, selection.missing, force, RELEASE, close_first=True)
    # Every planned job is saved before the first close or delete.
    backups = {} if check_mode else dict((job_id, backup(job_id, cluster)) for job_id in plan.ids(DELETE))
    for entry in plan.entries:
        if entry.job_id in (refused or {}):
            entry.fail(REFUSED, refused[entry.job_id])
    result = dict(delete_result(plan), backups=backups)
    if refused:
        result.update(failed=True, msg="Failed to delete jobs: " + "; ".join(refused.values()))
    return result


def close_task(jobs, targeted, force=False):
    """What ml_job_close (ignore_missing) registers for the planned ids, on the jobs as it reads them."""
    selection = match_jobs(parse_targets(targeted), jobs)
    return close_result(plan_close(selection.jobs, force, RELEASE), selection.missing)


def record(cluster="es-a", **changes):
    """A cluster's record as tasks/report.yml builds it; a task that did not run is {}."""
    base = {"cluster": cluster, "run_id": "r2", "check_mode": False, "targets": dict(TARGETS), "plan": {},
            "close": {}, "delete": {}, "verify": {}, "failure": None, "previous_report": {},
            "backup_dir": backup_dir(cluster), "backup_files": [], "started_ts": STARTED,
            "recorded_ts": STARTED + 3.456}
    base.update(changes)
    return base


def run_record(jobs, cluster="es-a", targets=None, check_mode=False, force=False, jobs_at_act=None,
               jobs_after=None, on_disk=(), **changes):
    """The record of a cluster that went through the role without a failure: the plan, the act on the
    planned ids (on ``jobs_at_act``, the jobs when the act reads them, by default as planned), the
    verifying read (on ``jobs_after``, by default none left, or the targeted jobs closed when the
    role only closes) when something changed, and the backups on disk (``on_disk`` from earlier runs)."""
    targets = targets or TARGETS
    plan = info_result(jobs, targets, force=force)
    targeted = plan["plan"]["targeted"]
    jobs_at_act = jobs if jobs_at_act is None else jobs_at_act
    delete = close = dict(SKIPPED)
    if targeted and targets["delete"]:
        delete = delete_task(jobs_at_act, targeted, cluster, check_mode, force)
    elif targeted:
        close = close_task(jobs_at_act, targeted, force)
    acted = close if delete.get("skipped") else delete
    verify = dict(SKIPPED)
    if not check_mode and acted.get("changed"):
        if jobs_after is None:
            jobs_after = [] if targets["delete"] else [Job(job_id, state="closed") for job_id in targeted]
        verify = info_result(jobs_after, dict(targets, jobs=targeted, exclude=[]), force=force,
                             include_cluster=False)
    files = sorted(set(list(on_disk) + list((acted.get("backups") or {}).values())))
    return record(cluster, check_mode=check_mode, targets=targets, plan=plan, delete=delete, close=close,
                  verify=verify, backup_files=files, **changes)


def outcome_of(jobs, **kwargs):
    return cluster_outcome(run_record(jobs, **kwargs))


def previous_entry(cluster="es-a", targets=None, closed=(), deleted=(), earlier_closed=(), earlier_deleted=()):
    """What matters of a cluster's entry in an earlier report for carrying over."""
    return {"cluster": cluster, "targets": dict(TARGETS) if targets is None else targets,
            "closed": list(closed), "deleted": list(deleted),
            "earlier_runs": {"closed": list(earlier_closed), "deleted": list(earlier_deleted)}}


def report_with(*entries, **changes):
    report = {"report": "mlops.elasticsearch.ml_job_decommission", "mode": "run", "run_id": "r1",
              "started": "2025-11-30T08:00:00Z", "updated": "2025-11-30T08:00:04Z", "duration_s": 4.0,
              "previous_run": None, "settings": SETTINGS, "totals": {}, "clusters": list(entries)}
    report.update(changes)
    return report


def section(markdown, cluster):
    """The lines of one cluster's section of report.md."""
    lines = markdown.split("\n")
    start = next(index for index, line in enumerate(lines) if line.startswith("### %s: " % cluster))
    end = next((index for index in range(start + 1, len(lines)) if lines[index].startswith("### ")), len(lines))
    return [line for line in lines[start:end] if line]


# as_list, normalised_targets


@pytest.mark.parametrize("value, expected", [
    (None, []),
    ("", []),
    ("web-keep", ["web-keep"]),
    ("web-keep,batch-2", ["web-keep", "batch-2"]),
    (" web-keep , batch-2 ,", ["web-keep", "batch-2"]),
    (["web-keep", "batch-*"], ["web-keep", "batch-*"]),
    ([" web-keep "], ["web-keep"]),
    ((), []),
    # As the modules read job_id: list items may be comma lists too, and a bare number is an id.
    (["web-keep,batch-2", "retired"], ["web-keep", "batch-2", "retired"]),
    (123, ["123"]),
])
def test_as_list_reads_a_list_or_one_comma_separated_string(value, expected):
    assert as_list(value) == expected


def test_normalised_targets_lists_jobs_and_exclude_and_keeps_the_rest():
    assert normalised_targets({"jobs": "web-keep,batch-2", "exclude": None, "delete": False}) == {
        "jobs": ["web-keep", "batch-2"], "exclude": [], "delete": False}
    assert normalised_targets({"delete": True}) == {"jobs": [], "exclude": [], "delete": True}


# cluster_outcome of a real run, from the modules' results


def test_a_real_run_reports_what_the_modules_did():
    outcome = outcome_of(fleet_jobs(), on_disk=[backup("old-0")])
    assert list(outcome) == OUTCOME_KEYS
    assert outcome == {
        "cluster": "es-a", "run_id": "r2", "mode": "run", "status": "changed",
        "name": "prod-a", "version": "8.15.0", "user": "ops",
        "targets": TARGETS,
        "targeted": ["old-1", "old-2", "old-3", "old-4"],
        "would_close": [], "would_delete": [],
        # The delete closed the open jobs first; old-3 was closing already: the server waited for it.
        "closed": ["old-1", "old-4"],
        "deleted": ["old-1", "old-2", "old-3", "old-4"],
        "already_closed": ["old-2", "old-3"],
        "already_gone": [],
        "not_found": [],
        # A backup without its job: deleted by an earlier run.
        "earlier_runs": {"closed": [], "deleted": ["old-0"]},
        "left": [],
        "skipped_nodes": [],
        "failed": None,
        "backup_dir": backup_dir(),
        "backups": {"old-0": backup("old-0"), "old-1": backup("old-1"), "old-2": backup("old-2"),
                    "old-3": backup("old-3"), "old-4": backup("old-4")},
        "started": "2025-12-01T10:15:00Z",
        "duration_s": 3.46,
    }


def test_a_real_run_that_only_closes_reports_the_close():
    outcome = outcome_of(fleet_jobs(), targets=CLOSE_ONLY)
    assert outcome["status"] == "changed"
    assert outcome["targets"] == CLOSE_ONLY
    assert (outcome["closed"], outcome["deleted"]) == (["old-1", "old-4"], [])
    assert outcome["already_closed"] == ["old-2", "old-3"]
    assert (outcome["backups"], outcome["backup_dir"], outcome["left"]) == ({}, None, [])


def test_jobs_gone_between_the_plan_and_the_delete_are_already_gone():
    # Someone deleted old-2 after the plan read it, and started deleting old-4.
    at_act = [job for job in fleet_jobs() if job.job_id != "old-2"]
    at_act[2] = Job("old-4", state="opened", groups=["retired"], deleting=True)
    outcome = outcome_of(fleet_jobs(), jobs_at_act=at_act)
    assert outcome["targeted"] == ["old-1", "old-2", "old-3", "old-4"]
    assert outcome["deleted"] == ["old-1", "old-3"]
    assert outcome["already_gone"] == ["old-2", "old-4"]
    assert outcome["not_found"] == []
    assert outcome["earlier_runs"] == {"closed": [], "deleted": []}


@pytest.mark.parametrize("check_mode", [False, True], ids=["run", "check-mode"])
def test_jobs_gone_between_the_plan_and_the_close_are_already_gone(check_mode):
    # ml_job_close (ignore_missing) names old-2 missing; old-4 it reports being deleted.
    at_act = [job for job in fleet_jobs() if job.job_id != "old-2"]
    at_act[2] = Job("old-4", state="opened", groups=["retired"], deleting=True)
    rec = run_record(fleet_jobs(), targets=CLOSE_ONLY, jobs_at_act=at_act, check_mode=check_mode)
    assert rec["close"]["missing"] == ["old-2"]
    outcome = cluster_outcome(rec)
    assert outcome["targeted"] == ["old-1", "old-2", "old-3", "old-4"]
    assert outcome["would_close" if check_mode else "closed"] == ["old-1"]
    assert outcome["already_closed"] == ["old-2", "old-3"]
    assert outcome["already_gone"] == ["old-2", "old-4"]


def test_jobs_left_are_the_pending_jobs_of_the_verifying_read():
    left = [Job("old-3", state="closing")]
    outcome = outcome_of(fleet_jobs(), jobs_after=left)
    assert outcome["left"] == ["old-3"]
    assert outcome["status"] == "changed"


def test_the_verifying_read_of_a_close_leaves_out_the_closed_jobs():
    after = [Job("old-1", state="closed"), Job("old-2", state="closed"), Job("old-3", state="closing"),
             Job("old-4", state="opened")]
    outcome = outcome_of(fleet_jobs(), targets=CLOSE_ONLY, jobs_after=after)
    assert outcome["left"] == ["old-3", "old-4"]


def test_started_is_utc_iso_and_duration_is_rounded_to_two_decimals():
    outcome = cluster_outcome(record(started_ts="1764584100.25", recorded_ts=1764584103.456))
    assert outcome["started"] == "2025-12-01T10:15:00Z"
    assert outcome["duration_s"] == 3.21


# 1. check mode reports each job as the real run does


@pytest.mark.parametrize("targets", [TARGETS, CLOSE_ONLY], ids=["delete", "close-only"])
@pytest.mark.parametrize("jobs", [
    fleet_jobs(),
    [Job("old-3", state="closing")],
    [Job("old-2", state="closed"), Job("old-5", state="opened", deleting=True)],
    [Job("old-6", state="failed")],
    [],
], ids=["fleet", "closing", "closed-and-being-deleted", "failed-with-force", "nothing"])
def test_check_mode_reports_each_job_as_the_real_run_of_the_same_plan(jobs, targets):
    planned = cluster_outcome(run_record(jobs, targets=targets, force=True, check_mode=True))
    done = cluster_outcome(run_record(jobs, targets=targets, force=True))
    assert (planned["mode"], done["mode"]) == ("plan", "run")
    assert planned["would_close"] == done["closed"]
    assert planned["would_delete"] == done["deleted"]
    assert (planned["closed"], planned["deleted"], done["would_close"], done["would_delete"]) == ([], [], [], [])
    for key in ("targeted", "already_closed", "already_gone", "not_found", "earlier_runs"):
        assert planned[key] == done[key], key
    assert planned["status"] == ("planned" if done["status"] == "changed" else "ok")


def test_a_closing_job_is_already_closed_in_check_mode_and_in_the_real_run():
    for check_mode in (True, False):
        outcome = outcome_of([Job("old-3", state="closing")], check_mode=check_mode)
        assert outcome["already_closed"] == ["old-3"]
        assert outcome["would_close"] == [] and outcome["closed"] == []
        assert outcome["would_delete" if check_mode else "deleted"] == ["old-3"]


def test_check_mode_lists_what_the_real_run_would_close_and_delete():
    outcome = outcome_of(fleet_jobs(), check_mode=True, on_disk=[backup("old-0")])
    assert outcome["status"] == "planned"
    assert outcome["would_close"] == ["old-1", "old-4"]
    assert outcome["would_delete"] == ["old-1", "old-2", "old-3", "old-4"]
    assert outcome["already_closed"] == ["old-2", "old-3"]
    # Nothing was backed up in check mode: only the earlier run's backup is reported.
    assert outcome["backups"] == {"old-0": backup("old-0")}
    assert outcome["left"] == []


@pytest.mark.parametrize("jobs, targets, status", [
    (fleet_jobs(), TARGETS, "planned"),
    (fleet_jobs(), CLOSE_ONLY, "planned"),
    ([Job("old-2", state="closed")], TARGETS, "planned"),
    ([Job("old-2", state="closed")], CLOSE_ONLY, "ok"),
    ([Job("old-3", state="closing")], CLOSE_ONLY, "ok"),
    ([Job("old-5", state="closed", deleting=True)], TARGETS, "ok"),
    ([Job("web-1")], TARGETS, "ok"),
], ids=["delete", "close", "delete-closed", "closed", "closing", "being-deleted", "nothing-matched"])
def test_check_mode_is_planned_only_when_something_would_change(jobs, targets, status):
    assert outcome_of(jobs, targets=targets, check_mode=True)["status"] == status
    assert outcome_of(jobs, targets=targets)["status"] == {"planned": "changed", "ok": "ok"}[status]


def test_a_failure_comes_before_any_other_status():
    failure = {"task": "Stop here when the plan says the run must not start", "reason": "max_jobs"}
    for check_mode in (True, False):
        rec = run_record(fleet_jobs(), check_mode=check_mode)
        assert cluster_outcome(dict(rec, failure=failure))["status"] == "failed"


# 2. targets as one comma-separated string


def test_targets_given_as_one_comma_separated_string_are_a_list():
    targets = {"jobs": "web-keep,batch-2", "exclude": "batch-2-keep", "delete": True}
    jobs = [Job("web-keep"), Job("batch-2", groups=["batch"]), Job("batch-2-keep")]
    outcome = outcome_of(jobs, targets=targets)
    assert outcome["targets"] == {"jobs": ["web-keep", "batch-2"], "exclude": ["batch-2-keep"], "delete": True}
    assert outcome["targeted"] == ["batch-2", "web-keep"]
    assert outcome["deleted"] == ["batch-2", "web-keep"]
    report = fleet_report(RUN, dict(SETTINGS, jobs="web-keep,batch-2", exclude="batch-2-keep"), [outcome],
                          ["es-a"], STARTED + 5)
    assert (report["settings"]["jobs"], report["settings"]["exclude"]) == (["web-keep", "batch-2"], ["batch-2-keep"])
    lines = report_markdown(report).split("\n")
    assert "- Targets: `web-keep, batch-2`, excluding `batch-2-keep`" in lines
    assert not any(line.startswith("- Targets: `w, e, b") for line in lines)


@pytest.mark.parametrize("now, before", [
    ("web-keep,batch-2", ["web-keep", "batch-2"]),
    (["web-keep", "batch-2"], "web-keep, batch-2"),
    ("web-keep, batch-2", "web-keep,batch-2"),
], ids=["string-now-list-before", "list-now-string-before", "both-strings"])
def test_comma_string_targets_match_the_previous_entry_of_the_same_targets(now, before):
    jobs = [Job("web-keep", state="closed")]
    previous = report_with(previous_entry(targets={"jobs": before, "exclude": [], "delete": True},
                                          closed=["web-keep"], deleted=["batch-2"]))
    outcome = outcome_of(jobs, targets={"jobs": now, "exclude": [], "delete": True}, previous_report=previous)
    assert outcome["earlier_runs"] == {"closed": ["web-keep"], "deleted": ["batch-2"]}
    # batch-2 matched nothing now; deleted by an earlier run, it is done, not "matched nothing".
    assert outcome["not_found"] == []


# What earlier runs did


def test_what_the_previous_run_did_is_carried_over_when_cluster_and_targets_match():
    previous = report_with(
        previous_entry("es-b", targets=CLOSE_ONLY, deleted=["b-gone"], closed=["old-2"]),
        previous_entry("es-a", targets=CLOSE_ONLY, deleted=["old-8"], closed=["old-2", "old-9"],
                       earlier_deleted=["old-7", "old-8"], earlier_closed=["old-3"]))
    outcome = outcome_of(fleet_jobs(), targets=CLOSE_ONLY, previous_report=previous)
    # Closed earlier: only what is still closed (or closing) now.
    assert outcome["earlier_runs"] == {"closed": ["old-2", "old-3"], "deleted": ["old-7", "old-8"]}


@pytest.mark.parametrize("entry", [
    previous_entry("es-b", deleted=["old-8"]),
    previous_entry(targets=dict(TARGETS, delete=False), deleted=["old-8"]),
    previous_entry(targets=dict(TARGETS, jobs=["other-*"]), deleted=["old-8"]),
    previous_entry(targets=dict(TARGETS, exclude=[]), deleted=["old-8"]),
], ids=["other-cluster", "other-delete", "other-jobs", "other-exclude"])
def test_nothing_is_carried_over_from_another_cluster_or_other_targets(entry):
    outcome = outcome_of(fleet_jobs(), previous_report=report_with(entry))
    assert outcome["earlier_runs"] == {"closed": [], "deleted": []}


@pytest.mark.parametrize("previous", [{}, None, {"run_id": "r1", "clusters": []}, {"clusters": None}])
def test_nothing_is_carried_over_without_a_previous_report(previous):
    outcome = outcome_of(fleet_jobs(), previous_report=previous)
    assert outcome["earlier_runs"] == {"closed": [], "deleted": []}


def test_a_job_deleted_earlier_and_there_again_is_not_done_earlier():
    # old-1 was deleted by r1 and created again since: this run deletes it again.
    previous = report_with(previous_entry(deleted=["old-1", "old-9"]))
    outcome = outcome_of(fleet_jobs(), previous_report=previous, on_disk=[backup("old-1"), backup("old-9")])
    assert outcome["earlier_runs"]["deleted"] == ["old-9"]
    assert outcome["deleted"] == ["old-1", "old-2", "old-3", "old-4"]
    assert outcome["backups"]["old-1"] == backup("old-1")


def test_a_backup_of_a_job_that_is_still_there_is_not_reported():
    # The run that wrote it was interrupted before the delete; this check mode run would delete it.
    outcome = outcome_of([Job("old-2", state="closed")], check_mode=True, on_disk=[backup("old-2")])
    assert outcome["earlier_runs"]["deleted"] == []
    assert (outcome["backups"], outcome["backup_dir"]) == ({}, None)


# 4. targets that match nothing


def rerun_after_everything_was_deleted(**changes):
    """r1 deleted old-1 (explicit id) and old-2 (group `retired`); nothing of them is left now."""
    targets = {"jobs": ["retired", "batch-*", "old-1"], "exclude": [], "delete": True}
    previous = report_with(previous_entry(targets=targets, deleted=["old-1", "old-2"]))
    return run_record([Job("web-1")], targets=targets, previous_report=previous,
                      on_disk=[backup("old-1"), backup("old-2")], **changes)


def test_a_group_or_pattern_that_matches_nothing_is_not_found_and_never_a_job():
    rec = rerun_after_everything_was_deleted()
    assert rec["plan"]["plan"]["unmatched"] == ["retired", "old-1", "batch-*"]
    outcome = cluster_outcome(rec)
    assert outcome["status"] == "ok"
    assert outcome["targeted"] == []
    assert outcome["not_found"] == ["retired", "batch-*"]
    assert outcome["already_gone"] == []
    assert outcome["earlier_runs"] == {"closed": [], "deleted": ["old-1", "old-2"]}
    report = fleet_report(RUN, SETTINGS, [outcome], ["es-a"], STARTED + 5)
    totals = report["totals"]
    assert (totals["targeted"], totals["already_gone"], totals["deleted_in_earlier_runs"]) == (0, 0, 2)
    lines = section(report_markdown(report), "es-a")
    assert "- Matched nothing (ids, groups or patterns): retired, batch-*" in lines
    assert "- Already gone: -" in lines
    assert "- Done earlier: deleted old-1, old-2; closed -" in lines


def test_an_explicit_id_backed_up_by_an_earlier_run_is_done_earlier_not_not_found():
    # No report of the run that deleted it (killed before writing it): its backup says it.
    targets = {"jobs": ["old-1", "old-5"], "exclude": [], "delete": True}
    outcome = outcome_of([Job("web-1")], targets=targets, on_disk=[backup("old-1")])
    assert outcome["not_found"] == ["old-5"]
    assert outcome["earlier_runs"]["deleted"] == ["old-1"]
    assert outcome["already_gone"] == []
    assert (outcome["backups"], outcome["backup_dir"]) == ({"old-1": backup("old-1")}, backup_dir())


def test_nothing_matched_is_the_same_in_check_mode():
    planned = cluster_outcome(rerun_after_everything_was_deleted(check_mode=True))
    assert (planned["status"], planned["not_found"], planned["already_gone"]) == (
        "ok", ["retired", "batch-*"], [])


# 5. what is known of the cluster


@pytest.mark.parametrize("facts, line", [
    (FACTS, "- Cluster `prod-a`, Elasticsearch 8.15.0, as user `ops`"),
    # An ML-only user may not call GET /: no cluster name, the version from the ML info API.
    (dict(FACTS, name=None, uuid=None, username="ml-admin"), "- Elasticsearch 8.15.0, as user `ml-admin`"),
    # Without security there is no user.
    (dict(FACTS, username=None, security_enabled=False), "- Cluster `prod-a`, Elasticsearch 8.15.0"),
    # ml_job_info without include_cluster: the server's version only.
    (None, "- Elasticsearch 8.15.0"),
], ids=["all-known", "no-get-root", "no-security", "version-only"])
def test_the_cluster_line_shows_what_is_known(facts, line):
    rec = run_record(fleet_jobs())
    rec["plan"] = info_result(fleet_jobs(), include_cluster=facts is not None, facts=facts)
    report = fleet_report(RUN, SETTINGS, [cluster_outcome(rec)], ["es-a"], STARTED + 5)
    assert section(report_markdown(report), "es-a")[1] == line


def test_without_anything_known_there_is_no_cluster_line():
    failure = {"task": "Read the cluster and plan the targeted jobs",
               "reason": "Failed to read jobs: cannot connect to https://es-a:9200: Connection refused"}
    plan = {"failed": True, "changed": False, "msg": failure["reason"]}
    outcome = cluster_outcome(record(plan=plan, failure=failure))
    assert (outcome["name"], outcome["version"], outcome["user"]) == (None, None, None)
    report = fleet_report(RUN, SETTINGS, [outcome], ["es-a"], STARTED + 5)
    assert section(report_markdown(report), "es-a") == [
        "### es-a: failed",
        '- **Failed** in "Read the cluster and plan the targeted jobs": Failed to read jobs: cannot connect to'
        " https://es-a:9200: Connection refused",
        "- Targeted: -",
        "- Closed: -",
        "- Deleted: -",
        "- Already closed: -",
        "- Already gone: -",
        "- Started 2025-12-01T10:15:00Z, 3.46 s",
    ]


# 6. a rerun while an interrupted run's deletes are finishing


def interrupted_then_rerun(check_mode=False):
    """r1 backed up old-1 to old-4, deleted old-1, sent the deletes of old-2 and old-4 (still running
    when r2 starts) and was killed before old-3's delete and before writing its report."""
    jobs = [Job("old-2", state="closed", groups=["retired"], deleting=True,
                blocked={"reason": "delete", "task_id": "n1:77"}),
            Job("old-3", state="closed"),
            Job("old-4", state="closed", groups=["retired"], deleting=True,
                blocked={"reason": "delete", "task_id": "n1:78"})]
    on_disk = [backup("old-1"), backup("old-2"), backup("old-3"), backup("old-4")]
    return run_record(jobs, check_mode=check_mode, on_disk=on_disk)


def test_jobs_still_being_deleted_by_an_interrupted_run_are_done_earlier_with_their_backups():
    rec = interrupted_then_rerun()
    assert rec["plan"]["plan"]["being_deleted"] == ["old-2", "old-4"]
    assert rec["delete"]["being_deleted"] == ["old-2", "old-4"]
    outcome = cluster_outcome(rec)
    assert outcome["status"] == "changed"
    assert outcome["deleted"] == ["old-3"]
    assert outcome["earlier_runs"] == {"closed": [], "deleted": ["old-1", "old-2", "old-4"]}
    assert outcome["already_gone"] == []
    assert outcome["backups"] == {"old-1": backup("old-1"), "old-2": backup("old-2"), "old-3": backup("old-3"),
                                  "old-4": backup("old-4")}
    report = fleet_report(RUN, SETTINGS, [outcome], ["es-a"], STARTED + 5)
    assert (report["totals"]["deleted_in_earlier_runs"], report["totals"]["already_gone"]) == (3, 0)
    lines = section(report_markdown(report), "es-a")
    assert "- Done earlier: deleted old-1, old-2, old-4; closed -" in lines
    # The backups of earlier runs first, then this run's.
    assert "- Configuration backups in `%s`: old-1.json, old-2.json, old-4.json, old-3.json" % backup_dir() in lines


def test_jobs_still_being_deleted_are_done_earlier_in_check_mode_too():
    outcome = cluster_outcome(interrupted_then_rerun(check_mode=True))
    assert (outcome["status"], outcome["would_delete"], outcome["already_gone"]) == ("planned", ["old-3"], [])
    assert outcome["earlier_runs"]["deleted"] == ["old-1", "old-2", "old-4"]


@pytest.mark.parametrize("targets", [TARGETS, CLOSE_ONLY], ids=["delete", "close-only"])
def test_a_job_being_deleted_without_a_backup_is_already_gone(targets):
    # Someone else is deleting it: no backup of ours.
    outcome = outcome_of([Job("old-5", state="closed", deleting=True)], targets=targets)
    assert (outcome["status"], outcome["already_gone"], outcome["earlier_runs"]["deleted"]) == ("ok", ["old-5"], [])


# 7. failed clusters keep what the failing task registered


def test_a_delete_that_failed_part_way_reports_what_it_did():
    jobs = fleet_jobs()
    plan = info_result(jobs)
    reason = "Cannot delete job [old-4]: [search_phase_execution_exception] all shards failed"
    delete = delete_task(jobs, plan["plan"]["targeted"], refused={"old-4": reason})
    failure = {"task": ACT_TASK, "reason": delete["msg"]}
    outcome = cluster_outcome(record(plan=plan, delete=delete, close=dict(SKIPPED), failure=failure,
                                     backup_files=sorted(delete["backups"].values())))
    assert outcome["status"] == "failed"
    assert outcome["failed"] == {"task": ACT_TASK, "reason": "Failed to delete jobs: " + reason}
    assert outcome["closed"] == ["old-1"]
    assert outcome["deleted"] == ["old-1", "old-2", "old-3"]
    assert outcome["targeted"] == ["old-1", "old-2", "old-3", "old-4"]
    # old-4 is still there: its backup is kept and reported, it was not deleted earlier.
    assert outcome["backups"] == delete["backups"]
    assert outcome["earlier_runs"]["deleted"] == []
    assert outcome["left"] == []


def test_a_refused_plan_fails_the_cluster_untouched():
    jobs = [Job("old-1"), Job("old-6", state="failed")]
    plan = info_result(jobs)
    reason = "; ".join(plan["plan"]["problems"])
    assert reason.startswith("job [old-6] has state failed")
    failure = {"task": "Stop here when the plan says the run must not start", "reason": reason}
    for check_mode in (True, False):
        outcome = cluster_outcome(record(plan=plan, failure=failure, check_mode=check_mode))
        assert outcome["status"] == "failed"
        assert outcome["targeted"] == ["old-1", "old-6"]
        for key in ("would_close", "would_delete", "closed", "deleted", "already_gone", "left"):
            assert outcome[key] == [], key


def test_a_failed_verification_lists_the_jobs_left():
    rec = run_record(fleet_jobs(), jobs_after=[Job("old-3", state="closing")])
    failure = {"task": "None of the targeted jobs may be left", "reason": "still present after the run: old-3"}
    outcome = cluster_outcome(dict(rec, failure=failure))
    assert (outcome["status"], outcome["left"]) == ("failed", ["old-3"])
    assert outcome["deleted"] == ["old-1", "old-2", "old-3", "old-4"]


# 8. nodes the connection skipped


def test_skipped_nodes_of_every_result_are_reported_once_each():
    node_2 = {"host": "https://es-a-2:9200", "reason": "connection refused"}
    node_3 = {"host": "https://es-a-3:9200", "reason": "HTTP 503"}
    rec = run_record(fleet_jobs())
    rec["plan"]["skipped_nodes"] = [node_2]
    rec["delete"]["skipped_nodes"] = [node_3, node_2]
    rec["verify"]["skipped_nodes"] = [node_2]
    outcome = cluster_outcome(rec)
    assert outcome["skipped_nodes"] == [node_2, node_3]
    report = fleet_report(RUN, SETTINGS, [outcome], ["es-a"], STARTED + 5)
    lines = report_markdown(report).split("\n")
    assert lines.count("- Node skipped: https://es-a-2:9200 (connection refused)") == 1
    assert lines.count("- Node skipped: https://es-a-3:9200 (HTTP 503)") == 1


def test_skipped_nodes_of_a_skipped_task_are_not_read():
    rec = run_record([Job("web-1")])
    rec["verify"] = dict(SKIPPED, skipped_nodes=[{"host": "https://es-a-2:9200", "reason": "stale"}])
    assert cluster_outcome(rec)["skipped_nodes"] == []


# fleet_report


def fleet_outcomes():
    """Three clusters of run r2 (changed, failed, ok), in no particular order."""
    failure = {"task": ACT_TASK, "reason": "HTTP 500 | shard\nfailure"}
    jobs = [Job("old-5", state="closed")]
    plan = info_result(jobs)
    return [
        outcome_of(fleet_jobs(), cluster="es-c", recorded_ts=STARTED + 7),
        cluster_outcome(record(cluster="es-a", plan=plan, failure=failure,
                               delete=delete_task(jobs, ["old-5"], "es-a", refused={"old-5": "HTTP 500"}),
                               recorded_ts=STARTED + 2.5)),
        outcome_of([], cluster="es-b", on_disk=[backup("old-0", "es-b")], recorded_ts=STARTED + 1),
    ]


def test_fleet_report_sorts_the_clusters_and_counts_totals():
    outcomes = fleet_outcomes()
    report = fleet_report(RUN, SETTINGS, outcomes, ["es-a", "es-b", "es-c", "es-d", "es-e"], STARTED + 9.2)
    assert list(report) == ["report", "mode", "run_id", "started", "updated", "duration_s", "previous_run",
                            "settings", "totals", "pending", "clusters"]
    assert report["clusters"] == [outcomes[1], outcomes[2], outcomes[0]]
    assert report["pending"] == ["es-d", "es-e"]
    assert report["totals"] == {
        "clusters": 3, "this_run": 3, "other_runs": 0, "pending": 2,
        "changed": 1, "ok": 1, "planned": 0, "failed": 1,
        "targeted": 5, "would_close": 0, "would_delete": 0, "closed": 2, "deleted": 4, "already_gone": 0,
        "deleted_in_earlier_runs": 1}
    assert report["report"] == "mlops.elasticsearch.ml_job_decommission"
    assert (report["mode"], report["run_id"], report["started"]) == ("run", "r2", "2025-12-01T10:15:00Z")
    assert (report["updated"], report["duration_s"]) == ("2025-12-01T10:15:09Z", 9.2)
    assert report["settings"] == SETTINGS


def test_fleet_report_of_a_plan_counts_what_it_would_do():
    outcomes = [outcome_of(fleet_jobs(), cluster=name, check_mode=True) for name in ("x", "y")]
    totals = fleet_report(PLAN_RUN, SETTINGS, outcomes, ["x", "y"], STARTED + 1)["totals"]
    assert (totals["planned"], totals["changed"], totals["ok"], totals["failed"], totals["pending"]) == (2, 0, 0, 0, 0)
    assert (totals["targeted"], totals["would_close"], totals["would_delete"]) == (8, 4, 8)
    assert (totals["closed"], totals["deleted"]) == (0, 0)


def test_fleet_report_without_outcomes_counts_every_host_as_pending():
    report = fleet_report(RUN, SETTINGS, [], ["es-a", "es-b", "es-c", "es-d"], STARTED)
    assert report["clusters"] == []
    assert (report["totals"]["clusters"], report["totals"]["pending"]) == (0, 4)
    assert report["duration_s"] == 0


def test_fleet_report_leaves_out_outcomes_of_another_run():
    outcomes = [outcome_of([], cluster="es-a"), outcome_of([], cluster="es-b", run_id="r1")]
    report = fleet_report(RUN, SETTINGS, outcomes, ["es-a"], STARTED)
    assert [c["cluster"] for c in report["clusters"]] == ["es-a"]


def test_fleet_report_sorts_clusters_ignoring_case():
    outcomes = [outcome_of([], cluster=name) for name in ("es-b", "ES-C", "es-a", "Es-0")]
    report = fleet_report(RUN, SETTINGS, outcomes, ["es-b", "ES-C", "es-a", "Es-0"], STARTED)
    assert [c["cluster"] for c in report["clusters"]] == ["Es-0", "es-a", "es-b", "ES-C"]


@pytest.mark.parametrize("previous", [{}, None, {"clusters": []}])
def test_previous_run_is_none_without_a_previous_report(previous):
    assert fleet_report(dict(RUN, previous=previous), SETTINGS, [], ["es-a"], STARTED)["previous_run"] is None
    run = dict(RUN)
    del run["previous"]
    assert fleet_report(run, SETTINGS, [], ["es-a"], STARTED)["previous_run"] is None


def test_previous_run_names_the_previous_report():
    report = fleet_report(dict(RUN, previous=report_with(mode="plan")), SETTINGS, [], ["es-a"], STARTED)
    assert report["previous_run"] == {"run_id": "r1", "mode": "plan", "started": "2025-11-30T08:00:00Z"}


@pytest.mark.parametrize("max_jobs, text", [(10, "10"), (0, "0"), (None, "no limit")])
def test_the_max_jobs_guard_is_reported_as_set(max_jobs, text):
    report = fleet_report(RUN, dict(SETTINGS, max_jobs=max_jobs), [], ["es-a"], STARTED)
    assert "- Delete: yes; force: no; max jobs per cluster: %s\n" % text in report_markdown(report)


# 3. a campaign-safe report: runs limited to some clusters merge into the report they find


def campaign_report():
    """The campaign's report after run r1 (es-a to es-d) and a plan r0 of es-x."""
    r1 = [
        outcome_of(fleet_jobs(), cluster="es-a", run_id="r1"),
        cluster_outcome(record(cluster="es-b", run_id="r1", plan=info_result([Job("old-6", state="failed")]),
                               failure={"task": "Stop here when the plan says the run must not start",
                                        "reason": "job [old-6] has state failed"})),
        outcome_of([Job("old-2", state="closed")], cluster="es-c", run_id="r1"),
        outcome_of([], cluster="es-d", run_id="r1"),
    ]
    report = fleet_report(dict(RUN, id="r1"), SETTINGS, r1, ["es-a", "es-b", "es-c", "es-d"], STARTED - 3600)
    plan = outcome_of(fleet_jobs(), cluster="es-x", run_id="r0", check_mode=True)
    report["clusters"].append(plan)
    return report


def test_a_run_limited_to_some_clusters_keeps_the_other_clusters_entries():
    existing = campaign_report()
    kept = dict((c["cluster"], c) for c in existing["clusters"])
    outcomes = [outcome_of([Job("old-6", state="failed")], cluster="es-b", force=True),
                outcome_of([], cluster="es-e")]
    report = fleet_report(dict(RUN, previous=existing), SETTINGS, outcomes, ["es-b", "es-e"], STARTED + 5,
                          existing=existing)
    # The clusters outside this run keep their entries as they were, with their run.
    assert report["clusters"] == [kept["es-a"], outcomes[0], kept["es-c"], kept["es-d"], outcomes[1], kept["es-x"]]
    assert [c["run_id"] for c in report["clusters"]] == ["r1", "r2", "r1", "r1", "r2", "r0"]
    assert report["totals"] == {
        "clusters": 6, "this_run": 2, "other_runs": 4, "pending": 0,
        "changed": 3, "ok": 2, "planned": 1, "failed": 0,
        "targeted": 4 + 1 + 1 + 4, "would_close": 2, "would_delete": 4, "closed": 2 + 1, "deleted": 4 + 1 + 1,
        "already_gone": 0, "deleted_in_earlier_runs": 0}


def test_an_earlier_failure_outside_the_run_stays_in_the_report():
    existing = campaign_report()
    report = fleet_report(RUN, SETTINGS, [outcome_of([], cluster="es-a")], ["es-a"], STARTED + 5,
                          existing=existing)
    failed = [c for c in report["clusters"] if c["status"] == "failed"]
    assert [(c["cluster"], c["run_id"], c["failed"]["reason"]) for c in failed] == [
        ("es-b", "r1", "job [old-6] has state failed")]
    assert report["totals"]["failed"] == 1
    markdown = report_markdown(report)
    assert "| es-b | failed | `r1` (run) | 1 | 0 | 0 | 0 | 3.46 | job [old-6] has state failed |" in markdown


def test_report_md_names_each_entrys_run_and_counts_the_clusters_outside_this_run():
    existing = campaign_report()
    report = fleet_report(RUN, SETTINGS, [outcome_of([Job("old-2", state="closed")], cluster="es-c")],
                          ["es-c"], STARTED + 5, existing=existing)
    lines = report_markdown(report).split("\n")
    assert "- 4 clusters were not part of this run: their entries come from the runs they name" in lines
    assert [line for line in lines if line.startswith("| es-")] == [
        "| es-a | changed | `r1` (run) | 4 | 2 | 4 | 0 | 3.46 |  |",
        "| es-b | failed | `r1` (run) | 1 | 0 | 0 | 0 | 3.46 | job [old-6] has state failed |",
        "| es-c | changed | this run | 1 | 0 | 1 | 0 | 3.46 |  |",
        "| es-d | ok | `r1` (run) | 0 | 0 | 0 | 0 | 3.46 |  |",
        "| es-x | planned | `r0` (plan) | 4 | 0 | 0 | 0 | 3.46 |  |",
    ]
    assert section("\n".join(lines), "es-b")[1] == "- From run `r1` (run), not part of this run"
    assert not any(line.startswith("- From run") for line in section("\n".join(lines), "es-c"))
    # An entry of a plan keeps saying what would be done.
    assert "- Would delete: old-1, old-2, old-3, old-4" in section("\n".join(lines), "es-x")


def test_a_run_of_every_cluster_replaces_every_entry():
    existing = campaign_report()
    names = ["es-a", "es-b", "es-c", "es-d", "es-x"]
    report = fleet_report(RUN, SETTINGS, [outcome_of([], cluster=name) for name in names], names, STARTED + 5,
                          existing=existing)
    assert [c["run_id"] for c in report["clusters"]] == ["r2"] * 5
    assert (report["totals"]["this_run"], report["totals"]["other_runs"]) == (5, 0)
    assert "not part of this run" not in report_markdown(report)


def test_a_second_batch_of_the_same_run_replaces_only_its_clusters():
    existing = campaign_report()
    hosts = ["es-a", "es-b", "es-e"]
    first = [outcome_of([], cluster="es-a")]
    after_first = fleet_report(RUN, SETTINGS, first, hosts, STARTED + 5, existing=existing)
    second = first + [outcome_of([Job("old-6", state="failed")], cluster="es-b", force=True),
                      outcome_of([], cluster="es-e")]
    old = dict((c["cluster"], c) for c in existing["clusters"])
    # After the first batch, es-b (not reached yet) still has r1's entry.
    assert after_first["clusters"] == [first[0], old["es-b"], old["es-c"], old["es-d"], old["es-x"]]
    assert (after_first["pending"], after_first["totals"]["pending"]) == (["es-b", "es-e"], 2)
    report = fleet_report(RUN, SETTINGS, second, hosts, STARTED + 9, existing=after_first)
    by_name = dict((c["cluster"], c) for c in report["clusters"])
    assert sorted(by_name) == ["es-a", "es-b", "es-c", "es-d", "es-e", "es-x"]
    assert by_name["es-a"] == after_first["clusters"][0] == first[0]
    assert (by_name["es-b"], by_name["es-e"]) == (second[1], second[2])
    assert (by_name["es-c"], by_name["es-d"], by_name["es-x"]) == (old["es-c"], old["es-d"], old["es-x"])
    assert (report["totals"]["this_run"], report["totals"]["other_runs"], report["totals"]["pending"]) == (3, 3, 0)
    assert report["pending"] == []


def test_a_cluster_this_run_has_not_reached_yet_keeps_its_last_entry():
    # A serial run stopped after its first batch (es-a): es-b and es-c keep r1's entries, es-b's failure too.
    existing = campaign_report()
    old = dict((c["cluster"], c) for c in existing["clusters"])
    first = outcome_of([], cluster="es-a")
    report = fleet_report(RUN, SETTINGS, [first], ["es-a", "es-b", "es-c", "es-e"], STARTED + 5, existing=existing)
    assert report["clusters"] == [first, old["es-b"], old["es-c"], old["es-d"], old["es-x"]]
    assert report["pending"] == ["es-b", "es-c", "es-e"]
    totals = report["totals"]
    assert (totals["clusters"], totals["this_run"], totals["other_runs"], totals["pending"]) == (5, 1, 4, 3)
    assert (totals["ok"], totals["changed"], totals["failed"], totals["planned"]) == (2, 1, 1, 1)
    markdown = report_markdown(report)
    lines = markdown.split("\n")
    assert "- 2 clusters were not part of this run: their entries come from the runs they name" in lines
    assert ("- 2 clusters of this run are pending: until this run reaches them, their entries come from the runs"
            " they name") in lines
    assert section(markdown, "es-b")[1] == "- From run `r1` (run), pending in this run"
    assert section(markdown, "es-d")[1] == "- From run `r1` (run), not part of this run"
    # The next run, reading this report as the previous one, still knows what r1 deleted on es-c.
    assert outcome_of([], cluster="es-c", previous_report=report)["earlier_runs"]["deleted"] == ["old-2"]


def test_pending_counts_the_hosts_of_this_run_without_an_outcome_yet():
    report = fleet_report(RUN, SETTINGS, [outcome_of([], cluster="es-e")], ["es-e", "es-f", "es-g"], STARTED + 5,
                          existing=campaign_report())
    assert report["totals"]["pending"] == 2
    assert (report["totals"]["clusters"], report["totals"]["this_run"], report["totals"]["other_runs"]) == (6, 1, 5)
    assert "| 6 | 2 | 2 | 1 | 2 | 10 | 2 | 5 | 0 | 0 |" in report_markdown(report).split("\n")


def test_entries_of_a_release_1_0_report_are_kept_with_the_mode_of_their_run():
    # A 1.0.0 report held the entries of one run, without their mode: here a plan.
    plan = [outcome_of(fleet_jobs(), cluster=name, run_id="r1", check_mode=True) for name in ("es-a", "es-b")]
    existing = fleet_report(dict(PLAN_RUN, id="r1"), SETTINGS, plan, ["es-a", "es-b"], STARTED - 60)
    for entry in existing["clusters"]:
        for key in ("mode", "not_found", "skipped_nodes"):
            del entry[key]
    report = fleet_report(RUN, SETTINGS, [outcome_of(fleet_jobs(), cluster="es-a")], ["es-a"], STARTED + 5,
                          existing=existing)
    kept = report["clusters"][1]
    assert kept == dict(existing["clusters"][1], mode="plan")
    markdown = report_markdown(report)
    assert "| es-b | planned | `r1` (plan) | 4 | 0 | 0 | 0 | 3.46 |  |" in markdown.split("\n")
    assert section(markdown, "es-b")[1:5] == [
        "- From run `r1` (plan), not part of this run",
        "- Cluster `prod-a`, Elasticsearch 8.15.0, as user `ops`",
        "- Targeted: old-1, old-2, old-3, old-4",
        "- Would close: old-1, old-4",
    ]
    # Written so, the next run keeps it as it is.
    again = fleet_report(dict(RUN, id="r3"), SETTINGS, [], ["es-a"], STARTED + 60, existing=report)
    assert again["clusters"][1] == kept


@pytest.mark.parametrize("existing", [None, {}, {"clusters": None}, {"run_id": "r1"}])
def test_without_an_existing_report_there_is_only_this_run(existing):
    report = fleet_report(RUN, SETTINGS, [outcome_of([], cluster="es-a")], ["es-a"], STARTED, existing=existing)
    assert [c["cluster"] for c in report["clusters"]] == ["es-a"]
    assert report["totals"]["other_runs"] == 0


def test_a_report_written_by_fleet_report_can_be_merged():
    assert is_report(campaign_report()) is True
    assert is_report(fleet_report(RUN, SETTINGS, [], ["es-a"], STARTED)) is True


def test_a_report_of_release_1_0_can_be_merged():
    # Its entries have neither mode, not_found nor skipped_nodes.
    report = campaign_report()
    report["clusters"] = [dict((key, value) for key, value in entry.items()
                               if key not in ("mode", "not_found", "skipped_nodes")) for entry in report["clusters"]]
    assert is_report(report) is True


@pytest.mark.parametrize("change", [
    lambda report: dict(report, report="someone.else"),
    lambda report: dict((key, value) for key, value in report.items() if key != "report"),
    lambda report: dict(report, clusters="es-a"),
    lambda report: dict(report, clusters=None),
    lambda report: dict(report, clusters=report["clusters"] + [1]),
    lambda report: dict(report, clusters=[dict((key, value) for key, value in entry.items() if key != "status")
                                          for entry in report["clusters"]]),
    lambda report: [report],
    lambda report: None,
], ids=["another-report", "no-name", "clusters-a-string", "clusters-null", "an-entry-not-an-object",
        "entries-lacking-a-key", "a-list", "null"])
def test_anything_else_is_not_a_report_to_merge_into(change):
    assert is_report(change(campaign_report())) is False


# report_markdown


def run_report():
    outcomes = fleet_outcomes()
    return fleet_report(dict(RUN, previous=report_with()), SETTINGS, outcomes,
                        ["es-a", "es-b", "es-c", "es-d", "es-e"], STARTED + 9.2)


RUN_MARKDOWN = """\
# ML job decommission report (run)

- Run `r2`, started 2025-12-01T10:15:00Z, updated 2025-12-01T10:15:09Z (9.2 s)
- Targets: `old-*, retired`, excluding `old-keep`
- Delete: yes; force: no; max jobs per cluster: 10
- Previous run: `r1` (run, started 2025-11-30T08:00:00Z); what it did is listed as "done earlier"

## Totals

| clusters | changed | ok | failed | pending | targeted jobs | closed | deleted | already gone | deleted earlier |
|---|---|---|---|---|---|---|---|---|---|
| 3 | 1 | 1 | 1 | 2 | 5 | 2 | 4 | 0 | 1 |

## Clusters

| cluster | status | run | targeted | closed | deleted | already gone | duration (s) | reason |
|---|---|---|---|---|---|---|---|---|
| es-a | failed | this run | 1 | 0 | 0 | 0 | 2.5 | HTTP 500 \\| shard failure |
| es-b | ok | this run | 0 | 0 | 0 | 0 | 1.0 |  |
| es-c | changed | this run | 4 | 2 | 4 | 0 | 7.0 |  |

### es-a: failed

- Cluster `prod-a`, Elasticsearch 8.15.0, as user `ops`
- **Failed** in "Close and delete the targeted jobs, saving their configuration first": HTTP 500 | shard
failure
- Targeted: old-5
- Closed: -
- Deleted: -
- Already closed: old-5
- Already gone: -
- Matched nothing (ids, groups or patterns): retired
- Configuration backups in `/srv/report/backups/es-a`: old-5.json
- Started 2025-12-01T10:15:00Z, 2.5 s

### es-b: ok

- Cluster `prod-a`, Elasticsearch 8.15.0, as user `ops`
- Targeted: -
- Closed: -
- Deleted: -
- Already closed: -
- Already gone: -
- Matched nothing (ids, groups or patterns): retired, old-*
- Done earlier: deleted old-0; closed -
- Configuration backups in `/srv/report/backups/es-b`: old-0.json
- Started 2025-12-01T10:15:00Z, 1.0 s

### es-c: changed

- Cluster `prod-a`, Elasticsearch 8.15.0, as user `ops`
- Targeted: old-1, old-2, old-3, old-4
- Closed: old-1, old-4
- Deleted: old-1, old-2, old-3, old-4
- Already closed: old-2, old-3
- Already gone: -
- Configuration backups in `/srv/report/backups/es-c`: old-1.json, old-2.json, old-3.json, old-4.json
- Started 2025-12-01T10:15:00Z, 7.0 s
"""


def test_markdown_of_a_run():
    assert report_markdown(run_report()) == RUN_MARKDOWN


def plan_report():
    settings = dict(SETTINGS, exclude=[], delete=False, force=True)
    targets = {"jobs": ["old-*", "retired"], "exclude": [], "delete": False}
    facts = dict(FACTS, privileges={"manage_ml": False}, problems=["user ops lacks the cluster privilege manage_ml"])
    refused = info_result([Job("old-1")], targets, facts=facts)
    failure = {"task": "Stop here when the plan says the run must not start",
               "reason": "; ".join(refused["plan"]["problems"])}
    outcomes = [
        outcome_of(fleet_jobs(), cluster="es-a", check_mode=True, targets=targets, force=True),
        cluster_outcome(record(cluster="es-b", check_mode=True, targets=targets, failure=failure, plan=refused)),
    ]
    return fleet_report(PLAN_RUN, settings, outcomes, ["es-a", "es-b", "es-c"], STARTED + 2)


def test_markdown_of_a_plan_says_what_a_run_would_do():
    lines = report_markdown(plan_report()).split("\n")
    assert lines[0] == "# ML job decommission report (plan)"
    assert lines[2:4] == [
        '**Plan only (check mode): no cluster was changed.** "Would close" and "would delete" are what a',
        "real run would do now."]
    assert "- Targets: `old-*, retired`" in lines
    assert "- Delete: no (close only); force: yes; max jobs per cluster: 10" in lines
    assert not any(line.startswith(("- Previous run:", "- Closed:", "- Deleted:")) for line in lines)
    assert ("| clusters | changed | ok | planned | failed | pending | targeted jobs | would close | would delete"
            " | already gone | deleted earlier |") in lines
    assert "|---|---|---|---|---|---|---|---|---|---|---|" in lines
    assert "| 2 | 0 | 0 | 1 | 1 | 1 | 6 | 3 | 0 | 0 | 0 |" in lines
    assert ("| cluster | status | run | targeted | would close | would delete | already gone | duration (s) | reason |"
            in lines)
    assert "| es-a | planned | this run | 5 | 3 | 0 | 0 | 3.46 |  |" in lines
    assert "| es-b | failed | this run | 1 | 0 | 0 | 0 | 3.46 | user ops lacks the cluster privilege manage_ml |" in lines
    assert section("\n".join(lines), "es-a")[2:8] == [
        "- Targeted: old-1, old-2, old-3, old-4, old-keep",
        "- Would close: old-1, old-4, old-keep",
        "- Would delete: -",
        "- Already closed: old-2, old-3",
        "- Already gone: -",
        "- Started 2025-12-01T10:15:00Z, 3.46 s",
    ]
    assert section("\n".join(lines), "es-b")[2] == (
        '- **Failed** in "Stop here when the plan says the run must not start": user ops lacks the cluster'
        " privilege manage_ml")


@pytest.mark.parametrize("build, mode", [
    (lambda: fleet_report(RUN, SETTINGS, [], ["es-a", "es-b"], STARTED), "run"),
    (lambda: fleet_report(dict(PLAN_RUN, previous=report_with()), dict(SETTINGS, exclude=[]), [], ["es-a"],
                          STARTED), "plan"),
], ids=["run", "plan"])
def test_markdown_without_clusters_has_the_totals_and_empty_tables(build, mode):
    markdown = report_markdown(build())
    assert markdown.startswith("# ML job decommission report (%s)\n" % mode)
    assert markdown.endswith("## Clusters\n\n| cluster | status | run | targeted | %s | already gone | duration (s)"
                             " | reason |\n|---|---|---|---|---|---|---|---|---|\n"
                             % ("would close | would delete" if mode == "plan" else "closed | deleted"))
    assert "###" not in markdown


def test_markdown_done_earlier_lists_earlier_closed_jobs():
    previous = report_with(previous_entry(targets=CLOSE_ONLY, closed=["old-2"]))
    outcome = outcome_of([Job("old-2", state="closed")], targets=CLOSE_ONLY, previous_report=previous)
    markdown = report_markdown(fleet_report(RUN, SETTINGS, [outcome], ["es-a"], STARTED))
    assert "- Done earlier: deleted -; closed old-2\n" in markdown


def test_markdown_lists_backup_files_by_name_in_report_order():
    outcome = outcome_of([Job("old-2", state="closed")], on_disk=[backup("old-9")])
    markdown = report_markdown(fleet_report(RUN, SETTINGS, [outcome], ["es-a"], STARTED))
    assert "- Configuration backups in `%s`: old-9.json, old-2.json\n" % backup_dir() in markdown
    assert "- Done earlier: deleted old-9; closed -\n" in markdown


def test_markdown_cluster_sections_leave_out_empty_lines():
    lines = section(report_markdown(run_report()), "es-c")
    for start in ("- From run", "- **Failed**", "- Node skipped", "- Matched nothing", "- Done earlier",
                  "- Left after the run"):
        assert not any(line.startswith(start) for line in lines), start
