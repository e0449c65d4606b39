# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ml_job_decommission_outcome filter: its registration and its input checks."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.mlops.elasticsearch.plugins.filter.ml_job_decommission_outcome import (
    FilterModule,
    ml_job_decommission_outcome,
)
from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._decommission_report import cluster_outcome

RECORD = {
    "cluster": "es-a", "run_id": "r1", "check_mode": False,
    "targets": {"jobs": ["old-*"], "exclude": [], "delete": True},
    "plan": {"cluster": {"name": "prod-a", "version": "8.15.0"}, "jobs": [{"job_id": "old-1", "state": "opened"}]},
    "close": {"closed": ["old-1"]}, "delete": {"deleted": ["old-1"]}, "left": [], "failure": None,
    "started_ts": 1764584100.0, "recorded_ts": 1764584102.0,
}


def test_filter_is_registered_under_its_name():
    assert FilterModule().filters() == {"ml_job_decommission_outcome": ml_job_decommission_outcome}


def test_filter_returns_the_cluster_outcome():
    outcome = FilterModule().filters()["ml_job_decommission_outcome"](dict(RECORD))
    assert outcome == cluster_outcome(dict(RECORD))
    assert (outcome["cluster"], outcome["status"], outcome["deleted"]) == ("es-a", "changed", ["old-1"])


@pytest.mark.parametrize("value, type_name", [([RECORD], "list"), ("es-a", "str"), (None, "NoneType")])
def test_filter_rejects_a_value_that_is_not_a_dictionary(value, type_name):
    with pytest.raises(AnsibleFilterError) as exc:
        ml_job_decommission_outcome(value)
    assert exc.value.message == "ml_job_decommission_outcome expects a dictionary, got %s" % type_name


def test_filter_names_the_keys_a_record_lacks():
    record = dict(RECORD)
    del record["run_id"]
    del record["recorded_ts"]
    with pytest.raises(AnsibleFilterError) as exc:
        ml_job_decommission_outcome(record)
    assert exc.value.message == "ml_job_decommission_outcome: the record lacks run_id, recorded_ts"


def test_filter_names_every_required_key_of_an_empty_record():
    with pytest.raises(AnsibleFilterError, match="the record lacks cluster, run_id, targets, started_ts, recorded_ts$"):
        ml_job_decommission_outcome({})
