# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's main() against a scripted HTTP exchange and catch what it reports
(the fixtures that wire it in are in tests/unit/plugins/modules/conftest.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

try:
    from ansible.module_utils.testing import patch_module_args  # ansible-core >= 2.19
except ImportError:  # ansible-core 2.16 to 2.18, which meta/runtime.yml claims too
    import contextlib

    from ansible.module_utils import basic
    from ansible.module_utils.common.text.converters import to_bytes

    @contextlib.contextmanager
    def patch_module_args(args):
        """What 2.19's patch_module_args does: the module reads ``args`` as its parameters."""
        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved


class AnsibleExitJson(Exception):
    pass


class AnsibleFailJson(Exception):
    pass


def exit_json(self, **kwargs):
    kwargs.setdefault("changed", False)
    raise AnsibleExitJson(kwargs)


def fail_json(self, msg, **kwargs):
    kwargs["msg"] = msg
    kwargs["failed"] = True
    raise AnsibleFailJson(kwargs)


class ModuleRun:
    """The module's outcome plus everything it sent, slept and warned."""

    def __init__(self, http):
        self.http = http
        self.sleeps = []
        self.warnings = []
        self.client_kwargs = []

    def __call__(self, module, args):
        """Run ``module.main()`` with ``args``; returns (result, failed)."""
        with patch_module_args(args):
            with pytest.raises((AnsibleExitJson, AnsibleFailJson)) as exc:
                module.main()
        self.result = exc.value.args[0]
        return self.result

    def ok(self, module, args):
        result = self(module, args)
        assert not result.get("failed"), result["msg"]
        self.http.assert_done()
        return result

    def fails(self, module, args):
        result = self(module, args)
        assert result.get("failed"), "expected a failure, got %r" % result
        self.http.assert_done()
        return result


def dumped(result):
    """Everything a result or failure holds, as one string, to search for leaked secrets."""
    return json.dumps(result, default=repr, sort_keys=True)
