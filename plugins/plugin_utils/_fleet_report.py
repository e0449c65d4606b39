# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""What the fleet roles' campaign reports share (ml_job_decommission, ml_job_deploy): the run record,
the merge of this run's cluster entries into the report found on disk, the totals, and the Markdown
frame (summary, totals, a table of clusters, a section per cluster). Each role's report is a
subclass that names its job lists, columns and lines (_decommission_report.py, _deploy_report.py).

Free of Ansible so that it is tested plainly; it runs on the controller (filters and the internal
report actions call it)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import random
import time

STATUSES = ("changed", "ok", "planned", "failed")
# What every cluster entry holds, whichever role wrote it.
COMMON_KEYS = ("cluster", "run_id", "status", "name", "version", "user", "failed", "started", "duration_s")


class ReportError(Exception):
    """A report directory that a run must not write into; the message says why."""


def utc_iso(timestamp):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


def ran(result):
    """A registered result of a task that ran (a skipped task registers ``skipped``)."""
    return result if result and not result.get("skipped") else {}


def skipped_nodes(*results):
    """The nodes the connection skipped, each once, from every result that has them."""
    nodes = []
    for result in results:
        for node in result.get("skipped_nodes") or []:
            if node not in nodes:
                nodes.append(node)
    return nodes


def status_of(failure, changed, check_mode):
    if failure is not None:
        return "failed"
    if changed:
        return "planned" if check_mode else "changed"
    return "ok"


def cluster_facts(info):
    """What ml_job_info's include_cluster read of the cluster, as every entry shows it."""
    facts = info.get("cluster") or {}
    return dict(name=facts.get("name"), version=facts.get("version") or info.get("server_version"),
                user=facts.get("username"))


def timing(record):
    started_ts = float(record["started_ts"])
    return dict(started=utc_iso(started_ts), duration_s=round(float(record["recorded_ts"]) - started_ts, 2))


def ids(values):
    return ", ".join(values) if values else "-"


def cell(text):
    return text.replace("|", "\\|").replace("\n", " ")


def table(header, rows):
    lines = ["| %s |" % " | ".join(header), "|%s" % ("---|" * len(header))]
    lines.extend("| %s |" % " | ".join(str(value) for value in row) for row in rows)
    return lines


def read_json(path):
    """A JSON file's document, or None when it is missing or cannot be read as JSON."""
    try:
        with open(path) as stream:
            return json.load(stream)
    except (IOError, OSError, ValueError):
        return None


class FleetReport(object):
    """A role's campaign report. Subclasses set the class attributes and the Markdown parts."""

    name = None           # report.json's "report"
    title = None          # report.md's heading
    entry_keys = ()       # what the report reads of an entry besides COMMON_KEYS
    job_lists = ()        # entry keys whose lengths are summed in the totals
    plan_banner = ()      # lines under the heading of a plan
    previous_run_note = ""

    # ---- what each report says its own way -----------------------------------------------------

    def settings(self, settings):
        """The settings as the report shows them."""
        return dict(settings)

    def extra_totals(self, clusters):
        return {}

    def settings_lines(self, settings):
        return []

    def totals_columns(self, plan):
        """(header, totals key) pairs after the clusters and statuses."""
        return []

    def cluster_columns(self, plan):
        """(header, function of an entry) pairs between the run and the duration."""
        return []

    def details(self, cluster):
        """The lines of an entry's section between what is known of the cluster and its start."""
        return []

    # ---- shared ---------------------------------------------------------------------------------

    def is_report(self, value):
        """Whether ``value`` (a report.json as read) is this kind of report, whose entries can be merged."""
        if not isinstance(value, dict) or value.get("report") != self.name or not isinstance(value.get("clusters"), list):
            return False
        keys = COMMON_KEYS + tuple(self.entry_keys)
        return all(isinstance(entry, dict) and all(key in entry for key in keys) for entry in value["clusters"])

    def existing(self, directory):
        """The report in ``directory`` to merge into, or None (none, or one that cannot be read or is not a
        report: replaced); a report of another role there is refused, never replaced."""
        report = read_json(os.path.join(directory, "report.json"))
        if self.is_report(report):
            return report
        other = report.get("report") if isinstance(report, dict) else None
        if isinstance(other, str) and other.startswith("mlops.elasticsearch.") and other != self.name:
            raise ReportError("%s holds the report of %s; give this run a report directory of its own"
                              % (directory, other))
        return None

    def open_run(self, current, directory, check_mode, now_ts):
        """The run record: ``current`` when it is this run's (a later batch of a ``serial`` play, same
        directory), else a new one, with the report found in the directory as ``previous``."""
        if (current or {}).get("report_dir") == directory:
            return current
        return {"id": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now_ts)) + "-%d" % random.randint(0, 999999),
                "report_dir": directory,
                "started": utc_iso(now_ts),
                "started_ts": now_ts,
                "mode": "plan" if check_mode else "run",
                "previous": self.existing(directory) or {}}

    def merge(self, run, settings, outcomes, hosts, now_ts, existing=None):
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
        for key in self.job_lists:
            totals[key] = sum(len(cluster.get(key) or []) for cluster in clusters)
        totals.update(self.extra_totals(clusters))
        return {
            "report": self.name,
            "mode": run["mode"],
            "run_id": run["id"],
            "started": run["started"],
            "updated": utc_iso(now_ts),
            "duration_s": round(now_ts - float(run["started_ts"]), 2),
            "previous_run": (dict((key, previous.get(key)) for key in ("run_id", "mode", "started"))
                             if "run_id" in previous else None),
            "settings": self.settings(settings),
            "totals": totals,
            "pending": pending,
            "clusters": clusters,
        }

    def _summary_lines(self, report):
        lines = ["- Run `%s`, started %s, updated %s (%s s)"
                 % (report["run_id"], report["started"], report["updated"], report["duration_s"])]
        lines += self.settings_lines(report["settings"])
        previous = report["previous_run"]
        if previous:
            lines.append("- Previous run: `%s` (%s, started %s)%s"
                         % (previous["run_id"], previous["mode"], previous["started"], self.previous_run_note))
        kept = [cluster for cluster in report["clusters"] if cluster["run_id"] != report["run_id"]]
        waiting = len([cluster for cluster in kept if cluster["cluster"] in report["pending"]])
        if len(kept) > waiting:
            lines.append("- %d clusters were not part of this run: their entries come from the runs they name"
                         % (len(kept) - waiting))
        if waiting:
            lines.append("- %d clusters of this run are pending: until this run reaches them, their entries come "
                         "from the runs they name" % waiting)
        return lines

    @staticmethod
    def _run_of(cluster, report):
        if cluster["run_id"] == report["run_id"]:
            return "this run"
        return "`%s` (%s)" % (cluster["run_id"], cluster.get("mode", "run"))

    @staticmethod
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

    def _cluster_lines(self, cluster, report):
        lines = ["### %s: %s" % (cluster["cluster"], cluster["status"]), ""]
        if cluster["run_id"] != report["run_id"]:
            where = "pending in this run" if cluster["cluster"] in report["pending"] else "not part of this run"
            lines.append("- From run %s, %s" % (self._run_of(cluster, report), where))
        line = self._cluster_line(cluster)
        if line:
            lines.append(line)
        if cluster["failed"]:
            lines.append('- **Failed** in "%s": %s' % (cluster["failed"]["task"], cluster["failed"]["reason"]))
        for node in cluster.get("skipped_nodes") or []:
            lines.append("- Node skipped: %s (%s)" % (node.get("host"), node.get("reason")))
        lines += self.details(cluster)
        lines.append("- Started %s, %s s" % (cluster["started"], cluster["duration_s"]))
        return lines

    def markdown(self, report):
        """The report for people: totals, a table of clusters, then each cluster's details."""
        plan = report["mode"] == "plan"
        lines = ["# %s (%s)" % (self.title, report["mode"]), ""]
        if plan:
            lines += list(self.plan_banner) + [""]
        lines += self._summary_lines(report) + ["", "## Totals", ""]
        statuses = ["changed", "ok"] + (["planned"] if plan else []) + ["failed", "pending"]
        columns = self.totals_columns(plan)
        totals = report["totals"]
        lines += table(["clusters"] + statuses + [header for header, dummy in columns],
                       [[totals[key] for key in ["clusters"] + statuses] + [totals[key] for dummy, key in columns]])
        lines += ["", "## Clusters", ""]
        columns = self.cluster_columns(plan)
        lines += table(
            ["cluster", "status", "run"] + [header for header, dummy in columns] + ["duration (s)", "reason"],
            [[c["cluster"], c["status"], self._run_of(c, report)] + [value(c) for dummy, value in columns]
             + [c["duration_s"], cell(c["failed"]["reason"]) if c["failed"] else ""]
             for c in report["clusters"]])
        for cluster in report["clusters"]:
            lines += [""] + self._cluster_lines(cluster, report)
        return "\n".join(lines) + "\n"
