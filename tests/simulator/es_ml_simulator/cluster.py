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

from . import configs, errors, ids
from .tasks import TaskStore

NEVER = float("inf")
JOB_STATES = ("closed", "opened", "opening", "closing", "failed")
DEFAULT_DELAYS = {"close": 0.05, "delete": 0.02, "open": 0.02, "datafeed_stop": 0.01}
DELETE_ACTION = "cluster:admin/xpack/ml/job/delete"


def _now_ms():
    return int(time.time() * 1000)


def _random_node_id():
    # ES node ids are 22 URL-safe base64 characters.
    return base64.urlsafe_b64encode(os.urandom(16)).decode()[:22]


def timeout_error(timeout_text):
    # PersistentTasksService: the wait for the tasks to go away timed out.
    return errors.EsError(500, "illegal_state_exception",
                          "Timed out when waiting for persistent tasks after %s" % timeout_text)


class Job:
    def __init__(self, config, state="closed", until=0.0):
        self.config = config
        self.state = state
        self.until = until            # when a closing/opening state completes
        self.stick = False            # next graceful close never completes
        self.deleting = False
        self.block = None             # {"reason": ..., "task_id": ...} while delete/reset runs
        self.open_time = time.time() if state != "closed" else None

    @property
    def job_id(self):
        return self.config["job_id"]

    @property
    def has_task(self):
        return self.state != "closed"

    def settle(self, now):
        if self.state in ("closing", "opening") and now >= self.until:
            self.state = "closed" if self.state == "closing" else "opened"


class Datafeed:
    def __init__(self, config, state="stopped"):
        self.config = config
        self.state = state            # started, stopping (until), stopped
        self.until = 0.0
        self.stick = False            # next graceful stop never completes

    @property
    def datafeed_id(self):
        return self.config["datafeed_id"]

    @property
    def job_id(self):
        return self.config["job_id"]

    def settle(self, now):
        if self.state == "stopping" and now >= self.until:
            self.state = "stopped"


class DeleteRun:
    """A delete in progress; concurrent deletes of the same id wait for its outcome."""

    def __init__(self):
        self.done = False
        self.response = None
        self.error = None


class Cluster:
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

    # ---- helpers (caller holds self.cond) -------------------------------------------------

    def _settle(self):
        now = time.monotonic()
        for job in self.jobs.values():
            job.settle(now)
        for datafeed in self.datafeeds.values():
            datafeed.settle(now)
        return now

    def _datafeed_of(self, job_id):
        for datafeed in self.datafeeds.values():
            if datafeed.job_id == job_id:
                return datafeed
        return None

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
            config["datafeed_config"] = dict(datafeed.config)
        return configs.public_job(config, exclude_generated)

    def job_stats(self, expression, allow_no_match):
        with self.cond:
            self._settle()
            # Jobs being deleted are hidden unless their persistent task still exists (reference 2.5).
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
            "model_size_stats": {"job_id": jid, "result_type": "model_size_stats", "model_bytes": 0,
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
            else:
                stats["node"] = self.node_info()
                stats["assignment_explanation"] = ""
            if job.open_time is not None:
                stats["open_time"] = "%ds" % max(0, int(time.time() - job.open_time))
        return stats

    # ---- jobs: write -----------------------------------------------------------------------

    def put_job(self, job_id, body):
        ids.validate_id("job", job_id)
        config = configs.build_job(job_id, body, self.features.number, _now_ms())
        with self.cond:
            if job_id in self.jobs:
                raise errors.EsError(400, "resource_already_exists_exception",
                                     "The job cannot be created with the Id '%s'. The Id is already used." % job_id)
            datafeed_body = body.get("datafeed_config")
            datafeed = None
            if datafeed_body is not None:
                datafeed_id = datafeed_body.get("datafeed_id", "datafeed-" + job_id)
                ids.validate_id("datafeed", datafeed_id)
                datafeed = configs.build_datafeed(datafeed_id, dict(datafeed_body, job_id=job_id))
                if datafeed_id in self.datafeeds:
                    raise errors.EsError(400, "resource_already_exists_exception",
                                         "A datafeed with id [%s] already exists" % datafeed_id)
                self.datafeeds[datafeed_id] = Datafeed(datafeed)
            self.jobs[job_id] = Job(config)
            return self._render_job(self.jobs[job_id], False)

    def open_job(self, job_id, timeout_s):
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
            job.state, job.until, job.open_time = "opening", time.monotonic() + self.delays["open"], time.time()
            self.cond.notify_all()
            deadline = time.monotonic() + timeout_s
            self._wait_until(lambda: job.state != "opening", deadline, lambda: job.until)
            return {"opened": True, "node": self.node_id}

    def close_jobs(self, expression, force, allow_no_match, timeout_s, timeout_text):
        """Close per reference 3.3: expand, classify, stop datafeeds, then close in parallel and wait."""
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
            job.state, job.stick, job.open_time = "closed", False, None
        self.cond.notify_all()
        return {"closed": True}

    def _stop_gracefully(self, feeds, deadline):
        """Move the datafeeds to stopping (a stuck one never finishes) and wait until all are
        stopped or the deadline passes; True when all stopped."""
        now = time.monotonic()
        for datafeed in feeds:
            if datafeed.stick:
                datafeed.stick, datafeed.until = False, NEVER
            elif datafeed.state != "stopping":
                datafeed.until = now + self.delays["datafeed_stop"]
            datafeed.state = "stopping"
        self.cond.notify_all()
        return self._wait_until(lambda: all(d.state == "stopped" for d in feeds), deadline,
                                lambda: min([d.until for d in feeds] or [deadline]))

    def _stop_datafeeds_for_close(self, feeds, deadline, timeout_text):
        """Stop the jobs' datafeeds first (7.14+), within the close timeout; failure is a 409."""
        if not self._stop_gracefully(feeds, deadline):
            self._unstick(feeds)
            cause = timeout_error(timeout_text)
            raise errors.conflict(
                "failed to close jobs as one or more had started datafeeds that could not be stopped: "
                "started datafeeds [%s], error stopping them [%s]"
                % (",".join(d.datafeed_id for d in feeds), cause.reason), caused_by=cause)

    @staticmethod
    def _unstick(feeds):
        """A datafeed whose stop hung is still running once the stop gives up."""
        for datafeed in feeds:
            if datafeed.until == NEVER:
                datafeed.state = "started"

    def _graceful_close(self, active, closing, deadline, timeout_text):
        now = time.monotonic()
        for job in active:
            if self.jobs.get(job.job_id) is not job or job.state not in ("opening", "opened", "failed"):
                continue   # changed while the datafeeds stopped
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
        for job in watched:
            job.open_time = None
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
        """Delete per reference 4.2; `task` is the delete's task, whose id goes into `blocked`."""
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
                job.state, job.open_time = "closed", None
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

    # ---- datafeeds ---------------------------------------------------------------------------

    def put_datafeed(self, datafeed_id, body):
        ids.validate_id("datafeed", datafeed_id)
        config = configs.build_datafeed(datafeed_id, body)
        with self.cond:
            if datafeed_id in self.datafeeds:
                raise errors.EsError(400, "resource_already_exists_exception",
                                     "A datafeed with id [%s] already exists" % datafeed_id)
            job = self.jobs.get(config["job_id"])
            if job is None:
                raise errors.job_not_found(config["job_id"])
            existing = self._datafeed_of(job.job_id)
            if existing is not None:
                raise errors.conflict("A datafeed [%s] already exists for job [%s]"
                                      % (existing.datafeed_id, job.job_id))
            self.datafeeds[datafeed_id] = Datafeed(config)
            return dict(config)

    def _expand_datafeeds(self, expression, allow_no_match):
        matched, missing = ids.expand(expression, {d: [d] for d in self.datafeeds}, allow_no_match)
        if missing:
            raise errors.datafeed_not_found(",".join(missing))
        return [self.datafeeds[d] for d in matched]

    def get_datafeeds(self, expression, allow_no_match):
        with self.cond:
            self._settle()
            feeds = self._expand_datafeeds(expression, allow_no_match)
            return {"count": len(feeds), "datafeeds": [dict(d.config) for d in feeds]}

    def datafeed_stats(self, expression, allow_no_match):
        with self.cond:
            self._settle()
            feeds = self._expand_datafeeds(expression, allow_no_match)
            out = []
            for datafeed in feeds:
                entry = {"datafeed_id": datafeed.datafeed_id, "state": datafeed.state,
                         "timing_stats": {"job_id": datafeed.job_id, "search_count": 0, "bucket_count": 0,
                                          "total_search_time_ms": 0.0}}
                if datafeed.state != "stopped":
                    entry["node"] = self.node_info()
                    entry["assignment_explanation"] = ""
                out.append(entry)
            return {"count": len(out), "datafeeds": out}

    def start_datafeed(self, datafeed_id):
        with self.cond:
            self._settle()
            datafeed = self.datafeeds.get(datafeed_id)
            if datafeed is None:
                raise errors.datafeed_not_found(datafeed_id)
            job = self.jobs.get(datafeed.job_id)
            job_state = job.state if job is not None else "closed"
            if job_state not in ("opening", "opened"):
                raise errors.conflict("cannot start datafeed [%s] because job [%s] is %s"
                                      % (datafeed_id, datafeed.job_id, job_state))
            if datafeed.state != "stopped":
                raise errors.conflict("cannot start datafeed [%s] because it has already been started" % datafeed_id)
            datafeed.state = "started"
            return {"started": True, "node": self.node_id}

    def stop_datafeeds(self, expression, force, allow_no_match, timeout_s, timeout_text):
        with self.cond:
            self._settle()
            feeds = [d for d in self._expand_datafeeds(expression, allow_no_match) if d.state != "stopped"]
            if force:
                for datafeed in feeds:
                    datafeed.state, datafeed.stick = "stopped", False
                return {"stopped": True}
            if not self._stop_gracefully(feeds, time.monotonic() + timeout_s):
                self._unstick(feeds)
                raise timeout_error(timeout_text)
            return {"stopped": True}

    def delete_datafeed(self, datafeed_id, force):
        with self.cond:
            self._settle()
            datafeed = self.datafeeds.get(datafeed_id)
            if datafeed is None:
                raise errors.datafeed_not_found(datafeed_id)
            if datafeed.state != "stopped" and not force:
                # The message always says "started", whatever the task state (reference 5.2).
                raise errors.conflict("Cannot delete datafeed [%s] while its status is started" % datafeed_id)
            del self.datafeeds[datafeed_id]
            return {"acknowledged": True}

    # ---- cluster-wide -----------------------------------------------------------------------

    def set_upgrade_mode(self, enabled):
        with self.cond:
            self.upgrade_mode = enabled
            return {"acknowledged": True}
