# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""Which jobs each run-state step of the ml_job_deploy role names, after its declare step: stop the
datafeeds and close the jobs whose definitions enforce it, open the jobs, start their datafeeds.

A real run names every job its definitions ask for; the lifecycle modules read the states and act
only where something changes. Check mode sends no request, so the modules there see the cluster as
it is before the run: a job the declare step would create does not exist yet, a datafeed it would
create neither, and a datafeed whose job the open step would open cannot start. Those are left out
of the step and counted as what it would do (``planned``); the report says so. Free of Ansible."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

STEPS = ("stop", "close", "open", "start")
CREATED = "created"
# ml_job_open's actions for a job it opens (would open, in check mode).
OPENING_ACTIONS = ("opened", "opened_lazily")


def declared_actions(declared):
    """job_id -> (the job's action, its datafeed's action or None) from the declare loop's results."""
    actions = {}
    for result in (declared or {}).get("results") or []:
        job_id = (result.get("item") or {}).get("job_id") or result.get("job_id")
        if job_id and not result.get("failed") and not result.get("skipped"):
            actions[job_id] = (result.get("action"), (result.get("datafeed") or {}).get("action"))
    return actions


def _new(declared):
    """Jobs the declare step creates, and jobs whose datafeed it creates."""
    actions = declared_actions(declared)
    jobs = set(job_id for job_id, (job, dummy) in actions.items() if job == CREATED)
    datafeeds = set(job_id for job_id, (dummy, datafeed) in actions.items() if datafeed == CREATED)
    return jobs, datafeeds


def _opened_by(opened):
    return set(job["job_id"] for job in (opened or {}).get("jobs") or [] if job.get("action") in OPENING_ACTIONS)


def _left_out(step, declared, opened, check_mode):
    """The jobs the step does not name: what this run creates is closed and stopped already (both
    modes); in check mode, what does not exist yet or is not opened yet cannot be opened or started."""
    new_jobs, new_datafeeds = _new(declared)
    if step == "close":
        return new_jobs
    if step == "stop":
        return new_jobs | new_datafeeds
    if not check_mode:
        return set()
    if step == "open":
        return new_jobs
    return new_jobs | new_datafeeds | _opened_by(opened)


def _check(step):
    if step not in STEPS:
        raise ValueError("step must be one of %s, got %r" % (", ".join(STEPS), step))


def step_targets(definitions, step, declared=None, opened=None, check_mode=False):
    """The job ids the step's module is given: ``definitions`` from the lookup ml_job_definitions,
    ``declared`` what the declare loop registered, ``opened`` what the open step registered."""
    _check(step)
    left_out = _left_out(step, declared, opened, check_mode)
    return [d["job_id"] for d in definitions if d[step] and d["job_id"] not in left_out]


def planned(definitions, step, declared=None, opened=None, check_mode=False):
    """The jobs a check run's open or start step leaves out that a real run would open or start."""
    _check(step)
    if not check_mode or step not in ("open", "start"):
        return []
    left_out = _left_out(step, declared, opened, check_mode)
    return [d["job_id"] for d in definitions if d[step] and d["job_id"] in left_out]
