# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AnsibleModule adapter: signals stop the writes, requests are parsed before any is sent,
and every error becomes one failure result."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import signal
import threading

import pytest

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _ansible_module as adapter
from ansible_collections.mlops.elasticsearch.plugins.module_utils import _transport as transport_module
from ansible_collections.mlops.elasticsearch.plugins.module_utils._errors import (
    ApiError,
    ElasticsearchError,
    InvalidInput,
    JobsFailed,
)
from ansible_collections.mlops.elasticsearch.tests.unit.utils import es
from ansible_collections.mlops.elasticsearch.tests.unit.utils.scripted_http import ScriptedSession

PARAMS = dict(hosts=["http://es:9200"], username=None, password=None, api_key=None, bearer_token=None,
              ca_path=None, client_cert=None, client_key=None, validate_certs=True, request_timeout=30.0,
              retries=3, job_id=["a"])


class StopFlag:
    """The transport's side of stop_on_signals."""

    def __init__(self):
        self.stops = 0

    def stop(self):
        self.stops += 1


class Handlers:
    """Recording handlers installed as "what was there before", restored at the end."""

    def __init__(self):
        self.received = []
        self.saved = dict((number, signal.getsignal(number)) for number in adapter.STOP_SIGNALS)
        for number in adapter.STOP_SIGNALS:
            signal.signal(number, self.handler)

    def handler(self, number, frame):
        self.received.append(number)

    def restore(self):
        for number, handler in self.saved.items():
            signal.signal(number, handler)


@pytest.fixture
def handlers():
    installed = Handlers()
    yield installed
    installed.restore()


def signal_self(number):
    os.kill(os.getpid(), number)


# --- stop_on_signals ---------------------------------------------------------------------------------

@pytest.mark.parametrize("number", adapter.STOP_SIGNALS, ids=["SIGINT", "SIGTERM"])
def test_the_first_signal_stops_the_transport_and_does_not_raise(handlers, number):
    flag = StopFlag()
    with adapter.stop_on_signals(flag):
        signal_self(number)
        assert flag.stops == 1
    assert handlers.received == []


@pytest.mark.parametrize("first, second", [(signal.SIGINT, signal.SIGINT), (signal.SIGTERM, signal.SIGINT),
                                           (signal.SIGINT, signal.SIGTERM)])
def test_a_second_signal_acts_as_before(handlers, first, second):
    flag = StopFlag()
    with adapter.stop_on_signals(flag):
        signal_self(first)
        signal_self(second)
    assert (flag.stops, handlers.received) == (1, [second])


def test_a_second_sigint_with_the_default_handler_raises_keyboard_interrupt():
    flag = StopFlag()
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            with adapter.stop_on_signals(flag):
                signal_self(signal.SIGINT)
                signal_self(signal.SIGINT)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert flag.stops == 1


@pytest.mark.parametrize("signalled", [False, True])
def test_the_handlers_are_restored_afterwards(handlers, signalled):
    with adapter.stop_on_signals(StopFlag()):
        assert all(signal.getsignal(number) != handlers.handler for number in adapter.STOP_SIGNALS)
        if signalled:
            signal_self(signal.SIGINT)
    assert [signal.getsignal(number) for number in adapter.STOP_SIGNALS] == [handlers.handler] * 2


def test_the_handlers_are_restored_when_the_body_raises(handlers):
    with pytest.raises(ValueError):
        with adapter.stop_on_signals(StopFlag()):
            raise ValueError("boom")
    assert [signal.getsignal(number) for number in adapter.STOP_SIGNALS] == [handlers.handler] * 2


def test_outside_the_main_thread_no_handler_is_set(handlers):
    seen = []

    def body():
        with adapter.stop_on_signals(StopFlag()):
            seen.append([signal.getsignal(number) for number in adapter.STOP_SIGNALS])

    worker = threading.Thread(target=body)
    worker.start()
    worker.join()
    assert seen == [[handlers.handler] * 2]


# --- failure_result ----------------------------------------------------------------------------------

def test_failure_result_holds_the_message_the_details_and_the_per_job_result():
    error = JobsFailed("job [a] is opened", result={"jobs": [{"job_id": "a"}], "changed": False, "msg": "inner"},
                       status=409, error_type="status_exception", reason="opened", url="http://es:9200/x",
                       body={"error": "secret body"})
    result = adapter.failure_result("Failed to delete jobs", error)
    assert result.pop("skipped_nodes", []) == []
    assert result == {"msg": "Failed to delete jobs: job [a] is opened", "status": 409,
                      "error_type": "status_exception", "reason": "opened", "url": "http://es:9200/x",
                      "jobs": [{"job_id": "a"}], "changed": False}


def test_failure_result_of_an_error_without_details():
    result = adapter.failure_result("Failed to read jobs", InvalidInput("job_id is empty"))
    result.pop("skipped_nodes", None)
    assert result == {"msg": "Failed to read jobs: job_id is empty"}


# --- execute and run ---------------------------------------------------------------------------------

class Cluster:
    """Transports the adapter builds, over one scripted session."""

    def __init__(self, monkeypatch, *script):
        self.http = ScriptedSession(script)
        self.built = []
        real = transport_module.Transport

        def build(**kwargs):
            self.built.append(kwargs)
            return real(session=self.http, sleep=lambda seconds: None, **kwargs)

        monkeypatch.setattr(transport_module, "Transport", build)


def refuse(params):
    raise InvalidInput("job_id 'A' is not a job id")


def never(api, request, check_mode, diff):
    raise AssertionError("the operation ran")


def test_execute_parses_before_anything_is_sent(monkeypatch):
    cluster = Cluster(monkeypatch)
    with pytest.raises(InvalidInput, match="job_id 'A' is not a job id"):
        adapter.execute(never, refuse, PARAMS, False, False, None)
    assert cluster.http.calls == [] and cluster.built == []


def test_execute_runs_the_operation_on_the_connected_cluster(monkeypatch):
    cluster = Cluster(monkeypatch, es.get_root("7.17.24"))
    seen = []

    def operation(api, request, check_mode, diff):
        seen.append((api.release.number, request, check_mode, diff))
        return {"changed": False}

    warnings = []
    result = adapter.execute(operation, lambda params: params["job_id"], PARAMS, True, True, warnings.append)
    assert seen == [("7.17.24", ["a"], True, True)]
    assert result.pop("skipped_nodes", []) == [] and result == {"changed": False}
    (kwargs,) = cluster.built
    assert (kwargs["hosts"], kwargs["check_mode"], kwargs["retries"]) == (["http://es:9200"], True, 3)
    assert "job_id" not in kwargs
    cluster.http.assert_done()


def test_execute_lets_the_operations_error_through(monkeypatch):
    Cluster(monkeypatch, es.get_root())
    error = ApiError("GET /x returned HTTP 500", status=500)

    def operation(api, request, check_mode, diff):
        raise error

    with pytest.raises(ApiError) as exc:
        adapter.execute(operation, lambda params: None, PARAMS, False, False, None)
    assert exc.value is error


class Exit(Exception):
    pass


class FakeModule:
    """The part of AnsibleModule that run() uses; exit_json and fail_json end the run."""

    def __init__(self, params, check_mode=False):
        self.params = params
        self.check_mode = check_mode
        self._diff = False
        self.warnings = []

    def warn(self, message):
        self.warnings.append(message)

    def exit_json(self, **result):
        raise Exit("exit", result)

    def fail_json(self, **result):
        raise Exit("fail", result)


def test_run_turns_an_error_into_one_failure(monkeypatch):
    cluster = Cluster(monkeypatch)
    with pytest.raises(Exit) as exc:
        adapter.run(FakeModule(PARAMS), never, refuse, "Failed to close jobs")
    how, result = exc.value.args
    assert (how, result["msg"]) == ("fail", "Failed to close jobs: job_id 'A' is not a job id")
    assert cluster.http.calls == []


def test_run_exits_with_the_operations_result(monkeypatch):
    Cluster(monkeypatch, es.get_root())
    with pytest.raises(Exit) as exc:
        adapter.run(FakeModule(PARAMS), lambda api, request, check_mode, diff: {"changed": True, "jobs": []},
                    lambda params: None, "Failed to close jobs")
    how, result = exc.value.args
    result.pop("skipped_nodes", None)
    assert (how, result) == ("exit", {"changed": True, "jobs": []})


def test_run_without_requests_fails_before_anything_is_built(monkeypatch):
    cluster = Cluster(monkeypatch)
    monkeypatch.setattr(transport_module, "HAS_REQUESTS", False)
    monkeypatch.setattr(transport_module, "REQUESTS_IMPORT_ERROR", "ModuleNotFoundError: No module named 'requests'")
    with pytest.raises(Exit) as exc:
        adapter.run(FakeModule(PARAMS), never, refuse, "Failed to close jobs")
    how, result = exc.value.args
    assert how == "fail" and "(requests)" in result["msg"] and "No module named" in result["exception"]
    assert cluster.built == []


def test_run_catches_only_elasticsearch_errors(monkeypatch):
    Cluster(monkeypatch)

    def crash(params):
        raise KeyError("a bug")

    with pytest.raises(KeyError):
        adapter.run(FakeModule(PARAMS), never, crash, "Failed to close jobs")
    assert issubclass(InvalidInput, ElasticsearchError)
