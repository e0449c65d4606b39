# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which jobs each run-state step of the ml_job_deploy role names, in a real run and in check mode.
The records are what the role registers: ml_job's results in a loop over the definitions (shaped
by ml_job's own result builder) and ml_job_open's result from its real planner."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mlops.elasticsearch.plugins.module_utils._declare_operations import _result
from ansible_collections.mlops.elasticsearch.plugins.module_utils._jobs import Job
from ansible_collections.mlops.elasticsearch.plugins.module_utils._lifecycle_plans import open_result, plan_open
from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._deploy_steps import (
    declared_actions,
    planned,
    step_targets,
)


def definition(job_id, open=True, start=True, close=False, stop=False, datafeed=True):
    """What the lookup ml_job_definitions returns for one file (config left out: no step reads it)."""
    return dict(job_id=job_id, file="/defs/%s.json" % job_id, datafeed=datafeed, open=open, start=start,
                close=close, stop=stop)


def job_result(job_id, action, datafeed=None, failed=False, msg=None):
    """One item of the ml_job loop as Ansible registers it."""
    result = _result(action, job_id=job_id, backup=None)
    if datafeed:
        result["datafeed"] = _result(datafeed, datafeed_id="datafeed-" + job_id, job_id=job_id)
    if failed:
        result.update(failed=True, msg=msg)
    result.update(item=definition(job_id), ansible_loop_var="item")
    return result


def loop(*results):
    return {"changed": any(r["changed"] for r in results), "msg": "All items completed", "results": list(results)}


def opened(*jobs):
    return open_result(plan_open(list(jobs)), [])


# The fleet of the tests: new (created with its datafeed), closed (exists, closed, declared running),
# running (opened, its datafeed started), fed (opened; its datafeed created now), kept (declared closed).
DEFINITIONS = [definition("closed"), definition("fed"), definition("kept", open=False, start=False),
               definition("new"), definition("running")]
DECLARED = loop(job_result("closed", "unchanged", "unchanged"), job_result("fed", "unchanged", "created"),
                job_result("kept", "unchanged"), job_result("new", "created", "created"),
                job_result("running", "updated", "unchanged"))
# What ml_job_open registers in check mode (the cluster as it was): closed would be opened.
OPENED = opened(Job("closed"), Job("fed", state="opened"), Job("running", state="opened"))


def test_a_real_run_names_every_job_its_definitions_ask_for():
    assert step_targets(DEFINITIONS, "open", DECLARED) == ["closed", "fed", "new", "running"]
    assert step_targets(DEFINITIONS, "start", DECLARED, OPENED) == ["closed", "fed", "new", "running"]


def test_check_mode_opens_only_the_jobs_that_exist():
    assert step_targets(DEFINITIONS, "open", DECLARED, check_mode=True) == ["closed", "fed", "running"]
    assert planned(DEFINITIONS, "open", DECLARED, check_mode=True) == ["new"]


def test_check_mode_starts_only_existing_datafeeds_of_jobs_that_run_already():
    assert step_targets(DEFINITIONS, "start", DECLARED, OPENED, check_mode=True) == ["running"]
    assert planned(DEFINITIONS, "start", DECLARED, OPENED, check_mode=True) == ["closed", "fed", "new"]


def test_a_real_run_plans_nothing_beyond_what_it_names():
    for step in ("stop", "close", "open", "start"):
        assert planned(DEFINITIONS, step, DECLARED, OPENED) == []


def test_close_and_stop_name_only_what_existed_before_the_run_in_both_modes():
    definitions = [definition("new", open=False, start=False, close=True),
                   definition("old", open=False, start=False, close=True),
                   definition("fed", start=False, stop=True), definition("ran", start=False, stop=True)]
    declared = loop(job_result("new", "created"), job_result("old", "unchanged"),
                    job_result("fed", "unchanged", "created"), job_result("ran", "unchanged", "unchanged"))
    for check_mode in (False, True):
        assert step_targets(definitions, "close", declared, check_mode=check_mode) == ["old"]
        assert step_targets(definitions, "stop", declared, check_mode=check_mode) == ["ran"]
        assert planned(definitions, "close", declared, check_mode=check_mode) == []


def test_a_step_without_a_declare_result_names_what_the_definitions_ask_for():
    assert step_targets(DEFINITIONS, "open", {"skipped": True, "results": []}, check_mode=True) == [
        "closed", "fed", "new", "running"]
    assert step_targets(DEFINITIONS, "start") == ["closed", "fed", "new", "running"]


def test_declared_actions_leave_out_failed_and_skipped_items():
    declared = loop(job_result("a", "created", "created"), job_result("b", "refused", failed=True, msg="no"),
                    dict(job_result("c", "unchanged"), skipped=True))
    assert declared_actions(declared) == {"a": ("created", "created")}
    assert declared_actions(None) == {} and declared_actions({"skipped": True}) == {}


def test_an_unknown_step_is_refused():
    with pytest.raises(ValueError, match="step must be one of stop, close, open, start, got 'delete'"):
        step_targets(DEFINITIONS, "delete")
