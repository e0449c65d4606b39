# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet roles' internal report writer (the _ml_job_report action), run for real on a fake task, with the
decommission report: what it writes and merges, with which modes, and how it fails. The deploy report's
own case and the run record (_ml_job_report_run) are at the end."""

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

from ansible_collections.mlops.elasticsearch.plugins.action._ml_job_report import ActionModule
from ansible_collections.mlops.elasticsearch.plugins.action._ml_job_report_run import ActionModule as RunRecordAction
from ansible_collections.mlops.elasticsearch.plugins.module_utils._jobs import Job
from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._decommission_report import (
    cluster_outcome,
    fleet_report,
    report_markdown,
)
from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._deploy_report import REPORT as DEPLOY
from ansible_collections.mlops.elasticsearch.tests.unit.plugins.plugin_utils.test_decommission_report import (
    RUN,
    SETTINGS,
    STARTED,
    fleet_jobs,
    info_result,
    outcome_of,
    record,
)
from ansible_collections.mlops.elasticsearch.tests.unit.plugins.plugin_utils.test_deploy_report import (
    SETTINGS as DEPLOY_SETTINGS,
    real_run as deploy_outcome,
)


def outcomes():
    """es-b and es-a of this run (r2), es-z of an earlier run in the same play."""
    return [outcome_of(fleet_jobs(), cluster="es-b"), outcome_of([Job("old-2", state="closed")], cluster="es-a"),
            outcome_of([], cluster="es-z", run_id="r1")]


def task_args(path, **changes):
    args = dict(report="decommission", path=str(path), run=dict(RUN), settings=dict(SETTINGS), clusters=outcomes(),
                hosts=["es-a", "es-b", "es-c"])
    args.update(changes)
    return args


def run_action(args, check_mode=False, action_class=ActionModule, name="_ml_job_report"):
    """As ansible-core's unit tests build an action: a mock task and connection, real loader and templar."""
    task = MagicMock()
    task.action = "mlops.elasticsearch." + name
    task.args = args
    task.async_val = 0
    task.check_mode = check_mode
    task.diff = False
    loader = DataLoader()
    action = action_class(task, MagicMock(), PlayContext(), loader, Templar(loader=loader), None)
    # What the plugin loader sets; ansible-core before 2.19 names it in argument errors.
    action._load_name = task.action
    return action.run(task_vars={})


def mode(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


def read(path):
    with open(str(path)) as stream:
        return stream.read()


def write_json(path, value):
    path.write_text(u"%s\n" % json.dumps(value))


def campaign_report(directory):
    """The report.json of run r1 (es-a, es-d, es-f: es-f failed) in ``directory``."""
    failure = {"task": "Stop here when the plan says the run must not start", "reason": "job [old-6] has state failed"}
    r1 = [outcome_of(fleet_jobs(), cluster="es-a", run_id="r1"), outcome_of([], cluster="es-d", run_id="r1"),
          cluster_outcome(record(cluster="es-f", run_id="r1", failure=failure,
                                 plan=info_result([Job("old-6", state="failed")])))]
    report = fleet_report(dict(RUN, id="r1"), SETTINGS, r1, ["es-a", "es-d", "es-f"], STARTED - 3600)
    directory.mkdir(parents=True, exist_ok=True)
    write_json(directory / "report.json", report)
    return report


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
    assert report["clusters"] == [outcomes()[1], outcomes()[0]]
    assert (report["totals"]["clusters"], report["totals"]["this_run"], report["totals"]["pending"]) == (2, 2, 1)
    text = read(directory / "report.json")
    assert json.loads(text) == report
    assert text.endswith("\n}\n")
    markdown = read(directory / "report.md")
    assert markdown.startswith("# ML job decommission report (run)\n")
    assert markdown == report_markdown(report)
    assert sorted(os.listdir(str(directory))) == ["report.json", "report.md"]


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o000])
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


def test_the_files_are_replaced_whole_and_no_temporary_file_is_left(tmp_path):
    directory = tmp_path / "report"
    campaign_report(directory)
    (directory / "report.md").write_text(u"# old\n")
    os.chmod(str(directory / "report.md"), 0o644)
    with open(str(directory / "report.json")) as before_json, open(str(directory / "report.md")) as before_md:
        old_json = before_json.read()
        result = run_action(task_args(directory))
        # A reader that opened the old files reads them whole: new files were renamed over them.
        before_json.seek(0)
        before_md.seek(0)
        assert (before_json.read(), before_md.read()) == (old_json, "# old\n")
        assert os.fstat(before_json.fileno()).st_ino != os.stat(str(directory / "report.json")).st_ino
    assert sorted(os.listdir(str(directory))) == ["report.json", "report.md"]
    assert json.loads(read(directory / "report.json")) == result["report"]
    assert read(directory / "report.md") == report_markdown(result["report"])
    assert mode(directory / "report.md") == 0o640


# the campaign: a run merges into the report it finds


def test_a_limited_run_keeps_the_entries_of_the_clusters_outside_it(tmp_path):
    directory = tmp_path / "report"
    earlier = campaign_report(directory)
    result = run_action(task_args(directory, hosts=["es-a", "es-b"], run=dict(RUN, previous=earlier)))
    report = result["report"]
    by_name = dict((c["cluster"], c) for c in report["clusters"])
    old = dict((c["cluster"], c) for c in earlier["clusters"])
    assert sorted(by_name) == ["es-a", "es-b", "es-d", "es-f"]
    # es-a ran again: its entry is this run's; es-d and es-f keep r1's, es-f's failure included.
    assert (by_name["es-a"], by_name["es-b"]) == (outcomes()[1], outcomes()[0])
    assert (by_name["es-d"], by_name["es-f"]) == (old["es-d"], old["es-f"])
    assert by_name["es-f"]["failed"]["reason"] == "job [old-6] has state failed"
    totals = report["totals"]
    assert (totals["clusters"], totals["this_run"], totals["other_runs"], totals["pending"]) == (4, 2, 2, 0)
    assert (totals["changed"], totals["ok"], totals["failed"]) == (2, 1, 1)
    assert json.loads(read(directory / "report.json")) == report
    lines = read(directory / "report.md").split("\n")
    assert "- 2 clusters were not part of this run: their entries come from the runs they name" in lines
    assert "| es-f | failed | `r1` (run) | 1 | 0 | 0 | 0 | 3.46 | job [old-6] has state failed |" in lines
    assert "| es-a | changed | this run | 1 | 0 | 1 | 0 | 3.46 |  |" in lines


def test_the_next_batch_of_the_run_replaces_its_clusters_only(tmp_path):
    directory = tmp_path / "report"
    earlier = campaign_report(directory)
    hosts = ["es-a", "es-b", "es-c", "es-d"]
    run_action(task_args(directory, hosts=hosts, clusters=outcomes()[1:2]))
    first = json.loads(read(directory / "report.json"))
    # es-d is not reached yet: r1's entry stays until its batch runs (or for good, if the run stops).
    assert [(c["cluster"], c["run_id"]) for c in first["clusters"]] == [
        ("es-a", "r2"), ("es-d", "r1"), ("es-f", "r1")]
    assert first["clusters"][1] == earlier["clusters"][1]
    assert (first["pending"], first["totals"]["pending"]) == (["es-b", "es-c", "es-d"], 3)
    assert "- From run `r1` (run), pending in this run\n" in read(directory / "report.md")
    result = run_action(task_args(directory, hosts=hosts))
    assert [(c["cluster"], c["run_id"]) for c in result["report"]["clusters"]] == [
        ("es-a", "r2"), ("es-b", "r2"), ("es-d", "r1"), ("es-f", "r1")]
    assert result["report"]["clusters"][0] == first["clusters"][0]
    assert (result["report"]["pending"], result["report"]["totals"]["pending"]) == (["es-c", "es-d"], 2)


@pytest.mark.parametrize("content", [
    b'{"report": "mlops.elasticsearch.ml_job_decommission", "clusters": [',
    b"",
    b"[]",
    b'"report"',
    b"null",
    b'{"clusters": ["\xff"]}',
], ids=["truncated", "empty", "list", "string", "null", "not-utf-8"])
def test_an_invalid_report_json_is_ignored_and_replaced(tmp_path, content):
    directory = tmp_path / "report"
    directory.mkdir()
    (directory / "report.json").write_bytes(content)
    result = run_action(task_args(directory))
    assert "failed" not in result
    assert [c["cluster"] for c in result["report"]["clusters"]] == ["es-a", "es-b"]
    assert json.loads(read(directory / "report.json")) == result["report"]


@pytest.mark.parametrize("content", [
    {"clusters": "es-a"},
    {"clusters": [1, 2]},
    {"report": "mlops.elasticsearch.ml_job_decommission", "clusters": [{"cluster": "es-q", "status": "ok"}]},
    {"report": "someone.else", "clusters": [outcome_of([], cluster="es-q", run_id="r0")]},
], ids=["clusters-not-a-list", "entries-not-objects", "entries-lacking-keys", "another-report"])
def test_a_json_object_that_is_not_a_campaign_report_is_ignored_and_replaced(tmp_path, content):
    directory = tmp_path / "report"
    directory.mkdir()
    write_json(directory / "report.json", content)
    result = run_action(task_args(directory))
    assert "failed" not in result
    assert [c["cluster"] for c in result["report"]["clusters"]] == ["es-a", "es-b"]
    assert json.loads(read(directory / "report.json")) == result["report"]


def test_a_report_of_release_1_0_is_merged(tmp_path):
    # Its entries have neither mode, not_found nor skipped_nodes.
    directory = tmp_path / "report"
    report = campaign_report(directory)
    for entry in report["clusters"]:
        for key in ("mode", "not_found", "skipped_nodes"):
            del entry[key]
    write_json(directory / "report.json", report)
    result = run_action(task_args(directory, hosts=["es-a", "es-b"]))
    assert "failed" not in result
    assert [c["cluster"] for c in result["report"]["clusters"]] == ["es-a", "es-b", "es-d", "es-f"]
    assert "| es-f | failed | `r1` (run) | 1 | 0 | 0 | 0 | 3.46 | job [old-6] has state failed |" in read(
        directory / "report.md").split("\n")


def test_a_report_json_that_cannot_be_read_is_ignored_and_replaced(tmp_path):
    directory = tmp_path / "report"
    directory.mkdir()
    os.symlink(str(tmp_path / "gone.json"), str(directory / "report.json"))
    result = run_action(task_args(directory))
    assert "failed" not in result
    assert result["report"]["totals"]["other_runs"] == 0
    assert not os.path.islink(str(directory / "report.json"))
    assert json.loads(read(directory / "report.json")) == result["report"]


# check mode


def test_check_mode_returns_the_merged_report_and_writes_nothing(tmp_path):
    directory = tmp_path / "report"
    earlier = campaign_report(directory)
    before = read(directory / "report.json")
    result = run_action(task_args(directory, hosts=["es-a", "es-b"]), check_mode=True)
    assert "failed" not in result
    assert result["changed"] is False
    assert [c["cluster"] for c in result["report"]["clusters"]] == ["es-a", "es-b", "es-d", "es-f"]
    assert result["report"]["clusters"][2] == earlier["clusters"][1]
    assert result["files"]["json"] == str(directory / "report.json")
    assert read(directory / "report.json") == before
    assert os.listdir(str(directory)) == ["report.json"]


def test_check_mode_creates_no_directory(tmp_path):
    directory = tmp_path / "report"
    result = run_action(task_args(directory), check_mode=True)
    assert result["report"]["run_id"] == "r2" and result["report"]["totals"]["clusters"] == 2
    assert os.listdir(str(tmp_path)) == []


# failures


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


@pytest.mark.parametrize("changes, message", [
    ({"mode": "0600"}, r"Unsupported parameters for .*: mode\. Supported parameters include: clusters, hosts, path,"
                       r" report, run, settings"),
    # ansible-core names the type `str` or `<class 'str'>`, depending on its release.
    ({"clusters": ["es-a"]}, r"Elements value for option 'clusters' is of type (str|<class 'str'>) and we were "
                             r"unable to convert to dict"),
    ({"run": "r2"}, r"argument 'run' is of type (str|<class 'str'>) and we were unable to convert to dict"),
], ids=["unknown", "clusters-not-dicts", "run-not-a-dict"])
def test_invalid_options_are_refused_by_the_argument_spec(tmp_path, changes, message):
    with pytest.raises(AnsibleActionFail, match=message):
        run_action(task_args(tmp_path / "report", **changes))
    assert os.listdir(str(tmp_path)) == []


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


# the deploy report


def test_writes_the_deploy_report_with_its_own_markdown(tmp_path):
    directory = tmp_path / "report"
    outcome = deploy_outcome()
    result = run_action(dict(report="deploy", path=str(directory), run=dict(RUN), settings=DEPLOY_SETTINGS,
                             clusters=[outcome], hosts=["es-a"]))
    assert "failed" not in result
    assert result["report"]["report"] == "mlops.elasticsearch.ml_job_deploy"
    assert json.loads(read(directory / "report.json")) == result["report"]
    assert read(directory / "report.md") == DEPLOY.markdown(result["report"])
    assert read(directory / "report.md").startswith("# ML job deploy report (run)\n")


@pytest.mark.parametrize("report, other", [("deploy", "decommission"), ("decommission", "deploy")])
def test_a_directory_holding_another_roles_report_is_refused_and_left_as_it_was(tmp_path, report, other):
    directory = tmp_path / "report"
    args = task_args(directory) if other == "decommission" else dict(
        report="deploy", path=str(directory), run=dict(RUN), settings=DEPLOY_SETTINGS, clusters=[deploy_outcome()],
        hosts=["es-a"])
    run_action(args)
    before = read(directory / "report.json")
    args = dict(args, report=report)
    result = run_action(args)
    assert result["failed"] is True
    assert result["msg"] == ("%s holds the report of mlops.elasticsearch.ml_job_%s; give this run a report directory"
                             " of its own" % (directory, other))
    assert read(directory / "report.json") == before


# the run record (_ml_job_report_run)


def run_record_action(args, check_mode=False):
    return run_action(args, check_mode, RunRecordAction, "_ml_job_report_run")


@pytest.mark.parametrize("check_mode, mode", [(False, "run"), (True, "plan")])
def test_the_run_record_reads_the_report_of_the_campaign(tmp_path, check_mode, mode):
    directory = tmp_path / "report"
    previous = campaign_report(directory)
    result = run_record_action(dict(report="decommission", path=str(directory)), check_mode)
    assert "failed" not in result and result["changed"] is False
    run = result["run"]
    assert (run["mode"], run["report_dir"], run["previous"]) == (mode, str(directory), previous)
    assert run["started_ts"] == result["batch_started"]


def test_a_later_batch_keeps_the_run_record(tmp_path):
    current = {"id": "r2", "report_dir": str(tmp_path), "mode": "run", "started": "x", "started_ts": 1.0,
               "previous": {}}
    result = run_record_action(dict(report="deploy", path=str(tmp_path), current=current))
    assert result["run"] == current and result["batch_started"] > 1.0


def test_the_run_record_refuses_a_directory_holding_another_roles_report(tmp_path):
    directory = tmp_path / "report"
    campaign_report(directory)
    result = run_record_action(dict(report="deploy", path=str(directory)))
    assert result["failed"] is True and "run" not in result
    assert result["msg"].endswith("holds the report of mlops.elasticsearch.ml_job_decommission; give this run a "
                                  "report directory of its own")


def test_the_run_record_names_an_unknown_report(tmp_path):
    with pytest.raises(AnsibleActionFail, match="value of report must be one of: decommission, deploy, got: deplo"):
        run_record_action(dict(report="deplo", path=str(tmp_path)))
