# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: the ml_job_decommission role's report writer, not a public module
# (so it has no module documentation; tests/sanity/ignore-*.txt say why). May change in any release.
"""Writes the ml_job_decommission campaign report on the controller: this run's cluster outcomes
merged into the report.json found in the report directory, as report.json and report.md.

Options: ``path`` (the report directory), ``run`` (the run record: id, mode, started,
started_ts, previous), ``settings`` (reported as given), ``clusters`` (outcomes of the
ml_job_decommission_outcome filter) and ``hosts`` (the clusters of this run's play)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time

from ansible.plugins.action import ActionBase

from ansible_collections.mlops.elasticsearch.plugins.module_utils._files import write_file_atomically
from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._decommission_report import (
    fleet_report,
    is_report,
    report_markdown,
)

RUN_KEYS = ("id", "mode", "started", "started_ts")


def read_report(path):
    """The report already in the directory (earlier runs of the campaign), or None: a file that cannot
    be read, or is not such a report, is replaced, not merged."""
    try:
        with open(path) as stream:
            report = json.load(stream)
    except (IOError, OSError, ValueError):
        return None
    return report if is_report(report) else None


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = self.validate_argument_spec(argument_spec=dict(
            path=dict(type="path", required=True),
            run=dict(type="dict", required=True),
            settings=dict(type="dict", required=True),
            clusters=dict(type="list", elements="dict", required=True),
            hosts=dict(type="list", elements="str", required=True),
        ))[1]
        run = args["run"]
        missing = [key for key in RUN_KEYS if key not in run]
        if missing:
            result.update(failed=True, msg="run lacks %s" % ", ".join(missing))
            return result

        directory = args["path"]
        files = {"json": os.path.join(directory, "report.json"), "markdown": os.path.join(directory, "report.md")}
        report = fleet_report(run, args["settings"], args["clusters"], args["hosts"], time.time(),
                              existing=read_report(files["json"]))
        result.update(changed=False, report=report, files=files)
        if self._task.check_mode:
            return result
        try:
            if not os.path.isdir(directory):
                os.makedirs(directory, 0o750)
                os.chmod(directory, 0o750)  # whatever the umask, as documented
            write_file_atomically(files["json"], json.dumps(report, indent=4) + "\n", 0o640)
            write_file_atomically(files["markdown"], report_markdown(report), 0o640)
        except (IOError, OSError) as exc:
            result.update(failed=True, msg="Cannot write the report in %s: %s" % (directory, exc))
        return result
