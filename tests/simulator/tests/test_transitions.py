"""State transitions over simulated time (ref §2.3, §2.4, §3.3, §4.2)."""

from __future__ import annotations

import time

import pytest

from simhelpers import SLOW, assert_es_error, in_thread, join, job_body, seed_job


def _observe(sim, job_id, while_alive, interval=0.01):
    seen = []
    while while_alive.is_alive():
        r = sim.stats(job_id)
        if r.status_code == 200:
            st = r.json()["jobs"][0]["state"]
            if not seen or seen[-1] != st:
                seen.append(st)
        time.sleep(interval)
    return seen


def test_seeded_opening_becomes_opened(slow_sim):
    slow_sim.load(seed_job("j", "opening"))
    assert slow_sim.job_state("j") == "opening"
    waited = slow_sim.wait_state("j", "opened", timeout=5)
    assert waited < 3, waited


def test_seeded_closing_becomes_closed(slow_sim):
    slow_sim.load(seed_job("j", "closing"))
    assert slow_sim.job_state("j") == "closing"
    slow_sim.wait_state("j", "closed", timeout=5)


@pytest.mark.simulator_only("observes a transient state (opening) that a real cluster passes through in its own time")
def test_open_closed_job_goes_through_opening(slow_sim):
    slow_sim.load(seed_job("j", "closed"))
    t, h = in_thread(slow_sim.open, "j")
    seen = _observe(slow_sim, "j", t)
    r = join(t, h)
    assert r.status_code == 200, r.text
    assert r.json()["opened"] is True
    # open returns once the job is opened
    assert slow_sim.job_state("j") == "opened"
    assert "opening" in seen, seen


def test_put_open_close_delete_lifecycle(sim):
    assert sim.put(sim.jobs_path("j"), json_body=job_body()).status_code == 200
    assert sim.job_state("j") == "closed"
    r = sim.open("j")
    assert r.status_code == 200 and r.json()["opened"] is True, r.text
    assert sim.job_state("j") == "opened"
    r = sim.close("j")
    assert (r.status_code, r.json()) == (200, {"closed": True})
    assert sim.job_state("j") == "closed"
    r = sim.delete_job("j")
    assert (r.status_code, r.json()) == (200, {"acknowledged": True})
    assert not sim.job_exists("j")


@pytest.mark.simulator_only("observes a transient state (closing) that a real cluster passes through in its own time")
def test_opened_closing_closed_observed(slow_sim):
    slow_sim.load(seed_job("j", "opened"))
    t, h = in_thread(slow_sim.close, "j")
    seen = _observe(slow_sim, "j", t)
    r = join(t, h)
    assert (r.status_code, r.json()) == (200, {"closed": True})
    assert "closing" in seen, seen
    assert seen[-1] in ("closing", "closed")
    assert slow_sim.job_state("j") == "closed"


@pytest.mark.simulator_only("measures the simulated close delay")
def test_close_takes_about_the_close_delay(slow_sim):
    slow_sim.load(seed_job("j", "opened"))
    t0 = time.monotonic()
    r = slow_sim.close("j")
    elapsed = time.monotonic() - t0
    assert r.status_code == 200
    assert elapsed >= SLOW["close"] * 0.8, f"close answered in {elapsed:.3f}s, before the delay"
    assert elapsed < SLOW["close"] * 3, elapsed


@pytest.mark.simulator_only("measures the simulated close delay")
def test_force_close_does_not_wait_for_graceful_close(slow_sim):
    slow_sim.load(seed_job("j", "opened"))
    t0 = time.monotonic()
    r = slow_sim.close("j", "?force=true")
    elapsed = time.monotonic() - t0
    assert (r.status_code, r.json()) == (200, {"closed": True})
    assert slow_sim.job_state("j") == "closed"
    assert elapsed < SLOW["close"] * 3, elapsed


@pytest.mark.simulator_only("measures 20 closes against the simulated close delay")
def test_close_many_jobs_in_parallel(slow_sim):
    slow_sim.load(*[seed_job(f"job-{i:02d}", "opened", groups=["many"]) for i in range(20)])
    t0 = time.monotonic()
    r = slow_sim.close("many")
    elapsed = time.monotonic() - t0
    assert (r.status_code, r.json()) == (200, {"closed": True}), r.text
    delay = SLOW["close"]
    # Serial closes would take 20 delays; half of that leaves room for a loaded machine.
    assert elapsed < 10 * delay, f"20 jobs took {elapsed:.2f}s (close delay {delay}s): not parallel"
    assert elapsed >= delay * 0.8, elapsed
    states = {j["state"] for j in slow_sim.stats("many").json()["jobs"]}
    assert states == {"closed"}


@pytest.mark.simulator_only("observes a transient state (deleting) that a real cluster passes through in its own time")
def test_delete_in_progress_visible(slow_sim):
    slow_sim.load(seed_job("j", "closed", groups=["g"]))
    t, h = in_thread(slow_sim.delete_job, "j")
    deadline = time.monotonic() + 2
    doc = None
    while time.monotonic() < deadline:
        r = slow_sim.get_jobs("j")
        if r.status_code == 200 and r.json()["jobs"][0].get("deleting") is True:
            doc = r.json()["jobs"][0]
            break
        time.sleep(0.01)
    assert doc is not None, "deleting: true never visible"
    assert doc["blocked"]["reason"] == "delete", doc
    # while it runs: stats and close say 404, open says 409 (ref §9)
    assert_es_error(slow_sim.stats("j"), 404, "resource_not_found_exception",
                    "No known job with id 'j'")
    assert_es_error(slow_sim.close("j"), 404, "resource_not_found_exception",
                    "No known job with id 'j'")
    assert_es_error(slow_sim.open("j"), 409, "status_exception",
                    "Cannot open job [j] because it is executing [delete]")
    r = join(t, h)
    assert (r.status_code, r.json()) == (200, {"acknowledged": True})
    assert not slow_sim.job_exists("j")


@pytest.mark.simulator_only("needs two requests in flight at once, which only the simulator's delays guarantee")
def test_concurrent_duplicate_deletes_same_result(slow_sim):
    slow_sim.load(seed_job("j", "closed"))
    threads = [in_thread(slow_sim.delete_job, "j") for _ in range(3)]
    results = [join(t, h) for t, h in threads]
    for r in results:
        assert (r.status_code, r.json()) == (200, {"acknowledged": True}), r.text


def test_stick_then_close_times_out(sim):
    sim.load(seed_job("j", "opened"))
    sim.stick_job("j")
    r = sim.close("j", "?timeout=200ms")
    assert_es_error(r, 500, "illegal_state_exception",
                    "Timed out when waiting for persistent tasks after 200ms")


def test_stick_message_uses_given_timeout_text(sim):
    sim.load(seed_job("j", "opened"))
    sim.stick_job("j")
    r = sim.close("j", "?timeout=1s")
    assert_es_error(r, 500, "illegal_state_exception",
                    "Timed out when waiting for persistent tasks after 1s")


def test_fail_admin_changes_opened_to_failed(sim):
    sim.load(seed_job("j", "opened"))
    sim.fail_job("j")
    assert sim.job_state("j") == "failed"
    assert_es_error(sim.delete_job("j"), 409, "status_exception",
                    "Cannot delete job [j] because the job is failed")
    r = sim.delete_job("j", "?force=true")
    assert (r.status_code, r.json()) == (200, {"acknowledged": True})


def test_sim_state_reflects_cluster(sim):
    sim.load(seed_job("a", "opened", datafeed="started", datafeed_id="da"),
             seed_job("b", "closed", deleting=True))
    state = sim.sim_state()
    jobs = state["jobs"]
    if isinstance(jobs, dict):
        jobs = [dict(v, job_id=k) for k, v in jobs.items()]
    by_id = {j["job_id"]: j for j in jobs}
    assert by_id["a"]["state"] == "opened"
    assert by_id["a"]["datafeed"]["state"] == "started"
    assert by_id["b"]["deleting"] is True
    sim.reset()
    jobs = sim.sim_state()["jobs"]
    assert len(jobs) == 0


@pytest.mark.simulator_only("the simulator's /_sim/reset")
def test_reset_empties_cluster(sim):
    sim.load(seed_job("a", "opened"))
    sim.reset()
    r = sim.get_jobs("_all")
    assert r.status_code == 200 and r.json()["count"] == 0


def _wait_seen(sim, job_id, state, timeout=2.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = sim.stats(job_id)
        if r.status_code == 200 and r.json()["jobs"][0]["state"] == state:
            return True
        time.sleep(0.005)
    return False


@pytest.mark.simulator_only("observes a transient state (closing) that a real cluster passes through in its own time")
def test_delete_during_close_is_409_closing(slow_sim):
    slow_sim.load(seed_job("j", "opened"))
    t, h = in_thread(slow_sim.close, "j")
    assert _wait_seen(slow_sim, "j", "closing")
    assert_es_error(slow_sim.delete_job("j"), 409, "status_exception",
                    "Cannot delete job [j] because the job is closing")
    r = join(t, h)
    assert (r.status_code, r.json()) == (200, {"closed": True})
    assert slow_sim.delete_job("j").status_code == 200


@pytest.mark.simulator_only("observes a transient state (closing) that a real cluster passes through in its own time")
def test_second_close_during_close_waits_and_succeeds(slow_sim):
    slow_sim.load(seed_job("j", "opened"))
    t, h = in_thread(slow_sim.close, "j")
    assert _wait_seen(slow_sim, "j", "closing")
    r2 = slow_sim.close("j")
    assert (r2.status_code, r2.json()) == (200, {"closed": True}), r2.text
    assert slow_sim.job_state("j") == "closed"
    r = join(t, h)
    assert (r.status_code, r.json()) == (200, {"closed": True})


@pytest.mark.simulator_only("observes a transient state (opening) that a real cluster passes through in its own time")
def test_delete_during_open_is_409_opening(slow_sim):
    slow_sim.load(seed_job("j", "closed"))
    t, h = in_thread(slow_sim.open, "j")
    assert _wait_seen(slow_sim, "j", "opening")
    assert_es_error(slow_sim.delete_job("j"), 409, "status_exception",
                    "Cannot delete job [j] because the job is opening")
    r = join(t, h)
    assert r.status_code == 200, r.text
    assert slow_sim.job_state("j") == "opened"


@pytest.mark.simulator_only("observes a transient state (closing) that a real cluster passes through in its own time")
def test_force_delete_during_close(slow_sim):
    slow_sim.load(seed_job("j", "opened"))
    t, h = in_thread(slow_sim.close, "j")
    assert _wait_seen(slow_sim, "j", "closing")
    r = slow_sim.delete_job("j", "?force=true")
    assert (r.status_code, r.json()) == (200, {"acknowledged": True}), r.text
    join(t, h)
    assert not slow_sim.job_exists("j")
