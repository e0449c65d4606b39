# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""Every decision on opening jobs and starting and stopping datafeeds: what is sent, waited for,
left alone or refused, and why, decided from what was read before any change; the results and
diffs of ml_job_open, ml_datafeed_start and ml_datafeed_stop come from the same plan in check mode
and in a real run. Elasticsearch answers 409 to an open of a job that has a task and to a start of
a started datafeed, so only the states read here make those modules idempotent. Plain Python."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mlops.elasticsearch.plugins.module_utils._jobs import (
    CLOSED,
    DATAFEED_STOPPED,
    FAILED,
    OPENED,
    OPENING,
)
from ansible_collections.mlops.elasticsearch.plugins.module_utils._plans import (
    REFUSED,
    JobPlan,
    Plan,
    max_jobs_error,
)

DATAFEED_STARTED = "started"
DATAFEED_STARTING = "starting"
DATAFEED_STOPPING = "stopping"

# Job actions (the same words in check mode, where they are the prediction).
OPEN = "opened"
OPENED_LAZILY = "opened_lazily"      # opened by this task, waiting for an ML node with room
ALREADY_OPENED = "already_opened"
WAIT_OPENING = "waited_for_open"     # was opening on a node: waited until opened
AWAITING_NODE = "awaiting_node"      # was opening lazily (no node has room yet): left so
# Datafeed actions.
START = "started"
STARTED_LAZILY = "started_lazily"    # started by this task; like its job, it waits for an ML node
ALREADY_STARTED = "already_started"
STOP = "stopped"
ALREADY_STOPPED = "already_stopped"
WAIT_STOPPING = "waited_for_stop"

# The state each action leaves (refused, skipped and timed-out entries keep what was read or seen).
JOB_STATE_AFTER = {OPEN: OPENED, ALREADY_OPENED: OPENED, WAIT_OPENING: OPENED,
                   OPENED_LAZILY: OPENING, AWAITING_NODE: OPENING}
START_STATE_AFTER = {START: DATAFEED_STARTED, STARTED_LAZILY: DATAFEED_STARTING}
STOP_STATE_AFTER = {STOP: DATAFEED_STOPPED, ALREADY_STOPPED: DATAFEED_STOPPED, WAIT_STOPPING: DATAFEED_STOPPED}


def blocked_by(job):
    """What the job is executing (delete, reset, revert), or None."""
    reason = (job.blocked or {}).get("reason")
    if reason and reason != "none":
        return reason
    return "delete" if job.deleting else None


def _open_one(job):
    task = blocked_by(job)
    if task:
        return JobPlan(job, REFUSED, error="Cannot open job [%s] because it is executing [%s]" % (job.job_id, task))
    if job.state == FAILED:
        return JobPlan(job, REFUSED, error=(
            "job [%s] has state failed; Elasticsearch refuses to open it (Cannot open job [%s] because it has "
            "already been opened). Close it with force first (mlops.elasticsearch.ml_job_close force=true), "
            "then open it." % (job.job_id, job.job_id)))
    if job.state == OPENED:
        return JobPlan(job, ALREADY_OPENED)
    if job.state == OPENING:
        # A job with a node is loading; one without waits for a node with room (lazy open).
        return JobPlan(job, WAIT_OPENING if job.node else AWAITING_NODE)
    # closed, or closing: a closing job is waited for, then opened.
    return JobPlan(job, OPEN, changed=True)


def _guarded(entries, max_jobs, verb):
    guard = max_jobs_error([entry.job_id for entry in entries], max_jobs, verb)
    return Plan(entries, ([guard] if guard else []) + [entry.error for entry in entries if entry.error])


def plan_open(jobs, max_jobs=None):
    """Decide, per job, what opening means."""
    return _guarded([_open_one(job) for job in jobs], max_jobs, "opened")


def _start_one(job):
    state = job.datafeed_state
    if state in (DATAFEED_STARTED, DATAFEED_STARTING):
        return JobPlan(job, ALREADY_STARTED)
    if job.state not in (OPENED, OPENING):
        return JobPlan(job, REFUSED, error=(
            "cannot start datafeed [%s] because job [%s] is %s; open the job first (mlops.elasticsearch.ml_job_open)"
            % (job.datafeed_id, job.job_id, job.state or CLOSED)))
    # stopped, or stopping: a stopping datafeed is waited for, then started.
    return JobPlan(job, START, changed=True)


def plan_start(jobs, max_jobs=None):
    """Decide, per job with a datafeed, what starting its datafeed means."""
    return _guarded([_start_one(job) for job in jobs], max_jobs, "started")


def _stop_one(job):
    state = job.datafeed_state
    if state in (None, DATAFEED_STOPPED):
        return JobPlan(job, ALREADY_STOPPED)
    if state == DATAFEED_STOPPING:
        return JobPlan(job, WAIT_STOPPING)
    return JobPlan(job, STOP, changed=True)


def plan_stop(jobs, max_jobs=None):
    """Decide, per job with a datafeed, what stopping its datafeed means."""
    return _guarded([_stop_one(job) for job in jobs], max_jobs, "stopped")


# ---- results -----------------------------------------------------------------------------------

def _with_error(report, entry):
    if entry.error:
        report["error"] = entry.error
    return report


def open_report(entry):
    """One entry of ml_job_open's ``jobs``."""
    return _with_error(dict(
        job_id=entry.job_id,
        state_before=entry.job.state,
        state=entry.observed_state or JOB_STATE_AFTER.get(entry.action, entry.job.state),
        action=entry.action,
    ), entry)


def datafeed_report(entry, state_after):
    """One entry of ml_datafeed_start's or ml_datafeed_stop's ``datafeeds``."""
    return _with_error(dict(
        datafeed_id=entry.job.datafeed_id,
        job_id=entry.job_id,
        job_state=entry.job.state,
        state_before=entry.job.datafeed_state,
        state=entry.observed_state or state_after.get(entry.action, entry.job.datafeed_state),
        action=entry.action,
    ), entry)


def open_result(plan, missing):
    return dict(
        changed=plan.changed,
        jobs=[open_report(entry) for entry in plan.entries],
        opened=plan.ids(OPEN),
        opening=plan.ids(OPENED_LAZILY, AWAITING_NODE),
        already_opened=plan.ids(ALREADY_OPENED, WAIT_OPENING),
        missing=list(missing),
    )


def _datafeed_ids(plan, *actions):
    return [entry.job.datafeed_id for entry in plan.with_action(*actions)]


def start_result(plan, missing, without_datafeed):
    return dict(
        changed=plan.changed,
        datafeeds=[datafeed_report(entry, START_STATE_AFTER) for entry in plan.entries],
        started=_datafeed_ids(plan, START),
        starting=_datafeed_ids(plan, STARTED_LAZILY),
        already_started=_datafeed_ids(plan, ALREADY_STARTED),
        missing=list(missing),
        without_datafeed=list(without_datafeed),
    )


def stop_result(plan, missing, without_datafeed):
    return dict(
        changed=plan.changed,
        datafeeds=[datafeed_report(entry, STOP_STATE_AFTER) for entry in plan.entries],
        stopped=_datafeed_ids(plan, STOP),
        already_stopped=_datafeed_ids(plan, ALREADY_STOPPED, WAIT_STOPPING),
        missing=list(missing),
        without_datafeed=list(without_datafeed),
    )


def states_diff(reports, id_key):
    """Before and after per job or datafeed, from the reports the result holds (so they agree)."""
    before = dict((report[id_key], dict(state=report["state_before"])) for report in reports)
    after = dict((report[id_key], dict(state=report["state"])) for report in reports)
    kind = "jobs" if id_key == "job_id" else "datafeeds"
    return dict(before={kind: before}, after={kind: after})
