# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the fleet roles' reports share: the run record, and which report in the directory a run merges
into, replaces or refuses. The merge, the totals and the Markdown frame are tested through each
role's report (test_decommission_report.py, test_deploy_report.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

import pytest

from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._decommission_report import REPORT as DECOMMISSION
from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._deploy_report import REPORT as DEPLOY
from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._fleet_report import ReportError

NOW = 1764584100.5  # 2025-12-01T10:15:00Z


def write_report(directory, report):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "report.json").write_text(u"%s\n" % json.dumps(report))


def empty_report(kind, run_id="r1"):
    run = {"id": run_id, "mode": "run", "started": "2025-11-30T08:00:00Z", "started_ts": NOW - 3600}
    return kind.merge(run, {"jobs": [], "exclude": [], "definitions": "/defs"}, [], [], NOW - 3000)


def test_a_new_run_record_names_the_run_and_reads_the_report_found(tmp_path):
    previous = empty_report(DEPLOY)
    write_report(tmp_path, previous)
    run = DEPLOY.open_run({}, str(tmp_path), False, NOW)
    assert re.match(r"^20251201T101500Z-\d{1,6}$", run["id"])
    assert run == {"id": run["id"], "report_dir": str(tmp_path), "started": "2025-12-01T10:15:00Z",
                   "started_ts": NOW, "mode": "run", "previous": previous}


def test_a_check_run_is_a_plan_and_a_directory_without_a_report_has_no_previous(tmp_path):
    run = DEPLOY.open_run({}, str(tmp_path / "missing"), True, NOW)
    assert run["mode"] == "plan" and run["previous"] == {}


def test_a_later_batch_keeps_the_record_of_its_run(tmp_path):
    current = {"id": "r2", "report_dir": str(tmp_path), "started": "x", "started_ts": 1.0, "mode": "run",
               "previous": {}}
    assert DEPLOY.open_run(current, str(tmp_path), False, NOW) is current
    assert DEPLOY.open_run(current, str(tmp_path / "other"), False, NOW)["id"] != "r2"


@pytest.mark.parametrize("content", ["{not json", "[]", '{"report": "something else", "clusters": []}'])
def test_anything_but_a_report_is_no_report_to_merge_into(tmp_path, content):
    (tmp_path / "report.json").write_text(u"%s\n" % content)
    assert DEPLOY.existing(str(tmp_path)) is None
    assert DEPLOY.open_run({}, str(tmp_path), False, NOW)["previous"] == {}


def test_a_report_of_the_same_role_is_merged_into(tmp_path):
    write_report(tmp_path, empty_report(DECOMMISSION))
    assert DECOMMISSION.existing(str(tmp_path))["run_id"] == "r1"


@pytest.mark.parametrize("kind, other", [(DEPLOY, DECOMMISSION), (DECOMMISSION, DEPLOY)], ids=["deploy", "decommission"])
def test_another_roles_report_is_refused_never_replaced(tmp_path, kind, other):
    write_report(tmp_path, empty_report(other))
    message = "^%s holds the report of %s; give this run a report directory of its own$" % (tmp_path, other.name)
    with pytest.raises(ReportError, match=message):
        kind.existing(str(tmp_path))
    with pytest.raises(ReportError, match=message):
        kind.open_run({}, str(tmp_path), False, NOW)
