# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""The ML job domain: ids and targets, states, what each release does, and the plans for
closing and deleting. Plain Python: no Ansible, no HTTP, so it is unit-tested directly."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time

from ansible_collections.mlops.elasticsearch.plugins.module_utils._common import InvalidInput

# Elasticsearch's own rules (MlStrings.java): lowercase alphanumerics, '-', '_' and '.',
# starting and ending alphanumeric, at most 64 characters; '_all' is reserved.
# \Z, not $: '$' also matches before a trailing newline, so 'web-1\n' would pass.
JOB_ID_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9_\-.]*[a-z0-9])?\Z")
WILDCARD_PATTERN = re.compile(r"^[a-z0-9_\-.*]+\Z")
ID_LENGTH_LIMIT = 64
MATCH_ALL = ("_all", "*")

# Elasticsearch time units (TimeValue.parseTimeValue).
TIME_PATTERN = re.compile(r"^(\d+(?:\.\d+)?)(nanos|micros|ms|s|m|h|d)$")
TIME_UNIT_SECONDS = {
    "nanos": 1e-9, "micros": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0,
}

CLOSED = "closed"
CLOSING = "closing"
OPENED = "opened"
OPENING = "opening"
FAILED = "failed"
JOB_STATES = (CLOSED, CLOSING, OPENED, OPENING, FAILED)
DATAFEED_STOPPED = "stopped"

# What changed between releases, as data: feature -> (first version with it, what it means).
# Versions follow ../shared/reference/es-ml-api.md section 7.
RELEASE_FEATURES = {
    "ml_prefix": ((7, 0, 0), "ML APIs live under /_ml (before: /_xpack/ml)"),
    "allow_no_match": ((7, 10, 0), "the no-match parameter is allow_no_match (before: allow_no_jobs)"),
    "exclude_generated": ((7, 11, 0), "GET jobs and datafeeds take exclude_generated"),
    "close_stops_datafeeds": ((7, 14, 0), "close stops the job's started datafeed itself"),
    "blocked": ((7, 14, 0), "jobs report 'blocked' beside 'deleting'"),
    "delete_removes_datafeed": ((7, 15, 0), "deleting a job deletes its datafeed"),
    "jobs_embed_datafeed": ((8, 0, 0), "GET anomaly_detectors embeds datafeed_config"),
    "delete_user_annotations": ((8, 7, 0), "delete accepts delete_user_annotations"),
}


class Release:
    """What the server's version supports; the single place where versions are compared."""

    def __init__(self, version):
        self.version = tuple(version)

    def supports(self, feature):
        return self.version >= RELEASE_FEATURES[feature][0]

    @property
    def number(self):
        return ".".join(str(part) for part in self.version)

    @property
    def ml_prefix(self):
        return "_ml" if self.supports("ml_prefix") else "_xpack/ml"

    @property
    def no_match_param(self):
        return "allow_no_match" if self.supports("allow_no_match") else "allow_no_jobs"


def validate_job_id(job_id, option="job_id"):
    """Raise InvalidInput, naming the value, unless Elasticsearch would accept it as a job id."""
    if not isinstance(job_id, str) or not job_id:
        raise InvalidInput("%s must be a non-empty string, got %r" % (option, job_id))
    if job_id in MATCH_ALL:
        raise InvalidInput("%s '%s' is not a job id" % (option, job_id))
    if not JOB_ID_PATTERN.match(job_id):
        raise InvalidInput(
            "Invalid %s; '%s' can contain lowercase alphanumeric (a-z and 0-9), hyphens or underscores; "
            "must start and end with alphanumeric" % (option, job_id))
    if len(job_id) > ID_LENGTH_LIMIT:
        raise InvalidInput("%s '%s' is longer than %d characters, which Elasticsearch refuses"
                           % (option, job_id, ID_LENGTH_LIMIT))


class Target:
    """One token of an id expression: a job id or group name, a wildcard, or _all."""

    def __init__(self, text):
        self.text = text

    @property
    def is_all(self):
        return self.text in MATCH_ALL

    @property
    def is_pattern(self):
        return self.is_all or "*" in self.text

    def matches(self, job_id, groups=()):
        if self.is_all:
            return True
        names = [job_id] + list(groups)
        if "*" in self.text:
            regex = _wildcard_regex(self.text)
            return any(regex.match(name) for name in names)
        return self.text in names

    def __repr__(self):
        return "Target(%r)" % self.text


def _wildcard_regex(pattern):
    return re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$")


def parse_targets(values, option="job_id", allow_patterns=True):
    """Split and check a user's targets before any request; returns [Target].

    ``values`` is a list whose items may be comma lists, as Elasticsearch accepts."""
    if isinstance(values, str):
        values = [values]
    tokens = []
    for value in values or []:
        if not isinstance(value, str):
            raise InvalidInput("%s entries must be strings, got %r" % (option, value))
        for piece in value.split(","):
            tokens.append(_parse_token(piece.strip(), value, option, allow_patterns))
    if not tokens:
        raise InvalidInput("%s is empty: name at least one job, group or pattern" % option)
    return _unique(tokens)


def parse_exclude(values):
    """Targets never to touch; none when the option is empty."""
    return parse_targets(values, option="exclude") if values else []


def _parse_token(token, given, option, allow_patterns):
    if not token:
        raise InvalidInput("%s '%s' has an empty entry" % (option, given))
    if token in MATCH_ALL or "*" in token:
        if not allow_patterns:
            raise InvalidInput(
                "%s '%s' is a pattern; the delete API takes explicit job ids only. "
                "Set resolve_patterns=true to delete every job it matches." % (option, token))
        if token not in MATCH_ALL and (not WILDCARD_PATTERN.match(token) or token[0] in "_-."):
            raise InvalidInput(
                "%s pattern '%s' may contain only lowercase alphanumerics, '-', '_', '.' and '*', "
                "and must not start with '_', '-' or '.'" % (option, token))
        if len(token) > ID_LENGTH_LIMIT:
            raise InvalidInput("%s pattern '%s' is longer than %d characters" % (option, token, ID_LENGTH_LIMIT))
        return Target(token)
    validate_job_id(token, option)
    return Target(token)


def _unique(targets):
    seen = set()
    out = []
    for target in targets:
        if target.text not in seen:
            seen.add(target.text)
            out.append(target)
    return out


def read_expression(targets):
    """The expression to read the targets' jobs in one request that never answers 404.

    Explicit ids are read as prefixes (``web-1*``) so an absent one is not an error; the
    exact matching is done here afterwards, with :func:`match_jobs`."""
    if any(t.is_all for t in targets):
        return "_all"
    return ",".join(t.text if t.is_pattern else t.text + "*" for t in targets)


def parse_time(value, option="timeout"):
    """Seconds for an Elasticsearch time value such as ``30m`` or ``500ms``."""
    match = TIME_PATTERN.match(str(value).strip()) if value is not None else None
    if not match:
        raise InvalidInput(
            "%s '%s' is not an Elasticsearch time value; use a number and a unit "
            "(d, h, m, s, ms, micros, nanos), e.g. 30m" % (option, value))
    return float(match.group(1)) * TIME_UNIT_SECONDS[match.group(2)]


class Job:
    """What is known of one job at the time it was read."""

    def __init__(self, job_id, state=CLOSED, groups=(), datafeed_id=None, datafeed_state=None,
                 deleting=False, blocked=None, node=None, memory_bytes=None):
        self.job_id = job_id
        self.state = state
        self.groups = list(groups)
        self.datafeed_id = datafeed_id
        self.datafeed_state = datafeed_state
        self.deleting = deleting
        self.blocked = blocked
        self.node = node
        self.memory_bytes = memory_bytes

    @property
    def datafeed_running(self):
        return self.datafeed_id is not None and self.datafeed_state not in (None, DATAFEED_STOPPED)

    def to_dict(self):
        return dict(job_id=self.job_id, state=self.state, groups=self.groups,
                    datafeed_id=self.datafeed_id, datafeed_state=self.datafeed_state,
                    deleting=self.deleting, blocked=self.blocked, node=self.node,
                    memory_bytes=self.memory_bytes)


def job_from_documents(job_doc, stats_doc=None, datafeed_doc=None, datafeed_stats_doc=None):
    """Merge what GET anomaly_detectors, its _stats and the datafeed APIs say of one job."""
    stats_doc = stats_doc or {}
    blocked = job_doc.get("blocked")
    deleting = bool(job_doc.get("deleting")) or bool(blocked and blocked.get("reason") == "delete")
    node = stats_doc.get("node") or {}
    model_size = stats_doc.get("model_size_stats") or {}
    datafeed_id = (datafeed_doc or {}).get("datafeed_id")
    datafeed_state = None
    if datafeed_id is not None and datafeed_stats_doc is not None:
        # A datafeed without stats has no task: stopped.
        datafeed_state = datafeed_stats_doc.get("state", DATAFEED_STOPPED)
    return Job(
        job_id=job_doc["job_id"],
        # A job absent from _stats has no persistent task, which Elasticsearch reports as closed.
        state=stats_doc.get("state", CLOSED),
        groups=job_doc.get("groups") or [],
        datafeed_id=datafeed_id,
        datafeed_state=datafeed_state,
        deleting=deleting,
        blocked=blocked,
        node=node.get("name"),
        memory_bytes=model_size.get("model_bytes"),
    )


class Selection:
    """The jobs a request names, resolved on the client from what one read returned."""

    def __init__(self, jobs, missing, unmatched_patterns, excluded):
        self.jobs = jobs
        self.missing = missing
        self.unmatched_patterns = unmatched_patterns
        self.excluded = excluded

    @property
    def job_ids(self):
        return [job.job_id for job in self.jobs]


def match_jobs(targets, jobs, exclude=(), ids_only=False):
    """Which of ``jobs`` the targets name, as Elasticsearch expands an expression (§2.2).

    ``ids_only`` matches explicit tokens against job ids and not groups (the delete API);
    ``exclude`` are targets never to select."""
    selected = []
    missing = []
    unmatched = []
    for target in targets:
        hits = [job for job in jobs if _target_hits(target, job, ids_only)]
        if not hits:
            (unmatched if target.is_pattern else missing).append(target.text)
        for job in hits:
            if job not in selected:
                selected.append(job)
    excluded = [job.job_id for job in selected if any(t.matches(job.job_id, job.groups) for t in exclude)]
    kept = [job for job in selected if job.job_id not in excluded]
    kept.sort(key=lambda job: job.job_id)
    return Selection(kept, missing, unmatched, excluded)


def _target_hits(target, job, ids_only):
    if ids_only and not target.is_pattern:
        return target.text == job.job_id
    return target.matches(job.job_id, job.groups)


def groups_named(targets, jobs):
    """Explicit targets that name a group rather than a job, with the group's jobs."""
    out = {}
    for target in targets:
        if target.is_pattern or any(job.job_id == target.text for job in jobs):
            continue
        members = sorted(job.job_id for job in jobs if target.text in job.groups)
        if members:
            out[target.text] = members
    return out


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


class JobPlan:
    """What will be done to one job, and why, decided before any change is made."""

    def __init__(self, job, action, changed=False, error=None, stop_datafeed=False,
                 delete_datafeed=False, wait_close=False):
        self.job = job
        self.action = action
        self.changed = changed
        self.error = error
        self.stop_datafeed = stop_datafeed
        self.delete_datafeed = delete_datafeed
        self.wait_close = wait_close
        self.task = None
        self.observed_state = None

    @property
    def job_id(self):
        return self.job.job_id


class Plan:
    """Per-job plans plus the errors that forbid running any of them."""

    def __init__(self, entries, errors=None):
        self.entries = entries
        self.errors = list(errors or [])

    @property
    def changed(self):
        return any(entry.changed for entry in self.entries)

    def mark_not_closed(self, states):
        """After a close timed out: the jobs still not closed, as re-read, are reported as such."""
        stuck = []
        for entry in self.with_action(CLOSE, WAIT_CLOSING):
            state = states.get(entry.job_id, CLOSED)
            if state != CLOSED:
                entry.action = TIMED_OUT
                entry.changed = False
                entry.observed_state = state
                entry.error = "still %s when the close timed out" % state
                stuck.append("%s (%s)" % (entry.job_id, state))
        return stuck

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


def plan_close(jobs, force, release):
    """Decide, per job, what closing means (reference §3.3, §3.4, §3.5)."""
    entries = []
    errors = []
    for job in jobs:
        if job.deleting:
            entries.append(JobPlan(job, BEING_DELETED))
        elif job.state == CLOSED:
            entries.append(JobPlan(job, ALREADY_CLOSED))
        elif job.state == CLOSING:
            # Naming a closing job in the close request makes the server wait for it.
            entries.append(JobPlan(job, WAIT_CLOSING))
        elif job.state == FAILED and not force:
            error = ("job [%s] has state failed; Elasticsearch refuses to close it without force "
                     "(cannot close job [%s] because it failed, use force close). Set force=true to close it."
                     % (job.job_id, job.job_id))
            entries.append(JobPlan(job, REFUSED, error=error))
            errors.append(error)
        else:
            # Before 7.14 the server refuses to close a job whose datafeed runs, even with force.
            stop = job.datafeed_running and not release.supports("close_stops_datafeeds")
            entries.append(JobPlan(job, CLOSE, changed=True, stop_datafeed=stop))
    return Plan(entries, errors)


def plan_delete(jobs, missing, force, release, delete_user_annotations=False):
    """Decide, per job, what deleting means (reference §4.2 to §4.4)."""
    entries = [JobPlan(Job(job_id, state=None), ALREADY_ABSENT) for job_id in missing]
    errors = []
    if delete_user_annotations and not release.supports("delete_user_annotations"):
        errors.append("delete_user_annotations needs Elasticsearch 8.7 or later; this cluster runs %s"
                      % release.number)
    for job in jobs:
        entry = _plan_delete_one(job, force, release)
        if entry.error:
            errors.append(entry.error)
        entries.append(entry)
    return Plan(entries, errors)


def _plan_delete_one(job, force, release):
    old_datafeed = job.datafeed_id is not None and not release.supports("delete_removes_datafeed")
    if job.deleting:
        # Sending the delete again waits for the running one, or finishes one left by a crash.
        return JobPlan(job, BEING_DELETED)
    if old_datafeed and job.datafeed_running and not force:
        return JobPlan(job, REFUSED, error=(
            "job [%s] has datafeed [%s] in state %s; stop it (or close the job with ml_job_close) "
            "or set force=true" % (job.job_id, job.datafeed_id, job.datafeed_state)))
    if job.state == CLOSING and not force:
        return JobPlan(job, DELETE, changed=True, wait_close=True, delete_datafeed=old_datafeed)
    if job.state != CLOSED and not force:
        return JobPlan(job, REFUSED, error=(
            "Cannot delete job [%s] because the job is %s; close it first with "
            "mlops.elasticsearch.ml_job_close, or set force=true to delete it while it runs"
            % (job.job_id, job.state)))
    return JobPlan(job, DELETE, changed=True, delete_datafeed=old_datafeed)


def poll_intervals(timeout_s, first=0.05, factor=1.6, cap=2.0, now=time.monotonic):
    """Sleep lengths for polling until ``timeout_s`` has passed: short first, growing, capped."""
    deadline = now() + timeout_s
    interval = first
    while True:
        left = deadline - now()
        if left <= 0:
            return
        yield min(interval, left)
        interval = min(interval * factor, cap)


def wait_until(read, done, timeout_s, sleep=time.sleep, now=time.monotonic):
    """Call ``read`` until ``done(result)``; returns (ok, last result, seconds waited)."""
    started = now()
    last = read()
    if done(last):
        return True, last, 0.0
    for interval in poll_intervals(timeout_s, now=now):
        sleep(interval)
        last = read()
        if done(last):
            return True, last, now() - started
    return False, last, now() - started


def _state_after(entry):
    if entry.observed_state is not None:
        return entry.observed_state
    if entry.action in (CLOSE, WAIT_CLOSING, ALREADY_CLOSED):
        return CLOSED
    if entry.action in (DELETE, ALREADY_ABSENT):
        return None
    return entry.job.state


def job_report(entry):
    """One entry of the ``jobs`` list a module returns."""
    report = dict(
        job_id=entry.job_id,
        state_before=entry.job.state,
        state=_state_after(entry),
        action=entry.action,
        datafeed_id=entry.job.datafeed_id,
        datafeed_state_before=entry.job.datafeed_state,
    )
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
        already_absent=plan.ids(ALREADY_ABSENT),
        being_deleted=plan.ids(BEING_DELETED),
        tasks=dict((entry.job_id, entry.task) for entry in plan.entries if entry.task),
    )


def plan_diff(plan):
    """Before and after per job, from the same plan as the result (so they cannot disagree)."""
    before = {}
    after = {}
    for entry in plan.entries:
        if entry.job.state is not None:
            before[entry.job_id] = dict(state=entry.job.state, datafeed_state=entry.job.datafeed_state)
        state = _state_after(entry)
        if state is not None:
            datafeed_state = DATAFEED_STOPPED if state == CLOSED and entry.job.datafeed_id else entry.job.datafeed_state
            after[entry.job_id] = dict(state=state, datafeed_state=datafeed_state)
    return dict(before=dict(jobs=before), after=dict(jobs=after))
