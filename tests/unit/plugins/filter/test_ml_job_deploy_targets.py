# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ml_job_deploy_targets filter: its registration, its input checks, and the steps' jobs (the rule
itself: test_deploy_steps.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.mlops.elasticsearch.plugins.filter.ml_job_deploy_targets import (
    FilterModule,
    ml_job_deploy_targets,
)
from ansible_collections.mlops.elasticsearch.tests.unit.plugins.plugin_utils.test_deploy_steps import (
    DECLARED,
    DEFINITIONS,
    OPENED,
)


def test_filter_is_registered_under_its_name():
    assert FilterModule().filters() == {"ml_job_deploy_targets": ml_job_deploy_targets}


def test_filter_names_the_jobs_of_a_step_in_both_modes():
    assert ml_job_deploy_targets(DEFINITIONS, "open", declared=DECLARED) == ["closed", "fed", "new", "running"]
    assert ml_job_deploy_targets(DEFINITIONS, "start", declared=DECLARED, opened=OPENED, check_mode=True) == ["running"]
    assert ml_job_deploy_targets([], "stop") == []


@pytest.mark.parametrize("definitions, step, message", [
    ({"job_id": "a"}, "open", "ml_job_deploy_targets expects the list of ml_job_definitions, got dict"),
    (["a"], "open", "ml_job_deploy_targets expects the list of ml_job_definitions, got list"),
    (DEFINITIONS, "delete", "ml_job_deploy_targets: step must be one of stop, close, open, start, got 'delete'"),
    ([{"job_id": "a", "open": True}], "open", "ml_job_deploy_targets: a definition lacks stop, close, start (read them "
                                              "with the lookup mlops.elasticsearch.ml_job_definitions)"),
], ids=["not-a-list", "not-dicts", "unknown-step", "not-a-definition"])
def test_filter_refuses_what_is_not_a_step_of_definitions(definitions, step, message):
    with pytest.raises(AnsibleFilterError) as exc:
        ml_job_deploy_targets(definitions, step)
    assert exc.value.message == message
