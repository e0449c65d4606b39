# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""The ml_job_decommission role's report, as plain data: one cluster's outcome from what its tasks
registered (the plan of ml_job_info, the result of ml_job_delete or ml_job_close, the verifying
read), and what its campaign report counts and shows (the frame is _fleet_report.py's).

Free of Ansible so that it is tested plainly; it runs on the controller (a filter and the internal
report actions call it). It decides nothing about jobs: the planners of the modules did, and their
lists are reported as they are."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._fleet_report import (
    FleetReport,
    cluster_facts,
    ids,
    ran,
    skipped_nodes,
    status_of,
    timing,
)


def _unique(values):
    """Values in first-seen order, each once."""
    seen = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


def as_list(value):
    """The targets as the modules read them: a list whose items, or one string, may be comma lists."""
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else [value]
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


def normalised_targets(targets):
    return dict(targets, jobs=as_list(targets.get("jobs")), exclude=as_list(targets.get("exclude")))


def _previous_entry(previous_report, cluster, targets):
    """The same cluster in the previous report, when it ran with the same targets."""
    for entry in (previous_report or {}).get("clusters") or []:
        if entry.get("cluster") == cluster and normalised_targets(entry.get("targets") or {}) == targets:
            return entry
    return {}


def _earlier(entry, key):
    return list(entry.get(key) or []) + list((entry.get("earlier_runs") or {}).get(key) or [])


def _backups_by_job(backup_files):
    """job_id -> file of the backups on disk: a backup is written right before its job is
    deleted, so a backed-up job that no longer exists is one an earlier run deleted."""
    backups = {}
    for path in sorted(backup_files or []):
        name = os.path.basename(path)
        if name.endswith(".json"):
            backups[name[:-len(".json")]] = path
    return backups


def cluster_outcome(record):
    """One cluster's entry in the report.

    ``record`` holds the cluster's name and run id, ``check_mode``, its ``targets`` (jobs,
    exclude, delete), the results its tasks registered (``plan`` from ml_job_info, ``delete`` or
    ``close``, ``verify``; ``{}`` or a skipped result when the task did not run), ``failure``
    ({task, reason} or None), ``previous_report``, ``backup_dir`` and the ``backup_files`` found
    there, ``started_ts`` and ``recorded_ts``."""
    info = ran(record.get("plan"))
    plan = info.get("plan") or {}
    acted = ran(record.get("delete")) or ran(record.get("close"))
    verify = ran(record.get("verify"))
    targets = normalised_targets(record["targets"])
    failure = record.get("failure")
    check_mode = bool(record.get("check_mode"))

    targeted = list(plan.get("targeted") or [])
    closed = list(acted.get("closed") or [])
    deleted = list(acted.get("deleted") or [])
    # Targeted jobs gone since the plan, or being deleted: ml_job_delete lists both; ml_job_close
    # (ignore_missing) names the gone ones missing and reports the others per job.
    gone_meanwhile = (list(acted.get("already_absent") or []) + list(acted.get("being_deleted") or [])
                      + list(acted.get("missing") or [])
                      + [job["job_id"] for job in acted.get("jobs") or [] if job.get("action") == "being_deleted"])
    existing = set(targeted) - set(plan.get("being_deleted") or [])

    previous = _previous_entry(record.get("previous_report"), record["cluster"], targets)
    on_disk = _backups_by_job(record.get("backup_files"))
    # Deleted by an earlier run: in its report or backed up, and neither deleted by this run nor
    # still there (a job being deleted by an interrupted run is still there, but gone soon).
    earlier_deleted = sorted(job_id for job_id in _unique(_earlier(previous, "deleted") + list(on_disk))
                             if job_id not in deleted and job_id not in existing)
    already_closed = sorted(set(list(plan.get("already_closed") or []) + list(plan.get("wait_close") or [])))
    earlier_closed = sorted(job_id for job_id in _unique(_earlier(previous, "closed")) if job_id in already_closed)
    backups = dict((job_id, path) for job_id, path in on_disk.items() if job_id in earlier_deleted)
    backups.update(acted.get("backups") or {})

    outcome = {
        "cluster": record["cluster"],
        "run_id": record["run_id"],
        "mode": "plan" if check_mode else "run",
        "status": status_of(failure, closed or deleted, check_mode),
    }
    outcome.update(cluster_facts(info))
    outcome.update({
        "targets": targets,
        "targeted": targeted,
        "would_close": closed if check_mode else [],
        "would_delete": deleted if check_mode else [],
        "closed": [] if check_mode else closed,
        "deleted": [] if check_mode else deleted,
        "already_closed": already_closed,
        "already_gone": sorted(set(gone_meanwhile) - set(earlier_deleted)),
        "not_found": [target for target in plan.get("unmatched") or [] if target not in earlier_deleted],
        "earlier_runs": {"closed": earlier_closed, "deleted": earlier_deleted},
        "left": list((verify.get("plan") or {}).get("pending") or []),
        "skipped_nodes": skipped_nodes(info, acted, verify),
        "failed": failure,
        "backup_dir": record.get("backup_dir") if backups else None,
        "backups": backups,
    })
    outcome.update(timing(record))
    return outcome


class DecommissionReport(FleetReport):
    name = "mlops.elasticsearch.ml_job_decommission"
    title = "ML job decommission report"
    entry_keys = ("targeted", "would_close", "would_delete", "closed", "deleted", "already_closed", "already_gone",
                  "earlier_runs", "left", "backup_dir", "backups")
    job_lists = ("targeted", "would_close", "would_delete", "closed", "deleted", "already_gone")
    plan_banner = ('**Plan only (check mode): no cluster was changed.** "Would close" and "would delete" are what a',
                   "real run would do now.")
    previous_run_note = '; what it did is listed as "done earlier"'

    def settings(self, settings):
        return dict(settings, jobs=as_list(settings.get("jobs")), exclude=as_list(settings.get("exclude")))

    def extra_totals(self, clusters):
        return {"deleted_in_earlier_runs": sum(len(c["earlier_runs"]["deleted"]) for c in clusters)}

    def settings_lines(self, settings):
        targets = "- Targets: `%s`" % ", ".join(settings["jobs"])
        if settings["exclude"]:
            targets += ", excluding `%s`" % ", ".join(settings["exclude"])
        return [targets, "- Delete: %s; force: %s; max jobs per cluster: %s" % (
            "yes" if settings["delete"] else "no (close only)", "yes" if settings["force"] else "no",
            "no limit" if settings.get("max_jobs") is None else settings["max_jobs"])]

    @staticmethod
    def _done(plan):
        return [("would close", "would_close"), ("would delete", "would_delete")] if plan else [
            ("closed", "closed"), ("deleted", "deleted")]

    def totals_columns(self, plan):
        return ([("targeted jobs", "targeted")] + self._done(plan)
                + [("already gone", "already_gone"), ("deleted earlier", "deleted_in_earlier_runs")])

    def cluster_columns(self, plan):
        def count(key):
            return lambda cluster: len(cluster.get(key) or [])
        return ([("targeted", count("targeted"))] + [(header, count(key)) for header, key in self._done(plan)]
                + [("already gone", count("already_gone"))])

    def details(self, cluster):
        lines = ["- Targeted: %s" % ids(cluster["targeted"])]
        if cluster.get("mode") == "plan":
            lines.append("- Would close: %s" % ids(cluster["would_close"]))
            lines.append("- Would delete: %s" % ids(cluster["would_delete"]))
        else:
            lines.append("- Closed: %s" % ids(cluster["closed"]))
            lines.append("- Deleted: %s" % ids(cluster["deleted"]))
        lines.append("- Already closed: %s" % ids(cluster["already_closed"]))
        lines.append("- Already gone: %s" % ids(cluster["already_gone"]))
        if cluster.get("not_found"):
            lines.append("- Matched nothing (ids, groups or patterns): %s" % ids(cluster["not_found"]))
        earlier = cluster["earlier_runs"]
        if earlier["deleted"] or earlier["closed"]:
            lines.append("- Done earlier: deleted %s; closed %s" % (ids(earlier["deleted"]), ids(earlier["closed"])))
        if cluster["left"]:
            lines.append("- Left after the run: %s" % ids(cluster["left"]))
        if cluster["backups"]:
            files = ", ".join(os.path.basename(path) for path in cluster["backups"].values())
            lines.append("- Configuration backups in `%s`: %s" % (cluster["backup_dir"], files))
        return lines


REPORT = DecommissionReport()
fleet_report = REPORT.merge
is_report = REPORT.is_report
report_markdown = REPORT.markdown
