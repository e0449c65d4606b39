"""Bad requests get ES-shaped errors, never a traceback or a dropped connection; concurrency."""

from __future__ import annotations

import threading

import pytest

from simhelpers import (
    assert_es_error,
    assert_es_no_handler_or_error,
    assert_es_shaped_error,
    job_body,
    seed_job,
)


@pytest.mark.parametrize("method,path", [
    ("GET", "/_no_such_endpoint/x"),
    ("GET", "/_ml/no_such_thing/x/y/z"),
    ("POST", "/_ml/anomaly_detectors/j/_frobnicate"),
    ("PATCH", "/_ml/anomaly_detectors/j"),
    ("GET", "/_ml/anomaly_detectors/j/_close"),
])
def test_unknown_path_or_method(sim, method, path):
    sim.load(seed_job("j", "opened"))
    r = sim.req(method, path)
    assert_es_no_handler_or_error(r)
    assert sim.job_state("j") == "opened"


@pytest.mark.parametrize("body", [b"{not json", b'{"analysis_config": ', b"[1, 2]", b"\xff\xfe"])
def test_bad_json_body_on_put(sim, body):
    r = sim.put("/_ml/anomaly_detectors/j", data=body)
    if body.startswith(b"\xff"):
        assert 400 <= r.status_code < 500, r.text
    else:
        assert r.status_code == 400, r.text
    assert_es_shaped_error(r)
    assert not sim.job_exists("j")


@pytest.mark.parametrize("body", [b"{not json", b'"just a string"'])
def test_bad_json_body_on_close(sim, body):
    sim.load(seed_job("j", "opened"))
    r = sim.close("j", data=body)
    assert r.status_code == 400, r.text
    assert_es_shaped_error(r)
    assert sim.job_state("j") == "opened"


def test_put_without_body(sim):
    r = sim.put("/_ml/anomaly_detectors/j")
    assert r.status_code == 400, r.text
    assert_es_shaped_error(r)


@pytest.mark.parametrize("query", ["?force=yes", "?force=1", "?allow_no_match=nope"])
def test_bad_boolean_param(sim, query):
    sim.load(seed_job("j", "failed"))
    r = sim.close("j", query)
    assert_es_error(r, 400, "illegal_argument_exception")
    assert sim.job_state("j") == "failed"


@pytest.mark.parametrize("query", ["?wait_for_completion=maybe", "?force=TRUE1"])
def test_bad_boolean_param_on_delete(sim, query):
    sim.load(seed_job("j", "closed"))
    r = sim.delete_job("j", query)
    assert_es_error(r, 400, "illegal_argument_exception")
    assert sim.job_exists("j")


def test_bad_timeout_value(sim):
    sim.load(seed_job("j", "opened"))
    r = sim.close("j", "?timeout=soon")
    assert r.status_code == 400, r.text
    assert_es_shaped_error(r)
    assert sim.job_state("j") == "opened"


def test_connection_survives_errors(sim):
    """Keep-alive connection: errors must not poison the connection."""
    sim.load(seed_job("j", "closed"))
    for _ in range(3):
        assert sim.put("/_ml/anomaly_detectors/j", data=b"{bad").status_code == 400
        assert sim.get("/_nope/x").status_code >= 400
        assert sim.get_jobs("j").status_code == 200


def test_twenty_threads_hammering_one_cluster(sim):
    n = 20
    sim.load(*[seed_job(f"job-{i:02d}", "closed", groups=["all"]) for i in range(n)])
    sim.clear_log()
    errors: list = []
    counts = [0] * n
    barrier = threading.Barrier(n, timeout=60)

    def worker(i):
        jid = f"job-{i:02d}"
        import requests

        s = requests.Session()
        s.trust_env = False
        try:
            for _ in range(4):
                for method, path, ok in (
                    ("POST", f"/_ml/anomaly_detectors/{jid}/_open", {200}),
                    ("GET", f"/_ml/anomaly_detectors/{jid}/_stats", {200}),
                    ("GET", "/_ml/anomaly_detectors/all", {200}),
                    ("POST", f"/_ml/anomaly_detectors/{jid}/_close", {200}),
                ):
                    r = s.request(method, sim.url + path, timeout=30)
                    counts[i] += 1
                    if r.status_code not in ok:
                        errors.append((jid, method, path, r.status_code, r.text[:200]))
                    elif path.endswith("/all"):
                        if r.json()["count"] != n:
                            errors.append((jid, "count", r.json()["count"]))
            barrier.wait()  # everyone has stopped reading the group before anyone deletes
            r = s.delete(sim.url + f"/_ml/anomaly_detectors/{jid}", timeout=30)
            counts[i] += 1
            if r.status_code != 200:
                errors.append((jid, "delete", r.status_code, r.text[:200]))
        except Exception as exc:  # noqa: BLE001
            errors.append((jid, repr(exc)))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    log = sim.request_log()
    assert len(log) == sum(counts), (len(log), sum(counts))
    assert all(e["status"] == 200 for e in log)
    r = sim.get_jobs("_all")
    assert r.status_code == 200 and r.json()["count"] == 0, r.text
