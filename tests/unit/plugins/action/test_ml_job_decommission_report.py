# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ml_job_decommission_report action plugin, run for real on a fake task: what it writes,
with which modes, and how it fails."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat

import pytest
from unittest.mock import MagicMock

from ansible.errors import AnsibleActionFail
from ansible.parsing.dataloader import DataLoader
from ansible.playbook.play_context import PlayContext
from ansible.template import Templar

from ansible_collections.mlops.elasticsearch.plugins.action.ml_job_decommission_report import ActionModule
from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._decommission_report import (
    cluster_outcome,
    report_markdown,
)

STARTED = 1764584100.0
RUN = {"id": "r2", "mode": "run", "started": "2025-12-01T10:15:00Z", "started_ts": STARTED, "previous": {}}
SETTINGS = {"jobs": ["old-*"], "exclude": [], "delete": True, "force": False, "max_jobs": 10, "close_timeout": "30m"}
TARGETS = {"jobs": ["old-*"], "exclude": [], "delete": True}


def outcome(cluster, run_id="r2"):
    return cluster_outcome({
        "cluster": cluster, "run_id": run_id, "check_mode": False, "targets": TARGETS,
        "plan": {"cluster": {"name": cluster, "version": "8.15.0"}, "jobs": [{"job_id": "old-1", "state": "opened"}]},
        "close": {"closed": ["old-1"]}, "delete": {"deleted": ["old-1"]}, "left": [], "failure": None,
        "started_ts": STARTED, "recorded_ts": STARTED + 2,
    })


def task_args(path, **changes):
    args = dict(path=str(path), run=dict(RUN), settings=dict(SETTINGS),
                clusters=[outcome("es-b"), outcome("es-a"), outcome("es-z", run_id="r1")], hosts=3)
    args.update(changes)
    return args


def run_action(args, check_mode=False):
    """As ansible-core's unit tests build an action: a mock task and connection, real loader and templar."""
    task = MagicMock()
    task.action = "mlops.elasticsearch.ml_job_decommission_report"
    task.args = args
    task.async_val = 0
    task.check_mode = check_mode
    task.diff = False
    loader = DataLoader()
    action = ActionModule(task, MagicMock(), PlayContext(), loader, Templar(loader=loader), None)
    return action.run(task_vars={})


def mode(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


@pytest.fixture
def umask():
    """Set a umask for the test, restored after it."""
    saved = os.umask(0o022)
    os.umask(saved)
    yield os.umask
    os.umask(saved)


def test_writes_report_json_and_markdown(tmp_path):
    directory = tmp_path / "report"
    result = run_action(task_args(directory))
    assert "failed" not in result
    assert result["changed"] is False
    assert result["files"] == {"json": str(directory / "report.json"), "markdown": str(directory / "report.md")}
    report = result["report"]
    assert [c["cluster"] for c in report["clusters"]] == ["es-a", "es-b"]
    assert report["totals"]["clusters"] == 2 and report["totals"]["pending"] == 1
    with open(str(directory / "report.json")) as stream:
        text = stream.read()
    assert json.loads(text) == report
    assert text.endswith("}\n")
    with open(str(directory / "report.md")) as stream:
        markdown = stream.read()
    assert markdown.startswith("# ML job decommission report (run)\n")
    assert markdown == report_markdown(report)


@pytest.mark.parametrize("mask", [0o022, 0o077])
def test_report_files_are_0640_in_a_created_directory_of_0750(tmp_path, umask, mask):
    directory = tmp_path / "reports" / "decommission"
    umask(mask)
    result = run_action(task_args(directory))
    assert "failed" not in result
    assert mode(directory) == 0o750
    assert mode(directory / "report.json") == 0o640
    assert mode(directory / "report.md") == 0o640


def test_an_existing_directory_keeps_its_mode(tmp_path):
    directory = tmp_path / "report"
    directory.mkdir()
    os.chmod(str(directory), 0o755)
    run_action(task_args(directory))
    assert mode(directory) == 0o755
    assert mode(directory / "report.json") == 0o640


def test_a_previous_report_is_replaced_and_no_temporary_file_is_left(tmp_path):
    directory = tmp_path / "report"
    directory.mkdir()
    (directory / "report.json").write_text(u'{"run_id": "r1"}\n')
    (directory / "report.md").write_text(u"# old\n")
    result = run_action(task_args(directory))
    assert sorted(os.listdir(str(directory))) == ["report.json", "report.md"]
    with open(str(directory / "report.json")) as stream:
        assert json.load(stream)["run_id"] == "r2"
    with open(str(directory / "report.md")) as stream:
        assert stream.read() == report_markdown(result["report"])


def test_check_mode_returns_the_report_and_writes_nothing(tmp_path):
    directory = tmp_path / "report"
    result = run_action(task_args(directory), check_mode=True)
    assert "failed" not in result
    assert result["changed"] is False
    assert result["report"]["run_id"] == "r2" and result["report"]["totals"]["clusters"] == 2
    assert result["files"]["json"] == str(directory / "report.json")
    assert not directory.exists()
    assert os.listdir(str(tmp_path)) == []


def test_hosts_given_as_text_are_counted(tmp_path):
    result = run_action(task_args(tmp_path, hosts="5"), check_mode=True)
    assert result["report"]["totals"]["pending"] == 3


def test_a_run_record_missing_keys_fails_and_writes_nothing(tmp_path):
    directory = tmp_path / "report"
    result = run_action(task_args(directory, run={"id": "r2", "previous": {}}))
    assert result["failed"] is True
    assert result["msg"] == "run lacks mode, started, started_ts"
    assert "report" not in result
    assert not directory.exists()


def test_a_missing_option_is_refused_by_the_argument_spec(tmp_path):
    args = task_args(tmp_path)
    del args["hosts"]
    with pytest.raises(AnsibleActionFail, match="missing required arguments: hosts"):
        run_action(args)
    assert os.listdir(str(tmp_path)) == []


def test_an_unknown_option_is_refused(tmp_path):
    with pytest.raises(AnsibleActionFail, match="Invalid options for .*: mode"):
        run_action(task_args(tmp_path, mode="0600"))


def test_a_directory_that_cannot_be_created_fails_naming_it(tmp_path):
    (tmp_path / "plain-file").write_text(u"")
    directory = tmp_path / "plain-file" / "report"
    result = run_action(task_args(directory))
    assert result["failed"] is True
    assert result["msg"].startswith("Cannot write the report in %s: " % directory)
    assert os.listdir(str(tmp_path)) == ["plain-file"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in a read-only directory")
def test_an_unwritable_directory_fails_naming_it(tmp_path):
    directory = tmp_path / "report"
    directory.mkdir()
    os.chmod(str(directory), 0o500)
    try:
        result = run_action(task_args(directory))
    finally:
        os.chmod(str(directory), 0o700)
    assert result["failed"] is True
    assert result["msg"].startswith("Cannot write the report in %s: " % directory)
    assert "Permission denied" in result["msg"]
    assert os.listdir(str(directory)) == []


def test_a_failed_replacement_fails_naming_the_directory_and_removes_its_temporary_file(tmp_path):
    directory = tmp_path / "report"
    (directory / "report.md").mkdir(parents=True)  # a directory cannot be replaced by the report
    result = run_action(task_args(directory))
    assert result["failed"] is True
    assert result["msg"].startswith("Cannot write the report in %s: " % directory)
    assert sorted(os.listdir(str(directory))) == ["report.json", "report.md"]
    assert os.path.isdir(str(directory / "report.md"))
