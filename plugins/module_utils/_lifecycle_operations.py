# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""Open jobs, start and stop datafeeds: read the targets' states, plan (the lifecycle planners
decide), stop in check mode, else carry the plan out and report per job or datafeed. Also the
single open and start that ml_job and ml_datafeed use when they restart what they changed. No
AnsibleModule here."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _lifecycle_plans as lifecycle
from ansible_collections.mlops.elasticsearch.plugins.module_utils._errors import (
    ApiError,
    Conflict,
    ElasticsearchError,
    JobsFailed,
    WaitTimeout,
)
from ansible_collections.mlops.elasticsearch.plugins.module_utils._jobs import (
    CLOSED,
    CLOSING,
    DATAFEED_STOPPED,
    OPENED,
    OPENING,
)
from ansible_collections.mlops.elasticsearch.plugins.module_utils._operations import (
    job_states,
    missing_message,
    read_jobs,
    refuse_unselected,
    select_jobs,
    with_result,
)
from ansible_collections.mlops.elasticsearch.plugins.module_utils._plans import REFUSED, TIMED_OUT
from ansible_collections.mlops.elasticsearch.plugins.module_utils._targets import (
    Selection,
    match_jobs,
    parse_targets,
)
from ansible_collections.mlops.elasticsearch.plugins.module_utils._waits import wait_until

REQUEST_TIMEOUT = 408


# ---- reading and waiting -------------------------------------------------------------------------

def datafeed_states(api, datafeed_ids):
    """datafeed_id -> state."""
    return dict((doc["datafeed_id"], doc.get("state")) for doc in api.get_datafeed_stats(datafeed_ids))


def wait_for_states(api, read_states, ids, wanted, timeout, what):
    """Poll ``read_states(api, ids)`` until every id is in one of the ``wanted`` states; returns
    id -> last state seen of those that are not when ``timeout`` runs out ({} when all are)."""
    try:
        wait_until(lambda: read_states(api, ids), lambda seen: all(seen.get(i) in wanted for i in ids),
                   timeout.seconds, what, sleep=api.transport.sleep, stopping=lambda: api.transport.stopping)
    except WaitTimeout as exc:
        seen = exc.last_seen or {}
        return dict((i, seen.get(i)) for i in ids if seen.get(i) not in wanted)
    return {}


class _SeenByDatafeed:
    """A job seen under its datafeed's id, so that match_jobs matches targets to datafeed ids."""

    def __init__(self, job):
        self.job = job
        self.job_id = job.datafeed_id
        self.groups = []


def select_datafeeds(api, request):
    """(Selection of the jobs whose datafeeds the request names, ids of the named jobs without a
    datafeed). Datafeeds named by id are matched on datafeed ids; by job, on job ids and groups."""
    if not request.by_datafeed:
        selection, dummy = select_jobs(api, request.targets, request.exclude)
        without = [job.job_id for job in selection.jobs if job.datafeed_id is None]
        selection.jobs = [job for job in selection.jobs if job.datafeed_id is not None]
        return selection, without
    jobs = read_jobs(api, parse_targets(["_all"]))
    seen = match_jobs(request.targets, [_SeenByDatafeed(job) for job in jobs if job.datafeed_id is not None],
                      exclude=request.exclude)
    return Selection([s.job for s in seen.jobs], seen.missing, seen.unmatched_patterns, seen.excluded), []


def no_datafeed_message(tokens):
    """The text Elasticsearch answers for unknown datafeed ids."""
    return "No datafeed with id [%s] exists" % ",".join(tokens)


def _wait_entries(api, entries, read_states, wanted, timeout, what, id_of):
    """Wait for the entries' states; the ones not there in time fail as timed out. Returns the failures."""
    if not entries:
        return []
    stuck = wait_for_states(api, read_states, [id_of(entry) for entry in entries], wanted, timeout, what)
    failures = []
    for entry in entries:
        if id_of(entry) in stuck:
            state = stuck[id_of(entry)]
            entry.fail(TIMED_OUT, "still %s after %s" % (state, timeout.text), observed_state=state)
            failures.append("%s: %s" % (id_of(entry), entry.error))
    return failures


def _job_id(entry):
    return entry.job_id


def _datafeed_id(entry):
    return entry.job.datafeed_id


def _fail_entry(entry, error, failures, in_progress_state):
    """A refused or timed-out open or start (408: the server goes on, the job or datafeed may still get there)."""
    if error.status == REQUEST_TIMEOUT:
        entry.fail(TIMED_OUT, error.msg, observed_state=in_progress_state)
    else:
        entry.fail(REFUSED, error.msg)
    failures.append(error.msg)


# ---- one job, one datafeed -----------------------------------------------------------------------

def open_job(api, job_id, timeout):
    """Open one job; returns (action, state): opened, or opened_lazily when it waits for an ML
    node with room (the server answers an empty node). A 409 because someone opened it meanwhile
    is already_opened."""
    try:
        answer = api.open_job(job_id, timeout)
    except Conflict:
        state = job_states(api, [job_id]).get(job_id)
        if state in (OPENED, OPENING):
            return lifecycle.ALREADY_OPENED, state
        raise
    if api.release.supports("open_answers_node"):
        lazy = answer.get("node") == ""
    else:
        lazy = job_states(api, [job_id]).get(job_id) == OPENING
    return (lifecycle.OPENED_LAZILY, OPENING) if lazy else (lifecycle.OPEN, OPENED)


def start_datafeed(api, datafeed_id, timeout, job_awaits_node=False, start=None, end=None):
    """Start one datafeed; returns (action, state): started, or started_lazily when its job waits
    for an ML node (the datafeed then waits too; a 408 of the server's wait means just that). A 409
    because someone started it meanwhile is already_started."""
    try:
        answer = api.start_datafeed(datafeed_id, timeout, start=start, end=end)
    except Conflict:
        state = datafeed_states(api, [datafeed_id]).get(datafeed_id)
        if state in (lifecycle.DATAFEED_STARTED, lifecycle.DATAFEED_STARTING):
            return lifecycle.ALREADY_STARTED, state
        raise
    except ApiError as exc:
        if exc.status == REQUEST_TIMEOUT and job_awaits_node:
            return lifecycle.STARTED_LAZILY, lifecycle.DATAFEED_STARTING
        raise
    if answer.get("node") == "":
        return lifecycle.STARTED_LAZILY, lifecycle.DATAFEED_STARTING
    return lifecycle.START, lifecycle.DATAFEED_STARTED


def _record(entry, outcome):
    entry.action, entry.observed_state = outcome
    entry.changed = entry.action in (lifecycle.OPEN, lifecycle.OPENED_LAZILY, lifecycle.START,
                                     lifecycle.STARTED_LAZILY)


# ---- open ----------------------------------------------------------------------------------------

def open_jobs(api, request, check_mode=False):
    """ml_job_open: returns the result; raises JobsFailed carrying the result."""
    selection, dummy = select_jobs(api, request.targets, request.exclude, datafeed_states=False)
    plan = lifecycle.plan_open(selection.jobs, request.max_jobs)

    def result():
        return lifecycle.open_result(plan, selection.missing)

    refuse_unselected(plan, selection, request, result)
    if check_mode:
        return result()
    try:
        failures = _open_planned(api, plan, request.timeout)
    except ElasticsearchError as exc:
        raise with_result(exc, result)
    if failures:
        raise JobsFailed("; ".join(failures), result=result())
    return result()


def _open_planned(api, plan, timeout):
    closing = [entry for entry in plan.with_action(lifecycle.OPEN) if entry.job.state == CLOSING]
    failures = _wait_entries(api, closing, job_states, (CLOSED,), timeout, "jobs to close before opening them",
                             _job_id)
    for entry in plan.with_action(lifecycle.OPEN):
        try:
            _record(entry, open_job(api, entry.job_id, timeout))
        except ApiError as exc:
            _fail_entry(entry, exc, failures, OPENING)
    failures += _wait_entries(api, plan.with_action(lifecycle.WAIT_OPENING), job_states, (OPENED,), timeout,
                              "jobs to open", _job_id)
    return failures


# ---- start and stop ------------------------------------------------------------------------------

def start_datafeeds(api, request, check_mode=False):
    """ml_datafeed_start: returns the result; raises JobsFailed carrying the result."""
    selection, without = select_datafeeds(api, request)
    plan = lifecycle.plan_start(selection.jobs, request.max_jobs)

    def result():
        return lifecycle.start_result(plan, selection.missing, without)

    refuse_unselected(plan, selection, request, result, _missing_text(request))
    if check_mode:
        return result()
    try:
        failures = _start_planned(api, plan, request)
    except ElasticsearchError as exc:
        raise with_result(exc, result)
    if failures:
        raise JobsFailed("; ".join(failures), result=result())
    return result()


def _missing_text(request):
    return no_datafeed_message if request.by_datafeed else missing_message


def _start_planned(api, plan, request):
    stopping = [entry for entry in plan.with_action(lifecycle.START)
                if entry.job.datafeed_state == lifecycle.DATAFEED_STOPPING]
    failures = _wait_entries(api, stopping, datafeed_states, (DATAFEED_STOPPED,), request.timeout,
                             "datafeeds to stop before starting them", _datafeed_id)
    for entry in plan.with_action(lifecycle.START):
        job = entry.job
        try:
            _record(entry, start_datafeed(api, job.datafeed_id, request.timeout,
                                          job_awaits_node=job.state == OPENING and not job.node,
                                          start=request.start, end=request.end))
        except ApiError as exc:
            _fail_entry(entry, exc, failures, lifecycle.DATAFEED_STARTING)
    return failures


def stop_datafeeds(api, request, check_mode=False):
    """ml_datafeed_stop: returns the result; raises JobsFailed carrying the result. One stop
    request names every datafeed to stop (and those stopping, which the server then waits for)."""
    selection, without = select_datafeeds(api, request)
    plan = lifecycle.plan_stop(selection.jobs, request.max_jobs)

    def result():
        return lifecycle.stop_result(plan, selection.missing, without)

    refuse_unselected(plan, selection, request, result, _missing_text(request))
    entries = plan.with_action(lifecycle.STOP, lifecycle.WAIT_STOPPING)
    if check_mode or not entries:
        return result()
    ids = [entry.job.datafeed_id for entry in entries]
    try:
        try:
            api.stop_datafeeds(ids, request.force, request.timeout)
        except ApiError as exc:
            # The server stopped what it could in time; say which datafeeds are still running.
            stuck = dict((i, s) for i, s in datafeed_states(api, ids).items() if s != DATAFEED_STOPPED)
            if not stuck:
                raise
            for entry in entries:
                if entry.job.datafeed_id in stuck:
                    entry.fail(TIMED_OUT, "still %s: %s" % (stuck[entry.job.datafeed_id], exc.msg),
                               observed_state=stuck[entry.job.datafeed_id])
            raise JobsFailed("datafeeds not stopped: %s; the server said: %s" % (", ".join(sorted(stuck)), exc.msg),
                             status=exc.status, error_type=exc.error_type, reason=exc.reason)
    except ElasticsearchError as exc:
        raise with_result(exc, result)
    return result()
