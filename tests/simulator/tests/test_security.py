"""Security: authentication, authorisation, API keys, tokens, TLS (ref §1.4, §6)."""

from __future__ import annotations

import base64
import re

import pytest
import requests

from simhelpers import assert_es_error, basic, seed_job

SEC = "security_exception"
BASIC_CHALLENGE = 'Basic realm="security" charset="UTF-8"'
PRIV_TAIL = r", this action is granted by the cluster privileges \[[^\] ]+\]"


def _challenge_values(err):
    hdr = err.get("header", {}).get("WWW-Authenticate")
    return hdr if isinstance(hdr, list) else [hdr]


@pytest.mark.parametrize("path", [
    "/_ml/anomaly_detectors/j",
    "/_ml/anomaly_detectors/j/_close?force=true",
    "/",
])
def test_401_missing_credentials(secure_sim, path):
    secure_sim.load(seed_job("j", "opened"))
    method = "POST" if "_close" in path else "GET"
    r = secure_sim.req(method, path)
    err = assert_es_error(r, 401, SEC, f"missing authentication credentials for REST request [{path}]")
    assert BASIC_CHALLENGE in r.headers.get("WWW-Authenticate", ""), dict(r.headers)
    assert BASIC_CHALLENGE in _challenge_values(err), err
    assert "stack_trace" not in err
    assert secure_sim.stats("j", headers=basic("elastic")).json()["jobs"][0]["state"] == "opened"


@pytest.mark.parametrize("user", ["elastic", "ml_admin", "ghost"])
def test_401_wrong_password(secure_sim, user):
    r = secure_sim.get("/_ml/anomaly_detectors/j", headers=basic(user, "wrong"))
    err = assert_es_error(r, 401, SEC,
                          f"unable to authenticate user [{user}] for REST request [/_ml/anomaly_detectors/j]")
    assert BASIC_CHALLENGE in r.headers.get("WWW-Authenticate", "")
    assert BASIC_CHALLENGE in _challenge_values(err)


@pytest.mark.parametrize("user,op,action", [
    ("ml_viewer", "close", "cluster:admin/xpack/ml/job/close"),
    ("ml_viewer", "delete", "cluster:admin/xpack/ml/job/delete"),
    ("ml_viewer", "open", "cluster:admin/xpack/ml/job/open"),
    ("ml_viewer", "stop_datafeed", "cluster:admin/xpack/ml/datafeed/stop"),
    ("ml_viewer", "delete_datafeed", "cluster:admin/xpack/ml/datafeeds/delete"),
    ("nobody", "get", "cluster:monitor/xpack/ml/job/get"),
    ("nobody", "stats", "cluster:monitor/xpack/ml/job/stats/get"),
    ("nobody", "datafeed_stats", "cluster:monitor/xpack/ml/datafeeds/stats/get"),
])
def test_403_names_action_user_roles(secure_sim, user, op, action):
    secure_sim.load(seed_job("j", "opened", datafeed="started", datafeed_id="d"))
    h = basic(user)
    call = {
        "close": lambda: secure_sim.close("j", headers=h),
        "delete": lambda: secure_sim.delete_job("j", "?force=true", headers=h),
        "open": lambda: secure_sim.open("j", headers=h),
        "stop_datafeed": lambda: secure_sim.post("/_ml/datafeeds/d/_stop", headers=h),
        "delete_datafeed": lambda: secure_sim.delete("/_ml/datafeeds/d?force=true", headers=h),
        "get": lambda: secure_sim.get_jobs("j", headers=h),
        "stats": lambda: secure_sim.stats("j", headers=h),
        "datafeed_stats": lambda: secure_sim.get("/_ml/datafeeds/d/_stats", headers=h),
    }[op]
    r = call()
    err = assert_es_error(
        r, 403, SEC,
        reason_regex=(re.escape(f"action [{action}] is unauthorized for user [{user}] with ")
                      + r"effective roles \[[^\] ]*\]" + PRIV_TAIL))
    roles_in_msg = re.search(r"effective roles \[([^\]]*)\]", err["reason"]).group(1)
    me = secure_sim.get("/_security/_authenticate", headers=h)
    assert me.status_code == 200, me.text
    assert roles_in_msg == ",".join(sorted(me.json()["roles"])), (roles_in_msg, me.json())
    if action.startswith("cluster:admin"):
        privs = re.search(r"cluster privileges \[([^\]]*)\]", err["reason"]).group(1).split(",")
        assert "manage_ml" in privs, privs
    # nothing changed
    st = secure_sim.stats("j", headers=basic("elastic")).json()["jobs"][0]["state"]
    assert st == "opened"


@pytest.mark.parametrize("user", ["ml_viewer", "ml_admin", "elastic"])
def test_readers_allowed(secure_sim, user):
    secure_sim.load(seed_job("j", "opened"))
    h = basic(user)
    assert secure_sim.get_jobs("j", headers=h).status_code == 200
    assert secure_sim.stats("j", headers=h).status_code == 200


@pytest.mark.parametrize("user", ["ml_admin", "elastic"])
def test_admins_can_close_and_delete(secure_sim, user):
    secure_sim.load(seed_job("j", "opened"))
    h = basic(user)
    r = secure_sim.close("j", headers=h)
    assert (r.status_code, r.json()) == (200, {"closed": True}), r.text
    r = secure_sim.delete_job("j", headers=h)
    assert (r.status_code, r.json()) == (200, {"acknowledged": True}), r.text


@pytest.mark.parametrize("user", ["elastic", "ml_admin", "ml_viewer", "nobody"])
def test_authenticate(secure_sim, user):
    r = secure_sim.get("/_security/_authenticate", headers=basic(user))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["username"] == user
    assert isinstance(body["roles"], list)


@pytest.mark.parametrize("user,expect", [
    ("elastic", {"manage_ml": True, "monitor_ml": True}),
    ("ml_admin", {"manage_ml": True, "monitor_ml": True}),
    ("ml_viewer", {"manage_ml": False, "monitor_ml": True}),
    ("nobody", {"manage_ml": False, "monitor_ml": False}),
])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_has_privileges(secure_sim, user, expect, method):
    r = secure_sim.req(method, "/_security/user/_has_privileges", headers=basic(user),
                       json_body={"cluster": ["manage_ml", "monitor_ml"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["username"] == user
    assert body["cluster"] == expect
    assert body["has_all_requested"] is all(expect.values())


def _api_key(sim, user):
    r = sim.post("/_security/api_key", headers=basic(user), json_body={"name": f"key-{user}"})
    assert r.status_code == 200, r.text
    body = r.json()
    for key in ("id", "name", "api_key"):
        assert key in body, body
    encoded = base64.b64encode(f"{body['id']}:{body['api_key']}".encode()).decode()
    if "encoded" in body:
        assert body["encoded"] == encoded
    return body["id"], {"Authorization": f"ApiKey {encoded}"}


def test_api_key_with_creator_privileges(secure_sim):
    secure_sim.load(seed_job("j", "opened"))
    _, h = _api_key(secure_sim, "ml_admin")
    r = secure_sim.close("j", headers=h)
    assert (r.status_code, r.json()) == (200, {"closed": True}), r.text


def test_api_key_of_viewer_gets_403_api_key_wording(secure_sim):
    secure_sim.load(seed_job("j", "opened"))
    key_id, h = _api_key(secure_sim, "ml_viewer")
    assert secure_sim.get_jobs("j", headers=h).status_code == 200
    r = secure_sim.close("j", headers=h)
    assert_es_error(
        r, 403, SEC,
        reason_regex=(re.escape(f"action [cluster:admin/xpack/ml/job/close] is unauthorized for "
                                f"API key id [{key_id}] of user [ml_viewer]") + PRIV_TAIL))


def test_invalid_api_key_401(secure_sim):
    bogus = base64.b64encode(b"nosuchid:nosuchkey").decode()
    r = secure_sim.get("/_ml/anomaly_detectors", headers={"Authorization": f"ApiKey {bogus}"})
    assert_es_error(r, 401, SEC)


def _token(sim, user, password="changeme"):
    return sim.post("/_security/oauth2/token",
                    json_body={"grant_type": "password", "username": user, "password": password})


def test_bearer_token(secure_sim):
    secure_sim.load(seed_job("j", "opened"))
    r = _token(secure_sim, "ml_admin")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["type"] == "Bearer"
    assert isinstance(body["access_token"], str) and body["access_token"]
    h = {"Authorization": f"Bearer {body['access_token']}"}
    me = secure_sim.get("/_security/_authenticate", headers=h)
    assert me.status_code == 200 and me.json()["username"] == "ml_admin", me.text
    r = secure_sim.close("j", headers=h)
    assert (r.status_code, r.json()) == (200, {"closed": True}), r.text


def test_bearer_token_wrong_password_and_bad_token(secure_sim):
    r = _token(secure_sim, "ml_admin", "wrong")
    assert r.status_code in (400, 401), r.text
    assert r.json()["error"]["type"]
    r = secure_sim.get("/_ml/anomaly_detectors", headers={"Authorization": "Bearer not-a-token"})
    assert_es_error(r, 401, SEC)


def test_sim_admin_needs_no_auth(secure_sim):
    secure_sim.load(seed_job("j", "opened"))
    r = secure_sim._admin.get(secure_sim.url + "/_sim/state")
    assert r.status_code == 200


# ---- TLS ------------------------------------------------------------------------------------

def test_tls_https_with_ca(make_sim):
    sim = make_sim(tls=True)
    assert sim.url.startswith("https://"), sim.url
    sim.load(seed_job("j", "opened"))
    r = sim.close("j")
    assert (r.status_code, r.json()) == (200, {"closed": True}), r.text


def test_tls_fails_without_ca(make_sim):
    sim = make_sim(tls=True)
    s = requests.Session()
    s.trust_env = False
    with pytest.raises(requests.exceptions.SSLError):
        s.get(sim.url + "/", timeout=10)


def test_tls_plain_http_to_https_port_fails(make_sim):
    sim = make_sim(tls=True)
    s = requests.Session()
    s.trust_env = False
    plain = sim.url.replace("https://", "http://")
    try:
        r = s.get(plain + "/", timeout=10)
    except requests.exceptions.ConnectionError:
        return
    assert r.status_code >= 400


def test_tls_client_auth_required(make_sim):
    sim = make_sim(tls=True, tls_client_auth=True)
    sim.load(seed_job("j", "opened"))
    r = sim.get("/_ml/anomaly_detectors/j")
    assert r.status_code == 200, r.text
    s = requests.Session()
    s.trust_env = False
    s.verify = f"{sim.tls_dir}/ca.pem"
    with pytest.raises(requests.exceptions.ConnectionError):  # SSLError is a subclass
        s.get(sim.url + "/", timeout=10)


def test_async_delete_401_is_returned_directly(secure_sim):
    """ref §4.5: REST-level errors (401) are not hidden behind wait_for_completion=false."""
    secure_sim.load(seed_job("j", "closed"))
    r = secure_sim.delete_job("j", "?wait_for_completion=false")
    assert_es_error(r, 401, SEC, "missing authentication credentials for REST request "
                                 "[/_ml/anomaly_detectors/j?wait_for_completion=false]")
    assert secure_sim.get_jobs("j", headers=basic("elastic")).status_code == 200


def test_license_error_401_precedes(secure_sim):
    """Authentication comes before licence checks: no credentials is still 401."""
    secure_sim.load(seed_job("j", "opened"))
    secure_sim.settings(ml_enabled=False)
    try:
        assert secure_sim.close("j").status_code == 401
        r = secure_sim.close("j", headers=basic("elastic"))
        assert_es_error(r, 403, SEC, "current license is non-compliant for [ml]")
    finally:
        secure_sim.settings(ml_enabled=True)
