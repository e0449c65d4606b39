# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures: modules exit into exceptions, and their client talks to a scripted session."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.module_utils import basic

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _transport as es_client
from ansible_collections.mlops.elasticsearch.tests.unit.utils.module_runner import ModuleRun, exit_json, fail_json
from ansible_collections.mlops.elasticsearch.tests.unit.utils.scripted_http import Probes, ScriptedSession


@pytest.fixture(autouse=True)
def ansible_module(monkeypatch):
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)


@pytest.fixture
def run(monkeypatch):
    """``run.http.expect(...)`` the calls, then ``run.ok(module, args)`` or ``run.fails(...)``.

    The module builds its client as usual; only the session, the sleep and the protocol probes
    (``run.probes``) are swapped for the scripted ones, so auth, TLS, retries and error mapping
    run for real."""
    http = ScriptedSession()
    runner = ModuleRun(http)
    runner.probes = Probes()
    real_client = es_client.Transport

    def make_client(*args, **kwargs):
        runner.client_kwargs.append(dict(kwargs))
        return real_client(*args, session=http, sleep=runner.sleeps.append, probes=runner.probes, **kwargs)

    monkeypatch.setattr(es_client, "Transport", make_client)
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, message: runner.warnings.append(message))
    return runner
