# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writes the ml_job_decommission fleet report on the controller. Its documentation is in
plugins/modules/ml_job_decommission_report.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time

from ansible.plugins.action import ActionBase

from ansible_collections.mlops.elasticsearch.plugins.module_utils._files import write_file_atomically
from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._decommission_report import (
    fleet_report,
    report_markdown,
)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _requires_connection = False

    _VALID_ARGS = frozenset(("path", "run", "settings", "clusters", "hosts"))

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = self.validate_argument_spec(argument_spec=dict(
            path=dict(type="path", required=True),
            run=dict(type="dict", required=True),
            settings=dict(type="dict", required=True),
            clusters=dict(type="list", elements="dict", required=True),
            hosts=dict(type="int", required=True),
        ))[1]
        run = args["run"]
        missing = [key for key in ("id", "mode", "started", "started_ts") if key not in run]
        if missing:
            result.update(failed=True, msg="run lacks %s" % ", ".join(missing))
            return result

        report = fleet_report(run, args["settings"], args["clusters"], args["hosts"], time.time())
        directory = args["path"]
        files = {"json": os.path.join(directory, "report.json"), "markdown": os.path.join(directory, "report.md")}
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
