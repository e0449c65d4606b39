"""The in-process Python API: start_fleet(...), clusters, stop(), seed and delays arguments."""

from __future__ import annotations

import time

import pytest
import requests

from simhelpers import seed_job

pytestmark = pytest.mark.simulator_only("the simulator's own Python API (start_fleet)")


def _session():
    s = requests.Session()
    s.trust_env = False
    return s


def test_start_fleet_three_clusters_context_manager():
    from es_ml_simulator import start_fleet

    with start_fleet(clusters=3, host="127.0.0.1", port=0) as fleet:
        clusters = fleet.clusters
        assert [c.name for c in clusters] == ["sim-1", "sim-2", "sim-3"]
        ports = [c.port for c in clusters]
        assert len(set(ports)) == 3
        for c in clusters:
            assert c.url.rstrip("/") == f"http://127.0.0.1:{c.port}", c.url
            r = _session().get(c.url.rstrip("/") + "/", timeout=10)
            assert r.status_code == 200
            assert r.json()["version"]["number"] == "8.15.0"
        urls = [c.url.rstrip("/") for c in clusters]
    # stopped: nothing listens any more
    for url in urls:
        with pytest.raises(requests.ConnectionError):
            _session().get(url + "/", timeout=3)


def test_start_fleet_seed_and_version():
    from es_ml_simulator import start_fleet

    seed = {"jobs": [seed_job("web-errors", "opened", groups=["web"], datafeed="started")],
            "upgrade_mode": False}
    fleet = start_fleet(clusters=2, port=0, es_version="7.17.20", seed=seed)
    try:
        for c in fleet.clusters:
            base = c.url.rstrip("/")
            r = _session().get(base + "/_ml/anomaly_detectors/web/_stats", timeout=10)
            assert r.status_code == 200, r.text
            assert [j["state"] for j in r.json()["jobs"]] == ["opened"]
            assert _session().get(base + "/").json()["version"]["number"] == "7.17.20"
        # clusters are independent
        b0, b1 = (c.url.rstrip("/") for c in fleet.clusters)
        assert _session().post(b0 + "/_ml/anomaly_detectors/web-errors/_close").status_code == 200
        r = _session().get(b1 + "/_ml/anomaly_detectors/web-errors/_stats")
        assert r.json()["jobs"][0]["state"] == "opened"
    finally:
        fleet.stop()


def test_start_fleet_partial_delays_dict():
    from es_ml_simulator import start_fleet

    seed = {"jobs": [seed_job("j", "opened")], "upgrade_mode": False}
    with start_fleet(clusters=1, port=0, delays={"close": 0.3}, seed=seed) as fleet:
        base = fleet.clusters[0].url.rstrip("/")
        t0 = time.monotonic()
        r = _session().post(base + "/_ml/anomaly_detectors/j/_close", timeout=10)
        elapsed = time.monotonic() - t0
        assert r.status_code == 200, r.text
        assert 0.25 <= elapsed < 1.5, elapsed


def test_hundred_clusters_in_one_process():
    from es_ml_simulator import start_fleet

    t0 = time.monotonic()
    with start_fleet(clusters=100, port=0) as fleet:
        assert len(fleet.clusters) == 100
        assert len({c.port for c in fleet.clusters}) == 100
        for c in fleet.clusters:
            r = requests.get(c.url.rstrip("/") + "/_ml/anomaly_detectors/_stats", timeout=10)
            assert r.status_code == 200 and r.json()["count"] == 0
    assert time.monotonic() - t0 < 30
