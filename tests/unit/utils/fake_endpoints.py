# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An in-memory stand-in for ``MlEndpoints``: jobs and datafeeds in dicts, every call recorded.

It answers as Elasticsearch does where the operations depend on it: an explicit id that matches
nothing is a 404 (NotFound), a job being deleted has no stats, a close of an opened job closes
it, a delete of a job that is not closed without force is a 409 (Conflict). Through
``before(method, hook)`` a test injects what may happen between two calls (someone deletes a
job, SIGINT), through ``fail_once`` an error answer; ``stick``, ``lose_reply`` and
``closing_reads`` script the rest.

Like the real transport, a write is not sent once ``transport.stop()`` was called (it raises
Interrupted) nor in check mode (it raises CheckModeViolation); ``calls`` holds only what was sent.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import fnmatch
import threading

from ansible_collections.mlops.elasticsearch.plugins.module_utils._endpoints import Absent
from ansible_collections.mlops.elasticsearch.plugins.module_utils._errors import (
    ApiError,
    CheckModeViolation,
    Conflict,
    Interrupted,
    NotFound,
)
from ansible_collections.mlops.elasticsearch.plugins.module_utils._releases import Release

WRITES = ("stop_datafeeds", "close_jobs", "delete_datafeed", "delete_job")
NOT_FOUND = "resource_not_found_exception"
CLOSE_TIMEOUT_REASON = "Timed out when waiting for persistent tasks after %s"


def not_found(what, ids):
    return NotFound("No known %s with id '%s'" % (what, ",".join(ids)), status=404, error_type=NOT_FOUND,
                    reason="No known %s with id '%s'" % (what, ",".join(ids)))


def conflict(reason):
    return Conflict("409 status_exception: %s" % reason, status=409, error_type="status_exception", reason=reason)


def close_timeout(timeout_text):
    reason = CLOSE_TIMEOUT_REASON % timeout_text
    return ApiError("500 illegal_state_exception: %s" % reason, status=500, error_type="illegal_state_exception",
                    reason=reason)


class FakeJob:
    """One job of the fake cluster. ``closing_reads``: how many stats reads still see a closing
    job closing (None: it never closes on its own)."""

    def __init__(self, job_id, state="closed", groups=(), datafeed_id=None, datafeed_state=None,
                 deleting=False, closing_reads=None):
        self.job_id = job_id
        self.state = state
        self.groups = list(groups)
        self.datafeed_id = datafeed_id
        self.datafeed_state = datafeed_state if datafeed_id else None
        if datafeed_id and datafeed_state is None:
            self.datafeed_state = "stopped"
        self.deleting = deleting
        self.closing_reads = closing_reads

    def config(self):
        """The job as GET anomaly_detectors gives it, with exclude_generated (no datafeed)."""
        doc = {"job_id": self.job_id, "description": "job " + self.job_id,
               "analysis_config": {"bucket_span": "15m", "detectors": [{"function": "count"}]},
               "data_description": {"time_field": "@timestamp"}}
        if self.groups:
            doc["groups"] = list(self.groups)
        return doc

    def datafeed_config(self):
        return {"datafeed_id": self.datafeed_id, "job_id": self.job_id, "indices": ["logs-" + self.job_id]}


class FakeTransport:
    """The part of the transport the operations use: sleep, the stop flag, the pool size."""

    def __init__(self, check_mode=False):
        self.check_mode = check_mode
        self.sleeps = []
        self.parallel = []
        self._stopping = threading.Event()

    def sleep(self, seconds):
        self.sleeps.append(seconds)

    def stop(self):
        self._stopping.set()

    @property
    def stopping(self):
        return self._stopping.is_set()

    def allow_parallel_requests(self, workers):
        self.parallel.append(workers)


class FakeEndpoints:
    """``MlEndpoints`` over dicts. ``calls`` lists (method, args...) in the order they were sent,
    with time values as their text."""

    def __init__(self, version="8.15.0", jobs=(), check_mode=False, root=None):
        self.release = Release.from_number(version)
        self.root = root if root is not None else {
            "cluster_name": "fake", "cluster_uuid": "uuid-1", "version": {"number": version}}
        self.transport = FakeTransport(check_mode=check_mode)
        # Copies: a test's FakeJob (a parametrize value, say) is never changed by a run.
        self.jobs = dict((job.job_id, copy.deepcopy(job)) for job in jobs)
        self.calls = []
        self.hooks = {}
        self.failures = []
        self.stuck = set()
        self.lost_replies = set()
        # What ml_info and has_privileges return: an answer, or Unavailable (ML or security off).
        self.ml_info_answer = {"upgrade_mode": False}
        self.privileges_answer = {"username": "ml-admin", "cluster": {"manage_ml": True}}
        self.task_numbers = iter(range(1, 1000))
        self._lock = threading.Lock()

    # ---- scripting ---------------------------------------------------------------------------

    def add(self, job_id, state="closed", **kwargs):
        self.jobs[job_id] = FakeJob(job_id, state, **kwargs)
        return self

    def before(self, method, hook):
        """``hook(fake, *args)`` runs before each ``method`` call, before it is sent or refused."""
        self.hooks.setdefault(method, []).append(hook)
        return self

    def fail_once(self, method, error, when=None):
        """The server answers the next ``method`` call (for which ``when(*args)`` holds) with
        ``error``, having done nothing."""
        self.failures.append((method, when or (lambda *args: True), error))
        return self

    def stick(self, *job_ids):
        """A close of these jobs runs out of time: they stay closing, the close answers 500."""
        self.stuck.update(job_ids)
        return self

    def lose_reply(self, *job_ids):
        """Their delete is carried out, but its answer is lost: the retry answers 404."""
        self.lost_replies.update(job_ids)
        return self

    # ---- what was sent -------------------------------------------------------------------------

    def names(self):
        return [call[0] for call in self.calls]

    def writes(self):
        return [call for call in self.calls if call[0] in WRITES]

    def sent(self, method):
        return [call[1:] for call in self.calls if call[0] == method]

    # ---- plumbing --------------------------------------------------------------------------------

    def _call(self, method, *args):
        for hook in self.hooks.get(method, []):
            hook(self, *args)
        if method in WRITES:
            if self.transport.check_mode:
                raise CheckModeViolation("refusing to send %s in check mode" % method)
            if self.transport.stopping:
                raise Interrupted("interrupted: %s %s was not sent" % (method, args[0]))
        shown = tuple(getattr(arg, "text", arg) if not isinstance(arg, list) else list(arg) for arg in args)
        with self._lock:
            self.calls.append((method,) + shown)
            for failure in self.failures:
                if failure[0] == method and failure[1](*args):
                    self.failures.remove(failure)
                    raise failure[2]

    def _expand(self, expression, candidates):
        """Elasticsearch's id expression: ids, group names, wildcards, _all; an explicit token
        that matches nothing is a 404."""
        matched = []
        missing = []
        for token in expression.split(","):
            if token in ("_all", "*"):
                hits = list(candidates)
            elif "*" in token:
                hits = [job for job in candidates
                        if any(fnmatch.fnmatchcase(name, token) for name in [job.job_id] + job.groups)]
            else:
                hits = [job for job in candidates if token == job.job_id or token in job.groups]
                if not hits:
                    missing.append(token)
            matched.extend(job for job in hits if job not in matched)
        if missing:
            raise not_found("job", missing)
        return sorted(matched, key=lambda job: job.job_id)

    def _datafeeds(self):
        return dict((job.datafeed_id, job) for job in self.jobs.values() if job.datafeed_id)

    # ---- reads -------------------------------------------------------------------------------------

    def get_jobs(self, expression, exclude_generated=False):
        self._call("get_jobs", expression, exclude_generated)
        docs = []
        for job in self._expand(expression, list(self.jobs.values())):
            doc = job.config()
            if not exclude_generated:
                doc["create_time"] = 1700000000000
                if job.datafeed_id and self.release.supports("jobs_embed_datafeed"):
                    doc["datafeed_config"] = job.datafeed_config()
            if job.deleting:
                doc["deleting"] = True
            docs.append(doc)
        return docs

    def get_job_stats(self, expression):
        """A job being deleted has no stats, and its explicit id is a 404."""
        self._call("get_job_stats", expression)
        stats = []
        for job in self._expand(expression, [job for job in self.jobs.values() if not job.deleting]):
            if job.state == "closing" and job.closing_reads is not None:
                if job.closing_reads <= 0:
                    job.state = "closed"
                job.closing_reads -= 1
            stats.append({"job_id": job.job_id, "state": job.state})
        return stats

    def get_datafeeds(self, datafeed_ids=None, exclude_generated=False):
        self._call("get_datafeeds", None if datafeed_ids is None else list(datafeed_ids), exclude_generated)
        datafeeds = self._datafeeds()
        if datafeed_ids is None:
            return [datafeeds[name].datafeed_config() for name in sorted(datafeeds)]
        missing = [name for name in datafeed_ids if name not in datafeeds]
        if missing:
            raise not_found("datafeed", missing)
        return [datafeeds[name].datafeed_config() for name in datafeed_ids]

    def get_datafeed_stats(self, datafeed_ids):
        self._call("get_datafeed_stats", list(datafeed_ids))
        datafeeds = self._datafeeds()
        return [{"datafeed_id": name, "state": datafeeds[name].datafeed_state}
                for name in datafeed_ids if name in datafeeds]

    def ml_info(self):
        self._call("ml_info")
        return self.ml_info_answer

    def has_privileges(self, cluster_privileges):
        self._call("has_privileges", list(cluster_privileges))
        return self.privileges_answer

    # ---- writes ------------------------------------------------------------------------------------

    def stop_datafeeds(self, datafeed_ids, force, timeout):
        self._call("stop_datafeeds", list(datafeed_ids), force, timeout)
        for job in self.jobs.values():
            if job.datafeed_id in datafeed_ids:
                job.datafeed_state = "stopped"

    def close_jobs(self, job_ids, force, timeout):
        self._call("close_jobs", list(job_ids), force, timeout)
        missing = [job_id for job_id in job_ids if job_id not in self.jobs or self.jobs[job_id].deleting]
        if missing:
            raise not_found("job", missing)
        jobs = [self.jobs[job_id] for job_id in job_ids]
        for job in jobs:
            if job.state == "failed" and not force:
                raise conflict("cannot close job [%s] because it failed, use force close" % job.job_id)
            if job.datafeed_state == "started" and not self.release.supports("close_stops_datafeeds"):
                raise conflict("cannot close job datafeed [%s] hasn't been stopped" % job.datafeed_id)
        for job in jobs:
            if job.job_id in self.stuck:
                job.state = "closing"
            else:
                job.state = "closed"
                job.datafeed_state = "stopped" if job.datafeed_id else None
        if any(job.job_id in self.stuck for job in jobs):
            raise close_timeout(timeout.text)

    def delete_datafeed(self, datafeed_id, force):
        self._call("delete_datafeed", datafeed_id, force)
        for job in self.jobs.values():
            if job.datafeed_id == datafeed_id:
                job.datafeed_id = job.datafeed_state = None
                return {"acknowledged": True}
        return Absent(not_found("datafeed", [datafeed_id]))

    def delete_job(self, job_id, force, wait_for_completion, delete_user_annotations, timeout):
        self._call("delete_job", job_id, force, wait_for_completion, delete_user_annotations, timeout)
        job = self.jobs.get(job_id)
        if job is None:
            return Absent(not_found("job", [job_id]))
        if not job.deleting and job.state != "closed" and not force:
            raise conflict("Cannot delete job [%s] because the job is %s" % (job_id, job.state))
        if job.datafeed_id and not self.release.supports("delete_removes_datafeed"):
            raise conflict("Cannot delete job [%s] because datafeed [%s] refers to it" % (job_id, job.datafeed_id))
        del self.jobs[job_id]
        if job_id in self.lost_replies:
            lost = not_found("job", [job_id])
            lost.after_lost_reply = True
            return Absent(lost)
        if not wait_for_completion:
            return {"task": "node-1:%d" % next(self.task_numbers)}
        return {"acknowledged": True}
