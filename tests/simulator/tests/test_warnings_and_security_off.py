"""Deprecation warnings (Warning response header) and the security APIs on a cluster without
security (https://www.elastic.co/guide/en/elasticsearch/reference/current/api-conventions.html,
the Elasticsearch source: HeaderWarning, x-pack/plugin/security/.../rest/action/SecurityBaseRestHandler.java)."""

from __future__ import annotations

import re

import pytest

from simhelpers import assert_es_error, basic, seed_job

WARNING = re.compile(r'299 Elasticsearch-(\S+)-([0-9a-f]{40}) "(.*)"\Z')
NO_JOBS = "Deprecated field [allow_no_jobs] used, expected [allow_no_match] instead"
NO_DATAFEEDS = "Deprecated field [allow_no_datafeeds] used, expected [allow_no_match] instead"
THROTTLED = ("[ignore_throttled] parameter is deprecated because frozen indices have been deprecated. "
             "Consider cold or frozen tiers in place of frozen indices.")
NOT_ENABLED = ("Security must be explicitly enabled when using a [basic] license. Enable security by setting "
               "[xpack.security.enabled] to [true] in the elasticsearch.yml file and restart the node.")


def warnings(resp, version):
    values = [v.strip() for v in resp.headers.get("Warning", "").split(", 299") if v.strip()]
    texts = []
    for value in values:
        match = WARNING.match(value if value.startswith("299") else "299" + value)
        assert match, value
        assert match.group(1) == version, value
        texts.append(match.group(3))
    return texts


@pytest.mark.parametrize("version", ["7.10.2", "7.17.20"])
@pytest.mark.parametrize("call", ["close", "stats", "get"])
def test_allow_no_jobs_warns_in_7x(make_sim, version, call):
    sim = make_sim(version)
    sim.load(seed_job("j", "opened"))
    r = {"close": lambda: sim.close("j", "?allow_no_jobs=true"),
         "stats": lambda: sim.stats("j", "?allow_no_jobs=true"),
         "get": lambda: sim.get_jobs("j", "?allow_no_jobs=true")}[call]()
    assert r.status_code == 200, r.text
    assert warnings(r, sim.version) == [NO_JOBS]


def test_allow_no_match_does_not_warn(make_sim):
    sim = make_sim("7.17.20")
    r = sim.close("foo*", "?allow_no_match=true")
    assert r.status_code == 200 and "Warning" not in r.headers, dict(r.headers)


def test_allow_no_datafeeds_warns_in_7x(make_sim):
    sim = make_sim("7.17.20")
    r = sim.post("/_ml/datafeeds/foo*/_stop?allow_no_datafeeds=true")
    assert r.status_code == 200, r.text
    assert warnings(r, sim.version) == [NO_DATAFEEDS]


def test_warning_also_on_error_answers(make_sim):
    sim = make_sim("7.17.20")
    r = sim.close("foo*", "?allow_no_jobs=false")
    assert_es_error(r, 404, "resource_not_found_exception", "No known job with id 'foo*'")
    assert warnings(r, sim.version) == [NO_JOBS]


def test_6x_allow_no_jobs_is_not_deprecated(make_sim):
    sim = make_sim("6.8.23")
    r = sim.post("/_xpack/ml/anomaly_detectors/foo*/_close?allow_no_jobs=true")
    assert r.status_code == 200 and "Warning" not in r.headers, dict(r.headers)


def test_8x_compat_7_allow_no_jobs_warns(make_sim):
    sim = make_sim("8.15.0")
    mt = "application/vnd.elasticsearch+json; compatible-with=7"
    r = sim.close("foo*", "?allow_no_jobs=true", headers={"Accept": mt})
    assert r.status_code == 200, r.text
    assert warnings(r, sim.version) == [NO_JOBS]


@pytest.mark.parametrize("version,warned", [("7.17.20", False), ("8.15.0", True), ("9.1.0", True)])
def test_ignore_throttled_on_put_datafeed(make_sim, version, warned):
    sim = make_sim(version)
    sim.load(seed_job("j", "closed"))
    r = sim.put("/_ml/datafeeds/d?ignore_throttled=false", json_body={"job_id": "j", "indices": ["i"]})
    assert r.status_code == 200, r.text
    assert warnings(r, sim.version) == ([THROTTLED] if warned else [])


def test_401_drops_warning(make_sim):
    sim = make_sim("8.15.0", security=True)
    mt = "application/vnd.elasticsearch+json; compatible-with=7"
    r = sim.close("foo*", "?allow_no_jobs=true", headers={"Accept": mt})
    assert r.status_code == 401
    assert "Warning" not in r.headers


def test_403_drops_warning(make_sim):
    sim = make_sim("8.15.0", security=True)
    mt = "application/vnd.elasticsearch+json; compatible-with=7"
    r = sim.close("foo*", "?allow_no_jobs=true", headers=dict(basic("ml_viewer"), Accept=mt))
    assert r.status_code == 403, r.text
    assert "Warning" not in r.headers


# ---- security APIs without security ------------------------------------------------------------

SECURITY_CALLS = [("GET", "/_security/_authenticate", None),
                  ("GET", "/_security/user/_has_privileges", {"cluster": ["manage_ml"]}),
                  ("POST", "/_security/api_key", {"name": "k"}),
                  ("POST", "/_security/oauth2/token", {"grant_type": "password", "username": "elastic",
                                                       "password": "changeme"})]


@pytest.mark.security_off
@pytest.mark.parametrize("version", ["6.8.23", "7.17.20"])
@pytest.mark.parametrize("method,path,body", SECURITY_CALLS)
def test_security_off_7x_refuses_with_500(make_sim, version, method, path, body):
    sim = make_sim(version)
    r = sim.req(method, path, json_body=body)
    assert_es_error(r, 500, "exception", NOT_ENABLED)


@pytest.mark.security_off
@pytest.mark.parametrize("version", ["8.15.0", "9.1.0"])
@pytest.mark.parametrize("method,path,body", SECURITY_CALLS)
def test_security_off_8x_has_no_handler(make_sim, version, method, path, body):
    sim = make_sim(version)
    r = sim.req(method, path, json_body=body)
    assert r.status_code == 400, r.text
    assert r.json() == {"error": f"no handler found for uri [{path}] and method [{method}]"}


def test_security_on_still_answers(make_sim):
    sim = make_sim("8.15.0", security=True)
    r = sim.get("/_security/_authenticate", headers=basic("elastic"))
    assert r.status_code == 200 and r.json()["username"] == "elastic", r.text
