"""Fixtures for the conformance suite of the Elasticsearch ML API simulator.

Fleets are started once per configuration (version, delays, security, TLS) for the whole
session and reset before every test (``POST /_sim/reset``, faults and request log cleared).
Helpers live in ``simhelpers.py``.

``--live`` runs the same tests against a live cluster instead (``livecluster.py``): the one named
by ES_URL (ES_USER and ES_PASSWORD, or ES_API_KEY; ES_CA_PATH for its CA), or else a simulator
started here (ES_SIM_VERSION, default 8.15.0; with security, user elastic, password changeme)
and treated as a real cluster. Every request goes through a proxy (``liveproxy.py``) that gives
each test its own job-id prefix; state is set up with Elasticsearch's own APIs, and the session
fails if any request under /_sim was sent.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest

from simhelpers import DEFAULT_VERSION, FAST, SLOW, Sim

# The simulator a live run starts when no ES_URL is given: a secured cluster, as CI's are.
LIVE_SIM_USER, LIVE_SIM_PASSWORD = "elastic", "changeme"

LIVE = None  # the LiveCluster of a --live run


def pytest_addoption(parser):
    parser.addoption("--live", action="store_true",
                     help="run against ES_URL (or a freshly started simulator) through the live proxy")


def pytest_configure(config):
    config.addinivalue_line("markers", "simulator_only(reason): checks the simulator itself; skipped in --live")
    config.addinivalue_line("markers", "security_off: expects a cluster without security; skipped in --live "
                                       "when the cluster has security")
    global LIVE
    if config.getoption("--live") and LIVE is None:
        LIVE = _start_live(config)


def _start_live(config):
    from livecluster import LiveCluster

    url = os.environ.get("ES_URL")
    if url:
        return LiveCluster(url, os.environ.get("ES_USER"), os.environ.get("ES_PASSWORD"),
                           os.environ.get("ES_API_KEY"), os.environ.get("ES_CA_PATH"))
    from es_ml_simulator import start_fleet

    fleet = start_fleet(clusters=1, es_version=os.environ.get("ES_SIM_VERSION", DEFAULT_VERSION), security=True)
    config.add_cleanup(fleet.stop)
    return LiveCluster(fleet.clusters[0].url, LIVE_SIM_USER, LIVE_SIM_PASSWORD)


def pytest_collection_modifyitems(config, items):
    if LIVE is None:
        return
    for item in items:
        marker = item.get_closest_marker("simulator_only")
        if marker:
            item.add_marker(pytest.mark.skip(reason="live: " + marker.args[0]))
        elif item.get_closest_marker("security_off") and LIVE.security:
            item.add_marker(pytest.mark.skip(reason="live: expects a cluster without security; this one has it"))


def pytest_sessionfinish(session, exitstatus):
    if LIVE is None:
        return
    LIVE.whole_session()
    LIVE.sweep()
    LIVE.remove_indices()
    if LIVE.proxy.sim_requests:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if LIVE is None:
        return
    summary = LIVE.proxy.summary()
    terminalreporter.section("live mode")
    terminalreporter.write_line("cluster %s, Elasticsearch %s, security %s; job ids under %s*"
                                % (LIVE.upstream.url, LIVE.version, "on" if LIVE.security else "off", LIVE.session_id))
    terminalreporter.write_line("%d requests forwarded (%d of them set-up and clean-up), %d under /_sim"
                                % (summary["forwarded"], summary["setup_requests"], len(summary["sim_requests"])))
    for request in summary["sim_requests"]:
        terminalreporter.write_line("FAILED: sent to the simulator's admin API in live mode: " + request, red=True)
    _write_skips(terminalreporter)


def _write_skips(terminalreporter):
    """Every skipped test under its reason: what live mode did not check on this cluster, and why."""
    by_reason: dict[str, list[str]] = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        path, _, name = report.nodeid.partition("::")
        by_reason.setdefault(reason.removeprefix("Skipped: "), []).append(os.path.basename(path) + "::" + name)
    terminalreporter.section("skipped in live mode, by reason")
    for reason, tests in sorted(by_reason.items(), key=lambda item: -len(item[1])):
        terminalreporter.write_line("%s (%d)" % (reason, len(tests)))
        for test in tests:
            terminalreporter.write_line("    " + test)


def pytest_unconfigure(config):
    global LIVE
    if LIVE is not None:
        LIVE.close()
        LIVE = None


@pytest.fixture(autouse=True)
def live_namespace():
    """Live mode: each test gets its own job-id prefix, and whatever it made is force-deleted after it."""
    if LIVE is None:
        yield
        return
    LIVE.next_namespace()
    yield
    LIVE.sweep()


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
    """Factory: make_sim(version=..., delays='fast'|'slow', security=..., tls=...) -> reset Sim.

    Without a version: 8.15.0 on the simulator, the cluster whatever its release in live mode
    (unless it is older than min_version). With one: in live mode the test runs only if the cluster
    behaves as that release does.
    """

    def factory(version: str | None = None, delays: str = "fast", security: bool = False,
                tls: bool = False, tls_client_auth: bool = False, with_client_cert: bool = True,
                min_version: str | None = None):
        if LIVE is not None:
            return _live_sim(version, min_version, security, tls)
        version = version or DEFAULT_VERSION
        fleet, tls_dir = fleet_pool.get(version, delays, security, tls, tls_client_auth)
        cluster = fleet.clusters[0]
        verify = cert = None
        if tls:
            verify = f"{tls_dir}/ca.pem"
            if tls_client_auth and with_client_cert:
                cert = (f"{tls_dir}/client.pem", f"{tls_dir}/client.key")
        sim = Sim(cluster.url, version, verify=verify, cert=cert)
        sim.tls_dir = tls_dir
        sim.reset()
        return sim

    return factory


def _live_sim(version, min_version, security, tls):
    from livecluster import LiveSim

    LIVE.skip_unless_setup(security, tls)
    if version is not None:
        LIVE.skip_unless_release(version)
    if min_version is not None:
        LIVE.skip_unless_at_least(min_version)
    return LiveSim(LIVE)


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
