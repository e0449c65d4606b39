"""Product header and ``GET /`` (ref §1.3), upgrade mode (ref §1.5), ML info."""

from __future__ import annotations

import pytest

from simhelpers import ALL_VERSIONS, assert_es_error, basic, seed_job, vtuple

HEADER = "X-Elastic-Product"


@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_root_shape(make_sim, version):
    sim = make_sim(version)
    r = sim.get("/")
    assert r.status_code == 200, r.text
    body = r.json()
    for key in ("name", "cluster_name", "cluster_uuid"):
        assert isinstance(body.get(key), str) and body[key], (key, body)
    assert body["tagline"] == "You Know, for Search"
    v = body["version"]
    assert v["number"] == sim.version
    assert v["build_flavor"] == "default"
    for key in ("build_type", "build_hash", "build_date", "lucene_version",
                "minimum_wire_compatibility_version", "minimum_index_compatibility_version"):
        assert isinstance(v.get(key), str) and v[key], (key, v)
    assert isinstance(v.get("build_snapshot"), bool), v


def _responses_of_each_kind(sim):
    sim.load(seed_job("j", "opened"), seed_job("f", "failed"))
    ml = sim.ml
    out = {
        "200 root": sim.get("/"),
        "200 get jobs": sim.get(f"{ml}/anomaly_detectors/j"),
        "200 stats": sim.get(f"{ml}/anomaly_detectors/j/_stats"),
        "400 bad param": sim.get(f"{ml}/anomaly_detectors/j?foo=1"),
        "404 unknown": sim.post(f"{ml}/anomaly_detectors/nope/_close"),
        "409 failed": sim.post(f"{ml}/anomaly_detectors/f/_close"),
    }
    assert out["404 unknown"].status_code == 404
    assert out["409 failed"].status_code == 409
    return out


@pytest.mark.parametrize("version", [v for v in ALL_VERSIONS if vtuple(v) >= (7, 14, 0)])
def test_product_header_on_every_response_from_714(make_sim, version):
    sim = make_sim(version)
    for what, r in _responses_of_each_kind(sim).items():
        assert r.headers.get(HEADER) == "Elasticsearch", (what, dict(r.headers))


@pytest.mark.parametrize("version", [v for v in ALL_VERSIONS if vtuple(v) < (7, 14, 0)])
def test_product_header_absent_before_714(make_sim, version):
    sim = make_sim(version)
    for what, r in _responses_of_each_kind(sim).items():
        assert HEADER not in r.headers, (what, dict(r.headers))


def test_product_header_on_429_and_500(sim):
    sim.load(seed_job("j", "opened"))
    sim.stick_job("j")
    r = sim.close("j", "?timeout=100ms")
    assert r.status_code == 500
    assert r.headers.get(HEADER) == "Elasticsearch"
    assert sim.post("/_ml/set_upgrade_mode?enabled=true").status_code == 200
    try:
        r = sim.delete_job("j", "?force=true")
        assert r.status_code == 429
        assert r.headers.get(HEADER) == "Elasticsearch"
    finally:
        sim.post("/_ml/set_upgrade_mode?enabled=false")


def test_no_product_header_on_401_and_403(secure_sim):
    secure_sim.load(seed_job("j", "opened"))
    r401 = secure_sim.get("/_ml/anomaly_detectors/j")
    assert r401.status_code == 401
    assert HEADER not in r401.headers, dict(r401.headers)
    r401b = secure_sim.get("/", headers=basic("elastic", "nope"))
    assert r401b.status_code == 401
    assert HEADER not in r401b.headers, dict(r401b.headers)
    r403 = secure_sim.close("j", headers=basic("ml_viewer"))
    assert r403.status_code == 403
    assert HEADER not in r403.headers, dict(r403.headers)
    ok = secure_sim.get("/_ml/anomaly_detectors/j", headers=basic("ml_viewer"))
    assert ok.status_code == 200, ok.text
    assert ok.headers.get(HEADER) == "Elasticsearch"


def test_product_header_on_403_licence_absent(sim):
    sim.load(seed_job("j", "opened"))
    sim.settings(ml_enabled=False)
    try:
        r = sim.close("j")
        assert r.status_code == 403
        assert HEADER not in r.headers, dict(r.headers)
    finally:
        sim.settings(ml_enabled=True)


def test_compatible_with_8_media_type_accepted(sim):
    """ref §1.3: the 8.x client sends compatible-with=8 Accept/Content-Type."""
    sim.load(seed_job("j", "failed"))
    mt = "application/vnd.elasticsearch+json; compatible-with=8"
    r = sim.post("/_ml/anomaly_detectors/j/_close", data=b'{"force": true}',
                 headers={"Accept": mt, "Content-Type": mt})
    assert r.status_code == 200, r.text
    assert r.json() == {"closed": True}
    assert r.headers.get(HEADER) == "Elasticsearch"


def test_json_content_type(sim):
    r = sim.get("/_ml/anomaly_detectors/_stats")
    assert r.status_code == 200
    assert "json" in r.headers.get("Content-Type", ""), r.headers


# ---- ref §1.5 upgrade mode ---------------------------------------------------------------

def test_upgrade_mode_seeded_blocks_writes_not_reads(sim):
    sim.load(seed_job("j", "opened", datafeed="started", datafeed_id="d"), upgrade_mode=True)
    try:
        assert_es_error(sim.close("j"), 429, "status_exception",
                        "Cannot perform cluster:admin/xpack/ml/job/close action while upgrade mode is enabled")
        assert_es_error(sim.post("/_ml/datafeeds/d/_stop"), 429, "status_exception",
                        "Cannot perform cluster:admin/xpack/ml/datafeed/stop action while upgrade mode is enabled")
        assert_es_error(sim.delete("/_ml/datafeeds/d?force=true"), 429, "status_exception",
                        "Cannot perform cluster:admin/xpack/ml/datafeeds/delete action while upgrade mode is enabled")
        assert_es_error(sim.delete_job("j", "?force=true"), 429, "status_exception",
                        "Cannot perform cluster:admin/xpack/ml/job/delete action while upgrade mode is enabled")
        # reads still work
        assert sim.job_state("j") == "opened"
        assert sim.get_jobs("j").status_code == 200
        assert sim.datafeed_state("d") == "started"
    finally:
        assert sim.post("/_ml/set_upgrade_mode?enabled=false").status_code == 200
    assert sim.close("j").status_code == 200


@pytest.mark.simulator_only("the simulator's /_sim/reset")
def test_upgrade_mode_cleared_by_reset(sim):
    assert sim.post("/_ml/set_upgrade_mode?enabled=true").status_code == 200
    sim.reset()
    sim.load(seed_job("j", "closed"))
    r = sim.delete_job("j")
    assert r.status_code == 200, r.text


def test_ml_info(sim):
    r = sim.get("/_ml/info")
    assert r.status_code == 200, r.text
    assert isinstance(r.json(), dict)
