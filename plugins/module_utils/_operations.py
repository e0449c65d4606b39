# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""Close, delete and describe: read the jobs, plan (the planners decide), stop in check mode,
else carry the plan out with as few requests as the API allows, and report per job. No
AnsibleModule here: the modules call these with a validated request and report what they
return or raise."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _plans as plans
from ansible_collections.mlops.elasticsearch.plugins.module_utils._backups import read_configs, save_configs
from ansible_collections.mlops.elasticsearch.plugins.module_utils._endpoints import Absent, Unavailable, chunk_ids
from ansible_collections.mlops.elasticsearch.plugins.module_utils._errors import (
    ApiError,
    ElasticsearchError,
    Interrupted,
    JobsFailed,
    NotFound,
    WaitTimeout,
)
from ansible_collections.mlops.elasticsearch.plugins.module_utils._jobs import CLOSED, job_from_documents
from ansible_collections.mlops.elasticsearch.plugins.module_utils._targets import (
    MATCH_ALL,
    groups_named,
    match_jobs,
    read_expression,
)
from ansible_collections.mlops.elasticsearch.plugins.module_utils._waits import wait_until

NOT_FOUND_TYPE = "resource_not_found_exception"


# ---- reading ---------------------------------------------------------------------------------

def read_jobs(api, targets, datafeed_states=True):
    """Everything known of the jobs an expression may name, in as few GETs as possible."""
    expression = read_expression(targets)
    docs = api.get_jobs(expression)
    if not docs:
        return []
    stats_by_id = dict((doc["job_id"], doc) for doc in api.get_job_stats(expression))
    datafeeds = _datafeeds_by_job(api, docs)
    datafeed_stats = None
    if datafeed_states:
        ids = [datafeed["datafeed_id"] for datafeed in datafeeds.values()]
        datafeed_stats = dict((doc["datafeed_id"], doc) for doc in api.get_datafeed_stats(ids)) if ids else {}
    return [
        job_from_documents(doc, stats_by_id.get(doc["job_id"]), datafeeds.get(doc["job_id"]),
                           _datafeed_stats_of(datafeeds.get(doc["job_id"]), datafeed_stats))
        for doc in docs
    ]


def _datafeed_stats_of(datafeed, stats):
    """None when datafeed states were not read; {} when read and the datafeed has no stats."""
    if datafeed is None or stats is None:
        return None
    return stats.get(datafeed["datafeed_id"], {})


def _datafeeds_by_job(api, job_docs):
    if api.release.supports("jobs_embed_datafeed"):
        return dict((doc["job_id"], doc["datafeed_config"]) for doc in job_docs if doc.get("datafeed_config"))
    wanted = set(doc["job_id"] for doc in job_docs)
    return dict((d["job_id"], d) for d in api.get_datafeeds() if d.get("job_id") in wanted)


def job_states(api, job_ids):
    """job_id -> state for the given ids; a job with no stats (deleted, or deleting) is absent."""
    states = {}
    for chunk in chunk_ids(job_ids):
        try:
            docs = api.get_job_stats(",".join(chunk))
        except NotFound:
            # One of them is gone or being deleted: read them as prefixes, which never answers 404.
            docs = api.get_job_stats(",".join(job_id + "*" for job_id in chunk))
        states.update((doc["job_id"], doc.get("state")) for doc in docs if doc["job_id"] in chunk)
    return states


def select_jobs(api, targets, exclude=(), ids_only=False, datafeed_states=True):
    jobs = read_jobs(api, targets, datafeed_states=datafeed_states)
    return match_jobs(targets, jobs, exclude=exclude, ids_only=ids_only), jobs


def missing_message(tokens):
    """The text Elasticsearch answers for unknown explicit ids, so users meet one wording."""
    return "No known job with id '%s'" % ",".join(tokens)


# ---- failing with the per-job result ------------------------------------------------------------

def _refuse_if_errors(plan, build_result, **details):
    """Fail before any change when the plan holds a refusal: nothing is half done."""
    if plan.errors:
        plan.refuse()
        raise JobsFailed("; ".join(plan.errors), result=build_result(), **details)


def with_result(error, build_result, **extra):
    """The failure as the module reports it: its message, and the per-job result so far."""
    result = build_result()
    result.update(extra)
    if isinstance(error, JobsFailed):
        error.result = dict(result, **error.result)
        return error
    return JobsFailed.wrapping(error, result)


def refuse_unselected(plan, selection, request, build_result, missing_text=missing_message):
    """Fail before any change: an explicit id that matched nothing (unless ignore_missing), a
    pattern that matched nothing (with allow_no_match=false), any refusal in the plan.
    ``missing_text`` words the unknown ids as Elasticsearch does for the API at hand."""
    errors = []
    if selection.missing and not request.ignore_missing:
        errors.append(missing_text(selection.missing) + "; set ignore_missing=true to accept ids that do not exist")
    if selection.unmatched_patterns and not request.allow_no_match:
        unmatched = ["*" if token in MATCH_ALL else token for token in selection.unmatched_patterns]
        errors.append(missing_text(unmatched) + " (allow_no_match=false)")
    details = dict(status=404, error_type=NOT_FOUND_TYPE) if errors else {}
    if errors or plan.errors:
        plan.refuse()
        raise JobsFailed("; ".join(errors + plan.errors), result=build_result(), **details)


# ---- close ---------------------------------------------------------------------------------------

def close_jobs(api, request, check_mode=False):
    """ml_job_close: returns (plan, result); raises JobsFailed carrying the result."""
    selection, dummy = select_jobs(api, request.targets, request.exclude)
    plan = plans.plan_close(selection.jobs, request.force, api.release, request.max_jobs)

    def result():
        return plans.close_result(plan, selection.missing)

    refuse_unselected(plan, selection, request, result)
    if not check_mode:
        plan.executed = True
        try:
            _close(api, plan, plan.with_action(plans.CLOSE, plans.WAIT_CLOSING), request.force, request.timeout)
        except ElasticsearchError as exc:
            plan.settle(exc.msg)
            raise with_result(exc, result)
    return plan, result()


def _close(api, plan, entries, force, timeout):
    """One close request for ``entries`` (their old-release datafeeds stopped first)."""
    datafeeds = [entry.job.datafeed_id for entry in entries if entry.stop_datafeed]
    if datafeeds:
        api.stop_datafeeds(datafeeds, force, timeout)
    ids = [entry.job_id for entry in entries]
    if not ids:
        return
    try:
        try:
            api.close_jobs(ids, force, timeout)
        except NotFound:
            # A job vanished between the read and the close (someone deleted it): close the rest.
            states = job_states(api, ids)
            remaining = [job_id for job_id in ids if job_id in states]
            if remaining:
                api.close_jobs(remaining, force, timeout)
        _mark_closed(entries)
    except ApiError as exc:
        if exc.error_type != "illegal_state_exception":
            raise
        # The server closed what it could; say which jobs are done and which are not.
        _mark_closed(entries)
        stuck = plan.mark_not_closed(job_states(api, ids), entries)
        raise JobsFailed("jobs did not close within timeout %s: %s; the server said: %s"
                         % (timeout.text, ", ".join(stuck) or ", ".join(ids), exc.reason),
                         status=exc.status, error_type=exc.error_type, reason=exc.reason)


def _mark_closed(entries):
    """The close request answered: each job is closed, which is all a close entry had to do."""
    for entry in entries:
        entry.closed = True
        if entry.action != plans.DELETE:
            entry.done = True


# ---- delete --------------------------------------------------------------------------------------

def delete_jobs(api, request, check_mode=False):
    """ml_job_delete: returns (plan, result); raises JobsFailed carrying the result."""
    # Datafeed states change the plan only where the server does not handle datafeeds itself;
    # backups record them.
    datafeed_states = not api.release.supports("delete_removes_datafeed") or bool(request.backup_dir)
    selection, jobs = select_jobs(api, request.targets, request.exclude, ids_only=not request.resolve_patterns,
                                  datafeed_states=datafeed_states)
    plan = plans.plan_delete(selection.jobs, selection.missing, request.force, api.release,
                             delete_user_annotations=request.delete_user_annotations,
                             close_first=request.close_first, max_jobs=request.max_jobs)
    backups = {}

    def result():
        return dict(plans.delete_result(plan), backups=backups)

    if not request.resolve_patterns:
        plan.errors[:0] = [
            "job_id '%s' is a group of jobs %s, not a job id; set resolve_patterns=true to delete them"
            % (name, members) for name, members in sorted(groups_named(request.targets, jobs).items())]
    _refuse_if_errors(plan, result)
    if check_mode:
        return plan, result()
    plan.executed = True
    try:
        if request.backup_dir:
            backups.update(save_configs(api, [e.job for e in plan.with_action(plans.DELETE)], request.backup_dir))
        failures = _close_before_deleting(api, plan, request)
        failures += _run_deletes(api, plan, request)
    except ElasticsearchError as exc:
        plan.settle(exc.msg)
        raise with_result(exc, result)
    if failures:
        plan.settle("; ".join(failures))
        raise JobsFailed("; ".join(failures), result=result())
    return plan, result()


def _close_before_deleting(api, plan, request):
    """Close the jobs planned to be closed first and wait for the closing ones; a job that is not
    closed in time is not deleted. Returns the failures."""
    failures = []
    to_close = [entry for entry in plan.with_action(plans.DELETE) if entry.close_first]
    if to_close:
        try:
            _close(api, plan, to_close, request.force, request.close_timeout)
        except JobsFailed as exc:
            failures.append(exc.msg)
    closing = [entry for entry in plan.with_action(plans.DELETE) if entry.wait_close]
    if closing:
        failures.extend(_wait_closed(api, closing, request.close_timeout))
    return failures


def _wait_closed(api, entries, timeout):
    ids = [entry.job_id for entry in entries]
    try:
        wait_until(lambda: job_states(api, ids),
                   lambda seen: all(seen.get(job_id, CLOSED) == CLOSED for job_id in ids),
                   timeout.seconds, "jobs to close", sleep=api.transport.sleep,
                   stopping=lambda: api.transport.stopping)
    except WaitTimeout as exc:
        stuck = plan_entries_still_closing(entries, exc.last_seen or {})
        return ["jobs still closing after %.1fs, not deleted: %s" % (exc.waited_s, ", ".join(stuck))]
    return []


def plan_entries_still_closing(entries, states):
    stuck = []
    for entry in entries:
        state = states.get(entry.job_id, CLOSED)
        if state != CLOSED:
            entry.fail(plans.TIMED_OUT, "still %s after waiting for its close" % state, observed_state=state)
            stuck.append("%s (%s)" % (entry.job_id, state))
    return stuck


def _run_deletes(api, plan, request):
    """Every planned delete, ``request.concurrency`` at a time; returns the failures. After a stop
    (SIGINT, SIGTERM) the queued deletes are not sent, and say so."""
    # Imported here, not at the top: only deletes need it, and every module start-up would pay for it.
    from concurrent.futures import ThreadPoolExecutor

    entries = plan.with_action(plans.DELETE, plans.BEING_DELETED)
    if not entries:
        return []

    def delete_one(entry):
        if entry.delete_datafeed:
            api.delete_datafeed(entry.job.datafeed_id, request.force)
        answer = api.delete_job(entry.job_id, request.force, request.wait_for_completion,
                                request.delete_user_annotations, request.timeout)
        if isinstance(answer, Absent):
            _record_absent(entry, answer)
        elif not request.wait_for_completion:
            entry.task = answer.get("task")
        entry.done = True

    failures = []
    workers = max(1, min(request.concurrency, len(entries)))
    api.transport.allow_parallel_requests(workers)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [(entry, pool.submit(delete_one, entry)) for entry in entries]
        for entry, future in futures:
            try:
                future.result()
            except Interrupted as exc:
                entry.fail(plans.INTERRUPTED, exc.msg)
            except ElasticsearchError as exc:
                entry.fail(plans.REFUSED, exc.msg)
                failures.append(exc.msg)
    interrupted = plan.ids(plans.INTERRUPTED)
    if interrupted:
        failures.insert(0, "interrupted: %d deletes not sent (%s); run again to finish"
                        % (len(interrupted), ", ".join(interrupted)))
    return failures


def _record_absent(entry, answer):
    """A 404 on delete: deleted by this run when an earlier try of it got no answer (the cluster
    acted, the reply was lost), else by someone else."""
    if answer.after_lost_reply and entry.action == plans.DELETE:
        entry.lost_reply = True
        return
    entry.action = plans.ALREADY_ABSENT
    entry.changed = False


# ---- describe ------------------------------------------------------------------------------------

def cluster_facts(api, privileges=("manage_ml",)):
    """What a pre-flight needs: the cluster, ML enabled, upgrade mode, the user's ML privileges.

    Fails closed: ML is "off" and security is "off" only when Elasticsearch says so in its own
    words (see Unavailable); any other failure of these reads raises, naming the request and
    its status, instead of guessing in the user's favour."""
    root = api.root
    facts = dict(name=root.get("cluster_name"), uuid=root.get("cluster_uuid"), version=api.release.number,
                 ml_enabled=True, upgrade_mode=False, security_enabled=True, username=None,
                 privileges=dict((name, False) for name in privileges), problems=[])
    info = api.ml_info()
    if isinstance(info, Unavailable):
        facts["ml_enabled"] = False
        facts["problems"].append("machine learning is not available: %s" % info.reason)
    else:
        facts["upgrade_mode"] = bool(info.get("upgrade_mode"))
    answer = api.has_privileges(privileges)
    if isinstance(answer, Unavailable):
        # Without security every request is allowed.
        facts["security_enabled"] = False
        facts["privileges"] = dict((name, True) for name in privileges)
    else:
        facts["username"] = answer.get("username")
        facts["privileges"].update(answer.get("cluster") or {})
    if facts["upgrade_mode"]:
        facts["problems"].append("ML upgrade mode is enabled; ML write actions answer 429 until it ends")
    lacking = sorted(name for name, held in facts["privileges"].items() if not held)
    if lacking:
        facts["problems"].append("user %s lacks the cluster privilege %s" % (facts["username"], ", ".join(lacking)))
    return facts


def describe_jobs(api, request):
    """ml_job_info: the matched jobs, and on request the cluster's facts, the configurations and
    the plan of closing, then deleting, them."""
    result = dict(jobs=[], missing=[], exists=False, server_version=api.release.number)
    cluster = cluster_facts(api) if request.include_cluster else None
    if cluster:
        result["cluster"] = cluster
    if cluster and not cluster["ml_enabled"]:
        # Nothing can be read; the plan says why nothing can be done.
        if request.plan:
            result["plan"] = plans.plan_summary(plans.Plan([]), unmatched=[], problems=cluster["problems"])
        return result
    selection, dummy = select_jobs(api, request.targets, request.exclude)
    result.update(jobs=[job.to_dict() for job in selection.jobs], missing=selection.missing,
                  exists=bool(selection.jobs))
    if request.include_config and selection.jobs:
        configs = read_configs(api, selection.jobs)
        for job in result["jobs"]:
            config = configs.get(job["job_id"], {})
            job["config"] = config.get("job")
            job["datafeed_config"] = config.get("datafeed")
    if request.plan:
        result["plan"] = decommission_plan(api.release, selection, request.plan, cluster["problems"] if cluster else [])
    return result


def decommission_plan(release, selection, settings, problems=()):
    """What closing, then deleting (or closing only), the selected jobs would do."""
    if settings.delete:
        plan = plans.plan_delete(selection.jobs, [], settings.force, release,
                                 delete_user_annotations=settings.delete_user_annotations,
                                 close_first=True, max_jobs=settings.max_jobs)
    else:
        plan = plans.plan_close(selection.jobs, settings.force, release, max_jobs=settings.max_jobs)
    return plans.plan_summary(plan, unmatched=selection.missing + selection.unmatched_patterns,
                              problems=list(problems) + plan.errors)
