# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the fleet roles' report plugins share (plugin_utils/_reports.py): the reports by name, the
base of the internal report actions, and the record check of the public outcome filters."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from unittest.mock import MagicMock

from ansible.errors import AnsibleActionFail, AnsibleFilterError
from ansible.parsing.dataloader import DataLoader
from ansible.playbook.play_context import PlayContext
from ansible.template import Templar

from ansible_collections.mlops.elasticsearch.plugins.plugin_utils import _reports
from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._fleet_report import ReportError


def test_each_role_names_its_report():
    assert sorted(_reports.REPORTS) == ["decommission", "deploy"]
    assert _reports.REPORTS["decommission"] is not _reports.REPORTS["deploy"]


class EchoAction(_reports.ReportAction):
    """A report action that says which report it was given, or refuses the directory."""

    OPTIONS = dict(refuse=dict(type="bool", default=False))

    def act(self, report, args):
        if args["refuse"]:
            raise ReportError("the report directory holds another role's report")
        return dict(changed=False, report_is=report)


def run_action(args):
    task = MagicMock()
    task.action = "mlops.elasticsearch._echo"
    task.args = args
    task.async_val = 0
    task.check_mode = False
    loader = DataLoader()
    action = EchoAction(task, MagicMock(), PlayContext(), loader, Templar(loader=loader), None)
    action._load_name = task.action
    return action.run(task_vars={})


@pytest.mark.parametrize("name", ["decommission", "deploy"])
def test_the_action_gets_the_report_it_names(name):
    assert run_action({"report": name})["report_is"] is _reports.REPORTS[name]


def test_an_unknown_report_is_refused_by_the_argument_spec():
    with pytest.raises(AnsibleActionFail, match="value of report must be one of: decommission, deploy"):
        run_action({"report": "inventory"})


def test_a_report_error_fails_the_task_with_its_message():
    result = run_action({"report": "deploy", "refuse": True})
    assert result["failed"] is True and result["msg"] == "the report directory holds another role's report"


def test_the_outcome_filter_checks_the_record_then_builds_the_outcome():
    built = []
    checked = _reports.outcome_filter("my_outcome", ("cluster", "run_id"), lambda record: built.append(record) or 7)
    assert checked.__name__ == "my_outcome"
    assert checked({"cluster": "a", "run_id": "r"}) == 7 and built == [{"cluster": "a", "run_id": "r"}]
    with pytest.raises(AnsibleFilterError, match="my_outcome expects a dictionary, got list"):
        checked([])
    with pytest.raises(AnsibleFilterError, match="my_outcome: the record lacks run_id"):
        checked({"cluster": "a"})
