# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The typed exceptions: what a failure shows the user, and what it never shows."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import json

import pytest

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _errors as errors

SECRET = "s3cr3t-Zq8"
BODY = {"error": {"type": "security_exception", "reason": "bad", "header": {"WWW-Authenticate": "Basic " + SECRET}},
        "status": 401}


def full_error(cls=errors.ApiError, **extra):
    return cls("GET /x returned HTTP 401", status=401, error_type="security_exception", reason="bad",
               url="http://es:9200/x", body=BODY, **extra)


def test_the_errors_module_imports_nothing_from_ansible():
    with open(errors.__file__.replace(".pyc", ".py")) as stream:
        tree = ast.parse(stream.read())
    imported = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    assert imported == ["__future__"]


def test_details_hold_status_type_reason_and_url_never_the_body():
    assert full_error().details() == {"status": 401, "error_type": "security_exception", "reason": "bad",
                                      "url": "http://es:9200/x"}
    assert SECRET not in json.dumps(full_error().details())


def test_details_leave_out_what_is_unknown():
    assert errors.ElasticsearchError("boom").details() == {}
    assert errors.ElasticsearchError("boom", status=0, reason="").details() == {"status": 0, "reason": ""}


def test_msg_is_the_message():
    error = errors.InvalidInput("job_id is empty")
    assert (error.msg, str(error), error.body) == ("job_id is empty", "job_id is empty", None)


@pytest.mark.parametrize("cls", [errors.TransportError, errors.ApiError, errors.NotFound, errors.Conflict,
                                 errors.AuthenticationFailed, errors.Forbidden, errors.InvalidInput,
                                 errors.CheckModeViolation, errors.WaitTimeout, errors.Interrupted, errors.JobsFailed])
def test_every_error_is_an_elasticsearch_error(cls):
    assert issubclass(cls, errors.ElasticsearchError)
    assert cls("x").after_lost_reply is False


@pytest.mark.parametrize("cls", [errors.NotFound, errors.Conflict, errors.AuthenticationFailed, errors.Forbidden])
def test_status_errors_are_api_errors(cls):
    assert issubclass(cls, errors.ApiError) and not issubclass(cls, errors.TransportError)


def test_after_lost_reply_is_per_error():
    lost = errors.NotFound("gone")
    lost.after_lost_reply = True
    assert errors.NotFound("gone").after_lost_reply is False
    assert errors.ElasticsearchError.after_lost_reply is False


def test_transport_error_flags_default_to_nothing_known():
    error = errors.TransportError("lost")
    assert (error.unreachable, error.retryable, error.retry_after, error.maybe_acted) == (False, False, None, False)


def test_transport_error_flags_and_details():
    error = errors.TransportError("lost", unreachable=True, retryable=True, retry_after=2.5, maybe_acted=True,
                                  status=502, url="http://es:9200/x", body="<html>proxy</html>")
    assert (error.unreachable, error.retryable, error.retry_after, error.maybe_acted) == (True, True, 2.5, True)
    assert error.details() == {"status": 502, "url": "http://es:9200/x"}


def test_api_error_keeps_retry_after():
    assert errors.ApiError("busy", retry_after=3.0, status=429).retry_after == 3.0
    assert errors.Conflict("busy").retry_after is None


def test_wait_timeout_carries_what_was_last_seen():
    error = errors.WaitTimeout("timed out", last_seen={"a": "closing"}, waited_s=3.0)
    assert (error.last_seen, error.waited_s, error.details()) == ({"a": "closing"}, 3.0, {})


def test_jobs_failed_result_defaults_to_empty():
    assert errors.JobsFailed("x").result == {}
    assert errors.JobsFailed("x", result={"jobs": []}).result == {"jobs": []}


def test_jobs_failed_wrapping_keeps_the_failure_and_adds_the_result():
    result = {"jobs": [{"job_id": "a", "action": "deleted"}], "deleted": ["a"]}
    wrapped = errors.JobsFailed.wrapping(full_error(errors.Conflict), result)
    assert isinstance(wrapped, errors.JobsFailed) and not isinstance(wrapped, errors.ApiError)
    assert (wrapped.msg, wrapped.result) == ("GET /x returned HTTP 401", result)
    assert wrapped.details() == full_error().details()
    assert wrapped.body is None


def test_jobs_failed_wrapping_a_transport_error():
    wrapped = errors.JobsFailed.wrapping(errors.TransportError("no node could be reached", url="http://es:9200/"), {})
    assert (wrapped.msg, wrapped.details(), wrapped.result) == (
        "no node could be reached", {"url": "http://es:9200/"}, {})
