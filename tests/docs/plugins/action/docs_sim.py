# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs_sim, for tests/docs/test_module_examples.py only: the simulator's admin API from a play, in the
worker (no module process). op=mark clears the cluster's request log and returns its state; op=read
returns the requests logged since and the state. Never changed, and the same in check mode."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import ssl
import urllib.request

from ansible.plugins.action import ActionBase


def admin(url, path, method, ca_path):
    request = urllib.request.Request(url + path, method=method)
    context = ssl.create_default_context(cafile=ca_path) if ca_path else None
    with urllib.request.urlopen(request, timeout=10, context=context) as answer:
        return json.load(answer)


class ActionModule(ActionBase):
    _requires_connection = False
    _supports_check_mode = True
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        url, ca_path, op = self._task.args["url"], self._task.args.get("ca_path"), self._task.args["op"]
        if op == "mark":
            admin(url, "/_sim/requests", "DELETE", ca_path)
        else:
            result["requests"] = ["%s %s" % (r["method"], r["path"]) for r in admin(url, "/_sim/requests", "GET", ca_path)["requests"]]
        result["state"] = admin(url, "/_sim/state", "GET", ca_path)
        result["changed"] = False
        return result
