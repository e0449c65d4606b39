"""Helpers for the conformance suite of the Elasticsearch ML API simulator.

Everything goes through HTTP (``requests``) against servers started with
``es_ml_simulator.start_fleet``.  Fleets are started once per configuration for the
whole session and reset (``POST /_sim/reset``, faults and request log cleared)
before every test, which keeps the suite fast.

Every assertion follows Elasticsearch's documented and source behaviour (the Elastic reference
docs, e.g. https://www.elastic.co/guide/en/elasticsearch/reference/current/ml-close-job.html, and
the Elasticsearch source under x-pack/plugin/ml/); ``ref §N`` marks the section of the project's
API notes a test checks.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from typing import Any

import pytest
import requests

# Versions the suite is parametrised over where behaviour differs.
ALL_VERSIONS = ["6.8.23", "7.13.4", "7.14.2", "7.17.20", "8.6.2", "8.15.0", "9.1.0"]
DEFAULT_VERSION = "8.15.0"

FAST = {"close": 0.05, "delete": 0.02, "open": 0.02, "datafeed_stop": 0.01}
# Slow enough to observe transient states (opening, closing, deleting) with polling.
SLOW = {"close": 0.4, "delete": 0.4, "open": 0.4, "datafeed_stop": 0.05}

PASSWORD = "changeme"

INVALID_ID_TEMPLATE = (
    "Invalid job_id; '{}' can contain lowercase alphanumeric (a-z and 0-9), hyphens or "
    "underscores; must start and end with alphanumeric"
)
ID_TOO_LONG = "The job id cannot contain more than 64 characters."


def vtuple(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def ml_prefix(version: str) -> str:
    """ref §7: 6.x serves ML under /_xpack/ml, later releases under /_ml."""
    return "/_xpack/ml" if vtuple(version) < (7, 0, 0) else "/_ml"


def seed_job(job_id: str, state: str = "closed", groups=None, datafeed: str | None = None,
             datafeed_id: str | None = None, deleting: bool = False) -> dict:
    """One entry of the /_sim/load seed document."""
    entry: dict[str, Any] = {"job_id": job_id, "state": state, "groups": list(groups or []),
                             "deleting": deleting}
    if datafeed is not None:
        entry["datafeed"] = {"datafeed_id": datafeed_id or f"datafeed-{job_id}", "state": datafeed}
    else:
        entry["datafeed"] = None
    return entry


def job_body(groups=None) -> dict:
    body: dict[str, Any] = {
        "analysis_config": {
            "bucket_span": "15m",
            "detectors": [{"function": "count"}],
        },
        "data_description": {"time_field": "timestamp"},
    }
    if groups:
        body["groups"] = list(groups)
    return body


def assert_es_error(resp: requests.Response, status: int, etype: str | None = None,
                    reason: str | None = None, *, root_cause: tuple[str, str] | None = None,
                    caused_by: tuple[str, str] | None = None, reason_regex: str | None = None):
    """Assert an Elasticsearch error envelope (ref §1.1) exactly.

    ``root_cause`` defaults to the top-level type/reason (simple exception).
    Returns the ``error`` object for further checks.
    """
    assert resp.status_code == status, (
        f"expected HTTP {status}, got {resp.status_code}: {resp.text[:500]}"
    )
    try:
        body = resp.json()
    except ValueError:  # pragma: no cover - failure path
        raise AssertionError(f"error body is not JSON: {resp.text[:500]!r}")
    assert isinstance(body, dict), body
    assert body.get("status") == status, f"envelope status != {status}: {body}"
    err = body.get("error")
    assert isinstance(err, dict), f"error is not an object: {body}"
    if etype is not None:
        assert err.get("type") == etype, f"type: {err.get('type')!r} != {etype!r}; {body}"
    if reason is not None:
        assert err.get("reason") == reason, f"reason:\n  got  {err.get('reason')!r}\n  want {reason!r}"
    if reason_regex is not None:
        import re

        assert re.fullmatch(reason_regex, err.get("reason") or ""), (
            f"reason {err.get('reason')!r} does not match {reason_regex!r}"
        )
    if "error_trace=true" not in (resp.request.url or ""):
        assert "stack_trace" not in err, "stack_trace only with ?error_trace=true (ref §1.1)"
    rc = err.get("root_cause")
    assert isinstance(rc, list) and rc, f"root_cause must be a non-empty array: {body}"
    for entry in rc:
        assert "caused_by" not in entry, f"caused_by is omitted inside root_cause: {entry}"
    if root_cause is None and caused_by is None:
        root_cause = (err.get("type"), err.get("reason"))
    if root_cause is not None:
        assert rc[0].get("type") == root_cause[0], f"root_cause type {rc[0]} != {root_cause}"
        assert rc[0].get("reason") == root_cause[1], f"root_cause reason {rc[0]} != {root_cause}"
    if caused_by is not None:
        cb = err.get("caused_by")
        assert isinstance(cb, dict), f"caused_by missing: {body}"
        assert cb.get("type") == caused_by[0], f"caused_by {cb} != {caused_by}"
        assert cb.get("reason") == caused_by[1], f"caused_by {cb} != {caused_by}"
    return err


def assert_es_no_handler_or_error(resp: requests.Response):
    """Unknown path/method: ES answers ``{"error": "no handler found for uri [...] and method
    [...]"}`` (400) or ``Incorrect HTTP method ...`` (405), or a full error envelope."""
    assert 400 <= resp.status_code < 500, (resp.status_code, resp.text[:300])
    assert "Traceback" not in resp.text
    body = resp.json()
    assert isinstance(body, dict) and "error" in body, body
    if isinstance(body["error"], str):
        assert body["error"].startswith(("no handler found for uri [", "Incorrect HTTP method for uri [")), body
        return body["error"]
    return assert_es_shaped_error(resp)


def assert_es_shaped_error(resp: requests.Response, min_status: int = 400):
    """Shape only: JSON object with error{type, reason, root_cause[]} and a numeric status."""
    assert resp.status_code >= min_status, resp.text[:300]
    body = resp.json()
    assert body.get("status") == resp.status_code, body
    err = body["error"]
    assert isinstance(err.get("type"), str) and err["type"], body
    assert isinstance(err.get("reason"), str) and err["reason"], body
    assert isinstance(err.get("root_cause"), list) and err["root_cause"], body
    assert "Traceback" not in resp.text
    return err


class Sim:
    """A handle on one simulated cluster: ES calls plus the /_sim admin API."""

    def __init__(self, url: str, version: str, *, verify=None, cert=None):
        self.url = url.rstrip("/")
        self.version = version
        self.v = vtuple(version)
        self.ml = ml_prefix(version)
        self.verify = verify
        self.cert = cert
        self.http = self._session()
        self._admin = self._session()

    def _session(self) -> requests.Session:
        s = requests.Session()
        s.trust_env = False
        if self.verify is not None:
            s.verify = self.verify
        if self.cert is not None:
            s.cert = self.cert
        return s

    # ---- Elasticsearch API -------------------------------------------------
    def req(self, method: str, path: str, *, json_body=None, data=None, headers=None,
            auth=None, timeout: float = 30, session: requests.Session | None = None):
        hdrs = dict(headers or {})
        if json_body is not None:
            data = json.dumps(json_body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        elif data is not None:
            hdrs.setdefault("Content-Type", "application/json")
        s = session or self.http
        return s.request(method, self.url + path, data=data, headers=hdrs, auth=auth,
                         timeout=timeout)

    def get(self, path, **kw):
        return self.req("GET", path, **kw)

    def post(self, path, **kw):
        return self.req("POST", path, **kw)

    def put(self, path, **kw):
        return self.req("PUT", path, **kw)

    def delete(self, path, **kw):
        return self.req("DELETE", path, **kw)

    def jobs_path(self, expr: str = "") -> str:
        return f"{self.ml}/anomaly_detectors/{expr}" if expr else f"{self.ml}/anomaly_detectors"

    def close(self, expr: str, query: str = "", **kw):
        return self.post(f"{self.jobs_path(expr)}/_close{query}", **kw)

    def delete_job(self, job_id: str, query: str = "", **kw):
        return self.delete(f"{self.jobs_path(job_id)}{query}", **kw)

    def open(self, job_id: str, query: str = "", **kw):
        return self.post(f"{self.jobs_path(job_id)}/_open{query}", **kw)

    def stats(self, expr: str = "", query: str = "", **kw):
        path = f"{self.jobs_path(expr)}/_stats" if expr else f"{self.ml}/anomaly_detectors/_stats"
        return self.get(path + query, **kw)

    def get_jobs(self, expr: str = "", query: str = "", **kw):
        return self.get(self.jobs_path(expr) + query, **kw)

    def job_state(self, job_id: str) -> str:
        r = self.stats(job_id)
        assert r.status_code == 200, r.text
        jobs = r.json()["jobs"]
        assert len(jobs) == 1, jobs
        return jobs[0]["state"]

    def job_doc(self, job_id: str) -> dict:
        r = self.get_jobs(job_id)
        assert r.status_code == 200, r.text
        jobs = r.json()["jobs"]
        assert len(jobs) == 1 and jobs[0]["job_id"] == job_id, jobs
        return jobs[0]

    def datafeed_state(self, datafeed_id: str) -> str:
        r = self.get(f"{self.ml}/datafeeds/{datafeed_id}/_stats")
        assert r.status_code == 200, r.text
        feeds = r.json()["datafeeds"]
        assert len(feeds) == 1, feeds
        return feeds[0]["state"]

    def datafeed_exists(self, datafeed_id: str) -> bool:
        r = self.get(f"{self.ml}/datafeeds/{datafeed_id}")
        assert r.status_code in (200, 404), r.text
        return r.status_code == 200

    def job_exists(self, job_id: str) -> bool:
        r = self.get_jobs(job_id)
        assert r.status_code in (200, 404), r.text
        return r.status_code == 200

    def wait_state(self, job_id: str, state: str, timeout: float = 5.0) -> float:
        t0 = time.monotonic()
        seen = None
        while time.monotonic() - t0 < timeout:
            seen = self.job_state(job_id)
            if seen == state:
                return time.monotonic() - t0
            time.sleep(0.01)
        raise AssertionError(f"job {job_id} did not reach {state!r} (last {seen!r})")

    # ---- admin API ------------------------------------------------------------
    def admin(self, method: str, path: str, body=None, expect_ok: bool = True):
        r = self._admin.request(method, self.url + path,
                                data=None if body is None else json.dumps(body).encode(),
                                headers={"Content-Type": "application/json"} if body is not None else {},
                                timeout=30)
        if expect_ok:
            assert 200 <= r.status_code < 300, f"admin {method} {path}: {r.status_code} {r.text[:300]}"
        return r

    def reset(self):
        self.admin("POST", "/_sim/reset")
        self.admin("DELETE", "/_sim/faults")
        self.admin("DELETE", "/_sim/requests")

    def load(self, *jobs, upgrade_mode: bool = False):
        self.admin("POST", "/_sim/load", {"jobs": list(jobs), "upgrade_mode": upgrade_mode})

    def sim_state(self) -> dict:
        return self.admin("GET", "/_sim/state").json()

    def request_log(self) -> list:
        return self.admin("GET", "/_sim/requests").json()["requests"]

    def clear_log(self):
        self.admin("DELETE", "/_sim/requests")

    def fault(self, **kw):
        body = {"method": None, "path": ".*", "count": 1, "rate": None, "action": "error",
                "status": 503, "type": None, "reason": None, "retry_after": None, "delay_s": None}
        body.update(kw)
        return self.admin("POST", "/_sim/faults", body)

    def fail_job(self, job_id: str):
        self.admin("POST", f"/_sim/jobs/{job_id}/_fail")

    def stick_job(self, job_id: str):
        self.admin("POST", f"/_sim/jobs/{job_id}/_stick")

    def settings(self, **kw):
        self.admin("POST", "/_sim/settings", kw)


def basic(user: str, password: str = PASSWORD) -> dict:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def in_thread(fn, *args, **kwargs):
    """Run fn in a thread; returns (thread, result-holder)."""
    holder: dict[str, Any] = {}

    def run():
        try:
            holder["result"] = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - surfaced by the caller
            holder["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, holder


def join(t, holder, timeout: float = 20):
    t.join(timeout)
    assert not t.is_alive(), "background request did not finish"
    if "error" in holder:
        raise holder["error"]
    return holder["result"]
