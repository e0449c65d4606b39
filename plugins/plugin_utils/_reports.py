# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""The fleet roles' campaign reports by the name their report tasks give, and what the roles' report
plugins share: the internal actions (_ml_job_report_run, _ml_job_report) run on the controller with a
``report`` option, and the public outcome filters check the record the role builds."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.plugins.action import ActionBase

from ansible_collections.mlops.elasticsearch.plugins.plugin_utils import _decommission_report, _deploy_report
from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._fleet_report import ReportError

REPORTS = {"decommission": _decommission_report.REPORT, "deploy": _deploy_report.REPORT}


class ReportAction(ActionBase):
    """An action of the fleet reports: ``OPTIONS`` besides ``report``; ``act(report, args)`` returns what
    the result holds, or raises ReportError (the task fails with its message)."""

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _requires_connection = False
    OPTIONS = {}

    def act(self, report, args):
        raise NotImplementedError

    def run(self, tmp=None, task_vars=None):
        result = super(ReportAction, self).run(tmp, task_vars)
        spec = dict(self.OPTIONS, report=dict(type="str", required=True, choices=sorted(REPORTS)))
        args = self.validate_argument_spec(argument_spec=spec)[1]
        try:
            result.update(self.act(REPORTS[args["report"]], args))
        except ReportError as exc:
            result.update(failed=True, msg=str(exc))
        return result


def outcome_filter(name, required, outcome):
    """The filter ``name``: ``outcome(record)`` once the record is a dictionary holding ``required``."""
    def checked_outcome(record):
        if not isinstance(record, dict):
            raise AnsibleFilterError("%s expects a dictionary, got %s" % (name, type(record).__name__))
        missing = [key for key in required if key not in record]
        if missing:
            raise AnsibleFilterError("%s: the record lacks %s" % (name, ", ".join(missing)))
        return outcome(record)
    checked_outcome.__name__ = name
    return checked_outcome
