"""Datafeed actions of a simulated cluster (put, update, get, stats, start, stop, delete), as
DatafeedManager and the datafeed transport actions in x-pack/plugin/ml/ run them.

A mixin of Cluster: it uses the cluster's lock (`cond`), its jobs and datafeeds, `_settle` and
`_wait_until`; the callers hold nothing.
"""
import time

from . import datafeedconfig, errors, ids

NEVER = float("inf")
# DatafeedNodeSelector.AWAITING_JOB_ASSIGNMENT: the datafeed of a job that waits for a node (lazy open).
AWAITING_JOB_ASSIGNMENT = "datafeed awaiting job assignment."


def timeout_error(timeout_text):
    # PersistentTasksService: the wait for the tasks to go away timed out.
    return errors.EsError(500, "illegal_state_exception",
                          "Timed out when waiting for persistent tasks after %s" % timeout_text, es_exception=False)


class Datafeed:
    def __init__(self, config, state="stopped"):
        self.config = config
        self.state = state            # started, starting, stopping (until), stopped
        self.until = 0.0
        self.stick = False            # next graceful stop never completes
        self.end_ms = None            # the `end` of the running start, if any

    @property
    def datafeed_id(self):
        return self.config["datafeed_id"]

    @property
    def job_id(self):
        return self.config["job_id"]

    def settle(self, now, job):
        if self.state == "stopping" and now >= self.until:
            self.state = "stopped"
        elif self.state == "starting" and job is not None and job.assigned:
            # Its task is assigned to the job's node once the job has one (DatafeedNodeSelector), and the
            # DatafeedRunner there sets STARTED before it waits for the job to open (runWhenJobIsOpened).
            self.state = "started"


class DatafeedActions:

    def _datafeed_of(self, job_id):
        for datafeed in self.datafeeds.values():
            if datafeed.job_id == job_id:
                return datafeed
        return None

    def _expand_datafeeds(self, expression, allow_no_match):
        matched, missing = ids.expand(expression, {d: [d] for d in self.datafeeds}, allow_no_match)
        if missing:
            raise errors.datafeed_not_found(",".join(missing))
        return [self.datafeeds[d] for d in matched]

    def _started_response(self, node):
        return {"started": True, "node": node} if self.features.node_in_response else {"started": True}

    # ---- config ------------------------------------------------------------------------------------

    def _check_datafeed_can_be_added(self, datafeed_id, job_id):
        """DatafeedManager.putDatafeed after the request checks: job taken (409), job missing (404), id used (400)."""
        existing = self._datafeed_of(job_id)
        if existing is not None:
            raise errors.conflict("A datafeed [%s] already exists for job [%s]" % (existing.datafeed_id, job_id))
        if job_id not in self.jobs:
            raise errors.job_not_found(job_id)
        if datafeed_id in self.datafeeds:
            raise errors.EsError(400, "resource_already_exists_exception",
                                 "A datafeed with id [%s] already exists" % datafeed_id)

    def put_datafeed(self, datafeed_id, config):
        with self.cond:
            self._check_datafeed_can_be_added(datafeed_id, config["job_id"])
            self.datafeeds[datafeed_id] = Datafeed(config)
            return datafeedconfig.render(config, False)

    def update_datafeed(self, datafeed_id, raw, body, params_options, authorization):
        with self.cond:
            self._settle()
            datafeed = self.datafeeds.get(datafeed_id)
            if datafeed is not None and datafeed.state != "stopped":
                # Always says "started", whatever the task state (DatafeedManager.updateDatafeed).
                raise errors.conflict("Cannot update datafeed [%s] while its status is started" % datafeed_id)
            if datafeed is None:
                raise errors.datafeed_not_found(datafeed_id)
            datafeed.config = datafeedconfig.apply_update(datafeed.config, raw, body, params_options, authorization)
            return datafeedconfig.render(datafeed.config, False)

    def get_datafeeds(self, expression, allow_no_match, exclude_generated):
        with self.cond:
            self._settle()
            feeds = self._expand_datafeeds(expression, allow_no_match)
            return {"count": len(feeds),
                    "datafeeds": [datafeedconfig.render(d.config, exclude_generated) for d in feeds]}

    # ---- stats -------------------------------------------------------------------------------------

    def datafeed_stats(self, expression, allow_no_match):
        with self.cond:
            self._settle()
            feeds = self._expand_datafeeds(expression, allow_no_match)
            out = [self._datafeed_stats(d) for d in feeds]
            return {"count": len(out), "datafeeds": out}

    def _datafeed_stats(self, datafeed):
        entry = {"datafeed_id": datafeed.datafeed_id, "state": datafeed.state}
        job = self.jobs.get(datafeed.job_id)
        if datafeed.state != "stopped":
            if job is not None and job.assigned:
                entry["node"] = self.node_info()
                entry["assignment_explanation"] = ""
            elif job is not None and job.state == "opening":
                entry["assignment_explanation"] = AWAITING_JOB_ASSIGNMENT
            else:
                entry["assignment_explanation"] = "cannot start datafeed [%s], because the job's [%s] state is " \
                    "[%s] while state [opened] is required" % (datafeed.datafeed_id, datafeed.job_id,
                                                               job.state if job else "closed")
        entry["timing_stats"] = {"job_id": datafeed.job_id, "search_count": 0, "bucket_count": 0,
                                 "total_search_time_ms": 0.0}
        if datafeed.state == "started" and self.features.running_state:
            # GetDatafeedRunningStateAction: real time unless the start had an `end`.
            real_time = datafeed.end_ms is None
            entry["running_state"] = {"real_time_configured": real_time, "real_time_running": real_time}
        return entry

    # ---- start / stop / delete -----------------------------------------------------------------------

    def start_datafeed(self, datafeed_id, end_ms):
        """TransportStartDatafeedAction: checks, task creation, then the wait for its DatafeedPredicate.

        The predicate is met when the datafeed's task state is STARTED (answer: its node), which the
        DatafeedRunner on the job's node sets before it waits for the job to finish opening; or at once
        when the job has no node yet (lazy open: the assignment is AWAITING_JOB_ASSIGNMENT, answer
        `node: ""`, the datafeed stays `starting` until the job gets a node). The request's `timeout`
        bounds that wait (408 when it runs out); the simulator's datafeeds are never that slow."""
        with self.cond:
            self._settle()
            datafeed = self.datafeeds.get(datafeed_id)
            if datafeed is None:
                raise errors.datafeed_not_found(datafeed_id)
            job = self.jobs.get(datafeed.job_id)
            if job is None:
                raise errors.job_not_found(datafeed.job_id)
            if job.state not in ("opening", "opened"):
                raise errors.conflict("cannot start datafeed [%s] because job [%s] is %s"
                                      % (datafeed_id, datafeed.job_id, job.state))
            if datafeed.state != "stopped":
                raise errors.conflict("cannot start datafeed [%s] because it has already been started" % datafeed_id)
            if not job.assigned:
                if not self.features.lazy_datafeed_start:
                    # Before 7.7 the unassigned datafeed task failed the predicate and was cancelled.
                    raise errors.EsError(429, "status_exception", "Could not start datafeed, allocation explanation []")
                datafeed.state, datafeed.end_ms = "starting", end_ms
                self.cond.notify_all()
                return self._started_response("")
            datafeed.state, datafeed.end_ms = "started", end_ms
            self.cond.notify_all()
            return self._started_response(self.node_id)

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

    @staticmethod
    def _unstick(feeds):
        """A datafeed whose stop hung is still running once the stop gives up."""
        for datafeed in feeds:
            if datafeed.until == NEVER:
                datafeed.state = "started"

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
                # The message always says "started", whatever the task state.
                raise errors.conflict("Cannot delete datafeed [%s] while its status is started" % datafeed_id)
            del self.datafeeds[datafeed_id]
            return {"acknowledged": True}
