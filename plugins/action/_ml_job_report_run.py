# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: the fleet roles' run record (ml_job_decommission, ml_job_deploy), not a
# public module (so it has no module documentation; tests/sanity/ignore-*.txt say why). May change in any release.
"""Opens a fleet role's run record on the controller, before any cluster is touched: the run's id,
mode and start, and the report already in the report directory (what earlier runs of the campaign
did). A record of this run (``current``, from an earlier batch of a ``serial`` play, same directory)
is kept. A report directory holding another role's report is refused here, before any change.

Options: ``report`` (decommission or deploy), ``path`` (the report directory) and ``current`` (the
record the role keeps on the controller's localhost, or {}). Returns ``run`` and ``batch_started``
(when this batch started, Unix time), and the same as the facts ``__ml_job_<report>_run`` and
``__ml_job_<report>_batch_started``: the roles run it delegated to localhost with delegate_facts, so
one task keeps the record there for every batch and cluster."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._reports import ReportAction


class ActionModule(ReportAction):
    OPTIONS = dict(
        path=dict(type="path", required=True),
        current=dict(type="dict", default={}),
    )

    def act(self, report, args):
        now = time.time()
        run = report.open_run(args["current"], args["path"], bool(self._task.check_mode), now)
        prefix = "__ml_job_%s_" % args["report"]
        return dict(changed=False, run=run, batch_started=now,
                    ansible_facts={prefix + "run": run, prefix + "batch_started": now})
