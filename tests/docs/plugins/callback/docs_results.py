# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs_results, for tests/docs/test_module_examples.py only: every task result of the run as one JSON
line (play, task, action, status, changed, msg, and the result of docs_sim tasks) appended to the file
named by DOCS_RESULTS, beside the usual screen output."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: docs_results
type: aggregate
short_description: Task results as JSON lines, for tests/docs
description: Appends one JSON line per task result to the file named by the environment variable DOCS_RESULTS.
requirements: [enable in ansible.cfg or ANSIBLE_CALLBACKS_ENABLED]
"""

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "docs_results"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self.play = None

    def v2_playbook_on_play_start(self, play):
        self.play = play.get_name()

    def record(self, result, status):
        task = getattr(result, "task", None) or result._task
        answer = getattr(result, "result", None)
        answer = result._result if answer is None else answer
        line = {"play": self.play, "task": task.get_name(), "action": task.action, "status": status,
                "changed": bool(answer.get("changed")), "msg": answer.get("msg")}
        if task.action.endswith("docs_sim"):
            line["result"] = {"requests": answer.get("requests"), "state": answer.get("state")}
        with open(os.environ["DOCS_RESULTS"], "a") as handle:
            handle.write(json.dumps(line, default=str) + "\n")

    def v2_runner_on_ok(self, result):
        self.record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self.record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self.record(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self.record(result, "unreachable")
