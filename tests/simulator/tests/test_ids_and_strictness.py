"""Job id rules on PUT and DELETE (ref §2.1) and REST-layer strictness (ref §1.2)."""

from __future__ import annotations

import pytest

from simhelpers import (
    ID_TOO_LONG,
    INVALID_ID_TEMPLATE,
    assert_es_error,
    job_body,
    seed_job,
)

VALID_IDS = ["a", "0", "a.b", "web-errors_2", "a1-b2.c3_d4", "x" * 64]
INVALID_IDS = ["Bad", "-a", "a-", "_a", "a_", ".a", "a.", "_all", "a b", "a*", "é"]


@pytest.mark.parametrize("job_id", VALID_IDS)
def test_put_valid_id(sim, job_id):
    r = sim.put(sim.jobs_path(job_id), json_body=job_body(groups=["grp"]))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["job_id"] == job_id
    doc = sim.job_doc(job_id)
    assert doc["job_id"] == job_id
    assert doc.get("groups") == ["grp"]
    assert "deleting" not in doc or doc["deleting"] is False
    assert "blocked" not in doc
    assert sim.job_state(job_id) == "closed"


@pytest.mark.parametrize("job_id", INVALID_IDS)
def test_put_invalid_id(sim, job_id):
    r = sim.put(sim.jobs_path(job_id), json_body=job_body())
    assert_es_error(r, 400, "illegal_argument_exception", INVALID_ID_TEMPLATE.format(job_id))


def test_put_id_too_long(sim):
    r = sim.put(sim.jobs_path("x" * 65), json_body=job_body())
    assert_es_error(r, 400, "illegal_argument_exception", ID_TOO_LONG)


@pytest.mark.parametrize("missing,message", [("analysis_config", "An analysis_config must be set"),
                                             ("data_description", "A data_description must be set")])
def test_put_requires_config_sections(sim, missing, message):
    """Lifecycle ref §2.4: IllegalArgumentException (the simulator used to answer status_exception)."""
    body = job_body()
    del body[missing]
    r = sim.put(sim.jobs_path("j"), json_body=body)
    assert_es_error(r, 400, "illegal_argument_exception", message)
    assert not sim.job_exists("j")


def test_put_duplicate_is_rejected(sim):
    assert sim.put(sim.jobs_path("j"), json_body=job_body()).status_code == 200
    r = sim.put(sim.jobs_path("j"), json_body=job_body())
    assert_es_error(r, 400, "resource_already_exists_exception",
                    "The job cannot be created with the Id 'j'. The Id is already used.")


@pytest.mark.parametrize("job_id", INVALID_IDS + ["a,b", "*"])
def test_delete_invalid_id(sim, job_id):
    r = sim.delete_job(job_id)
    assert_es_error(r, 400, "illegal_argument_exception", INVALID_ID_TEMPLATE.format(job_id))


def test_delete_id_too_long(sim):
    assert_es_error(sim.delete_job("x" * 65), 400, "illegal_argument_exception", ID_TOO_LONG)


def test_delete_id_exactly_64_unknown_is_404(sim):
    jid = "x" * 64
    assert_es_error(sim.delete_job(jid), 404, "resource_not_found_exception",
                    f"No known job with id '{jid}'")


def test_delete_valid_dotted_id(sim):
    sim.load(seed_job("a.b", "closed"))
    r = sim.delete_job("a.b")
    assert (r.status_code, r.json()) == (200, {"acknowledged": True}), r.text


# ---- ref §1.2 strictness ------------------------------------------------------------------

@pytest.mark.parametrize("method,suffix", [
    ("POST", "/_close"),
    ("DELETE", ""),
    ("GET", ""),
    ("GET", "/_stats"),
    ("POST", "/_open"),
])
def test_unknown_query_param_text(sim, method, suffix):
    sim.load(seed_job("j", "opened"))
    path = f"/_ml/anomaly_detectors/j{suffix}"
    r = sim.req(method, f"{path}?foo=1")
    assert_es_error(r, 400, "illegal_argument_exception",
                    f"request [{path}] contains unrecognized parameter: [foo]")
    assert sim.job_state("j") == "opened"


def test_unknown_query_params_plural(sim):
    sim.load(seed_job("j", "closed"))
    r = sim.delete_job("j", "?aaa=1&bbb=2")
    assert_es_error(r, 400, "illegal_argument_exception",
                    "request [/_ml/anomaly_detectors/j] contains unrecognized parameters: [aaa], [bbb]")
    assert sim.job_exists("j")


def test_unknown_param_on_datafeed_stop(sim):
    sim.load(seed_job("j", "opened", datafeed="started", datafeed_id="d"))
    r = sim.post("/_ml/datafeeds/d/_stop?foo=1")
    assert_es_error(r, 400, "illegal_argument_exception",
                    "request [/_ml/datafeeds/d/_stop] contains unrecognized parameter: [foo]")
    assert sim.datafeed_state("d") == "started"


def test_body_on_delete_job_rejected_even_for_unknown_job(sim):
    r = sim.delete_job("nope", data=b'{"force": true}')
    assert_es_error(r, 400, "illegal_argument_exception",
                    "request [DELETE /_ml/anomaly_detectors/nope] does not support having a body")


def test_close_body_plus_query_rejected(sim):
    sim.load(seed_job("j", "failed"))
    r = sim.close("j", "?force=true", json_body={"force": True})
    assert_es_error(r, 400, "illegal_argument_exception",
                    "request [/_ml/anomaly_detectors/j/_close] contains unrecognized parameter: [force]")
    assert sim.job_state("j") == "failed"


def test_stop_datafeed_body_plus_query_rejected(sim):
    sim.load(seed_job("j", "opened", datafeed="started", datafeed_id="d"))
    r = sim.post("/_ml/datafeeds/d/_stop?force=true", json_body={})
    assert_es_error(r, 400, "illegal_argument_exception",
                    "request [/_ml/datafeeds/d/_stop] contains unrecognized parameter: [force]")
    assert sim.datafeed_state("d") == "started"


def test_error_trace_param_is_recognised(sim):
    """ref §1.1: ``?error_trace=true`` is a known parameter (adds stack_trace), not a 400."""
    r = sim.get_jobs("nope", "?error_trace=true")
    assert_es_error(r, 404, "resource_not_found_exception", "No known job with id 'nope'")
