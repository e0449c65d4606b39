"""Fixtures for the conformance suite of the Elasticsearch ML API simulator.

Fleets are started once per configuration (version, delays, security, TLS) for the whole
session and reset before every test (``POST /_sim/reset``, faults and request log cleared).
Helpers live in ``simhelpers.py``.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from simhelpers import DEFAULT_VERSION, FAST, SLOW, Sim

# --------------------------------------------------------------------------------------
# Fleet management
# --------------------------------------------------------------------------------------

class _FleetPool:
    def __init__(self, tmp_factory):
        self._fleets: dict[tuple, Any] = {}
        self._tmp_factory = tmp_factory
        self._lock = threading.Lock()

    def get(self, version: str = DEFAULT_VERSION, delays: str = "fast", security: bool = False,
            tls: bool = False, tls_client_auth: bool = False):
        key = (version, delays, security, tls, tls_client_auth)
        with self._lock:
            if key not in self._fleets:
                from es_ml_simulator import start_fleet

                tls_dir = None
                if tls:
                    tls_dir = str(self._tmp_factory.mktemp("tls"))
                fleet = start_fleet(
                    clusters=1,
                    host="127.0.0.1",
                    port=0,
                    es_version=version,
                    delays=dict(FAST if delays == "fast" else SLOW),
                    security=security,
                    users=None,
                    tls_dir=tls_dir,
                    tls_client_auth=tls_client_auth,
                    seed=None,
                )
                self._fleets[key] = (fleet, tls_dir)
            return self._fleets[key]

    def stop_all(self):
        for fleet, _ in self._fleets.values():
            try:
                fleet.stop()
            except Exception:  # noqa: BLE001
                pass


@pytest.fixture(scope="session")
def fleet_pool(tmp_path_factory):
    pool = _FleetPool(tmp_path_factory)
    yield pool
    pool.stop_all()


@pytest.fixture
def make_sim(fleet_pool):
    """Factory: make_sim(version=..., delays='fast'|'slow', security=..., tls=...) -> reset Sim."""

    def factory(version: str = DEFAULT_VERSION, delays: str = "fast", security: bool = False,
                tls: bool = False, tls_client_auth: bool = False, with_client_cert: bool = True):
        fleet, tls_dir = fleet_pool.get(version, delays, security, tls, tls_client_auth)
        cluster = fleet.clusters[0]
        verify = cert = None
        if tls:
            verify = f"{tls_dir}/ca.pem"
            if tls_client_auth and with_client_cert:
                cert = (f"{tls_dir}/client.pem", f"{tls_dir}/client.key")
        sim = Sim(cluster, version, verify=verify, cert=cert)
        sim.tls_dir = tls_dir
        sim.reset()
        return sim

    return factory


@pytest.fixture
def sim(make_sim):
    """Default cluster: ES 8.15.0, fast delays, no security, freshly reset."""
    return make_sim()


@pytest.fixture
def slow_sim(make_sim):
    """ES 8.15.0 with slow transitions (0.4 s) to observe transient states."""
    return make_sim(delays="slow")


@pytest.fixture
def secure_sim(make_sim):
    """ES 8.15.0 with security enabled."""
    return make_sim(security=True)
