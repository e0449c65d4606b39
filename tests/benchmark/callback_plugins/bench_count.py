# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Counts module invocations for tests/benchmark/fleet.py: every module a task runs on a host
(one per loop item; the stat/file modules copy and template run; not set_fact and the other
controller-only actions) appends its name as one line to $BENCH_MODULE_LOG. Workers are forked
after this plugin loads, so the wrapped method is theirs too; O_APPEND keeps lines whole."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: bench_count
type: aggregate
short_description: Count module invocations into $BENCH_MODULE_LOG (benchmark only)
description: Used only by tests/benchmark/fleet.py.
"""

import os
import time

from ansible.plugins.action import ActionBase
from ansible.plugins.callback import CallbackBase

_LOG = os.environ.get("BENCH_MODULE_LOG")
_ORIGINAL = ActionBase._execute_module


def _counted(self, module_name=None, *args, **kwargs):
    name = module_name or self._task.action
    if _LOG:
        handle = os.open(_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(handle, (str(name) + "\n").encode("utf-8"))
        finally:
            os.close(handle)
    return _ORIGINAL(self, module_name, *args, **kwargs)


if getattr(ActionBase._execute_module, "__name__", "") != "_counted":
    ActionBase._execute_module = _counted


class CallbackModule(CallbackBase):
    """With $BENCH_TASK_LOG set, also logs when each task starts (time, name), for profiling."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_count"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._tasks = os.environ.get("BENCH_TASK_LOG")

    def _mark(self, name):
        if self._tasks:
            with open(self._tasks, "a") as handle:
                handle.write("%.3f\t%s\n" % (time.time(), name))

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._mark(task.get_name())

    def v2_playbook_on_handler_task_start(self, task):
        self._mark(task.get_name())

    def v2_playbook_on_stats(self, stats):
        self._mark("(end)")
