# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""The ML REST calls, and the runs that read, plan and then act with as few requests as
the API allows. No AnsibleModule here: modules call ``close_jobs``, ``delete_jobs`` and
``describe_jobs`` and report what they return or raise."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible_collections.mlops.elasticsearch.plugins.module_utils._common import (
    ApiError,
    InvalidInput,
    JobsFailed,
    NotFound,
    TransportError,
    write_file_atomically,
)
from ansible_collections.mlops.elasticsearch.plugins.module_utils._es_client import path
from ansible_collections.mlops.elasticsearch.plugins.module_utils import _ml_jobs as jobs_domain

# Elasticsearch refuses request lines over 4 KB (http.max_initial_line_length); keep id lists under it.
MAX_IDS_IN_PATH = 3000
# A delete racing a finishing close gets 409 version_conflict_engine_exception; it is retried.
DELETE_CONFLICT_RETRIES = 5


def chunk_ids(ids, limit=MAX_IDS_IN_PATH):
    """Split ids into comma lists whose length stays under ``limit``."""
    chunk = []
    size = 0
    for job_id in ids:
        if chunk and size + len(job_id) + 1 > limit:
            yield chunk
            chunk, size = [], 0
        chunk.append(job_id)
        size += len(job_id) + 1
    if chunk:
        yield chunk


class MlApi:
    """The ML endpoints of one cluster, shaped by the server's release."""

    def __init__(self, client):
        self.client = client
        self.release = jobs_domain.Release(client.version())

    def _path(self, template, *segments):
        return path(self.release.ml_prefix + "/" + template, *segments)

    def _no_match(self):
        return {self.release.no_match_param: "true"}

    def read_jobs(self, targets, datafeed_states=True):
        """Everything known of the jobs an expression may name, in as few GETs as possible."""
        expression = jobs_domain.read_expression(targets)
        docs = self.client.request("GET", self._path("anomaly_detectors/{}", expression),
                                   params=self._no_match()).body.get("jobs", [])
        if not docs:
            return []
        stats = self.client.request("GET", self._path("anomaly_detectors/{}/_stats", expression),
                                    params=self._no_match()).body.get("jobs", [])
        stats_by_id = dict((doc["job_id"], doc) for doc in stats)
        datafeeds = self._datafeeds_by_job(docs)
        datafeed_stats = {}
        if datafeed_states and datafeeds:
            datafeed_stats = self.datafeed_stats([d["datafeed_id"] for d in datafeeds.values()])
        return [
            jobs_domain.job_from_documents(
                doc, stats_by_id.get(doc["job_id"]), datafeeds.get(doc["job_id"]),
                self._datafeed_stats_of(datafeeds.get(doc["job_id"]), datafeed_stats if datafeed_states else None))
            for doc in docs
        ]

    @staticmethod
    def _datafeed_stats_of(datafeed, stats):
        """None when datafeed states were not read; {} when read and the datafeed has no stats."""
        if datafeed is None or stats is None:
            return None
        return stats.get(datafeed["datafeed_id"], {})

    def _datafeeds_by_job(self, job_docs):
        if self.release.supports("jobs_embed_datafeed"):
            return dict((doc["job_id"], doc["datafeed_config"]) for doc in job_docs if doc.get("datafeed_config"))
        wanted = set(doc["job_id"] for doc in job_docs)
        body = self.client.request("GET", self._path("datafeeds")).body
        return dict((d["job_id"], d) for d in body.get("datafeeds", []) if d.get("job_id") in wanted)

    def datafeed_stats(self, datafeed_ids):
        out = {}
        for chunk in chunk_ids(datafeed_ids):
            body = self.client.request("GET", self._path("datafeeds/{}/_stats", ",".join(chunk))).body
            out.update((d["datafeed_id"], d) for d in body.get("datafeeds", []))
        return out

    def job_states(self, job_ids):
        """job_id -> state for the given ids; a job with no stats (deleted, or deleting) is absent."""
        states = {}
        for chunk in chunk_ids(job_ids):
            try:
                body = self.client.request("GET", self._path("anomaly_detectors/{}/_stats", ",".join(chunk)),
                                           params=self._no_match()).body
            except NotFound:
                body = self.client.request(
                    "GET", self._path("anomaly_detectors/{}/_stats", ",".join(j + "*" for j in chunk)),
                    params=self._no_match()).body
            states.update((d["job_id"], d.get("state")) for d in body.get("jobs", []) if d["job_id"] in chunk)
        return states

    def stop_datafeeds(self, datafeed_ids, force, timeout):
        for chunk in chunk_ids(datafeed_ids):
            self.client.request("POST", self._path("datafeeds/{}/_stop", ",".join(chunk)),
                                params=_flags(force=force, timeout=timeout),
                                timeout=self._hold_timeout(timeout))

    def close(self, job_ids, force, timeout):
        for chunk in chunk_ids(job_ids):
            body = self.client.request("POST", self._path("anomaly_detectors/{}/_close", ",".join(chunk)),
                                       params=_flags(force=force, timeout=timeout),
                                       timeout=self._hold_timeout(timeout)).body
            if body.get("closed") is not True:
                raise JobsFailed("close of [%s] answered %s instead of closed: true" % (",".join(chunk), body))

    def delete_datafeed(self, datafeed_id, force):
        try:
            self.client.request("DELETE", self._path("datafeeds/{}", datafeed_id), params=_flags(force=force))
        except NotFound:
            pass

    def delete_job(self, job_id, force, wait_for_completion, delete_user_annotations, timeout):
        """Returns the task id when not waiting, else None; 404 means someone else deleted it."""
        params = _flags(force=force, delete_user_annotations=delete_user_annotations, timeout=timeout)
        if not wait_for_completion:
            params["wait_for_completion"] = "false"
        body = self.client.request("DELETE", self._path("anomaly_detectors/{}", job_id), params=params,
                                   timeout=self._hold_timeout(timeout),
                                   retry_conflicts=DELETE_CONFLICT_RETRIES).body
        if not wait_for_completion:
            return body.get("task")
        if body.get("acknowledged") is not True:
            raise JobsFailed("delete of job [%s] answered %s instead of acknowledged: true" % (job_id, body))
        return None

    def ml_info(self):
        return self.client.request("GET", self._path("info")).body

    def has_privileges(self, cluster_privileges):
        # GET with a body: read-only calls stay GETs, so check mode can run them.
        return self.client.request("GET", path("_security/user/_has_privileges"),
                                   body={"cluster": list(cluster_privileges)}).body

    def job_configs(self, job_ids):
        """job_id -> {"job": config, "datafeed": config or None}, as they could be PUT back."""
        params = {"exclude_generated": "true"} if self.release.supports("exclude_generated") else None
        configs = {}
        for chunk in chunk_ids(job_ids):
            body = self.client.request("GET", self._path("anomaly_detectors/{}", ",".join(chunk)), params=params).body
            for doc in body.get("jobs", []):
                datafeed = doc.pop("datafeed_config", None)
                configs[doc["job_id"]] = {"job": doc, "datafeed": datafeed}
        if not self.release.supports("jobs_embed_datafeed") and configs:
            body = self.client.request("GET", self._path("datafeeds"), params=params).body
            for datafeed in body.get("datafeeds", []):
                if datafeed.get("job_id") in configs:
                    configs[datafeed["job_id"]]["datafeed"] = datafeed
        return configs

    def _hold_timeout(self, timeout):
        """Read timeout for a call the server holds open up to ``timeout``."""
        if timeout is None:
            return None
        return jobs_domain.parse_time(timeout) + self.client.request_timeout


def _flags(**values):
    """Query parameters, leaving out the ones at their server default."""
    params = {}
    for name, value in values.items():
        if value is True:
            params[name] = "true"
        elif value not in (None, False):
            params[name] = str(value)
    return params


def select_jobs(api, targets, exclude=(), ids_only=False, datafeed_states=True):
    jobs = api.read_jobs(targets, datafeed_states=datafeed_states)
    return jobs_domain.match_jobs(targets, jobs, exclude=exclude, ids_only=ids_only), jobs


def missing_message(tokens):
    """The text Elasticsearch answers for unknown explicit ids, so users meet one wording."""
    return "No known job with id '%s'" % ",".join(tokens)


def close_jobs(api, targets, exclude=(), force=False, timeout="30m", allow_no_match=True,
               ignore_missing=False, check_mode=False):
    selection, dummy = select_jobs(api, targets, exclude)
    if selection.missing and not ignore_missing:
        raise NotFound(missing_message(selection.missing) + "; set ignore_missing=true to accept jobs that do not exist",
                       status=404, error_type="resource_not_found_exception")
    if selection.unmatched_patterns and not allow_no_match:
        unmatched = ["*" if t in jobs_domain.MATCH_ALL else t for t in selection.unmatched_patterns]
        raise NotFound(missing_message(unmatched) + " (allow_no_match=false)",
                       status=404, error_type="resource_not_found_exception")
    plan = jobs_domain.plan_close(selection.jobs, force, api.release)
    _refuse_if_errors(plan, jobs_domain.close_result, selection.missing)
    if not check_mode:
        try:
            _run_close(api, plan, force, timeout)
        except JobsFailed as exc:
            exc.result = jobs_domain.close_result(plan, selection.missing)
            raise
    return plan, jobs_domain.close_result(plan, selection.missing)


def _refuse_if_errors(plan, build_result, *args):
    """Fail before any change when the plan holds a refusal: nothing is half done."""
    if plan.errors:
        plan.refuse()
        raise JobsFailed("; ".join(plan.errors), result=build_result(plan, *args))


def _run_close(api, plan, force, timeout):
    datafeeds = [e.job.datafeed_id for e in plan.entries if e.stop_datafeed]
    if datafeeds:
        api.stop_datafeeds(datafeeds, force, timeout)
    ids = plan.ids(jobs_domain.CLOSE, jobs_domain.WAIT_CLOSING)
    if not ids:
        return
    try:
        try:
            api.close(ids, force, timeout)
        except NotFound:
            # A job vanished between the read and the close (someone deleted it): close the rest.
            states = api.job_states(ids)
            remaining = [job_id for job_id in ids if job_id in states]
            if remaining:
                api.close(remaining, force, timeout)
    except ApiError as exc:
        if exc.error_type != "illegal_state_exception":
            raise
        # The server closed what it could; say which jobs are done and which are not.
        stuck = plan.mark_not_closed(api.job_states(ids))
        raise JobsFailed("jobs did not close within timeout %s: %s; the server said: %s"
                         % (timeout, ", ".join(stuck) or ", ".join(ids), exc.reason),
                         status=exc.status, error_type=exc.error_type, reason=exc.reason)


def delete_jobs(api, targets, exclude=(), force=False, resolve_patterns=False, max_jobs=None,
                wait_for_completion=True, delete_user_annotations=False, timeout=None,
                concurrency=4, backup_dir=None, check_mode=False):
    # From 7.15 the server deletes datafeeds itself, so their states do not change the plan.
    need_datafeeds = not api.release.supports("delete_removes_datafeed")
    selection, jobs = select_jobs(api, targets, exclude, ids_only=not resolve_patterns,
                                  datafeed_states=need_datafeeds)
    if not resolve_patterns:
        groups = jobs_domain.groups_named(targets, jobs)
        if groups:
            raise InvalidInput("; ".join(
                "job_id '%s' is a group of jobs %s, not a job id; set resolve_patterns=true to delete them"
                % (name, members) for name, members in sorted(groups.items())))
    if max_jobs is not None and len(selection.jobs) > max_jobs:
        raise InvalidInput("the targets match %d jobs, more than max_jobs=%d; nothing was deleted. Matches: %s"
                           % (len(selection.jobs), max_jobs, ", ".join(selection.job_ids)))
    plan = jobs_domain.plan_delete(selection.jobs, selection.missing, force, api.release, delete_user_annotations)
    _refuse_if_errors(plan, jobs_domain.delete_result)
    result = jobs_domain.delete_result(plan)
    if not check_mode:
        if backup_dir:
            result["backups"] = save_configs(api, plan.ids(jobs_domain.DELETE), backup_dir)
        try:
            _run_deletes(api, plan, force, wait_for_completion, delete_user_annotations, timeout, concurrency)
        except JobsFailed as exc:
            exc.result["backups"] = result.get("backups", {})
            raise
        result.update(jobs_domain.delete_result(plan))
    return plan, result


def save_configs(api, job_ids, directory):
    """Write each job's configuration (and its datafeed's) to ``<directory>/<job_id>.json``
    before it is deleted, so it can be recreated; returns job_id -> file."""
    if not job_ids:
        return {}
    configs = api.job_configs(job_ids)
    if not os.path.isdir(directory):
        os.makedirs(directory)
    files = {}
    for job_id, config in sorted(configs.items()):
        # Owner-only (0600), as the backups always were.
        files[job_id] = write_file_atomically(os.path.join(directory, job_id + ".json"),
                                              json.dumps(config, indent=2, sort_keys=True), 0o600)
    return files


def _run_deletes(api, plan, force, wait_for_completion, delete_user_annotations, timeout, concurrency):
    # Imported here, not at the top: only deletes need it, and every module start-up would pay for it.
    from concurrent.futures import ThreadPoolExecutor

    entries = plan.with_action(jobs_domain.DELETE, jobs_domain.BEING_DELETED)
    closing = [e.job_id for e in entries if e.wait_close]
    if closing:
        _wait_closed(api, closing, timeout)

    def delete_one(entry):
        if entry.delete_datafeed:
            api.delete_datafeed(entry.job.datafeed_id, force)
        try:
            entry.task = api.delete_job(entry.job_id, force, wait_for_completion, delete_user_annotations, timeout)
        except NotFound:
            # Gone already: another run deleted it, or our own first try did and its answer was lost.
            entry.action = jobs_domain.ALREADY_ABSENT
            entry.changed = False
        return entry

    failures = []
    workers = max(1, min(concurrency, len(entries)))
    api.client.allow_parallel_requests(workers)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [(entry, pool.submit(delete_one, entry)) for entry in entries]
        for entry, future in futures:
            try:
                future.result()
            except (ApiError, TransportError, JobsFailed) as exc:
                entry.error = exc.msg
                entry.action = jobs_domain.REFUSED
                entry.changed = False
                failures.append(exc.msg)
    if failures:
        raise JobsFailed("; ".join(failures), result=jobs_domain.delete_result(plan))


def _wait_closed(api, job_ids, timeout):
    timeout_s = jobs_domain.parse_time(timeout or "30m")
    ok, states, waited = jobs_domain.wait_until(
        lambda: api.job_states(job_ids),
        lambda seen: all(seen.get(j, jobs_domain.CLOSED) == jobs_domain.CLOSED for j in job_ids),
        timeout_s, sleep=api.client.sleep)
    if not ok:
        raise JobsFailed("jobs still closing after %.1fs, not deleted: %s" % (waited, ", ".join(
            "%s (%s)" % (j, states.get(j)) for j in job_ids if states.get(j) != jobs_domain.CLOSED)))


def cluster_facts(api, privileges=("manage_ml",)):
    """What a pre-flight needs: the cluster, ML enabled, upgrade mode, the user's ML privileges."""
    root = api.client.root()
    facts = dict(name=root.get("cluster_name"), uuid=root.get("cluster_uuid"), version=api.release.number,
                 ml_enabled=True, upgrade_mode=False, security_enabled=True, username=None,
                 privileges=dict((name, False) for name in privileges), problems=[])
    try:
        facts["upgrade_mode"] = bool(api.ml_info().get("upgrade_mode"))
    except ApiError as exc:
        facts["ml_enabled"] = False
        facts["problems"].append("machine learning is not available: %s" % exc.msg)
    try:
        answer = api.has_privileges(privileges)
        facts["username"] = answer.get("username")
        facts["privileges"].update(answer.get("cluster") or {})
    except ApiError as exc:
        if exc.status in (401, 403):
            raise
        # Without security every request is allowed; the server refuses the privileges API.
        facts["security_enabled"] = False
        facts["privileges"] = dict((name, True) for name in privileges)
    if facts["upgrade_mode"]:
        facts["problems"].append("ML upgrade mode is enabled; ML write actions answer 429 until it ends")
    lacking = sorted(name for name, held in facts["privileges"].items() if not held)
    if lacking:
        facts["problems"].append("user %s lacks the cluster privilege %s" % (facts["username"], ", ".join(lacking)))
    return facts


def describe_jobs(api, targets, exclude=(), include_cluster=False, include_config=False):
    result = dict(jobs=[], missing=[], exists=False, server_version=api.release.number)
    if include_cluster:
        result["cluster"] = cluster_facts(api)
        if not result["cluster"]["ml_enabled"]:
            return result
    selection, dummy = select_jobs(api, targets, exclude)
    result.update(jobs=[job.to_dict() for job in selection.jobs], missing=selection.missing,
                  exists=bool(selection.jobs))
    if include_config and selection.jobs:
        configs = api.job_configs(selection.job_ids)
        for job in result["jobs"]:
            config = configs.get(job["job_id"], {})
            job["config"] = config.get("job")
            job["datafeed_config"] = config.get("datafeed")
    return result
