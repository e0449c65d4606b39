# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""The ml_job_decommission role's report, as plain data: one cluster's outcome from what its tasks
registered, the fleet report from every cluster's outcome, and its Markdown form.

Free of Ansible so that it is tested plainly; it runs on the controller (a filter and an action
plugin call it), once per cluster and once per batch, instead of a chain of lazy templates."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

STATUSES = ("changed", "ok", "planned", "failed")


def _unique(values):
    """Values in first-seen order, each once (as Jinja's ``unique``)."""
    seen = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


def _utc_iso(timestamp):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


def _previous_entry(previous_report, cluster, targets):
    """The same cluster in the previous report, when it ran with the same targets."""
    for entry in (previous_report or {}).get("clusters") or []:
        if entry.get("cluster") == cluster and entry.get("targets") == targets:
            return entry
    return {}


def _earlier(entry, key):
    return list(entry.get(key) or []) + list((entry.get("earlier_runs") or {}).get(key) or [])


def _backups_by_job(backup_files):
    """job_id -> file of the backups on disk: a backup is written right before its job is
    deleted, so a job with a backup and no job is one an earlier run deleted."""
    backups = {}
    for path in sorted(backup_files or []):
        name = os.path.basename(path)
        if name.endswith(".json"):
            backups[name[:-len(".json")]] = path
    return backups


def cluster_outcome(record):
    """One cluster's entry in the report.

    ``record`` holds the cluster's name and run id, ``check_mode``, its ``targets`` (jobs,
    exclude, delete), the results its tasks registered (``plan`` from ml_job_info, ``close``,
    ``delete``; ``{}`` or a skipped result when the task did not run), ``left`` (jobs the
    verification found), ``failure`` ({task, reason} or None), ``previous_report``,
    ``backup_dir`` and the ``backup_files`` found there, ``started_ts`` and ``recorded_ts``."""
    plan = record.get("plan") or {}
    close = record.get("close") or {}
    delete = record.get("delete") or {}
    facts = plan.get("cluster") or {}
    planned = plan.get("jobs") or []
    targets = record["targets"]
    failure = record.get("failure")
    check_mode = bool(record.get("check_mode"))
    planning = check_mode and failure is None

    targeted = [job["job_id"] for job in planned]
    to_close = [job["job_id"] for job in planned if not job.get("deleting") and job.get("state") != "closed"]
    closed = list(close.get("closed") or [])
    deleted = list(delete.get("deleted") or [])
    already_closed = sorted(set([job["job_id"] for job in planned if job.get("state") == "closed"]
                                + list(close.get("already_closed") or [])))
    already_gone = sorted(set(list(plan.get("missing") or []) + list(delete.get("already_absent") or [])
                              + list(delete.get("being_deleted") or [])))

    previous = _previous_entry(record.get("previous_report"), record["cluster"], targets)
    on_disk = _backups_by_job(record.get("backup_files"))
    earlier_deleted = sorted(job_id for job_id in _unique(_earlier(previous, "deleted") + list(on_disk))
                             if job_id not in targeted and job_id not in deleted)
    earlier_closed = sorted(job_id for job_id in _unique(_earlier(previous, "closed")) if job_id in already_closed)
    backups = dict((job_id, path) for job_id, path in on_disk.items() if job_id in earlier_deleted)
    backups.update(delete.get("backups") or {})

    if failure is not None:
        status = "failed"
    elif check_mode:
        status = "planned"
    elif closed or deleted:
        status = "changed"
    else:
        status = "ok"

    started_ts = float(record["started_ts"])
    return {
        "cluster": record["cluster"],
        "run_id": record["run_id"],
        "status": status,
        "name": facts.get("name"),
        "version": facts.get("version"),
        "user": facts.get("username"),
        "targets": targets,
        "targeted": targeted,
        "would_close": to_close if planning else [],
        "would_delete": targeted if planning and targets.get("delete") else [],
        "closed": closed,
        "deleted": deleted,
        "already_closed": already_closed,
        "already_gone": already_gone,
        "earlier_runs": {"closed": earlier_closed, "deleted": earlier_deleted},
        "left": list(record.get("left") or []),
        "failed": failure,
        "backup_dir": record.get("backup_dir") if backups else None,
        "backups": backups,
        "started": _utc_iso(started_ts),
        "duration_s": round(float(record["recorded_ts"]) - started_ts, 2),
    }


def _count(clusters, key):
    return sum(len(cluster[key]) for cluster in clusters)


def fleet_report(run, settings, outcomes, hosts, now_ts):
    """The fleet report of run ``run`` (id, mode, started, started_ts, previous) from the outcomes
    recorded so far; outcomes of other runs are left out. ``hosts``: clusters in the play."""
    # Case-insensitive, as the Jinja sort(attribute='cluster') this replaces.
    clusters = sorted((o for o in outcomes if o.get("run_id") == run["id"]), key=lambda o: o["cluster"].lower())
    previous = run.get("previous") or {}
    totals = {"clusters": len(clusters), "pending": hosts - len(clusters)}
    for status in STATUSES:
        totals[status] = sum(1 for cluster in clusters if cluster["status"] == status)
    for key in ("targeted", "would_close", "would_delete", "closed", "deleted", "already_gone"):
        totals[key] = _count(clusters, key)
    totals["deleted_in_earlier_runs"] = sum(len(c["earlier_runs"]["deleted"]) for c in clusters)
    return {
        "report": "mlops.elasticsearch.ml_job_decommission",
        "mode": run["mode"],
        "run_id": run["id"],
        "started": run["started"],
        "updated": _utc_iso(now_ts),
        "duration_s": round(now_ts - float(run["started_ts"]), 2),
        "previous_run": (dict((key, previous.get(key)) for key in ("run_id", "mode", "started"))
                         if "run_id" in previous else None),
        "settings": settings,
        "totals": totals,
        "clusters": clusters,
    }


def _ids(values):
    return ", ".join(values) if values else "-"


def _cell(text):
    return text.replace("|", "\\|").replace("\n", " ")


def _summary_lines(report):
    settings = report["settings"]
    targets = "- Targets: `%s`" % ", ".join(settings["jobs"])
    if settings["exclude"]:
        targets += ", excluding `%s`" % ", ".join(settings["exclude"])
    lines = [
        "- Run `%s`, started %s, updated %s (%s s)"
        % (report["run_id"], report["started"], report["updated"], report["duration_s"]),
        targets,
        "- Delete: %s; force: %s; max jobs per cluster: %s" % (
            "yes" if settings["delete"] else "no (close only)", "yes" if settings["force"] else "no",
            settings["max_jobs"]),
    ]
    previous = report["previous_run"]
    if previous:
        lines.append('- Previous run: `%s` (%s, started %s); what it did is listed as "done earlier"'
                     % (previous["run_id"], previous["mode"], previous["started"]))
    return lines


def _table(header, rows):
    lines = ["| %s |" % " | ".join(header), "|%s" % ("---|" * len(header))]
    lines.extend("| %s |" % " | ".join(str(cell) for cell in row) for row in rows)
    return lines


def _cluster_lines(cluster, plan):
    lines = ["### %s: %s" % (cluster["cluster"], cluster["status"]), ""]
    if cluster["name"]:
        line = "- Cluster `%s`, Elasticsearch %s" % (cluster["name"], cluster["version"])
        if cluster["user"]:
            line += ", as user `%s`" % cluster["user"]
        lines.append(line)
    if cluster["failed"]:
        lines.append('- **Failed** in "%s": %s' % (cluster["failed"]["task"], cluster["failed"]["reason"]))
    lines.append("- Targeted: %s" % _ids(cluster["targeted"]))
    if plan:
        lines.append("- Would close: %s" % _ids(cluster["would_close"]))
        lines.append("- Would delete: %s" % _ids(cluster["would_delete"]))
    else:
        lines.append("- Closed: %s" % _ids(cluster["closed"]))
        lines.append("- Deleted: %s" % _ids(cluster["deleted"]))
    lines.append("- Already closed: %s" % _ids(cluster["already_closed"]))
    lines.append("- Already gone: %s" % _ids(cluster["already_gone"]))
    earlier = cluster["earlier_runs"]
    if earlier["deleted"] or earlier["closed"]:
        lines.append("- Done earlier: deleted %s; closed %s" % (_ids(earlier["deleted"]), _ids(earlier["closed"])))
    if cluster["left"]:
        lines.append("- Left after the run: %s" % _ids(cluster["left"]))
    if cluster["backups"]:
        files = ", ".join(os.path.basename(path) for path in cluster["backups"].values())
        lines.append("- Configuration backups in `%s`: %s" % (cluster["backup_dir"], files))
    lines.append("- Started %s, %s s" % (cluster["started"], cluster["duration_s"]))
    return lines


def report_markdown(report):
    """The report for people: totals, a table of clusters, then each cluster's details."""
    plan = report["mode"] == "plan"
    done = ["would close", "would delete"] if plan else ["closed", "deleted"]
    totals = report["totals"]
    lines = ["# ML job decommission report (%s)" % report["mode"], ""]
    if plan:
        lines += ['**Plan only (check mode): no cluster was changed.** "Would close" and "would delete" are what a',
                  "real run would do now.", ""]
    lines += _summary_lines(report) + ["", "## Totals", ""]
    statuses = ["changed", "ok"] + (["planned"] if plan else []) + ["failed", "pending"]
    header = ["clusters"] + statuses + ["targeted jobs"] + done + ["already gone", "deleted earlier"]
    row = [totals[key] for key in ["clusters"] + statuses + ["targeted"] + [key.replace(" ", "_") for key in done]]
    row += [totals["already_gone"], totals["deleted_in_earlier_runs"]]
    lines += _table(header, [row]) + ["", "## Clusters", ""]
    lines += _table(
        ["cluster", "status", "targeted"] + done + ["already gone", "duration (s)", "reason"],
        [[c["cluster"], c["status"], len(c["targeted"])] + [len(c[key.replace(" ", "_")]) for key in done]
         + [len(c["already_gone"]), c["duration_s"], _cell(c["failed"]["reason"]) if c["failed"] else ""]
         for c in report["clusters"]])
    for cluster in report["clusters"]:
        lines += [""] + _cluster_lines(cluster, plan)
    return "\n".join(lines) + "\n"
