"""The official ``elasticsearch`` Python client (8.19.x) works against the simulator unchanged."""

from __future__ import annotations

import time

import elasticsearch
import pytest
from elasticsearch import (
    AuthenticationException,
    AuthorizationException,
    ConflictError,
    Elasticsearch,
    NotFoundError,
)

from simhelpers import seed_job

ANALYSIS = {"bucket_span": "15m", "detectors": [{"function": "count"}]}
DATA_DESC = {"time_field": "timestamp"}


def _client(sim, **kw):
    return Elasticsearch(sim.url, request_timeout=20, **kw)


def test_client_version_pinned():
    assert elasticsearch.__versionstr__.startswith("8."), elasticsearch.__versionstr__


@pytest.mark.parametrize("version", ["8.15.0", "9.1.0"])
def test_full_lifecycle(make_sim, version):
    sim = make_sim(version)
    es = _client(sim)
    r = es.ml.put_job(job_id="web-errors", analysis_config=ANALYSIS, data_description=DATA_DESC,
                      groups=["web"])
    assert r["job_id"] == "web-errors"
    r = es.ml.get_jobs(job_id="web")
    assert r["count"] == 1 and r["jobs"][0]["job_id"] == "web-errors"
    assert es.ml.open_job(job_id="web-errors")["opened"] is True
    assert es.ml.get_job_stats(job_id="web-errors")["jobs"][0]["state"] == "opened"
    r = es.ml.put_datafeed(datafeed_id="datafeed-web-errors", job_id="web-errors",
                           indices=["logs-*"])
    assert r["datafeed_id"] == "datafeed-web-errors"
    assert es.ml.start_datafeed(datafeed_id="datafeed-web-errors")["started"] is True
    assert es.ml.stop_datafeed(datafeed_id="datafeed-web-errors")["stopped"] is True
    assert es.ml.start_datafeed(datafeed_id="datafeed-web-errors")["started"] is True
    # 8.x+: close stops the started datafeed (ref §3.5); the client sends params in a body
    r = es.ml.close_job(job_id="web-errors", timeout="30s")
    assert r.body == {"closed": True}
    assert es.ml.get_job_stats(job_id="web-errors")["jobs"][0]["state"] == "closed"
    r = es.ml.delete_job(job_id="web-errors")
    assert r.body == {"acknowledged": True}
    with pytest.raises(NotFoundError):
        es.ml.get_jobs(job_id="web-errors")
    with pytest.raises(NotFoundError):
        es.ml.get_datafeeds(datafeed_id="datafeed-web-errors")


def test_close_force_through_body(sim):
    sim.load(seed_job("j", "failed"))
    es = _client(sim)
    with pytest.raises(ConflictError) as exc:
        es.ml.close_job(job_id="j")
    assert exc.value.status_code == 409
    assert exc.value.body["error"]["reason"] == "cannot close job [j] because it failed, use force close"
    assert es.ml.close_job(job_id="j", force=True).body == {"closed": True}


def test_delete_wait_for_completion_false_and_tasks_get(sim):
    sim.load(seed_job("j", "closed"))
    es = _client(sim)
    r = es.ml.delete_job(job_id="j", wait_for_completion=False)
    task = r["task"]
    deadline = time.monotonic() + 5
    while True:
        t = es.tasks.get(task_id=task)
        if t["completed"] or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert t["completed"] is True
    assert t["response"] == {"acknowledged": True}
    assert t["task"]["action"] == "cluster:admin/xpack/ml/job/delete"
    t = es.tasks.get(task_id=task, wait_for_completion=True, timeout="5s")
    assert t["completed"] is True


def test_delete_force_and_wait_for_completion_true(sim):
    sim.load(seed_job("j", "opened", datafeed="started"))
    es = _client(sim)
    r = es.ml.delete_job(job_id="j", force=True, wait_for_completion=True)
    assert r.body == {"acknowledged": True}


def test_typed_not_found(sim):
    es = _client(sim)
    with pytest.raises(NotFoundError) as exc:
        es.ml.close_job(job_id="nope")
    assert exc.value.status_code == 404
    assert exc.value.error == "resource_not_found_exception"
    assert exc.value.body["error"]["reason"] == "No known job with id 'nope'"
    with pytest.raises(NotFoundError):
        es.ml.delete_job(job_id="nope")
    with pytest.raises(NotFoundError):
        es.ml.stop_datafeed(datafeed_id="nope")
    with pytest.raises(NotFoundError) as exc:
        es.tasks.get(task_id="n:1")
    assert exc.value.body["error"]["reason"] == "task [n:1] isn't running and hasn't stored its results"


def test_typed_conflict(sim):
    sim.load(seed_job("j", "opened"))
    es = _client(sim)
    with pytest.raises(ConflictError) as exc:
        es.ml.delete_job(job_id="j")
    assert exc.value.body["error"]["reason"] == "Cannot delete job [j] because the job is opened"


def test_typed_authentication(make_sim):
    sim = make_sim(security=True)
    with pytest.raises(AuthenticationException) as exc:
        _client(sim).ml.get_jobs(job_id="_all")
    assert exc.value.status_code == 401
    with pytest.raises(AuthenticationException):
        _client(sim, basic_auth=("elastic", "wrong")).ml.get_jobs(job_id="_all")


def test_typed_authorization(make_sim):
    sim = make_sim(security=True)
    sim.load(seed_job("j", "opened"))
    es = _client(sim, basic_auth=("ml_viewer", "changeme"))
    assert es.ml.get_job_stats(job_id="j")["jobs"][0]["state"] == "opened"
    with pytest.raises(AuthorizationException) as exc:
        es.ml.close_job(job_id="j")
    assert exc.value.status_code == 403
    admin = _client(sim, basic_auth=("ml_admin", "changeme"))
    assert admin.ml.close_job(job_id="j").body == {"closed": True}


def test_client_api_key_auth(make_sim):
    sim = make_sim(security=True)
    sim.load(seed_job("j", "opened"))
    admin = _client(sim, basic_auth=("ml_admin", "changeme"))
    key = admin.security.create_api_key(name="ci")
    es = _client(sim, api_key=(key["id"], key["api_key"]))
    assert es.ml.close_job(job_id="j").body == {"closed": True}
