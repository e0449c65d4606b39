# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults: retried statuses and dropped connections, what is never retried, fail-over, lost
replies, conflicts, a close that outlasts its timeout, and answers that are not Elasticsearch's."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from es_ml_simulator import start_fleet

from harness import Batch, closed, opened, refused_port

CLOSE = r"/_ml/anomaly_detectors/web-1/_close$"
DELETE = r"/_ml/anomaly_detectors/web-1$"
STATS = r"/_ml/anomaly_detectors/web-1\*/_stats$"
JOBS = r"/_ml/anomaly_detectors/web-1\*$"

SPECS = [
    ("429-retry-after", dict(
        module="ml_job_close", args={"job_id": "web-1"}, jobs=[opened("web-1")],
        faults=[dict(method="POST", path=CLOSE, status=429, retry_after=1)])),
    ("502-twice", dict(
        module="ml_job_close", args={"job_id": "web-1"}, jobs=[opened("web-1")],
        faults=[dict(method="POST", path=CLOSE, status=502, count=2)])),
    ("503-on-delete", dict(
        module="ml_job_delete", args={"job_id": "web-1"}, jobs=[closed("web-1")],
        faults=[dict(method="DELETE", path=DELETE, status=503)])),
    ("504-on-read", dict(
        module="ml_job_info", args={"job_id": "web-1"}, jobs=[opened("web-1")],
        faults=[dict(method="GET", path=STATS, status=504)])),
    ("dropped-connection", dict(
        module="ml_job_close", args={"job_id": "web-1"}, jobs=[opened("web-1")],
        faults=[dict(method="POST", path=CLOSE, action="drop")])),
    ("retries-exhausted", dict(
        module="ml_job_close", args={"job_id": "web-1", "retries": 1}, jobs=[opened("web-1")],
        faults=[dict(method="POST", path=CLOSE, status=503, count=2)])),
    ("400-not-retried", dict(
        module="ml_job_close", args={"job_id": "web-1"}, jobs=[opened("web-1")],
        faults=[dict(method="POST", path=CLOSE, status=400, type="illegal_argument_exception",
                     reason="simulated bad request")])),
    ("403-not-retried", dict(
        module="ml_job_delete", args={"job_id": "web-1"}, jobs=[closed("web-1")],
        faults=[dict(method="DELETE", path=DELETE, status=403, type="security_exception",
                     reason="simulated forbidden")])),
    ("failover", dict(
        module="ml_job_close", args={"job_id": "web-1"}, jobs=[opened("web-1")],
        hosts=lambda url: ["http://127.0.0.1:%d" % refused_port(), url])),
    ("all-hosts-refuse", dict(
        module="ml_job_close", args={"job_id": "web-1", "retries": 1}, jobs=[opened("web-1")],
        hosts=lambda url: ["http://127.0.0.1:%d" % refused_port(), "http://127.0.0.1:%d" % refused_port()])),
    ("delete-reply-lost", dict(
        module="ml_job_delete", args={"job_id": "web-1"}, jobs=[closed("web-1")],
        proxy=[dict(method="DELETE", path=DELETE, action="drop_reply")])),
    ("delete-reply-lost-sim", dict(
        module="ml_job_delete", args={"job_id": "web-1"}, jobs=[closed("web-1")],
        faults=[dict(method="DELETE", path=DELETE, action="lose_reply")])),
    ("close-reply-lost", dict(
        module="ml_job_close", args={"job_id": "web-1"}, jobs=[opened("web-1")],
        proxy=[dict(method="POST", path=CLOSE, action="drop_reply")])),
    ("delete-409-conflict", dict(
        module="ml_job_delete", args={"job_id": "web-1"}, jobs=[closed("web-1")],
        faults=[dict(method="DELETE", path=DELETE, status=409, type="version_conflict_engine_exception",
                     reason="[web-1]: version conflict, required seqNo [3], primary term [1]. current document "
                            "has seqNo [4] and primary term [1]")])),
    ("close-timeout", dict(
        module="ml_job_close", args={"job_id": "web-1", "timeout": "1s"}, jobs=[opened("web-1")],
        setup=lambda sim: sim.stick_job("web-1"))),
    ("malformed-json", dict(
        module="ml_job_info", args={"job_id": "web-1"}, jobs=[opened("web-1")],
        faults=[dict(method="GET", path=JOBS, action="malformed")])),
    ("html-from-proxy", dict(
        module="ml_job_close", args={"job_id": "web-1", "retries": 1}, jobs=[opened("web-1")],
        faults=[dict(method="POST", path=CLOSE, action="html", count=2)])),
    ("empty-body", dict(
        module="ml_job_close", args={"job_id": "web-1"}, jobs=[opened("web-1")],
        proxy=[dict(method="GET", path=STATS, action="empty", status=200)])),
    ("closed-false", dict(
        module="ml_job_close", args={"job_id": "web-1"}, jobs=[opened("web-1")],
        proxy=[dict(method="POST", path=CLOSE, action="body", status=200, body={"closed": False})])),
]


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    with start_fleet(clusters=len(SPECS)) as fleet:
        faults = Batch(str(tmp_path_factory.mktemp("faults")), fleet.clusters, SPECS)
        faults.run("faults")
        yield faults


def params(*rows):
    return [pytest.param(*row, id=row[0]) for row in rows]


def job_state(case, job_id="web-1"):
    states = dict((j["job_id"], j["state"]) for j in case.sim.state()["jobs"])
    return states.get(job_id, "absent")


def test_429_with_retry_after_is_retried_after_the_wait(batch, record):
    case = batch["429-retry-after"]
    close = case.matching("POST", CLOSE)
    gap = close[1]["started"] - close[0]["ended"] if len(close) == 2 else None
    record("429 with Retry-After", "POST _close → 429 `es_rejected_execution_exception`, `Retry-After: 1`, once",
           case.did("closed") + "; waited %.1fs before the retry" % gap if gap else case.did(),
           " / ".join(case.result.get("warnings", [])), case.seen("POST", CLOSE))
    assert not case.failed and case.result["closed"] == ["web-1"]
    assert case.statuses("POST", CLOSE) == [429, 200]
    # Without Retry-After the first backoff is at most 0.5 s: a gap of 1 s is the header honoured.
    assert 0.95 <= gap < 5
    assert any("retrying in 1.0s" in w for w in case.result["warnings"])
    assert job_state(case) == "closed"


@pytest.mark.parametrize("case_id, method, path, statuses, title, given", params(
    ("502-twice", "POST", CLOSE, [502, 502, 200], "502 twice", "POST _close → 502 `bad_gateway`, twice"),
    ("503-on-delete", "DELETE", DELETE, [503, 200], "503 on a delete", "DELETE job → 503, once"),
    ("504-on-read", "GET", STATS, [504, 200], "504 on a read", "GET _stats → 504 `gateway_timeout`, once"),
    ("dropped-connection", "POST", CLOSE, [None, 200], "Dropped connection",
     "POST _close: connection closed without an answer (before the cluster acts), once"),
))
def test_retryable_faults_are_retried_then_succeed(batch, record, case_id, method, path, statuses, title, given):
    case = batch[case_id]
    record(title, given, case.did("closed", "deleted", "exists"), " / ".join(case.result.get("warnings", [])),
           case.seen(method, path))
    assert not case.failed, case.msg
    assert case.statuses(method, path) == statuses
    assert len(case.result.get("warnings", [])) == len(statuses) - 1
    expected = {"POST": "closed", "DELETE": "absent", "GET": "opened"}[method]
    assert job_state(case) == expected


def test_exhausted_retries_fail_naming_the_status(batch, record):
    case = batch["retries-exhausted"]
    record("Retries exhausted", "`retries: 1`; POST _close → 503, twice", case.did(), case.msg,
           case.seen("POST", CLOSE))
    assert case.failed
    assert "HTTP 503" in case.msg and "unavailable_shards_exception" in case.msg
    assert case.statuses("POST", CLOSE) == [503, 503]
    assert job_state(case) == "opened"
    case.assert_no_traceback()


@pytest.mark.parametrize("case_id, method, path, status, title, given", params(
    ("400-not-retried", "POST", CLOSE, 400, "400 never retried", "POST _close → 400 `illegal_argument_exception`"),
    ("403-not-retried", "DELETE", DELETE, 403, "403 never retried", "DELETE job → 403 `security_exception`"),
))
def test_other_4xx_are_never_retried(batch, record, case_id, method, path, status, title, given):
    case = batch[case_id]
    record(title, given, case.did(), case.msg, case.seen(method, path))
    assert case.failed
    assert "HTTP %d" % status in case.msg
    assert case.statuses(method, path) == [status]
    assert not case.result.get("warnings")
    case.assert_no_traceback()


def test_a_host_refusing_connections_is_skipped(batch, record):
    case = batch["failover"]
    record("Fail-over", "`hosts`: a port that refuses connections, then the cluster", case.did("closed"),
           case.msg, case.seen("POST", CLOSE))
    assert not case.failed, case.msg
    assert case.result["closed"] == ["web-1"]
    assert case.statuses("POST", CLOSE) == [200]
    assert job_state(case) == "closed"


def test_no_host_reachable_fails_naming_them(batch, record):
    case = batch["all-hosts-refuse"]
    record("Every host refuses", "`hosts`: two ports that refuse connections; `retries: 1`", case.did(), case.msg,
           ["(the cluster saw %d requests)" % len(case.requests)])
    assert case.failed
    assert "no Elasticsearch node could be reached" in case.msg
    for host in case.hosts:
        assert host in case.msg
    assert case.requests == []
    case.assert_no_traceback()


def test_a_delete_whose_reply_was_lost_ends_as_success(batch, record):
    case = batch["delete-reply-lost"]
    record("Delete reply lost (*proxy*)",
           "DELETE job reaches the cluster and succeeds; the proxy then closes the connection without the answer",
           case.did("deleted", "already_absent"), " / ".join(case.result.get("warnings", [])),
           case.seen("DELETE", DELETE))
    assert not case.failed, case.msg
    assert case.statuses("DELETE", DELETE) == [200, 404]
    assert [e["rule"] for e in case.proxy.log if e["method"] == "DELETE"] == ["drop_reply", None]
    # This run's delete did it; the 404 of the retry is its own work, not someone else's.
    assert case.result["deleted"] == ["web-1"] and case.result["already_absent"] == []
    assert case.result["changed"] is True
    assert job_state(case) == "absent"


def test_a_delete_whose_reply_the_cluster_lost_counts_as_this_runs(batch, record):
    case = batch["delete-reply-lost-sim"]
    record("Delete reply lost by the cluster",
           "the simulator's `lose_reply` fault: the DELETE is carried out, then the connection drops unanswered",
           case.did("deleted", "already_absent"), " / ".join(case.result.get("warnings", [])),
           case.seen("DELETE", DELETE))
    assert not case.failed, case.msg
    assert case.result["deleted"] == ["web-1"] and case.result["already_absent"] == []
    assert case.result["changed"] is True
    assert job_state(case) == "absent"


def test_a_close_whose_reply_was_lost_ends_as_success(batch, record):
    case = batch["close-reply-lost"]
    record("Close reply lost (*proxy*)",
           "POST _close reaches the cluster and succeeds; the proxy then closes the connection without the answer",
           case.did("closed", "already_closed"), " / ".join(case.result.get("warnings", [])),
           case.seen("POST", CLOSE))
    assert not case.failed, case.msg
    assert case.statuses("POST", CLOSE) == [200, 200]
    assert job_state(case) == "closed"


def test_a_version_conflict_on_delete_is_retried(batch, record):
    case = batch["delete-409-conflict"]
    record("409 version conflict on delete", "DELETE job → 409 `version_conflict_engine_exception`, once",
           case.did("deleted"), " / ".join(case.result.get("warnings", [])), case.seen("DELETE", DELETE))
    assert not case.failed, case.msg
    assert case.result["deleted"] == ["web-1"]
    assert case.statuses("DELETE", DELETE) == [409, 200]
    assert job_state(case) == "absent"


def test_a_close_outlasting_its_timeout_names_the_job_and_its_state(batch, record):
    case = batch["close-timeout"]
    record("Close outlasts `timeout`", "`_stick` on web-1, `timeout: 1s`", case.did("closed"), case.msg,
           case.seen("POST", CLOSE))
    assert case.failed
    assert "web-1 (closing)" in case.msg and "1s" in case.msg
    assert case.result["closed"] == []
    assert [(j["job_id"], j["action"], j["state"]) for j in case.result["jobs"]] == [("web-1", "timed_out", "closing")]
    assert case.statuses("POST", CLOSE) == [500]
    assert not case.matching("DELETE", ".")
    case.assert_no_traceback()


@pytest.mark.parametrize("case_id, method, path, statuses, title, given, expect", params(
    ("malformed-json", "GET", JOBS, [200], "Malformed JSON", "GET jobs → 200 with truncated JSON",
     "answered HTTP 200 with a body that is not JSON"),
    ("html-from-proxy", "POST", CLOSE, [502, 502], "HTML page from a proxy",
     "POST _close → 502 `text/html` error page, twice; `retries: 1`", "is a proxy in front of the cluster?"),
    ("empty-body", "GET", STATS, [], "Empty body (*proxy*)", "GET _stats → 200 with an empty body",
     "answered HTTP 200 with an empty body"),
    ("closed-false", "POST", CLOSE, [], "200 with `closed: false` (*proxy*)",
     "POST _close → 200 `{\"closed\": false}`", "instead of closed: true"),
))
def test_answers_that_are_not_elasticsearch_fail_clearly(batch, record, case_id, method, path, statuses, title,
                                                         given, expect):
    case = batch[case_id]
    record(title, given, case.did(), case.msg, case.seen(method, path))
    assert case.failed
    assert expect in case.msg
    assert case.statuses(method, path) == statuses
    if case.proxy:
        assert [e["rule"] for e in case.proxy.log if e["rule"]] == [case.spec["proxy"][0]["action"]]
    case.assert_no_traceback()
