# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ml_job_decommission_outcome filter: its registration, its input checks, and the outcome of
records as tasks/report.yml builds them from what the modules registered."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.mlops.elasticsearch.plugins.filter.ml_job_decommission_outcome import (
    FilterModule,
    ml_job_decommission_outcome,
)
from ansible_collections.mlops.elasticsearch.plugins.module_utils._jobs import Job
from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._decommission_report import cluster_outcome
from ansible_collections.mlops.elasticsearch.tests.unit.plugins.plugin_utils.test_decommission_report import (
    SKIPPED,
    backup,
    backup_dir,
    fleet_jobs,
    run_record,
)

REQUIRED = {"cluster": "es-a", "run_id": "r1", "targets": {"jobs": "old-*", "exclude": [], "delete": True},
            "started_ts": 1764584100.0, "recorded_ts": 1764584102.0}


def test_filter_is_registered_under_its_name():
    assert FilterModule().filters() == {"ml_job_decommission_outcome": ml_job_decommission_outcome}


def test_filter_returns_the_cluster_outcome_of_the_roles_record():
    record = run_record(fleet_jobs())
    assert sorted(record) == ["backup_dir", "backup_files", "check_mode", "close", "cluster", "delete", "failure",
                              "plan", "previous_report", "recorded_ts", "run_id", "started_ts", "targets", "verify"]
    assert record["close"] == SKIPPED
    outcome = FilterModule().filters()["ml_job_decommission_outcome"](record)
    assert outcome == cluster_outcome(record)
    assert (outcome["cluster"], outcome["mode"], outcome["status"]) == ("es-a", "run", "changed")
    assert outcome["deleted"] == ["old-1", "old-2", "old-3", "old-4"]
    assert outcome["backup_dir"] == backup_dir()
    assert outcome["backups"]["old-1"] == backup("old-1")


def test_filter_of_a_check_mode_record_reports_the_plan():
    outcome = ml_job_decommission_outcome(run_record([Job("old-1", state="opened")], check_mode=True))
    assert (outcome["mode"], outcome["status"]) == ("plan", "planned")
    assert (outcome["would_close"], outcome["would_delete"], outcome["closed"], outcome["deleted"]) == (
        ["old-1"], ["old-1"], [], [])


def test_filter_of_a_record_with_the_required_keys_only():
    # Every task result may be missing: the cluster failed before it, or it was tagged out.
    assert ml_job_decommission_outcome(dict(REQUIRED)) == {
        "cluster": "es-a", "run_id": "r1", "mode": "run", "status": "ok",
        "name": None, "version": None, "user": None,
        "targets": {"jobs": ["old-*"], "exclude": [], "delete": True},
        "targeted": [], "would_close": [], "would_delete": [], "closed": [], "deleted": [],
        "already_closed": [], "already_gone": [], "not_found": [],
        "earlier_runs": {"closed": [], "deleted": []}, "left": [], "skipped_nodes": [],
        "failed": None, "backup_dir": None, "backups": {},
        "started": "2025-12-01T10:15:00Z", "duration_s": 2.0,
    }


@pytest.mark.parametrize("value, type_name", [([REQUIRED], "list"), ("es-a", "str"), (None, "NoneType")])
def test_filter_rejects_a_value_that_is_not_a_dictionary(value, type_name):
    with pytest.raises(AnsibleFilterError) as exc:
        ml_job_decommission_outcome(value)
    assert exc.value.message == "ml_job_decommission_outcome expects a dictionary, got %s" % type_name


def test_filter_names_the_keys_a_record_lacks():
    record = dict(REQUIRED)
    del record["run_id"]
    del record["recorded_ts"]
    with pytest.raises(AnsibleFilterError) as exc:
        ml_job_decommission_outcome(record)
    assert exc.value.message == "ml_job_decommission_outcome: the record lacks run_id, recorded_ts"


def test_filter_names_every_required_key_of_an_empty_record():
    with pytest.raises(AnsibleFilterError) as exc:
        ml_job_decommission_outcome({})
    assert exc.value.message == ("ml_job_decommission_outcome: the record lacks cluster, run_id, targets, started_ts,"
                                 " recorded_ts")
