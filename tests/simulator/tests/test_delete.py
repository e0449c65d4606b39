"""Delete job: per-situation outcomes (ref §4.3) and algorithm details (ref §4.2)."""

from __future__ import annotations

import time

import pytest

from simhelpers import (
    ID_TOO_LONG,
    INVALID_ID_TEMPLATE,
    assert_es_error,
    in_thread,
    join,
    seed_job,
)


def test_delete_closed_job_no_datafeed(sim):
    sim.load(seed_job("j", "closed"))
    r = sim.delete_job("j")
    assert (r.status_code, r.json()) == (200, {"acknowledged": True}), r.text
    assert not sim.job_exists("j")
    assert_es_error(sim.stats("j"), 404, "resource_not_found_exception", "No known job with id 'j'")


@pytest.mark.parametrize("version", ["7.17.20", "8.15.0", "9.1.0"])
def test_delete_closed_job_stopped_datafeed_715_plus_deletes_datafeed(make_sim, version):
    sim = make_sim(version)
    sim.load(seed_job("j", "closed", datafeed="stopped", datafeed_id="df"))
    r = sim.delete_job("j")
    assert (r.status_code, r.json()) == (200, {"acknowledged": True}), r.text
    assert not sim.job_exists("j")
    assert not sim.datafeed_exists("df")


@pytest.mark.parametrize("state", ["opening", "opened", "closing", "failed"])
def test_delete_not_closed_without_force_409(slow_sim, state):
    slow_sim.load(seed_job("j", state))
    r = slow_sim.delete_job("j", "?force=false")
    assert_es_error(r, 409, "status_exception", f"Cannot delete job [j] because the job is {state}")
    assert slow_sim.job_exists("j")


@pytest.mark.parametrize("state", ["opening", "opened", "closing", "failed"])
def test_delete_not_closed_with_force_200(slow_sim, state):
    slow_sim.load(seed_job("j", state))
    r = slow_sim.delete_job("j", "?force=true")
    assert (r.status_code, r.json()) == (200, {"acknowledged": True}), r.text
    assert not slow_sim.job_exists("j")


def test_delete_open_job_started_datafeed_no_force_leaves_datafeed(sim):
    """ref §4.2 step 2 runs first: the datafeed is not touched."""
    sim.load(seed_job("j", "opened", datafeed="started", datafeed_id="df"))
    r = sim.delete_job("j")
    assert_es_error(r, 409, "status_exception", "Cannot delete job [j] because the job is opened")
    assert sim.datafeed_exists("df")
    assert sim.datafeed_state("df") == "started"
    assert sim.job_state("j") == "opened"


def test_delete_open_job_started_datafeed_force(sim):
    sim.load(seed_job("j", "opened", datafeed="started", datafeed_id="df"))
    r = sim.delete_job("j", "?force=true")
    assert (r.status_code, r.json()) == (200, {"acknowledged": True}), r.text
    assert not sim.job_exists("j")
    assert not sim.datafeed_exists("df")
    r = sim.get(f"{sim.ml}/datafeeds/df/_stats")
    assert_es_error(r, 404, "resource_not_found_exception", "No datafeed with id [df] exists")


@pytest.mark.parametrize("force", [False, True])
def test_delete_unknown(sim, force):
    r = sim.delete_job("j", f"?force={str(force).lower()}")
    assert_es_error(r, 404, "resource_not_found_exception", "No known job with id 'j'")


@pytest.mark.parametrize("job_id", ["web-*", "*", "a,b", "UPPER", "_all", "web errors"])
def test_delete_invalid_expressions_400(sim, job_id):
    sim.load(seed_job("a", "closed"), seed_job("b", "closed"), seed_job("web-x", "closed"))
    r = sim.delete_job(job_id)
    assert_es_error(r, 400, "illegal_argument_exception", INVALID_ID_TEMPLATE.format(job_id))
    for j in ("a", "b", "web-x"):
        assert sim.job_exists(j)


def test_delete_group_name_is_not_expanded(sim):
    """Delete takes one literal id: a group name is just an unknown job id."""
    sim.load(seed_job("a", "closed", groups=["grp"]))
    r = sim.delete_job("grp")
    assert_es_error(r, 404, "resource_not_found_exception", "No known job with id 'grp'")
    assert sim.job_exists("a")


def test_delete_too_long_400(sim):
    r = sim.delete_job("x" * 65)
    assert_es_error(r, 400, "illegal_argument_exception", ID_TOO_LONG)


def test_delete_after_completion_404(sim):
    sim.load(seed_job("j", "closed"))
    assert sim.delete_job("j").status_code == 200
    r = sim.delete_job("j")
    assert_es_error(r, 404, "resource_not_found_exception", "No known job with id 'j'")


@pytest.mark.simulator_only("needs two requests in flight at once, which only the simulator's delays guarantee")
def test_delete_second_delete_while_first_runs_same_result(slow_sim):
    slow_sim.load(seed_job("j", "closed"))
    t1, h1 = in_thread(slow_sim.delete_job, "j")
    time.sleep(0.1)
    t0 = time.monotonic()
    r2 = slow_sim.delete_job("j")
    waited = time.monotonic() - t0
    r1 = join(t1, h1)
    assert (r1.status_code, r1.json()) == (200, {"acknowledged": True})
    assert (r2.status_code, r2.json()) == (200, {"acknowledged": True}), r2.text
    # it waited for the running delete rather than answering 404 at once
    assert waited > 0.1, waited


def test_delete_job_left_deleting_after_crash_is_redone(sim):
    sim.load(seed_job("j", "closed", deleting=True))
    assert sim.job_doc("j").get("deleting") is True
    r = sim.delete_job("j")
    assert (r.status_code, r.json()) == (200, {"acknowledged": True}), r.text
    assert not sim.job_exists("j")


def test_delete_job_left_deleting_with_datafeed_is_redone(sim):
    sim.load(seed_job("j", "closed", datafeed="stopped", datafeed_id="df", deleting=True))
    r = sim.delete_job("j")
    assert (r.status_code, r.json()) == (200, {"acknowledged": True}), r.text
    assert not sim.job_exists("j")
    assert not sim.datafeed_exists("df")


def test_delete_datafeed_not_deletable_wrapped_409(sim):
    sim.load(seed_job("j", "closed", datafeed="started", datafeed_id="df"))
    r = sim.delete_job("j")
    inner = "Cannot delete datafeed [df] while its status is started"
    assert_es_error(r, 409, "status_exception",
                    "failed to delete job [j] as its datafeed [df] could not be deleted",
                    root_cause=("status_exception", inner), caused_by=("status_exception", inner))


def test_delete_with_all_known_params_8_15(make_sim):
    sim = make_sim(min_version="8.7.0")  # delete_user_annotations
    sim.load(seed_job("j", "closed"))
    r = sim.delete_job("j", "?force=false&wait_for_completion=true&delete_user_annotations=true"
                             "&timeout=30s")
    assert (r.status_code, r.json()) == (200, {"acknowledged": True}), r.text


def test_delete_many_concurrently_distinct_jobs(sim):
    sim.load(*[seed_job(f"j{i}", "closed") for i in range(10)])
    threads = [in_thread(sim.delete_job, f"j{i}") for i in range(10)]
    for t, h in threads:
        r = join(t, h)
        assert (r.status_code, r.json()) == (200, {"acknowledged": True}), r.text
    r = sim.get_jobs("_all")
    assert r.status_code == 200 and r.json()["count"] == 0, r.text
