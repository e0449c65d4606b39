"""Asynchronous delete + tasks API (ref §4.5) and datafeed stop/delete/stats (ref §5)."""

from __future__ import annotations

import re
import time

import pytest

from simhelpers import assert_es_error, seed_job

TASK_RE = re.compile(r"([^:\s]+):(\d+)")


def _async_delete(sim, job_id, query=""):
    r = sim.delete_job(job_id, "?wait_for_completion=false" + query)
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["task"], body
    assert TASK_RE.fullmatch(body["task"]), body
    return body["task"]


def _poll_task(sim, task_id, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        r = sim.get(f"/_tasks/{task_id}")
        assert r.status_code == 200, r.text
        body = r.json()
        if body["completed"] or time.monotonic() > deadline:
            return body
        time.sleep(0.02)


def _check_task_info(body, task_id, job_id):
    task = body["task"]
    node, num = TASK_RE.fullmatch(task_id).groups()
    assert task["node"] == node, task
    assert task["id"] == int(num), task
    assert task["action"] == "cluster:admin/xpack/ml/job/delete", task
    assert task["description"] == f"delete-job-{job_id}", task
    for key in ("type", "start_time_in_millis", "running_time_in_nanos", "cancellable"):
        assert key in task, (key, task)
    assert isinstance(task.get("headers"), dict), task


def test_async_delete_success_and_task_result(sim):
    sim.load(seed_job("j", "closed"))
    task_id = _async_delete(sim, "j")
    body = _poll_task(sim, task_id)
    assert body["completed"] is True, body
    _check_task_info(body, task_id, "j")
    assert body["response"] == {"acknowledged": True}, body
    assert "error" not in body
    assert not sim.job_exists("j")


@pytest.mark.simulator_only("observes a transient state (deleting) that a real cluster passes through in its own time")
def test_async_delete_in_progress_then_done(slow_sim):
    slow_sim.load(seed_job("j", "closed"))
    task_id = _async_delete(slow_sim, "j")
    r = slow_sim.get(f"/_tasks/{task_id}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["completed"] is False, body
    assert "response" not in body and "error" not in body
    _check_task_info(body, task_id, "j")
    # meanwhile the job shows as being deleted
    assert slow_sim.job_doc("j").get("deleting") is True
    r = slow_sim.get(f"/_tasks/{task_id}?wait_for_completion=true&timeout=10s")
    assert r.status_code == 200, r.text
    assert r.json()["completed"] is True
    assert r.json()["response"] == {"acknowledged": True}


def test_async_delete_open_job_error_stored_without_envelope(sim):
    sim.load(seed_job("j", "opened"))
    task_id = _async_delete(sim, "j")
    body = _poll_task(sim, task_id)
    assert body["completed"] is True
    assert "response" not in body, body
    err = body["error"]
    assert err["type"] == "status_exception", err
    assert err["reason"] == "Cannot delete job [j] because the job is opened", err
    assert "root_cause" not in err, "a stored task error has no envelope (ref §1.1)"
    assert "status" not in body, body
    assert sim.job_state("j") == "opened"


def test_async_delete_unknown_job_is_200_with_stored_404(sim):
    task_id = _async_delete(sim, "nope")
    body = _poll_task(sim, task_id)
    assert body["completed"] is True
    err = body["error"]
    assert err["type"] == "resource_not_found_exception", err
    assert err["reason"] == "No known job with id 'nope'", err
    assert "root_cause" not in err


def test_async_delete_stored_error_with_caused_by(sim):
    sim.load(seed_job("j", "closed", datafeed="started", datafeed_id="df"))
    task_id = _async_delete(sim, "j")
    err = _poll_task(sim, task_id)["error"]
    assert err["type"] == "status_exception"
    assert err["reason"] == "failed to delete job [j] as its datafeed [df] could not be deleted"
    assert err["caused_by"] == {"type": "status_exception",
                                "reason": "Cannot delete datafeed [df] while its status is started"}
    assert "root_cause" not in err


def test_async_delete_rest_level_errors_still_direct(sim):
    sim.load(seed_job("j", "closed"))
    r = sim.delete_job("j", "?wait_for_completion=false&foo=1")
    assert_es_error(r, 400, "illegal_argument_exception",
                    "request [/_ml/anomaly_detectors/j] contains unrecognized parameter: [foo]")
    r = sim.delete_job("j", "?wait_for_completion=false", data=b"{}")
    assert_es_error(r, 400, "illegal_argument_exception",
                    "request [DELETE /_ml/anomaly_detectors/j] does not support having a body")
    assert sim.job_exists("j")


def test_async_delete_task_ids_are_distinct(sim):
    sim.load(seed_job("a", "closed"), seed_job("b", "closed"))
    assert _async_delete(sim, "a") != _async_delete(sim, "b")


@pytest.mark.parametrize("task_id", ["n:1", "abc:999999"])
def test_get_unknown_task(sim, task_id):
    r = sim.get(f"/_tasks/{task_id}")
    assert_es_error(r, 404, "resource_not_found_exception",
                    f"task [{task_id}] isn't running and hasn't stored its results")


@pytest.mark.simulator_only("observes a transient state (deleting) that a real cluster passes through in its own time")
def test_blocked_task_id_shape_during_delete(slow_sim):
    slow_sim.load(seed_job("j", "closed"))
    _async_delete(slow_sim, "j")
    doc = slow_sim.job_doc("j")
    assert doc["deleting"] is True
    assert doc["blocked"]["reason"] == "delete", doc
    if "task_id" in doc["blocked"]:
        assert TASK_RE.fullmatch(doc["blocked"]["task_id"]), doc


# ---- ref §5 datafeeds ------------------------------------------------------------------

def test_stop_started_datafeed(sim):
    sim.load(seed_job("j", "opened", datafeed="started", datafeed_id="d"))
    r = sim.post("/_ml/datafeeds/d/_stop")
    assert (r.status_code, r.json()) == (200, {"stopped": True}), r.text
    assert sim.datafeed_state("d") == "stopped"
    assert sim.job_state("j") == "opened", "stopping a datafeed leaves its job open"


@pytest.mark.parametrize("query", ["?force=true", "?timeout=10s", "?force=true&timeout=1m"])
def test_stop_datafeed_params(sim, query):
    sim.load(seed_job("j", "opened", datafeed="started", datafeed_id="d"))
    r = sim.post(f"/_ml/datafeeds/d/_stop{query}")
    assert (r.status_code, r.json()) == (200, {"stopped": True}), r.text
    assert sim.datafeed_state("d") == "stopped"


def test_stop_datafeed_params_in_body(sim):
    sim.load(seed_job("j", "opened", datafeed="started", datafeed_id="d"))
    r = sim.post("/_ml/datafeeds/d/_stop", json_body={"force": True, "timeout": "10s"})
    assert (r.status_code, r.json()) == (200, {"stopped": True}), r.text
    assert sim.datafeed_state("d") == "stopped"


def test_stop_datafeed_already_stopped_noop(sim):
    sim.load(seed_job("j", "closed", datafeed="stopped", datafeed_id="d"))
    for _ in range(2):
        r = sim.post("/_ml/datafeeds/d/_stop")
        assert (r.status_code, r.json()) == (200, {"stopped": True}), r.text


def test_stop_all_datafeeds(sim):
    sim.load(seed_job("a", "opened", datafeed="started", datafeed_id="da"),
             seed_job("b", "opened", datafeed="started", datafeed_id="db"))
    r = sim.post("/_ml/datafeeds/_all/_stop")
    assert (r.status_code, r.json()) == (200, {"stopped": True}), r.text
    assert sim.datafeed_state("da") == "stopped"
    assert sim.datafeed_state("db") == "stopped"


@pytest.mark.parametrize("op", ["stop", "delete", "stats"])
def test_datafeed_unknown_404(sim, op):
    if op == "stop":
        r = sim.post("/_ml/datafeeds/nope/_stop")
    elif op == "delete":
        r = sim.delete("/_ml/datafeeds/nope")
    else:
        r = sim.get("/_ml/datafeeds/nope/_stats")
    assert_es_error(r, 404, "resource_not_found_exception", "No datafeed with id [nope] exists")


def test_delete_stopped_datafeed(sim):
    sim.load(seed_job("j", "closed", datafeed="stopped", datafeed_id="d"))
    r = sim.delete("/_ml/datafeeds/d")
    assert (r.status_code, r.json()) == (200, {"acknowledged": True}), r.text
    assert not sim.datafeed_exists("d")
    assert sim.job_exists("j")


def test_delete_started_datafeed_without_force_409_with_force_200(sim):
    sim.load(seed_job("j", "opened", datafeed="started", datafeed_id="d"))
    assert_es_error(sim.delete("/_ml/datafeeds/d?force=false"), 409, "status_exception",
                    "Cannot delete datafeed [d] while its status is started")
    r = sim.delete("/_ml/datafeeds/d?force=true")
    assert (r.status_code, r.json()) == (200, {"acknowledged": True}), r.text
    assert not sim.datafeed_exists("d")
    assert sim.job_state("j") == "opened"


def test_datafeed_stats_shape(sim):
    sim.load(seed_job("a", "opened", datafeed="started", datafeed_id="da"),
             seed_job("b", "closed", datafeed="stopped", datafeed_id="db"))
    r = sim.get("/_ml/datafeeds/_stats")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == 2
    states = {d["datafeed_id"]: d["state"] for d in body["datafeeds"]}
    assert states == {"da": "started", "db": "stopped"}
    r = sim.get("/_ml/datafeeds/da")
    assert r.status_code == 200, r.text
    feeds = r.json()["datafeeds"]
    assert feeds[0]["datafeed_id"] == "da" and feeds[0]["job_id"] == "a"


def test_put_and_start_datafeed(sim):
    sim.load(seed_job("j", "opened"))
    r = sim.put("/_ml/datafeeds/datafeed-j", json_body={"job_id": "j", "indices": ["logs-*"]})
    assert r.status_code == 200, r.text
    assert r.json()["datafeed_id"] == "datafeed-j"
    assert sim.datafeed_state("datafeed-j") == "stopped"
    r = sim.post("/_ml/datafeeds/datafeed-j/_start")
    assert r.status_code == 200, r.text
    assert r.json()["started"] is True
    assert sim.datafeed_state("datafeed-j") == "started"


def test_stop_datafeed_wildcard_allow_no_match(sim):
    r = sim.post("/_ml/datafeeds/foo*/_stop?allow_no_match=true")
    assert (r.status_code, r.json()) == (200, {"stopped": True}), r.text
    r = sim.post("/_ml/datafeeds/foo*/_stop?allow_no_match=false")
    assert_es_error(r, 404, "resource_not_found_exception", "No datafeed with id [foo*] exists")


@pytest.mark.parametrize("version,accepted", [("7.17.20", True), ("8.15.0", False)])
def test_stop_datafeed_allow_no_datafeeds_by_version(make_sim, version, accepted):
    sim = make_sim(version)
    r = sim.post("/_ml/datafeeds/foo*/_stop?allow_no_datafeeds=false")
    if accepted:
        assert_es_error(r, 404, "resource_not_found_exception", "No datafeed with id [foo*] exists")
    else:
        err = assert_es_error(r, 400, "illegal_argument_exception")
        assert err["reason"].startswith(
            "request [/_ml/datafeeds/foo*/_stop] contains unrecognized parameter: [allow_no_datafeeds]"
        ), err


def test_delete_datafeed_reads_timeouts(sim):
    sim.load(seed_job("j", "closed", datafeed="stopped", datafeed_id="d"))
    r = sim.delete("/_ml/datafeeds/d?force=false&timeout=10s&master_timeout=10s")
    assert (r.status_code, r.json()) == (200, {"acknowledged": True}), r.text


def test_delete_job_reads_master_timeout(sim):
    sim.load(seed_job("j", "closed"))
    r = sim.delete_job("j", "?timeout=10s&master_timeout=10s")
    assert (r.status_code, r.json()) == (200, {"acknowledged": True}), r.text


def test_close_unknown_body_field_400(sim):
    """ref §3.2: unknown body field → 400 from the object parser (wording unconfirmed)."""
    sim.load(seed_job("j", "opened"))
    r = sim.close("j", json_body={"bogus": 1})
    err = assert_es_error(r, 400)
    assert "bogus" in err["reason"], err
    assert sim.job_state("j") == "opened"


# ---- reset (ref §5.4) ---------------------------------------------------------------------

def test_reset_closed_job(sim):
    sim.load(seed_job("j", "closed"))
    r = sim.post("/_ml/anomaly_detectors/j/_reset")
    assert r.status_code == 200, r.text
    assert r.json() == {"acknowledged": True}
    assert sim.job_doc("j").get("blocked") is None


def test_reset_open_job_conflict(sim):
    sim.load(seed_job("j", "opened"))
    r = sim.post("/_ml/anomaly_detectors/j/_reset")
    assert_es_error(r, 409, "status_exception", "Can only reset a job when it is closed.")


def test_reset_job_being_deleted_conflict(sim):
    sim.load(seed_job("j", "closed", deleting=True))
    r = sim.post("/_ml/anomaly_detectors/j/_reset")
    assert_es_error(r, 409, "status_exception", "cannot reset job while it is blocked with [delete]")
