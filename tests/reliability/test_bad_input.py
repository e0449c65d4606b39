# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input is refused before any request, with a message that names the offending value."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from es_ml_simulator import start_fleet

from harness import Batch, closed, opened

LONG_ID = "a" * 65
# case id, module, args, what the message must name, what the table says was given
ROWS = [
    ("uppercase", "ml_job_close", {"job_id": "Web-Errors"}, ["'Web-Errors'"], "`job_id: Web-Errors`"),
    ("space", "ml_job_close", {"job_id": "web errors"}, ["'web errors'"], "`job_id: 'web errors'`"),
    ("over-64", "ml_job_delete", {"job_id": LONG_ID}, [LONG_ID, "64"], "`job_id`: 65 × `a`"),
    ("leading-underscore", "ml_job_close", {"job_id": "_web"}, ["'_web'"], "`job_id: _web`"),
    ("leading-dash", "ml_job_delete", {"job_id": "-web"}, ["'-web'"], "`job_id: -web`"),
    ("dot-dot-all", "ml_job_close", {"job_id": "a/../_all"}, ["a/../_all"], "`job_id: a/../_all`"),
    ("dot-dot-all-delete", "ml_job_delete", {"job_id": "a/../_all"}, ["a/../_all"],
     "ml_job_delete `job_id: a/../_all`"),
    ("percent-2f", "ml_job_close", {"job_id": "web%2F_all"}, ["web%2F_all"], "`job_id: web%2F_all`"),
    ("question-mark", "ml_job_info", {"job_id": "web?pretty"}, ["web?pretty"], "ml_job_info `job_id: web?pretty`"),
    ("hash", "ml_job_close", {"job_id": "web#x"}, ["web#x"], "`job_id: web#x`"),
    ("bad-exclude", "ml_job_delete", {"job_id": "web-1", "exclude": ["../x"]}, ["../x"],
     "ml_job_delete `exclude: [../x]`"),
    ("empty-list", "ml_job_close", {"job_id": []}, ["job_id"], "`job_id: []`"),
    ("empty-entry", "ml_job_delete", {"job_id": ["web-1", ""]}, ["job_id ''", "empty entry"],
     "ml_job_delete `job_id: [web-1, '']`"),
    ("pattern-delete", "ml_job_delete", {"job_id": "web-*"}, ["'web-*'", "resolve_patterns"],
     "ml_job_delete `job_id: web-*` without `resolve_patterns`"),
    ("all-delete", "ml_job_delete", {"job_id": "_all"}, ["'_all'", "resolve_patterns"],
     "ml_job_delete `job_id: _all` without `resolve_patterns`"),
    ("conflicting-auth", "ml_job_close", {"job_id": "web-1", "username": "ml_admin", "password": "pw-conflict-Zq81",
                                          "api_key": "key-conflict-Xw52"}, ["username", "api_key"],
     "`username`+`password` and `api_key` together"),
    ("token-and-key", "ml_job_close", {"job_id": "web-1", "api_key": "key-conflict-Xw52",
                                       "bearer_token": "tok-conflict-Vb39"}, ["api_key", "bearer_token"],
     "`api_key` and `bearer_token` together"),
    ("timeout-words", "ml_job_close", {"job_id": "web-1", "timeout": "10 minutes"}, ["'10 minutes'"],
     "`timeout: 10 minutes`"),
    ("timeout-no-unit", "ml_job_delete", {"job_id": "web-1", "timeout": "30"}, ["'30'"], "ml_job_delete `timeout: 30`"),
    ("timeout-bad-unit", "ml_job_close", {"job_id": "web-1", "timeout": "5y"}, ["'5y'"], "`timeout: 5y`"),
]
SECRETS = ["pw-conflict-Zq81", "key-conflict-Xw52", "tok-conflict-Vb39"]


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    specs = [(case_id, dict(module=module, args=args, jobs=[opened("web-1"), closed("web-2")]))
             for case_id, module, args, dummy, dummy2 in ROWS]
    with start_fleet(clusters=len(specs)) as fleet:
        bad = Batch(str(tmp_path_factory.mktemp("bad_input")), fleet.clusters, specs)
        bad.run("bad_input")
        yield bad


@pytest.mark.parametrize("case_id, module, args, names, given", [pytest.param(*row, id=row[0]) for row in ROWS])
def test_refused_before_any_request_naming_the_value(batch, record, case_id, module, args, names, given):
    case = batch[case_id]
    record(case_id, "%s: %s" % (module, given) if not given.startswith("ml_job") else given, case.did(), case.msg,
           ["%d requests" % len(case.requests)] + case.seen())
    assert case.failed
    for name in names:
        assert name in case.msg
    assert case.requests == []
    assert case.result.get("changed") is False
    case.assert_no_traceback()
    for secret in SECRETS:
        assert secret not in case.run.output
