# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of the es_sim test module: hands it the live cluster of a `make test-live` run.

ansible-test does not pass environment variables through to the targets, so the harness
(tests/simulator/tests/live_targets.py) writes the live cluster into the es_live variable of
tests/integration/integration_config.yml; this plugin gives it to every es_sim task as `live`,
so that targets are written once for both modes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = dict(self._task.args)
        live = (task_vars or {}).get("es_live")
        if live and "live" not in args:
            # the task's place, for the harness's list of what live mode skipped
            args["live"] = dict(self._templar.template(live), task="%s %s" % (self._task.get_path(), self._task.get_name()))
        result.update(self._execute_module(module_name="es_sim", module_args=args, task_vars=task_vars))
        return result
