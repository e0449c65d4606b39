"""The state of one simulated cluster: jobs, datafeeds, tasks and the ML actions on them.

Transitions are lazy: a job in `closing` carries the monotonic time at which it becomes
`closed`, and every access settles due transitions first. No thread runs per transition, so a
process can hold hundreds of clusters. Waiting (close, open, delete, stop) happens in
Condition.wait, which releases the cluster lock.
"""
import base64
import os
import threading
import time
import uuid

from . import datafeedconfig, errors, ids, jobconfig
from .datafeed_actions import NEVER, Datafeed, DatafeedActions, timeout_error
from .tasks import TaskStore

JOB_STATES = ("closed", "opened", "opening", "closing", "failed")
DEFAULT_DELAYS = {"close": 0.05, "delete": 0.02, "open": 0.02, "datafeed_stop": 0.01}
DELETE_ACTION = "cluster:admin/xpack/ml/job/delete"


def _now_ms():
    return int(time.time() * 1000)


def _random_node_id():
    # ES node ids are 22 URL-safe base64 characters.
    return base64.urlsafe_b64encode(os.urandom(16)).decode()[:22]


class Job:
    def __init__(self, config, state="closed", until=0.0):
        self.config = config
        self.state = state
        self.until = until            # when a closing/opening state completes
        self.assigned = state != "closed"  # its task has a node (a lazily opening job waits without one)
        self.stick = False            # next graceful close never completes
        self.deleting = False
        self.block = None             # {"reason": ..., "task_id": ...} while delete/reset runs
        self.open_time = time.time() if state != "closed" else None
        self.model_bytes = 0          # model_size_stats.model_bytes: the "current usage" of update checks

    @property
    def job_id(self):
        return self.config["job_id"]

    @property
    def has_task(self):
        return self.state != "closed"

    def settle(self, now):
        if self.state in ("closing", "opening") and now >= self.until:
            if self.state == "opening":
                self.state = "opened"
                self.config.pop("finished_time", None)   # cleared when the job has opened
            else:
                self.mark_closed()

    def mark_closed(self):
        """The task is gone; a job that ran on a node records when its process finished."""
        if self.assigned:
            self.config["finished_time"] = int(time.time() * 1000)
        self.state, self.assigned, self.stick, self.open_time = "closed", False, False, None


class DeleteRun:
    """A delete in progress; concurrent deletes of the same id wait for its outcome."""

    def __init__(self):
        self.done = False
        self.response = None
        self.error = None


class Cluster(DatafeedActions):
    def __init__(self, name, features, delays=None):
        self.name = name
        self.features = features
        self.delays = dict(DEFAULT_DELAYS, **(delays or {}))
        self.cluster_uuid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode()[:22]
        self.node_id = _random_node_id()
        self.node_name = name + "-node-1"
        self.cond = threading.Condition()
        self.jobs = {}
        self.datafeeds = {}
        self.deletes = {}
        self.tasks = TaskStore(self.node_id)
        self.upgrade_mode = False
        self.ml_licensed = True       # false: the licence does not cover ML (403 on ML actions)
        self.ml_plugin = True         # false: xpack.ml.enabled=false, no ML REST handlers at all
        self.master = True
        self.ml_node_capacity = None  # how many jobs ML nodes can take; None = unlimited
        self.max_model_memory_mb = None  # xpack.ml.max_model_memory_limit in MB; None = unset

    # ---- helpers (caller holds self.cond) -------------------------------------------------

    def _settle(self):
        now = time.monotonic()
        for job in self.jobs.values():
            job.settle(now)
        self._assign_lazy_jobs(now)
        for datafeed in self.datafeeds.values():
            datafeed.settle(now, self.jobs.get(datafeed.job_id))
        return now

    def _has_capacity(self):
        if self.ml_node_capacity is None:
            return True
        return sum(1 for j in self.jobs.values() if j.has_task and j.assigned) < self.ml_node_capacity

    def _assign_lazy_jobs(self, now):
        """Lazily opened jobs get a node as soon as one has room, in id order."""
        for job_id in sorted(self.jobs):
            job = self.jobs[job_id]
            if job.state == "opening" and not job.assigned and self._has_capacity():
                job.assigned, job.until = True, now + self.delays["open"]

    def _wait_until(self, finished, deadline, next_wake):
        """Wait on the condition until finished() or the deadline; True when finished."""
        while True:
            now = self._settle()
            if finished():
                return True
            if now >= deadline:
                return False
            self.cond.wait(max(0.0, min(deadline, next_wake()) - now))

    def _job_candidates(self, include):
        return {jid: [jid] + list(job.config.get("groups", [])) for jid, job in self.jobs.items() if include(job)}

    def node_info(self):
        return {"id": self.node_id, "name": self.node_name, "ephemeral_id": self.node_id[::-1],
                "transport_address": "127.0.0.1:9300", "attributes": {"ml.max_jvm_size": "1073741824"}}

    # ---- jobs: read ------------------------------------------------------------------------

    def get_jobs(self, expression, allow_no_match, exclude_generated):
        with self.cond:
            self._settle()
            matched, missing = ids.expand(expression, self._job_candidates(lambda j: True), allow_no_match)
            if missing:
                raise errors.job_not_found(",".join(missing))
            return {"count": len(matched), "jobs": [self._render_job(self.jobs[j], exclude_generated) for j in matched]}

    def _render_job(self, job, exclude_generated):
        config = dict(job.config)
        if job.deleting:
            config["deleting"] = True
        if job.block and self.features.blocked_field:
            config["blocked"] = dict(job.block)
        datafeed = self._datafeed_of(job.job_id)
        if datafeed is not None and self.features.datafeed_in_job:
            config["datafeed_config"] = datafeedconfig.render(datafeed.config, exclude_generated)
        return jobconfig.render(config, exclude_generated)

    def job_stats(self, expression, allow_no_match):
        with self.cond:
            self._settle()
            # Jobs being deleted are hidden unless their persistent task still exists (TransportGetJobsStatsAction).
            candidates = self._job_candidates(lambda j: not j.deleting or j.has_task)
            matched, missing = ids.expand(expression, candidates, allow_no_match)
            if missing:
                raise errors.job_not_found(",".join(missing))
            return {"count": len(matched), "jobs": [self._job_stats(self.jobs[j]) for j in matched]}

    def _job_stats(self, job):
        jid = job.job_id
        stats = {
            "job_id": jid,
            "data_counts": {"job_id": jid, "processed_record_count": 0, "processed_field_count": 0,
                            "input_bytes": 0, "input_field_count": 0, "invalid_date_count": 0,
                            "missing_field_count": 0, "out_of_order_timestamp_count": 0,
                            "empty_bucket_count": 0, "sparse_bucket_count": 0, "bucket_count": 0,
                            "input_record_count": 0},
            "model_size_stats": {"job_id": jid, "result_type": "model_size_stats", "model_bytes": job.model_bytes,
                                 "total_by_field_count": 0, "total_over_field_count": 0,
                                 "total_partition_field_count": 0, "bucket_allocation_failures_count": 0,
                                 "memory_status": "ok", "categorization_status": "ok",
                                 "log_time": _now_ms(), "timestamp": 0},
            "forecasts_stats": {"total": 0, "forecasted_jobs": 0},
            "state": job.state,
            "timing_stats": {"job_id": jid, "bucket_count": 0, "total_bucket_processing_time_ms": 0.0},
        }
        if job.has_task:
            if self.upgrade_mode:
                stats["assignment_explanation"] = "persistent task cannot be assigned while upgrade mode is enabled."
            elif not job.assigned:
                stats["assignment_explanation"] = "persistent task is awaiting node assignment."
            else:
                stats["node"] = self.node_info()
                stats["assignment_explanation"] = ""
            if job.open_time is not None:
                stats["open_time"] = "%ds" % max(0, int(time.time() - job.open_time))
        return stats

    # ---- jobs: write -----------------------------------------------------------------------

    def put_job(self, job_id, raw, body, datafeed_options, authorization):
        """PUT job: the request's checks (jobconfig.validate_put), then JobManager.putJob's."""
        features = self.features
        analysis, mml = jobconfig.validate_put(job_id, raw, body, features)
        datafeed = self._embedded_datafeed(job_id, body.get("datafeed_config"), datafeed_options, authorization,
                                           features)
        with self.cond:
            if mml is not None:
                jobconfig.check_memory_limit(mml, self.max_model_memory_mb)
            if job_id in self.jobs:
                raise errors.EsError(400, "resource_already_exists_exception",
                                     "The job cannot be created with the Id '%s'. The Id is already used." % job_id)
            self._check_group_clashes(job_id, body.get("groups") or [])
            if datafeed is not None and datafeed["datafeed_id"] in self.datafeeds:
                raise errors.EsError(400, "resource_already_exists_exception",
                                     "A datafeed with id [%s] already exists" % datafeed["datafeed_id"])
            config = jobconfig.build_job(job_id, body, analysis, mml, features, _now_ms(), self.max_model_memory_mb)
            self.jobs[job_id] = Job(config)
            if datafeed is not None:
                self.datafeeds[datafeed["datafeed_id"]] = Datafeed(datafeed)
            return self._render_job(self.jobs[job_id], False)

    @staticmethod
    def _embedded_datafeed(job_id, body, datafeed_options, authorization, features):
        """An embedded datafeed_config: its id defaults to the job id, its job_id must be the job's."""
        if body is None:
            return None
        if body.get("job_id") not in (None, job_id):
            # The template really ends in `}` (DatafeedJobValidator's message).
            raise errors.bad_request("datafeed job_id [%s] does not equal job id [%s}" % (body["job_id"], job_id))
        datafeed_id = body.get("datafeed_id", job_id)
        return datafeedconfig.build_datafeed(datafeed_id, b"", dict(body, job_id=job_id, datafeed_id=datafeed_id),
                                             datafeed_options, authorization, features)

    def _check_group_clashes(self, job_id, groups):
        """Job and group names share one namespace (JobManager.putJob / updateJob)."""
        existing_groups = {g for j in self.jobs.values() for g in j.config.get("groups", [])}
        if job_id in existing_groups:
            raise jobconfig.group_clash(job_id)
        for group in groups:
            if group in self.jobs and group != job_id:
                raise jobconfig.group_clash(group)

    def update_job(self, job_id, update):
        """POST _update: JobManager.updateJob's checks, then the merged job as GET shows it."""
        if job_id == "_all":
            raise errors.status_bad_request("Cannot update more than 1 job at a time")
        with self.cond:
            self._settle()
            for group in update.get("groups") or []:
                if group in self.jobs:
                    raise jobconfig.group_clash(group)
            job = self.jobs.get(job_id)
            if job is None:
                raise errors.job_not_found(job_id)
            job.config = jobconfig.apply_update(job.config, update, job.state, job.model_bytes,
                                                self.max_model_memory_mb, self.features)
            return self._render_job(job, False)

    def _opened_response(self, node):
        return {"opened": True, "node": node} if self.features.node_in_response else {"opened": True}

    def open_job(self, job_id, timeout_s, timeout_text):
        """TransportOpenJobAction: checks, task creation (lazily unassigned without capacity), the wait."""
        with self.cond:
            self._settle()
            job = self.jobs.get(job_id)
            if job is None:
                raise errors.job_not_found(job_id)
            if job.deleting and not self.features.blocked_field:
                raise errors.conflict("Cannot open job [%s] because it is being deleted" % job_id)
            if job.block:
                raise errors.conflict("Cannot open job [%s] because it is executing [%s]" % (job_id, job.block["reason"]))
            if job.has_task:
                raise errors.conflict("Cannot open job [%s] because it has already been opened" % job_id)
            job.state, job.open_time = "opening", time.time()
            if not self._has_capacity():
                if not job.config.get("allow_lazy_open"):
                    job.state, job.open_time = "closed", None
                    raise self._no_capacity(job_id)
                job.assigned, job.until = False, NEVER
                return self._opened_response("")
            job.assigned, job.until = True, time.monotonic() + self.delays["open"]
            self.cond.notify_all()
            self._wait_until(lambda: job.state != "opening", time.monotonic() + timeout_s, lambda: job.until)
            return self._open_outcome(job, timeout_text)

    def _open_outcome(self, job, timeout_text):
        if job.state == "opened":
            return self._opened_response(self.node_id)
        if job.state == "opening":
            # The task stays: the job may still open (OpenJobAction's wait only gives up).
            raise errors.EsError(408, "status_exception", "Opening job [%s] timed out after [%s]"
                                 % (job.job_id, timeout_text))
        if job.state == "failed":
            raise errors.EsError(500, "exception", "Unexpected job state [failed] while waiting for job to be opened")
        raise errors.conflict("The job has been closed while waiting to be opened")

    def _no_capacity(self, job_id):
        used = sum(1 for j in self.jobs.values() if j.has_task and j.assigned)
        explanation = ("Not opening job [%s] on node [{%s}{%s}], because this node is full. Number of opened jobs "
                       "[%d], xpack.ml.max_open_jobs [%d]" % (job_id, self.node_name, self.node_id, used,
                                                               self.ml_node_capacity))
        cause = errors.EsError(429, "illegal_state_exception", "Could not open job because no suitable nodes were "
                               "found, allocation explanation [%s]" % explanation, es_exception=False)
        return errors.EsError(429, "status_exception",
                              "Could not open job because no ML nodes with sufficient capacity were found",
                              caused_by=cause)

    def close_jobs(self, expression, force, allow_no_match, timeout_s, timeout_text):
        """Close as TransportCloseJobAction does: expand, classify, stop datafeeds, then close in parallel and wait."""
        with self.cond:
            self._settle()
            candidates = self._job_candidates(lambda j: not j.deleting or (force and j.has_task))
            matched, missing = ids.expand(expression, candidates, allow_no_match)
            if missing:
                raise errors.job_not_found(",".join(missing))
            jobs = [self.jobs[j] for j in matched]
            if not force and any(j.state == "failed" for j in jobs):
                if len(jobs) == 1:
                    raise errors.conflict("cannot close job [%s] because it failed, use force close" % jobs[0].job_id)
                raise errors.conflict("one or more jobs have state failed, use force close")
            active = [j for j in jobs if j.state in ("opening", "opened", "failed")]
            closing = [j for j in jobs if j.state == "closing"]
            feeds = [d for d in (self._datafeed_of(j.job_id) for j in active + closing)
                     if d is not None and d.state != "stopped"]
            if feeds and not self.features.close_stops_datafeed:
                raise errors.conflict("cannot close job datafeed [%s] hasn't been stopped" % feeds[0].datafeed_id)
            if not active and not closing:
                return {"closed": True}
            if force:
                return self._force_close(active + closing, feeds)
            deadline = time.monotonic() + timeout_s
            if feeds:
                self._stop_datafeeds_for_close(feeds, deadline, timeout_text)
            return self._graceful_close(active, closing, deadline, timeout_text)

    def _force_close(self, jobs, feeds):
        for datafeed in feeds:
            datafeed.state, datafeed.stick = "stopped", False
        for job in jobs:
            job.mark_closed()
        self.cond.notify_all()
        return {"closed": True}

    def _stop_datafeeds_for_close(self, feeds, deadline, timeout_text):
        """Stop the jobs' datafeeds first (7.14+), within the close timeout; failure is a 409."""
        if not self._stop_gracefully(feeds, deadline):
            self._unstick(feeds)
            cause = timeout_error(timeout_text)
            raise errors.conflict(
                "failed to close jobs as one or more had started datafeeds that could not be stopped: "
                "started datafeeds [%s], error stopping them [%s]"
                % (",".join(d.datafeed_id for d in feeds), cause.reason), caused_by=cause)

    def _graceful_close(self, active, closing, deadline, timeout_text):
        now = time.monotonic()
        for job in active:
            if self.jobs.get(job.job_id) is not job or job.state not in ("opening", "opened", "failed"):
                continue   # changed while the datafeeds stopped
            if not job.assigned:
                job.mark_closed()   # an unassigned task is just removed
                continue
            job.state = "closing"
            job.until = NEVER if job.stick else now + self.delays["close"]
            job.stick = False
        self.cond.notify_all()
        watched = active + closing

        def finished():
            return all(j.state == "closed" or self.jobs.get(j.job_id) is not j for j in watched)

        def next_wake():
            return min([j.until for j in watched if j.state == "closing"] or [deadline])

        if not self._wait_until(finished, deadline, next_wake):
            raise timeout_error(timeout_text)
        return {"closed": True}

    def reset_job(self, job_id):
        with self.cond:
            self._settle()
            job = self.jobs.get(job_id)
            if job is None:
                raise errors.job_not_found(job_id)
            if job.block:
                raise errors.conflict("cannot reset job while it is blocked with [%s]" % job.block["reason"])
            if job.has_task:
                raise errors.conflict("Can only reset a job when it is closed.")
            return {"acknowledged": True}

    # ---- delete ------------------------------------------------------------------------------

    def start_delete_task(self, job_id, stored):
        with self.cond:
            return self.tasks.start(DELETE_ACTION, "delete-job-" + job_id, stored)

    def finish_task(self, task, response=None, error=None):
        with self.cond:
            self.tasks.finish(task, response, error)
            self.cond.notify_all()

    def delete_job(self, job_id, force, task):
        """Delete as TransportDeleteJobAction does; `task` is the delete's task, whose id goes into `blocked`."""
        with self.cond:
            self._settle()
            job = self.jobs.get(job_id)
            if not force and job is not None and job.has_task:
                raise errors.conflict("Cannot delete job [%s] because the job is %s" % (job_id, job.state))
            running = self.deletes.get(job_id)
            if running is not None:
                return self._await_delete(running)
            ids.validate_id("job", job_id)
            if job is None:
                raise errors.job_not_found(job_id)
            self._delete_jobs_datafeed(job_id, force)
            run = self.deletes[job_id] = DeleteRun()
            job.deleting = True
            job.block = {"reason": "delete", "task_id": task.task_id}
            if force:
                job.mark_closed()
            self.cond.notify_all()
            deadline = time.monotonic() + self.delays["delete"]
            self._wait_until(lambda: False, deadline, lambda: deadline)
            if self.jobs.get(job_id) is job:
                del self.jobs[job_id]
            del self.deletes[job_id]
            run.done, run.response = True, {"acknowledged": True}
            self.cond.notify_all()
            return run.response

    def _await_delete(self, run):
        while not run.done:
            self.cond.wait()
        if run.error is not None:
            raise run.error
        return run.response

    def _delete_jobs_datafeed(self, job_id, force):
        datafeed = self._datafeed_of(job_id)
        if datafeed is None:
            return
        if not self.features.delete_removes_datafeed:
            raise errors.conflict("Cannot delete job [%s] because datafeed [%s] refers to it"
                                  % (job_id, datafeed.datafeed_id))
        if datafeed.state != "stopped" and not force:
            cause = errors.conflict("Cannot delete datafeed [%s] while its status is started" % datafeed.datafeed_id)
            raise errors.conflict("failed to delete job [%s] as its datafeed [%s] could not be deleted"
                                  % (job_id, datafeed.datafeed_id), caused_by=cause)
        del self.datafeeds[datafeed.datafeed_id]

    def get_task(self, task_id, wait, timeout_s):
        with self.cond:
            task = self.tasks.get(task_id)
            if wait and not self._wait_until(lambda: task.completed, time.monotonic() + timeout_s, lambda: NEVER):
                raise errors.EsError(408, "timeout_exception",
                                     "Timed out waiting for completion of task [%s]" % task_id)
            return task.result()

    # ---- cluster-wide -----------------------------------------------------------------------

    def set_upgrade_mode(self, enabled):
        with self.cond:
            self.upgrade_mode = enabled
            return {"acknowledged": True}
