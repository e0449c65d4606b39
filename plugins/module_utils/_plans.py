# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""The one home of every decision on closing and deleting jobs: what is closed, waited for,
deleted, left alone or refused, and why; decided before any change from what was read, and
reported from the same plan in check mode and in a real run. Plain Python."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mlops.elasticsearch.plugins.module_utils._jobs import (
    CLOSED,
    CLOSING,
    DATAFEED_STOPPED,
    FAILED,
    Job,
)

# Actions reported per job; the same words in check mode, where they are the prediction.
CLOSE = "closed"
ALREADY_CLOSED = "already_closed"
WAIT_CLOSING = "waited_for_close"
BEING_DELETED = "being_deleted"
DELETE = "deleted"
ALREADY_ABSENT = "already_absent"
REFUSED = "refused"
SKIPPED = "skipped"
TIMED_OUT = "timed_out"
INTERRUPTED = "interrupted"

# The close actions after which the job is closed (or will be, before a delete).
ENDS_CLOSED = (CLOSE, WAIT_CLOSING, ALREADY_CLOSED)
# Nothing left to do for a job planned so: the end state is reached.
DONE_ALREADY = (ALREADY_CLOSED, ALREADY_ABSENT)


class JobPlan:
    """What will be done to one job, and why, decided before any change is made.

    ``close_first``: the job is closed (gracefully, or with force) before it is deleted;
    ``wait_delete``: another delete of the job runs, and sending ours waits for it to end."""

    def __init__(self, job, action, changed=False, error=None, stop_datafeed=False,
                 delete_datafeed=False, wait_close=False, close_first=False, wait_delete=False):
        self.job = job
        self.action = action
        self.changed = changed
        self.error = error
        self.stop_datafeed = stop_datafeed
        self.delete_datafeed = delete_datafeed
        self.wait_close = wait_close
        self.close_first = close_first
        self.wait_delete = wait_delete
        # What a real run did: the planned action (done), or the close before the delete (closed).
        self.done = False
        self.closed = False
        self.task = None
        self.observed_state = None
        self.lost_reply = False

    @property
    def job_id(self):
        return self.job.job_id

    def fail(self, action, error, observed_state=None):
        """This job was not done after all: timed out, refused by the server or interrupted."""
        self.action = action
        self.changed = False
        self.error = error
        self.observed_state = observed_state


class Plan:
    """Per-job plans plus the errors that forbid running any of them."""

    def __init__(self, entries, errors=None):
        self.entries = entries
        self.errors = list(errors or [])
        # Set once a real run starts acting; until then the entries are predictions.
        self.executed = False

    @property
    def changed(self):
        return any(entry.changed for entry in self.entries)

    def refuse(self):
        """Another job's refusal stops the whole run: nothing planned is done, nor reported done."""
        for entry in self.entries:
            if entry.changed:
                entry.action = SKIPPED
                entry.changed = False

    def with_action(self, *actions):
        return [entry for entry in self.entries if entry.action in actions]

    def ids(self, *actions):
        return [entry.job_id for entry in self.with_action(*actions)]

    def closed_first(self):
        """Ids of the jobs a delete closes before deleting them (closed, once the run has acted)."""
        return [entry.job_id for entry in self.entries
                if entry.close_first and entry.changed and (entry.closed or not self.executed)]

    def settle(self, why):
        """After a real run that stopped part-way: what it did not do is not reported done. A job
        closed first but not deleted is reported closed."""
        for entry in self.entries:
            if not entry.changed or entry.done:
                continue
            if entry.closed and entry.action == DELETE:
                entry.action = CLOSE
                entry.error = "closed, not deleted: %s" % why
            else:
                entry.fail(SKIPPED, "not done: %s" % why)

    def mark_not_closed(self, states, entries):
        """After a close timed out: the ``entries`` still not closed, as re-read, are reported as such."""
        stuck = []
        for entry in entries:
            state = states.get(entry.job_id, CLOSED)
            if state != CLOSED:
                entry.fail(TIMED_OUT, "still %s when the close timed out" % state, observed_state=state)
                stuck.append("%s (%s)" % (entry.job_id, state))
        return stuck


def max_jobs_error(job_ids, max_jobs, verb):
    """The guard's refusal when the targets match more jobs than ``max_jobs`` (None: no guard)."""
    if max_jobs is None or len(job_ids) <= max_jobs:
        return None
    return ("the targets match %d jobs, more than max_jobs=%d; nothing was %s. Matches: %s"
            % (len(job_ids), max_jobs, verb, ", ".join(job_ids)))


def _failed_without_force(job):
    return ("job [%s] has state failed; Elasticsearch refuses to close it without force "
            "(cannot close job [%s] because it failed, use force close). Set force=true to close it."
            % (job.job_id, job.job_id))


def _close_one(job, force, release):
    if job.deleting:
        return JobPlan(job, BEING_DELETED)
    if job.state == CLOSED:
        return JobPlan(job, ALREADY_CLOSED)
    if job.state == CLOSING:
        # Naming a closing job in the close request makes the server wait for it.
        return JobPlan(job, WAIT_CLOSING)
    if job.state == FAILED and not force:
        return JobPlan(job, REFUSED, error=_failed_without_force(job))
    # Before 7.14 the server refuses to close a job whose datafeed runs, even with force.
    stop = job.datafeed_running and not release.supports("close_stops_datafeeds")
    return JobPlan(job, CLOSE, changed=True, stop_datafeed=stop)


def plan_close(jobs, force, release, max_jobs=None):
    """Decide, per job, what closing means."""
    entries = [_close_one(job, force, release) for job in jobs]
    errors = [entry.error for entry in entries if entry.error]
    guard = max_jobs_error([job.job_id for job in jobs], max_jobs, "closed")
    return Plan(entries, ([guard] if guard else []) + errors)


def plan_delete(jobs, missing, force, release, delete_user_annotations=False, close_first=False, max_jobs=None):
    """Decide, per job, what deleting means; with ``close_first`` a job that is not closed is
    closed first, as the close plan decides (a failed job needs force there too)."""
    entries = [JobPlan(Job(job_id, state=None), ALREADY_ABSENT) for job_id in missing]
    errors = []
    guard = max_jobs_error([job.job_id for job in jobs], max_jobs, "deleted")
    if guard:
        errors.append(guard)
    if delete_user_annotations and not release.supports("delete_user_annotations"):
        errors.append("delete_user_annotations needs Elasticsearch 8.7 or later; this cluster runs %s"
                      % release.number)
    for job in jobs:
        entry = _delete_one(job, force, release, close_first)
        if entry.error:
            errors.append(entry.error)
        entries.append(entry)
    return Plan(entries, errors)


def _delete_one(job, force, release, close_first):
    old_datafeed = job.datafeed_id is not None and not release.supports("delete_removes_datafeed")
    if job.deleting:
        # Sending the delete again waits for the running one, or finishes one left by a crash.
        return JobPlan(job, BEING_DELETED, wait_delete=True)
    if close_first and job.state != CLOSED:
        closing = _close_one(job, force, release)
        if closing.action == REFUSED:
            return closing
        return JobPlan(job, DELETE, changed=True, close_first=closing.action == CLOSE,
                       stop_datafeed=closing.stop_datafeed, wait_close=closing.action == WAIT_CLOSING,
                       delete_datafeed=old_datafeed)
    if old_datafeed and job.datafeed_running and not force:
        return JobPlan(job, REFUSED, error=(
            "job [%s] has datafeed [%s] in state %s; stop it (or close the job with ml_job_close) "
            "or set force=true" % (job.job_id, job.datafeed_id, job.datafeed_state)))
    if job.state == CLOSING and not force:
        return JobPlan(job, DELETE, changed=True, wait_close=True, delete_datafeed=old_datafeed)
    if job.state != CLOSED and not force:
        return JobPlan(job, REFUSED, error=(
            "Cannot delete job [%s] because the job is %s; close it first (close_first=true, or "
            "mlops.elasticsearch.ml_job_close), or set force=true to delete it while it runs"
            % (job.job_id, job.state)))
    return JobPlan(job, DELETE, changed=True, delete_datafeed=old_datafeed)


def state_after(entry):
    """The job's state once the plan has run (None: it no longer exists)."""
    if entry.observed_state is not None:
        return entry.observed_state
    if entry.action in ENDS_CLOSED:
        return CLOSED
    if entry.action in (DELETE, ALREADY_ABSENT) or entry.wait_delete:
        return None
    return entry.job.state


def job_report(entry):
    """One entry of the ``jobs`` list a module returns."""
    report = dict(
        job_id=entry.job_id,
        state_before=entry.job.state,
        state=state_after(entry),
        action=entry.action,
        datafeed_id=entry.job.datafeed_id,
        datafeed_state_before=entry.job.datafeed_state,
    )
    if entry.close_first:
        report["closed_first"] = True
    if entry.task:
        report["task"] = entry.task
    if entry.error:
        report["error"] = entry.error
    return report


def close_result(plan, missing):
    return dict(
        changed=plan.changed,
        jobs=[job_report(entry) for entry in plan.entries],
        closed=plan.ids(CLOSE),
        already_closed=plan.ids(ALREADY_CLOSED, WAIT_CLOSING),
        missing=list(missing),
    )


def delete_result(plan):
    return dict(
        changed=plan.changed,
        jobs=[job_report(entry) for entry in plan.entries],
        deleted=plan.ids(DELETE),
        closed=plan.closed_first(),
        already_absent=plan.ids(ALREADY_ABSENT),
        being_deleted=plan.ids(BEING_DELETED),
        tasks=dict((entry.job_id, entry.task) for entry in plan.entries if entry.task),
    )


def plan_summary(plan, unmatched, problems):
    """The plan as ml_job_info returns it, for a role or a playbook to act on: which jobs to
    close, wait for and delete, what is refused and why, and every problem that forbids the run."""
    return dict(
        changed=plan.changed,
        targeted=[entry.job_id for entry in plan.entries],
        close=[entry.job_id for entry in plan.entries if entry.changed and (entry.close_first or entry.action == CLOSE)],
        wait_close=[entry.job_id for entry in plan.entries if entry.wait_close or entry.action == WAIT_CLOSING],
        delete=plan.ids(DELETE),
        already_closed=[entry.job_id for entry in plan.entries if entry.job.state == CLOSED and not entry.job.deleting],
        being_deleted=plan.ids(BEING_DELETED),
        pending=[entry.job_id for entry in plan.entries if entry.action not in DONE_ALREADY],
        refused=[dict(job_id=entry.job_id, reason=entry.error) for entry in plan.with_action(REFUSED)],
        unmatched=list(unmatched),
        problems=list(problems),
        jobs=[job_report(entry) for entry in plan.entries],
    )


def plan_diff(plan):
    """Before and after per job, from the same plan as the result (so they cannot disagree)."""
    before = {}
    after = {}
    for entry in plan.entries:
        if entry.job.state is not None:
            before[entry.job_id] = dict(state=entry.job.state, datafeed_state=entry.job.datafeed_state)
        state = state_after(entry)
        if state is not None:
            datafeed_state = DATAFEED_STOPPED if state == CLOSED and entry.job.datafeed_id else entry.job.datafeed_state
            after[entry.job_id] = dict(state=state, datafeed_state=datafeed_state)
    return dict(before=dict(jobs=before), after=dict(jobs=after))
