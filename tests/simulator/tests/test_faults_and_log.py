"""Fault injection and the request log (admin API under /_sim, issue #2)."""

from __future__ import annotations

import json
import time

import pytest
import requests

from simhelpers import assert_es_error, seed_job

pytestmark = pytest.mark.simulator_only("fault injection and the request log are the simulator's /_sim admin API")

JOB_PATH = "/_ml/anomaly_detectors/j"


@pytest.mark.parametrize("status,etype", [
    (429, "status_exception"),
    (502, "status_exception"),
    (503, "status_exception"),
    (504, "status_exception"),
])
def test_error_fault_with_retry_after(sim, status, etype):
    sim.load(seed_job("j", "closed"))
    sim.fault(method="DELETE", path=r"/_ml/anomaly_detectors/j$", count=1, action="error",
              status=status, type=etype, reason="injected failure", retry_after=3)
    r = sim.delete_job("j")
    assert_es_error(r, status, etype, "injected failure")
    assert r.headers.get("Retry-After") == "3", dict(r.headers)
    assert sim.job_exists("j"), "a faulted request must not reach the cluster"
    r = sim.delete_job("j")
    assert (r.status_code, r.json()) == (200, {"acknowledged": True}), r.text


def test_error_fault_409_version_conflict(sim):
    sim.load(seed_job("j", "closed"))
    reason = "[anomaly_detector-j]: version conflict, required seqNo [1], primary term [1]"
    sim.fault(method="DELETE", path="anomaly_detectors/j", count=1, action="error", status=409,
              type="version_conflict_engine_exception", reason=reason)
    r = sim.delete_job("j")
    assert_es_error(r, 409, "version_conflict_engine_exception", reason)
    assert "Retry-After" not in r.headers


def test_fault_count_applies_to_n_requests(sim):
    sim.load(seed_job("j", "closed"))
    sim.fault(method="GET", path="anomaly_detectors", count=2, action="error", status=503,
              type="status_exception", reason="busy")
    codes = [sim.get_jobs("j").status_code for _ in range(4)]
    assert codes == [503, 503, 200, 200]


def test_fault_method_and_path_filter(sim):
    sim.load(seed_job("j", "closed"), seed_job("k", "closed"))
    sim.fault(method="DELETE", path="anomaly_detectors/k", count=5, action="error", status=503,
              type="status_exception", reason="busy")
    assert sim.get_jobs("k").status_code == 200          # other method
    assert sim.delete_job("j").status_code == 200        # other path
    assert sim.delete_job("k").status_code == 503        # matches


def test_fault_drop_connection(sim):
    sim.load(seed_job("j", "closed"))
    sim.fault(method="DELETE", path="anomaly_detectors/j", count=1, action="drop")
    with pytest.raises(requests.ConnectionError):
        sim.delete_job("j", session=requests.Session())
    r = sim.delete_job("j", session=requests.Session())
    assert r.status_code == 200, r.text


def test_fault_delay(sim):
    sim.load(seed_job("j", "closed"))
    sim.fault(method="GET", path="anomaly_detectors/j", count=1, action="delay", delay_s=0.3)
    t0 = time.monotonic()
    r = sim.get_jobs("j")
    elapsed = time.monotonic() - t0
    assert r.status_code == 200, r.text
    assert r.json()["jobs"][0]["job_id"] == "j"
    assert elapsed >= 0.28, elapsed
    t0 = time.monotonic()
    sim.get_jobs("j")
    assert time.monotonic() - t0 < 0.28


def test_fault_malformed_body(sim):
    sim.load(seed_job("j", "closed"))
    sim.fault(method="GET", path="anomaly_detectors/j", count=1, action="malformed", status=200)
    r = sim.get_jobs("j")
    with pytest.raises(ValueError):
        json.loads(r.content)
    assert sim.get_jobs("j").json()["count"] == 1


def test_fault_html_body(sim):
    sim.load(seed_job("j", "closed"))
    sim.fault(method="GET", path="anomaly_detectors/j", count=1, action="html", status=502)
    r = sim.get_jobs("j")
    assert r.status_code == 502
    assert "<html" in r.text.lower()
    assert "text/html" in r.headers.get("Content-Type", "")
    with pytest.raises(ValueError):
        json.loads(r.content)


def test_fault_rate_one_and_zero(sim):
    sim.load(seed_job("j", "closed"))
    sim.fault(method="GET", path="anomaly_detectors/j", count=None, rate=1.0, action="error",
              status=503, type="status_exception", reason="always")
    assert [sim.get_jobs("j").status_code for _ in range(3)] == [503, 503, 503]
    sim.admin("DELETE", "/_sim/faults")
    sim.fault(method="GET", path="anomaly_detectors/j", count=None, rate=0.0, action="error",
              status=503, type="status_exception", reason="never")
    assert [sim.get_jobs("j").status_code for _ in range(3)] == [200, 200, 200]


def test_clear_faults(sim):
    sim.load(seed_job("j", "closed"))
    sim.fault(method="GET", path=".*", count=10, action="error", status=503,
              type="status_exception", reason="busy")
    assert sim.get_jobs("j").status_code == 503
    sim.admin("DELETE", "/_sim/faults")
    assert sim.get_jobs("j").status_code == 200


def test_faults_do_not_hit_admin_api(sim):
    sim.load(seed_job("j", "opened"))
    sim.fault(method="POST", path=".*", count=10, action="error", status=503,
              type="status_exception", reason="busy")
    sim.load(seed_job("j", "opened"), seed_job("k", "closed"))  # admin POST still works
    sim.admin("POST", "/_sim/jobs/j/_fail")
    assert sim.close("j").status_code == 503   # the fault is live for ES requests
    sim.admin("DELETE", "/_sim/faults")
    assert sim.job_state("j") == "failed"


# ---- request log ------------------------------------------------------------------------

def test_request_log_order_query_status(sim):
    sim.load(seed_job("j", "opened"))
    sim.clear_log()
    sim.get("/")
    sim.close("j", "?force=true&timeout=5s")
    sim.delete_job("nope")
    sim.get_jobs("j", "?allow_no_match=false")
    log = sim.request_log()
    assert [(e["method"], e["path"]) for e in log] == [
        ("GET", "/"),
        ("POST", "/_ml/anomaly_detectors/j/_close"),
        ("DELETE", "/_ml/anomaly_detectors/nope"),
        ("GET", "/_ml/anomaly_detectors/j"),
    ], log
    assert log[0]["query"] == {}
    assert log[1]["query"] == {"force": "true", "timeout": "5s"}
    assert log[3]["query"] == {"allow_no_match": "false"}
    assert [e["status"] for e in log] == [200, 200, 404, 200]
    for e in log:
        assert isinstance(e["started"], (int, float)) and isinstance(e["ended"], (int, float)), e
        assert e["started"] <= e["ended"], e
    for a, b in zip(log, log[1:]):
        assert a["started"] <= b["started"]


def test_request_log_excludes_sim_and_clears(sim):
    sim.get("/")
    sim.sim_state()
    sim.admin("POST", "/_sim/reset")
    log = sim.request_log()
    assert all(not e["path"].startswith("/_sim") for e in log), log
    assert [e["path"] for e in log] == ["/"]
    sim.clear_log()
    assert sim.request_log() == []


def test_request_log_records_faulted_status(sim):
    sim.load(seed_job("j", "closed"))
    sim.fault(method="DELETE", path="anomaly_detectors/j", count=1, action="error", status=503,
              type="status_exception", reason="busy")
    sim.delete_job("j")
    sim.delete_job("j")
    log = sim.request_log()
    assert [e["status"] for e in log] == [503, 200], log


def test_request_log_check_mode_style_count(sim):
    """Reads only: no mutating method in the log (how check mode is proven)."""
    sim.load(seed_job("j", "opened"))
    sim.get_jobs("j")
    sim.stats("j")
    log = sim.request_log()
    assert len(log) == 2
    assert {e["method"] for e in log} == {"GET"}


# ---- lost replies, seeds, and faults in the request log -----------------------------------------

def test_lose_reply_acts_then_drops(sim):
    sim.load(seed_job("j", "closed"))
    sim.fault(method="DELETE", path="anomaly_detectors/j$", count=1, action="lose_reply")
    with pytest.raises(requests.ConnectionError):
        sim.delete_job("j", session=requests.Session())
    assert not sim.job_exists("j"), "the cluster carried the delete out before the reply was lost"
    assert_es_error(sim.delete_job("j"), 404, "resource_not_found_exception", "No known job with id 'j'")


def test_lose_reply_on_open(sim):
    sim.load(seed_job("j", "closed"))
    sim.fault(method="POST", path="_open$", count=1, action="lose_reply")
    with pytest.raises(requests.ConnectionError):
        sim.open("j", session=requests.Session())
    assert sim.job_state("j") == "opened"


def _hits(sim, seed, n=20):
    sim.admin("DELETE", "/_sim/faults")
    sim.fault(method="GET", path="anomaly_detectors/j$", count=None, rate=0.5, action="error", status=503,
              type="status_exception", reason="flaky", seed=seed)
    return [sim.get_jobs("j").status_code for _ in range(n)]


def test_seeded_rate_faults_replay(sim):
    sim.load(seed_job("j", "closed"))
    first = _hits(sim, 1234)
    assert _hits(sim, 1234) == first
    assert set(first) == {200, 503}, first
    assert _hits(sim, 99) != first


def test_fault_seed_from_start_fleet():
    from es_ml_simulator import start_fleet

    runs = []
    for _ in range(2):
        with start_fleet(clusters=1, fault_seed=7) as fleet:
            url = fleet.clusters[0].url
            session = requests.Session()
            session.trust_env = False
            session.post(url + "/_sim/faults", json={"method": "GET", "path": "^/$", "count": None, "rate": 0.5})
            runs.append([session.get(url + "/").status_code for _ in range(20)])
    assert runs[0] == runs[1] and set(runs[0]) == {200, 503}, runs


def test_request_log_names_the_fault_and_whether_the_cluster_acted(sim):
    sim.load(seed_job("j", "closed"), seed_job("k", "closed"))
    sim.fault(method="DELETE", path="anomaly_detectors/j$", count=1, action="error", status=503,
              type="status_exception", reason="busy")
    sim.fault(method="DELETE", path="anomaly_detectors/k$", count=1, action="lose_reply")
    sim.delete_job("j")
    with pytest.raises(requests.ConnectionError):
        sim.delete_job("k", session=requests.Session())
    sim.get_jobs("j")
    log = sim.request_log()
    assert [(e["status"], e["acted"]) for e in log] == [(503, False), (None, True), (200, None)], log
    assert log[0]["fault"]["index"] == 0 and log[0]["fault"]["action"] == "error"
    assert log[1]["fault"]["index"] == 1 and log[1]["fault"]["action"] == "lose_reply"
    assert log[2]["fault"] is None


def test_fault_answer_carries_its_index(sim):
    first = sim.fault(method="GET", path="x", count=1).json()["fault"]
    second = sim.fault(method="GET", path="y", count=1).json()["fault"]
    assert (first["index"], second["index"]) == (0, 1)
