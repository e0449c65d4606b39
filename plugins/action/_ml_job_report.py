# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: the fleet roles' report writer (ml_job_decommission, ml_job_deploy), not a
# public module (so it has no module documentation; tests/sanity/ignore-*.txt say why). May change in any release.
"""Writes a fleet role's campaign report on the controller: this run's cluster outcomes merged into
the report.json found in the report directory, as report.json and report.md.

Options: ``report`` (which role's report: decommission or deploy), ``path`` (the report directory),
``run`` (the run record of _ml_job_report_run: id, mode, started, started_ts, previous), ``settings``
(reported as given), ``clusters`` (outcomes of the role's outcome filter) and ``hosts`` (the
clusters of this run's play). A directory holding another role's report is refused, never replaced."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time

from ansible_collections.mlops.elasticsearch.plugins.module_utils._files import write_file_atomically
from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._reports import ReportAction

RUN_KEYS = ("id", "mode", "started", "started_ts")


class ActionModule(ReportAction):
    OPTIONS = dict(
        path=dict(type="path", required=True),
        run=dict(type="dict", required=True),
        settings=dict(type="dict", required=True),
        clusters=dict(type="list", elements="dict", required=True),
        hosts=dict(type="list", elements="str", required=True),
    )

    def act(self, report, args):
        run = args["run"]
        missing = [key for key in RUN_KEYS if key not in run]
        if missing:
            return dict(failed=True, msg="run lacks %s" % ", ".join(missing))
        directory = args["path"]
        files = {"json": os.path.join(directory, "report.json"), "markdown": os.path.join(directory, "report.md")}
        merged = report.merge(run, args["settings"], args["clusters"], args["hosts"], time.time(),
                              existing=report.existing(directory))
        result = dict(changed=False, report=merged, files=files)
        if self._task.check_mode:
            return result
        try:
            if not os.path.isdir(directory):
                os.makedirs(directory, 0o750)
                os.chmod(directory, 0o750)  # whatever the umask, as documented
            write_file_atomically(files["json"], json.dumps(merged, indent=4) + "\n", 0o640)
            write_file_atomically(files["markdown"], report.markdown(merged), 0o640)
        except (IOError, OSError) as exc:
            result.update(failed=True, msg="Cannot write the report in %s: %s" % (directory, exc))
        return result
