"""Close job: per-state outcomes with and without force (ref §3.4), request parsing (ref §3.2)."""

from __future__ import annotations

import time

import pytest

from simhelpers import assert_es_error, in_thread, join, seed_job

OK_STATES = ["closed", "opening", "opened", "closing"]


@pytest.mark.parametrize("force", [False, True])
@pytest.mark.parametrize("state", OK_STATES)
def test_close_per_state_success(slow_sim, state, force):
    slow_sim.load(seed_job("j", state))
    r = slow_sim.close("j", "?force=true" if force else "?force=false")
    assert r.status_code == 200, r.text
    assert r.json() == {"closed": True}
    assert slow_sim.job_state("j") == "closed"


def test_close_per_state_failed_no_force(sim):
    sim.load(seed_job("j", "failed"))
    r = sim.close("j", "?force=false")
    assert_es_error(r, 409, "status_exception",
                    "cannot close job [j] because it failed, use force close")
    assert sim.job_state("j") == "failed"


def test_close_per_state_failed_force(sim):
    sim.load(seed_job("j", "failed"))
    r = sim.close("j", "?force=true")
    assert r.status_code == 200, r.text
    assert r.json() == {"closed": True}
    assert sim.job_state("j") == "closed"


def test_close_fail_admin_then_close(sim):
    """/_sim/jobs/<id>/_fail turns an opened job into failed; then it needs force."""
    sim.load(seed_job("j", "opened"))
    sim.fail_job("j")
    assert sim.job_state("j") == "failed"
    assert_es_error(sim.close("j"), 409, "status_exception",
                    "cannot close job [j] because it failed, use force close")
    assert sim.close("j", "?force=true").status_code == 200
    assert sim.job_state("j") == "closed"


@pytest.mark.parametrize("force", [False, True])
def test_close_per_state_being_deleted_without_task(sim, force):
    sim.load(seed_job("j", "closed", deleting=True))
    r = sim.close("j", f"?force={str(force).lower()}")
    assert_es_error(r, 404, "resource_not_found_exception", "No known job with id 'j'")


def test_close_being_deleted_with_task_no_force_404(sim):
    sim.load(seed_job("j", "opened", deleting=True))
    r = sim.close("j")
    assert_es_error(r, 404, "resource_not_found_exception", "No known job with id 'j'")


def test_close_being_deleted_with_task_force_200(sim):
    """ref §3.4: being deleted + force → 404 *unless a task still exists*."""
    sim.load(seed_job("j", "opened", deleting=True))
    r = sim.close("j", "?force=true")
    assert r.status_code == 200, r.text
    assert r.json() == {"closed": True}


@pytest.mark.parametrize("force", [False, True])
def test_close_per_state_unknown_id(sim, force):
    r = sim.close("nope", f"?force={str(force).lower()}")
    assert_es_error(r, 404, "resource_not_found_exception", "No known job with id 'nope'")


def test_close_closing_job_waits_for_it(slow_sim):
    """A job in `closing` is waited for (ref §3.3 step 3): the answer comes after the delay."""
    slow_sim.load(seed_job("j", "closing"))
    t0 = time.monotonic()
    r = slow_sim.close("j")
    elapsed = time.monotonic() - t0
    assert r.status_code == 200 and r.json() == {"closed": True}, r.text
    assert slow_sim.job_state("j") == "closed"
    assert elapsed < 3.0, elapsed


def test_close_failed_force_mixed_group(sim):
    sim.load(seed_job("a", "opened", groups=["g"]), seed_job("b", "failed", groups=["g"]),
             seed_job("c", "closed", groups=["g"]))
    r = sim.close("g", "?force=true")
    assert r.status_code == 200 and r.json() == {"closed": True}, r.text
    for j in "abc":
        assert sim.job_state(j) == "closed"


# ---- ref §3.2 request parsing ------------------------------------------------------------

def test_close_params_from_body_force(sim):
    sim.load(seed_job("j", "failed"))
    r = sim.close("j", json_body={"force": True})
    assert r.status_code == 200 and r.json() == {"closed": True}, r.text
    assert sim.job_state("j") == "closed"


def test_close_empty_body_object_is_accepted(sim):
    sim.load(seed_job("j", "opened"))
    r = sim.close("j", json_body={})
    assert r.status_code == 200 and r.json() == {"closed": True}, r.text


def test_close_body_allow_no_match_false(sim):
    r = sim.close("foo*", json_body={"allow_no_match": False})
    assert_es_error(r, 404, "resource_not_found_exception", "No known job with id 'foo*'")


def test_close_body_timeout_applies(sim):
    sim.load(seed_job("j", "opened"))
    sim.stick_job("j")
    r = sim.close("j", json_body={"timeout": "200ms"})
    assert_es_error(r, 500, "illegal_state_exception",
                    "Timed out when waiting for persistent tasks after 200ms")


def test_close_path_id_overrides_body_job_id(sim):
    sim.load(seed_job("j", "opened"), seed_job("other", "opened"))
    r = sim.close("j", json_body={"job_id": "other"})
    assert r.status_code == 200, r.text
    assert sim.job_state("j") == "closed"
    assert sim.job_state("other") == "opened"


@pytest.mark.parametrize("param", ["allow_no_match=false", "timeout=1s"])
def test_close_body_with_any_query_param_rejected(sim, param):
    sim.load(seed_job("j", "opened"))
    name = param.split("=")[0]
    r = sim.close("j", f"?{param}", json_body={})
    assert_es_error(r, 400, "illegal_argument_exception",
                    f"request [/_ml/anomaly_detectors/j/_close] contains unrecognized parameter: [{name}]")
    assert sim.job_state("j") == "opened"


def test_close_query_force_without_body(sim):
    sim.load(seed_job("j", "failed"))
    r = sim.close("j", "?force=true&timeout=10s&allow_no_match=true")
    assert r.status_code == 200 and r.json() == {"closed": True}, r.text


@pytest.mark.simulator_only("observes a transient state (closing) that a real cluster passes through in its own time")
def test_close_in_thread_observes_closing(slow_sim):
    slow_sim.load(seed_job("j", "opened"))
    t, h = in_thread(slow_sim.close, "j")
    seen = set()
    deadline = time.monotonic() + 3
    while t.is_alive() and time.monotonic() < deadline:
        seen.add(slow_sim.job_state("j"))
        time.sleep(0.02)
    r = join(t, h)
    assert r.status_code == 200 and r.json() == {"closed": True}
    assert "closing" in seen, seen
    assert slow_sim.job_state("j") == "closed"


def test_close_group_failed_plus_closed_says_one_or_more(sim):
    """Several resolved jobs (even if only one is failed and the other closed) → plural text."""
    sim.load(seed_job("a", "closed", groups=["g"]), seed_job("b", "failed", groups=["g"]))
    r = sim.close("g")
    assert_es_error(r, 409, "status_exception", "one or more jobs have state failed, use force close")


def test_close_stuck_job_with_force_does_not_wait(sim):
    sim.load(seed_job("j", "opened"))
    sim.stick_job("j")
    t0 = time.monotonic()
    r = sim.close("j", "?force=true&timeout=5s")
    assert (r.status_code, r.json()) == (200, {"closed": True}), r.text
    assert time.monotonic() - t0 < 2
    assert sim.job_state("j") == "closed"
