# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""The ml_job_decommission role's report, as plain data: one cluster's outcome from what its tasks
registered (the plan of ml_job_info, the result of ml_job_delete or ml_job_close, the verifying
read), the campaign's report from every cluster's outcome merged into the report found on disk,
and its Markdown form.

Free of Ansible so that it is tested plainly; it runs on the controller (a filter and an action
plugin call it). It decides nothing about jobs: the planners of the modules did, and their lists
are reported as they are."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

REPORT = "mlops.elasticsearch.ml_job_decommission"
STATUSES = ("changed", "ok", "planned", "failed")
# What the campaign report reads of every cluster's entry; entries of release 1.0.0 have them too.
ENTRY_KEYS = ("cluster", "run_id", "status", "name", "version", "user", "targeted", "would_close", "would_delete",
              "closed", "deleted", "already_closed", "already_gone", "earlier_runs", "left", "failed", "backup_dir",
              "backups", "started", "duration_s")
JOB_LISTS = ("targeted", "would_close", "would_delete", "closed", "deleted", "already_gone")


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


def _utc_iso(timestamp):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


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


def _ran(result):
    """A registered result of a task that ran (a skipped task registers ``skipped``)."""
    return result if result and not result.get("skipped") else {}


def _skipped_nodes(*results):
    nodes = []
    for result in results:
        for node in result.get("skipped_nodes") or []:
            if node not in nodes:
                nodes.append(node)
    return nodes


def cluster_outcome(record):
    """One cluster's entry in the report.

    ``record`` holds the cluster's name and run id, ``check_mode``, its ``targets`` (jobs,
    exclude, delete), the results its tasks registered (``plan`` from ml_job_info, ``delete`` or
    ``close``, ``verify``; ``{}`` or a skipped result when the task did not run), ``failure``
    ({task, reason} or None), ``previous_report``, ``backup_dir`` and the ``backup_files`` found
    there, ``started_ts`` and ``recorded_ts``."""
    info = _ran(record.get("plan"))
    plan = info.get("plan") or {}
    acted = _ran(record.get("delete")) or _ran(record.get("close"))
    verify = _ran(record.get("verify"))
    facts = info.get("cluster") or {}
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

    if failure is not None:
        status = "failed"
    elif closed or deleted:
        status = "planned" if check_mode else "changed"
    else:
        status = "ok"

    started_ts = float(record["started_ts"])
    return {
        "cluster": record["cluster"],
        "run_id": record["run_id"],
        "mode": "plan" if check_mode else "run",
        "status": status,
        "name": facts.get("name"),
        "version": facts.get("version") or info.get("server_version"),
        "user": facts.get("username"),
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
        "skipped_nodes": _skipped_nodes(info, acted, verify),
        "failed": failure,
        "backup_dir": record.get("backup_dir") if backups else None,
        "backups": backups,
        "started": _utc_iso(started_ts),
        "duration_s": round(float(record["recorded_ts"]) - started_ts, 2),
    }


def _count(clusters, key):
    return sum(len(cluster.get(key) or []) for cluster in clusters)


def is_report(value):
    """Whether ``value`` (a report.json as read) is a campaign report whose entries can be merged."""
    if not isinstance(value, dict) or value.get("report") != REPORT or not isinstance(value.get("clusters"), list):
        return False
    return all(isinstance(entry, dict) and all(key in entry for key in ENTRY_KEYS) for entry in value["clusters"])


def fleet_report(run, settings, outcomes, hosts, now_ts, existing=None):
    """The campaign's report after run ``run`` (id, mode, started, started_ts, previous): this run's
    outcomes recorded so far, merged into ``existing`` (the report found on disk), whose entries of
    the other clusters are kept as they were, each naming the run that produced it.
    ``hosts``: the clusters of this run's play; those without an outcome yet are pending, and keep
    their entry until this run reaches them (a run stopped before their batch leaves them as they were)."""
    this_run = [o for o in outcomes if o.get("run_id") == run["id"]]
    done = set(o["cluster"] for o in this_run)
    existing = existing or {}
    # Entries of release 1.0.0 name no mode: each comes from the run that wrote its report.
    kept = [c if "mode" in c else dict(c, mode=existing.get("mode", "run"))
            for c in existing.get("clusters") or [] if c.get("cluster") not in done]
    clusters = sorted(this_run + kept, key=lambda o: o["cluster"].lower())
    pending = sorted(set(hosts) - done, key=lambda name: name.lower())
    previous = run.get("previous") or {}
    totals = {"clusters": len(clusters), "this_run": len(this_run), "other_runs": len(kept), "pending": len(pending)}
    for status in STATUSES:
        totals[status] = sum(1 for cluster in clusters if cluster["status"] == status)
    for key in JOB_LISTS:
        totals[key] = _count(clusters, key)
    totals["deleted_in_earlier_runs"] = sum(len(c["earlier_runs"]["deleted"]) for c in clusters)
    return {
        "report": REPORT,
        "mode": run["mode"],
        "run_id": run["id"],
        "started": run["started"],
        "updated": _utc_iso(now_ts),
        "duration_s": round(now_ts - float(run["started_ts"]), 2),
        "previous_run": (dict((key, previous.get(key)) for key in ("run_id", "mode", "started"))
                         if "run_id" in previous else None),
        "settings": dict(settings, jobs=as_list(settings.get("jobs")), exclude=as_list(settings.get("exclude"))),
        "totals": totals,
        "pending": pending,
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
            "no limit" if settings.get("max_jobs") is None else settings["max_jobs"]),
    ]
    previous = report["previous_run"]
    if previous:
        lines.append('- Previous run: `%s` (%s, started %s); what it did is listed as "done earlier"'
                     % (previous["run_id"], previous["mode"], previous["started"]))
    kept = [cluster for cluster in report["clusters"] if cluster["run_id"] != report["run_id"]]
    waiting = len([cluster for cluster in kept if cluster["cluster"] in report["pending"]])
    if len(kept) > waiting:
        lines.append("- %d clusters were not part of this run: their entries come from the runs they name"
                     % (len(kept) - waiting))
    if waiting:
        lines.append("- %d clusters of this run are pending: until this run reaches them, their entries come from"
                     " the runs they name" % waiting)
    return lines


def _table(header, rows):
    lines = ["| %s |" % " | ".join(header), "|%s" % ("---|" * len(header))]
    lines.extend("| %s |" % " | ".join(str(cell) for cell in row) for row in rows)
    return lines


def _run_of(cluster, report):
    if cluster["run_id"] == report["run_id"]:
        return "this run"
    return "`%s` (%s)" % (cluster["run_id"], cluster.get("mode", "run"))


def _cluster_line(cluster):
    """What is known of the cluster itself: its name, release and user, whichever were read."""
    parts = []
    if cluster["name"]:
        parts.append("Cluster `%s`" % cluster["name"])
    if cluster["version"]:
        parts.append("Elasticsearch %s" % cluster["version"])
    if cluster["user"]:
        parts.append("as user `%s`" % cluster["user"])
    return "- " + ", ".join(parts) if parts else None


def _cluster_lines(cluster, report):
    plan = cluster.get("mode") == "plan"
    lines = ["### %s: %s" % (cluster["cluster"], cluster["status"]), ""]
    if cluster["run_id"] != report["run_id"]:
        where = "pending in this run" if cluster["cluster"] in report["pending"] else "not part of this run"
        lines.append("- From run %s, %s" % (_run_of(cluster, report), where))
    line = _cluster_line(cluster)
    if line:
        lines.append(line)
    if cluster["failed"]:
        lines.append('- **Failed** in "%s": %s' % (cluster["failed"]["task"], cluster["failed"]["reason"]))
    for node in cluster.get("skipped_nodes") or []:
        lines.append("- Node skipped: %s (%s)" % (node.get("host"), node.get("reason")))
    lines.append("- Targeted: %s" % _ids(cluster["targeted"]))
    if plan:
        lines.append("- Would close: %s" % _ids(cluster["would_close"]))
        lines.append("- Would delete: %s" % _ids(cluster["would_delete"]))
    else:
        lines.append("- Closed: %s" % _ids(cluster["closed"]))
        lines.append("- Deleted: %s" % _ids(cluster["deleted"]))
    lines.append("- Already closed: %s" % _ids(cluster["already_closed"]))
    lines.append("- Already gone: %s" % _ids(cluster["already_gone"]))
    if cluster.get("not_found"):
        lines.append("- Matched nothing (ids, groups or patterns): %s" % _ids(cluster["not_found"]))
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
        ["cluster", "status", "run", "targeted"] + done + ["already gone", "duration (s)", "reason"],
        [[c["cluster"], c["status"], _run_of(c, report), len(c["targeted"])]
         + [len(c.get(key.replace(" ", "_")) or []) for key in done]
         + [len(c["already_gone"]), c["duration_s"], _cell(c["failed"]["reason"]) if c["failed"] else ""]
         for c in report["clusters"]])
    for cluster in report["clusters"]:
        lines += [""] + _cluster_lines(cluster, report)
    return "\n".join(lines) + "\n"
