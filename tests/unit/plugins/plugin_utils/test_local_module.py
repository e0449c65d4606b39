# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The modules' action plugins (plugin_utils/_local_module.py), run for real on a fake task: where
they run the module's operation in the worker and where they send the module, and that the
in-process path validates, masks secrets and reports as the module does."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
from unittest.mock import MagicMock

from ansible.parsing.dataloader import DataLoader
from ansible.playbook.play_context import PlayContext
from ansible.template import Templar

from ansible_collections.mlops.elasticsearch.plugins.action.ml_job_close import ActionModule as CloseAction
from ansible_collections.mlops.elasticsearch.plugins.action.ml_job_info import ActionModule as InfoAction
from ansible_collections.mlops.elasticsearch.plugins.module_utils import _transport
from ansible_collections.mlops.elasticsearch.tests.unit.utils import es
from ansible_collections.mlops.elasticsearch.tests.unit.utils.scripted_http import Call, ScriptedSession

PASSWORD = "pw-Local-7x!unique"
MODULE_RESULT = {"changed": False, "sent": "as a module"}


class Harness:
    """An action on a fake task over a connection of the given transport; the module path is
    replaced by a stub that says it ran, the transport's session by a scripted one."""

    def __init__(self, monkeypatch, action_class, args, transport="local", become=False, async_val=0,
                 environment=None, check_mode=False, diff=False, script=()):
        self.http = ScriptedSession(script)
        self.sent_modules = []
        real = _transport.Transport
        monkeypatch.setattr(_transport, "Transport",
                            lambda *a, **kw: real(*a, session=self.http, sleep=lambda s: None, **kw))
        task = MagicMock()
        task.action = "mlops.elasticsearch." + action_class.__module__.split(".")[-1]
        task.args = args
        task.async_val = async_val
        task.environment = environment if environment is not None else [{}]
        task.check_mode = check_mode
        task.diff = diff
        connection = MagicMock()
        connection.transport = transport
        play_context = PlayContext()
        play_context.become = become
        loader = DataLoader()
        self.action = action_class(task, connection, play_context, loader, Templar(loader=loader), None)
        monkeypatch.setattr(self.action, "_execute_module", self._module_path)

    def _module_path(self, **kwargs):
        self.sent_modules.append(kwargs)
        return dict(MODULE_RESULT)

    def run(self):
        return self.action.run(task_vars={})


def info_script(*jobs):
    docs = [es.job_doc(job_id) for job_id, state in jobs]
    stats = [es.job_stats(job_id, state) for job_id, state in jobs]
    return [es.get_root()] + es.read_calls("web-*", docs, stats)


def test_a_local_task_runs_the_operation_in_this_process(monkeypatch):
    h = Harness(monkeypatch, InfoAction, {"job_id": ["web-*"]}, script=info_script(("web-1", "closed")))
    result = h.run()
    assert h.sent_modules == []
    assert [job["job_id"] for job in result["jobs"]] == ["web-1"] and result["changed"] is False
    assert result["invocation"]["module_args"]["job_id"] == ["web-*"]
    h.http.assert_done()


@pytest.mark.parametrize("where", [
    dict(transport="ssh"),
    dict(become=True),
    dict(async_val=30),
    dict(environment=[{"HTTPS_PROXY": "http://proxy:3128"}]),
])
def test_elsewhere_the_module_is_sent(monkeypatch, where):
    h = Harness(monkeypatch, InfoAction, {"job_id": ["web-*"]}, **where)
    assert h.run()["sent"] == "as a module"
    assert h.http.calls == []


def test_without_requests_on_the_controller_the_module_is_sent(monkeypatch):
    monkeypatch.setattr(_transport, "HAS_REQUESTS", False)
    h = Harness(monkeypatch, InfoAction, {"job_id": ["web-*"]})
    assert h.run()["sent"] == "as a module"


def test_arguments_are_validated_as_the_module_validates_them(monkeypatch):
    h = Harness(monkeypatch, CloseAction, {"job_id": ["web-1"], "force": "sometimes"})
    result = h.run()
    assert result["failed"] is True and h.http.calls == []
    # The wording of the type differs between ansible-core releases ("str", "<class 'str'>").
    assert result["msg"].startswith("argument 'force' is of type ")
    assert "we were unable to convert to bool: The value 'sometimes' is not a valid boolean" in result["msg"]


def test_an_unknown_option_is_worded_as_the_module_words_it(monkeypatch):
    h = Harness(monkeypatch, CloseAction, {"job_id": ["web-1"], "colour": "red"})
    result = h.run()
    assert result["failed"] is True and h.http.calls == []
    assert result["msg"].startswith("Unsupported parameters for (ml_job_close) module: colour. Supported parameters")


def test_secrets_never_reach_the_result(monkeypatch):
    forbidden = es.error(401, "security_exception", "unable to authenticate user [u] for REST request [/]")
    h = Harness(monkeypatch, InfoAction, {"job_id": ["web-*"], "username": "u", "password": PASSWORD},
                script=[Call("GET", "/", status=401, reply=forbidden)])
    result = h.run()
    assert result["failed"] is True and "HTTP 401" in result["msg"]
    assert PASSWORD not in json.dumps(result)
    assert result["invocation"]["module_args"]["password"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def test_a_secret_from_the_environment_is_masked_too(monkeypatch):
    monkeypatch.setenv("ELASTICSEARCH_API_KEY", PASSWORD)
    h = Harness(monkeypatch, InfoAction, {"job_id": ["web-*"]}, script=info_script(("web-1", "closed")))
    result = h.run()
    assert "failed" not in result
    assert PASSWORD not in json.dumps(result)


def test_check_mode_and_diff_reach_the_operation(monkeypatch):
    script = [es.get_root()] + es.read_calls("web-1*", [es.job_doc("web-1")], [es.job_stats("web-1", "opened")])
    h = Harness(monkeypatch, CloseAction, {"job_id": ["web-1"]}, check_mode=True, diff=True, script=script)
    result = h.run()
    assert result["changed"] is True and result["closed"] == ["web-1"]
    assert result["diff"]["after"]["jobs"]["web-1"]["state"] == "closed"
    assert h.http.methods == ["GET", "GET", "GET"]


def test_an_unexpected_error_is_a_failure_with_its_traceback_not_a_crash(monkeypatch):
    h = Harness(monkeypatch, InfoAction, {"job_id": ["web-*"]}, script=[Call("GET", "/", raises=RuntimeError("boom"))])
    result = h.run()
    assert result["failed"] is True and "unexpected RuntimeError: boom" in result["msg"]
    assert "Traceback" in result["exception"]
