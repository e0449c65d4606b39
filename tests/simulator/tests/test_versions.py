"""Release differences (ref §7, §3.5, §4.4, §2.4, §4.1)."""

from __future__ import annotations

import time

import pytest

from simhelpers import (
    ALL_VERSIONS,
    assert_es_error,
    assert_es_no_handler_or_error,
    assert_es_shaped_error,
    in_thread,
    join,
    seed_job,
    vtuple,
)

NF = "resource_not_found_exception"


def _did_you_mean_ok(reason, base, suggestion):
    """ref §1.2: an unrecognized parameter *may* carry a ` -> did you mean [x]?` suffix."""
    assert reason in (base, f"{base} -> did you mean [{suggestion}]?"), reason


# ---- path prefix -----------------------------------------------------------------------

@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_ml_path_prefix(make_sim, version):
    sim = make_sim(version)
    sim.load(seed_job("j", "opened"))
    expected = "/_xpack/ml" if vtuple(version) < (7, 0, 0) else "/_ml"
    assert sim.ml == expected
    r = sim.get(f"{expected}/anomaly_detectors/j")
    assert r.status_code == 200, r.text
    r = sim.post(f"{expected}/anomaly_detectors/j/_close")
    assert (r.status_code, r.json()) == (200, {"closed": True}), r.text


def test_6x_has_no_ml_prefix(make_sim):
    sim = make_sim("6.8.23")
    sim.load(seed_job("j", "opened"))
    r = sim.post("/_ml/anomaly_detectors/j/_close")
    assert_es_no_handler_or_error(r)
    assert sim.job_state("j") == "opened"


def test_6x_unknown_param_path_in_message(make_sim):
    sim = make_sim("6.8.23")
    sim.load(seed_job("j", "opened"))
    r = sim.post("/_xpack/ml/anomaly_detectors/j/_close?foo=1")
    assert_es_error(r, 400, "illegal_argument_exception",
                    "request [/_xpack/ml/anomaly_detectors/j/_close] contains unrecognized parameter: [foo]")


@pytest.mark.parametrize("version", ["7.13.4", "7.17.20"])
def test_7x_still_serves_deprecated_xpack_prefix(make_sim, version):
    sim = make_sim(version)
    sim.load(seed_job("j", "opened"))
    r = sim.get("/_xpack/ml/anomaly_detectors/j")
    assert r.status_code == 200, r.text
    assert r.json()["jobs"][0]["job_id"] == "j"


def test_9x_has_no_xpack_prefix(make_sim):
    sim = make_sim("9.1.0")
    sim.load(seed_job("j", "opened"))
    r = sim.get("/_xpack/ml/anomaly_detectors/j")
    assert_es_no_handler_or_error(r)


def test_8x_xpack_prefix_only_with_compat_7(make_sim):
    sim = make_sim("8.15.0")
    sim.load(seed_job("j", "opened"))
    r = sim.get("/_xpack/ml/anomaly_detectors/j")
    assert_es_no_handler_or_error(r)
    mt = "application/vnd.elasticsearch+json; compatible-with=7"
    r = sim.get("/_xpack/ml/anomaly_detectors/j", headers={"Accept": mt})
    assert r.status_code == 200, r.text


# ---- allow_no_jobs / allow_no_match -------------------------------------------------------

def test_6x_close_allow_no_jobs(make_sim):
    sim = make_sim("6.8.23")
    r = sim.post("/_xpack/ml/anomaly_detectors/foo*/_close?allow_no_jobs=false")
    assert_es_error(r, 404, NF, "No known job with id 'foo*'")
    r = sim.post("/_xpack/ml/anomaly_detectors/foo*/_close?allow_no_jobs=true")
    assert (r.status_code, r.json()) == (200, {"closed": True}), r.text


def test_6x_close_allow_no_match_unrecognized(make_sim):
    sim = make_sim("6.8.23")
    r = sim.post("/_xpack/ml/anomaly_detectors/foo*/_close?allow_no_match=false")
    err = assert_es_error(r, 400, "illegal_argument_exception")
    _did_you_mean_ok(err["reason"],
                     "request [/_xpack/ml/anomaly_detectors/foo*/_close] contains unrecognized "
                     "parameter: [allow_no_match]", "allow_no_jobs")


@pytest.mark.parametrize("version", ["7.13.4", "7.14.2", "7.17.20"])
def test_7x_close_accepts_both_params(make_sim, version):
    sim = make_sim(version)
    for param in ("allow_no_match", "allow_no_jobs"):
        r = sim.close("foo*", f"?{param}=false")
        assert_es_error(r, 404, NF, "No known job with id 'foo*'")


@pytest.mark.parametrize("version", ["8.6.2", "8.15.0", "9.1.0"])
def test_8x_close_allow_no_jobs_unrecognized(make_sim, version):
    sim = make_sim(version)
    r = sim.close("foo*", "?allow_no_jobs=false")
    err = assert_es_error(r, 400, "illegal_argument_exception")
    _did_you_mean_ok(err["reason"],
                     "request [/_ml/anomaly_detectors/foo*/_close] contains unrecognized "
                     "parameter: [allow_no_jobs]", "allow_no_match")


# ---- delete_user_annotations -----------------------------------------------------------------

@pytest.mark.parametrize("version", ["7.17.20", "8.6.2"])
def test_delete_user_annotations_unknown_before_87(make_sim, version):
    sim = make_sim(version)
    sim.load(seed_job("j", "closed"))
    r = sim.delete_job("j", "?delete_user_annotations=true")
    assert_es_error(r, 400, "illegal_argument_exception",
                    "request [/_ml/anomaly_detectors/j] contains unrecognized parameter: "
                    "[delete_user_annotations]")
    assert sim.job_exists("j")


@pytest.mark.parametrize("version", ["8.15.0", "9.1.0"])
def test_delete_user_annotations_accepted_from_87(make_sim, version):
    sim = make_sim(version)
    sim.load(seed_job("j", "closed"))
    r = sim.delete_job("j", "?delete_user_annotations=true")
    assert (r.status_code, r.json()) == (200, {"acknowledged": True}), r.text


# ---- close with started datafeed / delete with datafeed ----------------------------------------

@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_close_with_started_datafeed_by_version(make_sim, version):
    sim = make_sim(version)
    sim.load(seed_job("j", "opened", datafeed="started", datafeed_id="df"))
    r = sim.close("j")
    if vtuple(version) < (7, 14, 0):
        assert_es_error(r, 409, "status_exception",
                        "cannot close job datafeed [df] hasn't been stopped")
        assert sim.job_state("j") == "opened"
    else:
        assert (r.status_code, r.json()) == (200, {"closed": True}), r.text
        assert sim.job_state("j") == "closed"
        assert sim.datafeed_state("df") == "stopped"


@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_delete_with_datafeed_by_version(make_sim, version):
    sim = make_sim(version)
    sim.load(seed_job("j", "opened", datafeed="started", datafeed_id="df"))
    r = sim.delete_job("j", "?force=true")
    if vtuple(version) < (7, 15, 0):
        assert_es_error(r, 409, "status_exception",
                        "Cannot delete job [j] because datafeed [df] refers to it")
        assert sim.job_exists("j") and sim.datafeed_exists("df")
    else:
        assert (r.status_code, r.json()) == (200, {"acknowledged": True}), r.text
        assert not sim.job_exists("j") and not sim.datafeed_exists("df")


# ---- deleting vs blocked ------------------------------------------------------------------

@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_seeded_deleting_flag_rendering(make_sim, version):
    sim = make_sim(version)
    sim.load(seed_job("j", "closed", deleting=True), seed_job("k", "closed"))
    doc = sim.job_doc("j")
    assert doc.get("deleting") is True, doc
    if vtuple(version) >= (7, 14, 0):
        assert doc.get("blocked", {}).get("reason") == "delete", doc
    else:
        assert "blocked" not in doc, doc
    other = sim.job_doc("k")
    assert other.get("deleting") in (None, False), other
    assert "blocked" not in other, other


@pytest.mark.simulator_only("observes a transient state (deleting) that a real cluster passes through in its own time")
@pytest.mark.parametrize("version", ["7.13.4", "7.14.2", "8.15.0"])
def test_deleting_vs_blocked_during_delete(make_sim, version):
    sim = make_sim(version, delays="slow")
    sim.load(seed_job("j", "closed"))
    t, h = in_thread(sim.delete_job, "j")
    doc = None
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        r = sim.get_jobs("j")
        if r.status_code == 200 and r.json()["jobs"][0].get("deleting"):
            doc = r.json()["jobs"][0]
            break
        time.sleep(0.01)
    r = join(t, h)
    assert r.status_code == 200, r.text
    assert doc is not None, "never saw deleting: true while the delete ran"
    if vtuple(version) >= (7, 14, 0):
        assert doc["blocked"]["reason"] == "delete", doc
    else:
        assert "blocked" not in doc, doc


@pytest.mark.parametrize("version", ["7.13.4", "7.17.20", "8.6.2", "9.1.0"])
def test_async_delete_by_version(make_sim, version):
    """ref §7: delete wait_for_completion is in the 7.x spec and every later release."""
    import re

    sim = make_sim(version)
    sim.load(seed_job("j", "closed"))
    r = sim.delete_job("j", "?wait_for_completion=false")
    assert r.status_code == 200, r.text
    task = r.json()["task"]
    assert re.fullmatch(r"[^:\s]+:\d+", task), task
    deadline = time.monotonic() + 5
    while True:
        body = sim.get(f"/_tasks/{task}").json()
        if body["completed"] or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert body["completed"] is True and body["response"] == {"acknowledged": True}, body


@pytest.mark.parametrize("version", ["6.8.23", "8.15.0"])
def test_unknown_param_did_you_mean_optional(make_sim, version):
    sim = make_sim(version)
    sim.load(seed_job("j", "failed"))
    r = sim.close("j", "?forse=true")
    err = assert_es_error(r, 400, "illegal_argument_exception")
    _did_you_mean_ok(err["reason"], f"request [{sim.ml}/anomaly_detectors/j/_close] contains "
                                    "unrecognized parameter: [forse]", "force")
    assert sim.job_state("j") == "failed"
