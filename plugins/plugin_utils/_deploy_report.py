# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""The ml_job_deploy role's report, as plain data: one cluster's outcome from what its tasks
registered (the definitions read, the pre-flight read of ml_job_info, the ml_job loop, and the stop,
close, open and start steps), and what its campaign report counts and shows (the frame is
_fleet_report.py's). It decides nothing about jobs: the modules did; what a check run's open and
start steps could not name comes from the same rule that left them out (_deploy_steps.planned).

Free of Ansible so that it is tested plainly; it runs on the controller (a filter and the internal
report actions call it)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._deploy_steps import declared_actions, planned
from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._fleet_report import (
    FleetReport,
    cluster_facts,
    ids,
    ran,
    skipped_nodes,
    status_of,
    timing,
)

RUNNING_JOB = ("opened", "opening")
RUNNING_DATAFEED = ("started", "starting")
CHANGES = ("created", "updated", "recreated")
# The lists of an entry that say what a run did, and their names in a plan (what a run would do).
# Datafeeds are named by their jobs' ids.
ACTIONS = (("created", "would_create"), ("updated", "would_update"), ("recreated", "would_recreate"),
           ("opened", "would_open"), ("started_datafeeds", "would_start_datafeeds"),
           ("stopped_datafeeds", "would_stop_datafeeds"), ("closed", "would_close"))
DONE = tuple(done for done, dummy in ACTIONS)
PLANNED = dict(ACTIONS)
# Shown in a cluster's section even when empty; the others only when they name a job.
ALWAYS_SHOWN = ("created", "updated", "opened", "started_datafeeds")


def _config_lists(declared):
    """created, updated, recreated, unchanged: per job, its job's action, or updated when only its
    datafeed was created, updated or recreated."""
    lists = dict(created=[], updated=[], recreated=[], unchanged=[])
    for job_id, (job, datafeed) in sorted(declared_actions(declared).items()):
        if job in CHANGES:
            lists[job].append(job_id)
        elif datafeed in CHANGES:
            lists["updated"].append(job_id)
        else:
            lists["unchanged"].append(job_id)
    return lists


def _refused(declared):
    """job_id -> why ml_job failed for it."""
    return dict(((r.get("item") or {}).get("job_id") or r.get("job_id"), r.get("msg") or "failed")
                for r in (declared or {}).get("results") or [] if r.get("failed"))


def _datafeed_jobs(result, *actions):
    return [entry["job_id"] for entry in result.get("datafeeds") or [] if entry.get("action") in actions]


def _left_running(definitions, info):
    """Jobs and datafeeds that ran before the run and that their definitions say were not running,
    without enforce: left as they are, by rule (never closed or stopped unless a definition says so)."""
    states = dict((job["job_id"], job) for job in info.get("jobs") or [])
    left = []
    for definition in definitions:
        job = states.get(definition["job_id"]) or {}
        if not definition["open"] and not definition["close"] and job.get("state") in RUNNING_JOB:
            left.append(definition["job_id"])
        elif (definition["open"] and not definition["start"] and not definition["stop"]
              and job.get("datafeed_state") in RUNNING_DATAFEED):
            left.append(definition["job_id"])
    return left


def _reason(failure, refused):
    """The failure, with the refused jobs' own messages when the declare loop only says that items failed."""
    if failure is None or not refused:
        return failure
    return dict(failure, reason="; ".join("%s: %s" % (job_id, refused[job_id]) for job_id in sorted(refused)))


def cluster_outcome(record):
    """One cluster's entry in the report.

    ``record`` holds the cluster's name and run id, ``check_mode``, ``definitions_dir`` and the
    ``definitions`` the lookup ml_job_definitions read, the results its tasks registered (``info``
    from ml_job_info, ``declare`` from the ml_job loop, ``stop``, ``close``, ``open``, ``start``;
    ``{}`` or a skipped result when the task did not run), ``failure`` ({task, reason} or None),
    ``backup_dir``, ``started_ts`` and ``recorded_ts``."""
    definitions = record.get("definitions") or []
    check_mode = bool(record.get("check_mode"))
    info = ran(record.get("info"))
    declared = ran(record.get("declare"))
    steps = dict((step, ran(record.get(step))) for step in ("stop", "close", "open", "start"))
    refused = _refused(declared)
    done = _config_lists(declared)
    done.update(
        opened=list(steps["open"].get("opened") or []) + planned(definitions, "open", declared, check_mode=check_mode),
        started_datafeeds=(_datafeed_jobs(steps["start"], "started")
                           + planned(definitions, "start", declared, steps["open"], check_mode)),
        stopped_datafeeds=_datafeed_jobs(steps["stop"], "stopped"),
        closed=list(steps["close"].get("closed") or []))
    backups = dict((r["job_id"], r["backup"]) for r in declared.get("results") or [] if r.get("backup"))
    failure = _reason(record.get("failure"), refused)

    outcome = {
        "cluster": record["cluster"],
        "run_id": record["run_id"],
        "mode": "plan" if check_mode else "run",
        "status": status_of(failure, any(done[key] for key in DONE)
                            or any(result.get("changed") for result in steps.values()), check_mode),
    }
    outcome.update(cluster_facts(info))
    # The folder read: the cluster's own subfolder of a per-host folder, or the folder given.
    outcome["definitions_dir"] = os.path.dirname(definitions[0]["file"]) if definitions else record.get("definitions_dir")
    outcome["definitions"] = [d["job_id"] for d in definitions]
    for key in DONE:
        outcome[PLANNED[key]] = sorted(done[key]) if check_mode else []
        outcome[key] = [] if check_mode else sorted(done[key])
    outcome.update({
        "unchanged": done["unchanged"],
        "opening": sorted(steps["open"].get("opening") or []),
        "starting": sorted(_datafeed_jobs(steps["start"], "started_lazily")),
        "left_running": _left_running(definitions, info),
        "refused": refused,
        "skipped_nodes": skipped_nodes(info, declared, *steps.values()),
        "failed": failure,
        "backup_dir": record.get("backup_dir") if backups else None,
        "backups": backups,
    })
    outcome.update(timing(record))
    return outcome


class DeployReport(FleetReport):
    name = "mlops.elasticsearch.ml_job_deploy"
    title = "ML job deploy report"
    entry_keys = ("definitions",) + DONE + tuple(PLANNED[key] for key in DONE) + (
        "unchanged", "opening", "starting", "left_running", "refused", "backup_dir", "backups")
    job_lists = ("definitions",) + DONE + tuple(PLANNED[key] for key in DONE) + ("unchanged", "left_running")
    plan_banner = ('**Plan only (check mode): no cluster was changed.** "Would create", "would open" and the other',
                   '"would" lines are what a real run would do now.')

    def settings_lines(self, settings):
        return ["- Definitions: `%s`" % settings["definitions"],
                "- Max jobs per cluster: %s; recreate: %s; allow restart: %s" % (
                    "no limit" if settings.get("max_jobs") is None else settings["max_jobs"],
                    "yes" if settings["recreate"] else "no", "yes" if settings["allow_restart"] else "no")]

    def totals_columns(self, plan):
        keys = [PLANNED[key] if plan else key
                for key in ("created", "updated", "recreated", "opened", "started_datafeeds")]
        return [("definitions", "definitions")] + [(key.replace("_", " "), key) for key in keys]

    def cluster_columns(self, plan):
        def count(key):
            return lambda cluster: len(cluster.get(key) or [])
        return [(header, count(key)) for header, key in self.totals_columns(plan)]

    def details(self, cluster):
        plan = cluster.get("mode") == "plan"
        if not cluster["definitions"]:
            return ["- No definitions for this cluster"]
        lines = ["- Definitions: %d in `%s`" % (len(cluster["definitions"]), cluster["definitions_dir"])]
        for key in DONE:
            name = PLANNED[key] if plan else key
            if cluster[name] or key in ALWAYS_SHOWN:
                lines.append("- %s: %s" % (name.replace("_", " ").capitalize(), ids(cluster[name])))
        lines.append("- Unchanged: %s" % ids(cluster["unchanged"]))
        if cluster["opening"]:
            lines.append("- Opening (waiting for an ML node with room): %s" % ids(cluster["opening"]))
        if cluster["starting"]:
            lines.append("- Datafeeds starting (their jobs wait for an ML node): %s" % ids(cluster["starting"]))
        if cluster["left_running"]:
            lines.append("- Left running (their definitions say not running, without enforce): %s"
                         % ids(cluster["left_running"]))
        for job_id in sorted(cluster["refused"]):
            lines.append("- Refused %s: %s" % (job_id, cluster["refused"][job_id]))
        if cluster["backups"]:
            files = ", ".join(os.path.basename(path) for path in cluster["backups"].values())
            lines.append("- Configuration backups in `%s`: %s" % (cluster["backup_dir"], files))
        return lines


REPORT = DeployReport()
