# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ml_job_deploy_outcome filter: its registration, its input checks, and the outcome of records as
roles/ml_job_deploy/tasks/report.yml builds them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.mlops.elasticsearch.plugins.filter.ml_job_deploy_outcome import (
    FilterModule,
    ml_job_deploy_outcome,
)
from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._deploy_report import cluster_outcome
from ansible_collections.mlops.elasticsearch.tests.unit.plugins.plugin_utils.test_deploy_report import record

REQUIRED = {"cluster": "es-a", "run_id": "r1", "definitions": [], "started_ts": 1764584100.0,
            "recorded_ts": 1764584102.0}


def test_filter_is_registered_under_its_name():
    assert FilterModule().filters() == {"ml_job_deploy_outcome": ml_job_deploy_outcome}


def test_filter_returns_the_cluster_outcome_of_the_roles_record():
    outcome = FilterModule().filters()["ml_job_deploy_outcome"](record())
    assert outcome == cluster_outcome(record())
    assert (outcome["cluster"], outcome["mode"], outcome["status"]) == ("es-a", "run", "changed")


def test_filter_of_a_record_with_the_required_keys_only():
    # Every task result may be missing: the cluster failed before it, or it was tagged out.
    outcome = ml_job_deploy_outcome(dict(REQUIRED))
    assert (outcome["status"], outcome["definitions"], outcome["definitions_dir"]) == ("ok", [], None)
    assert outcome["started"] == "2025-12-01T10:15:00Z" and outcome["duration_s"] == 2.0


@pytest.mark.parametrize("value, type_name", [([REQUIRED], "list"), ("es-a", "str"), (None, "NoneType")])
def test_filter_rejects_a_value_that_is_not_a_dictionary(value, type_name):
    with pytest.raises(AnsibleFilterError) as exc:
        ml_job_deploy_outcome(value)
    assert exc.value.message == "ml_job_deploy_outcome expects a dictionary, got %s" % type_name


def test_filter_names_every_key_a_record_lacks():
    with pytest.raises(AnsibleFilterError) as exc:
        ml_job_deploy_outcome({"cluster": "es-a"})
    assert exc.value.message == "ml_job_deploy_outcome: the record lacks run_id, definitions, started_ts, recorded_ts"
