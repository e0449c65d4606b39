"""Live mode of the conformance suite: a real cluster (or a simulator treated as one) behind liveproxy.

``LiveCluster`` sets state up with Elasticsearch's own APIs only (PUT job, _open, PUT datafeed,
_start) and removes it again (force deletes); ``LiveSim`` is the ``Sim`` the tests get in live
mode: the same HTTP calls, through the proxy, and a ``pytest.skip`` with its reason for whatever
only the simulator can do (its /_sim admin API: faults, failed or stuck jobs, transient states,
settings, the request log).
"""

from __future__ import annotations

import json
import os
import secrets
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from es_ml_simulator.versions import features_for
from liveproxy import SETUP_ID, LiveProxy, Namespace, Upstream
from simhelpers import Sim, job_body, ml_prefix, vtuple

# Seeded jobs ask for little model memory: a real ML node must fit every job a test opens at once.
SEED_MODEL_MEMORY = "16mb"
SEED_INDICES = ["logs-*"]
PARALLEL_SETUP = 8
# Release-table fields that name a release rather than describe a behaviour.
NAMING_FIELDS = ("number", "version", "lucene", "job_version")

SIM_ONLY = {
    "faults": "fault injection (/_sim/faults) exists only in the simulator",
    "fail": "a failed job cannot be made on demand on a real cluster (the simulator's /_sim/jobs/<id>/_fail)",
    "stick": "a close that never finishes cannot be made on demand on a real cluster (/_sim/jobs/<id>/_stick)",
    "settings": "ML node capacity, licence, master and max model memory are the simulator's /_sim/settings",
    "log": "the request log is the simulator's /_sim/requests",
    "state": "the simulator's whole-cluster view is /_sim/state",
    "admin": "the simulator's /_sim admin API",
}
CLUSTER_WIDE = ("upgrade mode pauses every ML job of the cluster: set ES_CLUSTER_WIDE=1 to allow it "
                "on a cluster of your own (CI does)")


def behaviour(version):
    """What the simulator's release table says release `version` does, without its name."""
    record = features_for(version).__dict__
    return {k: v for k, v in record.items() if k not in NAMING_FIELDS}


def unseedable(spec):
    """Why a real cluster cannot be put into the state of this seed entry, or None."""
    state = spec.get("state", "closed")
    feed = spec.get("datafeed") or {}
    if state == "failed":
        return SIM_ONLY["fail"]
    if state in ("opening", "closing"):
        return "a job held in the transient state %s cannot be made on demand on a real cluster" % state
    if spec.get("deleting"):
        return "a job left `deleting` by an interrupted delete cannot be made on demand on a real cluster"
    if feed.get("state") == "started" and state != "opened":
        return "a started datafeed on a %s job cannot be made on a real cluster (the simulator seeds it)" % state
    if spec.get("model_bytes"):
        return "a job's model size cannot be set on a real cluster (the simulator seeds it)"
    return None


class LiveCluster:
    """The cluster behind the proxy: its release, security, and state set up and removed by real APIs."""

    def __init__(self, url, user=None, password=None, api_key=None, ca_path=None, session_id=None):
        self.session_id = session_id or "conformance-" + secrets.token_hex(3)
        self.upstream = Upstream(url, user, password, api_key, ca_path)
        self.proxy = LiveProxy(self.upstream, Namespace(self.session_id + "-", self.session_id + "-")).start()
        self.http = requests.Session()
        self.http.trust_env = False
        self.http.headers["X-Opaque-Id"] = SETUP_ID
        self.version = self.call("GET", "/").json()["version"]["number"]
        self.ml = ml_prefix(self.version)
        self.security = self.call("GET", "/_security/_authenticate").status_code == 200
        self.cluster_wide = os.environ.get("ES_CLUSTER_WIDE", "") in ("1", "true", "yes")
        self.tests = 0

    def close(self):
        self.proxy.stop()

    # ---- namespaces --------------------------------------------------------------------------
    def next_namespace(self):
        """A fresh job-id prefix for the next test, so no test sees another's jobs."""
        self.tests += 1
        self.proxy.namespace.prefix = "%s-%s-" % (self.session_id, _base36(self.tests))

    def whole_session(self):
        self.proxy.namespace.prefix = self.session_id + "-"

    # ---- HTTP ----------------------------------------------------------------------------------
    def call(self, method, path, body=None, expect=None):
        data = None if body is None else json.dumps(body).encode()
        response = self.http.request(method, self.proxy.url + path, data=data, timeout=300,
                                     headers={"Content-Type": "application/json"} if data else {})
        if expect is not None and response.status_code not in expect:
            raise AssertionError("live setup %s %s: %s %s" % (method, path, response.status_code, response.text[:500]))
        return response

    # ---- state -----------------------------------------------------------------------------------
    def seed(self, jobs, upgrade_mode=False):
        """Create the seed document's jobs with Elasticsearch's APIs; skip the test if a real cluster can't."""
        for spec in jobs:
            reason = unseedable(spec)
            if reason:
                pytest.skip("live: " + reason)
        if upgrade_mode and not self.cluster_wide:
            pytest.skip("live: " + CLUSTER_WIDE)
        for spec in jobs:
            body = dict(job_body(spec.get("groups")), analysis_limits={"model_memory_limit": SEED_MODEL_MEMORY})
            self.call("PUT", "%s/anomaly_detectors/%s" % (self.ml, spec["job_id"]), body, expect=(200,))
        self._parallel([s for s in jobs if s.get("state") == "opened"],
                       lambda s: self.call("POST", "%s/anomaly_detectors/%s/_open" % (self.ml, s["job_id"]),
                                           expect=(200,)))
        with_feed = [s for s in jobs if s.get("datafeed")]
        for spec in with_feed:
            self.call("PUT", "%s/datafeeds/%s" % (self.ml, _datafeed_id(spec)),
                      {"job_id": spec["job_id"], "indices": SEED_INDICES}, expect=(200,))
        self._parallel([s for s in with_feed if s["datafeed"].get("state") == "started"],
                       lambda s: self.call("POST", "%s/datafeeds/%s/_start" % (self.ml, _datafeed_id(s)),
                                           expect=(200,)))
        if upgrade_mode:
            self.call("POST", self.ml + "/set_upgrade_mode?enabled=true", expect=(200,))
            self.proxy.upgrade_mode_set = True

    def sweep(self):
        """Force-delete every datafeed and job of the current namespace, and undo upgrade mode."""
        if self.proxy.upgrade_mode_set:
            self.call("POST", self.ml + "/set_upgrade_mode?enabled=false", expect=(200,))
            self.proxy.upgrade_mode_set = False
        feeds = self.call("GET", self.ml + "/datafeeds/_all", expect=(200,)).json()["datafeeds"]
        self._parallel(feeds, lambda f: self.call("DELETE", "%s/datafeeds/%s?force=true" % (self.ml, f["datafeed_id"]),
                                                  expect=(200, 404)))
        jobs = self.call("GET", self.ml + "/anomaly_detectors/_all", expect=(200,)).json()["jobs"]
        self._parallel(jobs, lambda j: self.call("DELETE", "%s/anomaly_detectors/%s?force=true" % (self.ml, j["job_id"]),
                                                 expect=(200, 404)))
        self._remove_escaped()

    def _remove_escaped(self):
        """Ids the prefix could not take (64 characters) live outside the namespace: delete them by name."""
        escaped, self.proxy.namespace.escaped = self.proxy.namespace.escaped, set()
        for collection, name in escaped:
            response = self.upstream.send("DELETE", "%s/%s/%s?force=true" % (self.ml, collection, name))
            if response.status_code not in (200, 400, 404):
                raise AssertionError("live cleanup of %s %s: %s" % (collection, name, response.text[:300]))

    def remove_indices(self):
        for name in sorted(self.proxy.namespace.indices):
            self.upstream.send("DELETE", "/" + name)

    @staticmethod
    def _parallel(items, action):
        if not items:
            return
        with ThreadPoolExecutor(min(PARALLEL_SETUP, len(items))) as pool:
            list(pool.map(action, items))

    # ---- what tests may ask of this cluster ---------------------------------------------------
    def skip_unless_release(self, version):
        """A test written for release `version` runs when the cluster behaves as that release does."""
        if behaviour(version) != behaviour(self.version):
            pytest.skip("live: written for Elasticsearch %s, which behaves unlike the cluster's %s"
                        % (version, self.version))

    def skip_unless_at_least(self, version):
        if vtuple(self.version) < vtuple(version):
            pytest.skip("live: needs Elasticsearch %s or later; the cluster runs %s" % (version, self.version))

    def skip_unless_setup(self, security, tls):
        if tls:
            pytest.skip("live: the simulator's own TLS certificates; live mode uses the cluster's one TLS setup")
        if security:
            pytest.skip("live: the simulator's users (elastic, ml_admin, ml_viewer, nobody with password "
                        "changeme) are a security setup other than the cluster's")


def _datafeed_id(spec):
    return spec["datafeed"].get("datafeed_id") or "datafeed-" + spec["job_id"]


def _base36(number):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


class LiveSim(Sim):
    """The Sim tests get in live mode: Elasticsearch calls through the proxy, no /_sim."""

    def __init__(self, live):
        super().__init__(live.proxy.url, live.version)
        self.live = live
        self.tls_dir = None

    def req(self, method, path, **kw):
        if "set_upgrade_mode" in path and "enabled=true" in path and not self.live.cluster_wide:
            pytest.skip("live: " + CLUSTER_WIDE)
        return super().req(method, path, **kw)

    def reset(self):
        self.live.sweep()

    def load(self, *jobs, upgrade_mode: bool = False):
        self.live.seed(jobs, upgrade_mode)

    def sim_state(self):
        pytest.skip("live: " + SIM_ONLY["state"])

    def request_log(self):
        pytest.skip("live: " + SIM_ONLY["log"])

    def clear_log(self):
        pytest.skip("live: " + SIM_ONLY["log"])

    def fault(self, **kw):
        pytest.skip("live: " + SIM_ONLY["faults"])

    def fail_job(self, job_id):
        pytest.skip("live: " + SIM_ONLY["fail"])

    def stick_job(self, job_id):
        pytest.skip("live: " + SIM_ONLY["stick"])

    def settings(self, **kw):
        pytest.skip("live: " + SIM_ONLY["settings"])

    def admin(self, method, path, body=None, expect_ok=True):
        pytest.skip("live: %s (%s %s)" % (SIM_ONLY["admin"], method, path))
