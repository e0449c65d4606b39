# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every module shares: the connection options, the missing-requests error, and secrets."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json

import pytest
import requests
import trustme

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _transport as es_client
from ansible_collections.mlops.elasticsearch.plugins.modules import ml_job_close, ml_job_delete, ml_job_info
from ansible_collections.mlops.elasticsearch.tests.unit.utils import es
from ansible_collections.mlops.elasticsearch.tests.unit.utils.module_runner import ModuleRun
from ansible_collections.mlops.elasticsearch.tests.unit.utils.scripted_http import Call, ScriptedSession

MODULES = [
    (ml_job_close, {"job_id": "web-1"}),
    (ml_job_delete, {"job_id": "web-1"}),
    (ml_job_info, {}),
]
PASSWORD = "pw-Zq8#unique-password"
API_KEY_ID = "VuaCfGcBCdbkQm-e5aOx"
API_KEY_SECRET = "ui2lp2axTNmsyakw9tvNnw"
API_KEY = API_KEY_ID + ":" + API_KEY_SECRET
BEARER = "dGhpcyBpcyBub3QgYSByZWFsIHRva2Vu-bearer"


def secret_forms():
    encoded = base64.b64encode(API_KEY.encode()).decode()
    return [PASSWORD, API_KEY, API_KEY_SECRET, encoded, BEARER]


def assert_no_secret(*payloads):
    text = json.dumps(payloads, default=repr)
    for secret in secret_forms():
        assert secret not in text, "a secret leaked into %s" % text


@pytest.mark.parametrize("module, args", MODULES)
def test_missing_requests_gives_missing_required_lib_and_sends_nothing(run, monkeypatch, module, args):
    monkeypatch.setattr(es_client, "HAS_REQUESTS", False)
    monkeypatch.setattr(es_client, "REQUESTS_IMPORT_ERROR", "Traceback ...\nModuleNotFoundError: No module named 'requests'")
    result = run.fails(module, args)
    assert "Failed to import the required Python library (requests)" in result["msg"]
    assert "No module named 'requests'" in result["exception"]
    assert run.http.calls == [] and run.client_kwargs == []


@pytest.mark.parametrize("auth", [
    dict(username="u", password=PASSWORD, api_key=API_KEY),
    dict(username="u", password=PASSWORD, bearer_token=BEARER),
    dict(api_key=API_KEY, bearer_token=BEARER),
    dict(password=PASSWORD, api_key=API_KEY),
])
@pytest.mark.parametrize("module, args", MODULES)
def test_conflicting_auth_options_are_refused_by_the_argspec(run, module, args, auth):
    merged = dict(args, **auth)
    result = run.fails(module, merged)
    assert "mutually exclusive" in result["msg"]
    assert run.http.calls == [] and run.client_kwargs == []
    assert_no_secret(result)


@pytest.mark.parametrize("module, args", MODULES)
def test_password_without_username_is_refused(run, module, args):
    result = run.fails(module, dict(args, password=PASSWORD))
    assert result["msg"] == ("Invalid connection options: username and password go together: username is not set "
                             "(as an option or ELASTICSEARCH_USERNAME)")
    assert run.http.calls == [] and result["skipped_nodes"] == []
    assert_no_secret(result)


def test_client_key_needs_client_cert(run):
    result = run.fails(ml_job_info, {"client_key": "/k.pem"})
    assert "client_key" in result["msg"] and "client_cert" in result["msg"]


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pki")
    ca = trustme.CA()
    client = ca.issue_cert("client")
    paths = dict(ca=str(folder / "ca.pem"), cert=str(folder / "c.pem"), key=str(folder / "k.pem"))
    ca.cert_pem.write_to_path(paths["ca"])
    client.cert_chain_pems[0].write_to_path(paths["cert"])
    client.private_key_pem.write_to_path(paths["key"])
    return paths


def test_connection_options_reach_the_client(run, pki):
    run.http.expect(es.get_root(), *es.read_calls("_all", [], []))
    run.ok(ml_job_info, {"hosts": ["https://es:9200"], "ca_path": pki["ca"], "request_timeout": 5,
                         "retries": 1, "client_cert": pki["cert"], "client_key": pki["key"],
                         "headers": {"X-Opaque-Id": "retire-1"}})
    kwargs = run.client_kwargs[0]
    assert (kwargs["hosts"], kwargs["ca_path"], kwargs["request_timeout"], kwargs["retries"]) == (
        ["https://es:9200"], pki["ca"], 5.0, 1)
    assert run.http.verify == pki["ca"] and run.http.cert == (pki["cert"], pki["key"])
    assert run.http.calls[0].url == "https://es:9200/"
    assert run.http.sent_headers()["X-Opaque-Id"] == "retire-1"


@pytest.mark.parametrize("module, args", MODULES, ids=["close", "delete", "info"])
def test_a_missing_tls_file_fails_before_any_request_naming_the_option(run, module, args):
    result = run.fails(module, dict(args, hosts=["https://es:9200"], ca_path="/nonexistent/ca.pem"))
    assert result["msg"] == "Invalid connection options: ca_path /nonexistent/ca.pem does not exist"
    assert run.http.calls == [] and run.client_kwargs == []


def test_cloud_id_names_the_node(run):
    encoded = base64.b64encode(b"eu-west-1.aws.found.io:9243$abc123$def456").decode()
    run.http.expect(es.get_root(host="https://abc123.eu-west-1.aws.found.io:9243"), *es.read_calls("_all", [], []))
    run.ok(ml_job_info, {"cloud_id": "prod:" + encoded})
    assert run.client_kwargs[0]["hosts"] == ["https://abc123.eu-west-1.aws.found.io:9243"]


def test_defaults(run):
    run.http.expect(es.get_root(), *es.read_calls("_all", [], []))
    run.ok(ml_job_info, {})
    kwargs = run.client_kwargs[0]
    assert (kwargs["hosts"], kwargs["validate_certs"], kwargs["request_timeout"], kwargs["retries"]) == (
        ["http://localhost:9200"], True, 30.0, 3)
    assert run.http.verify is True


def test_env_fallbacks(run, monkeypatch):
    monkeypatch.setenv("ELASTICSEARCH_HOSTS", "http://env-es:9200, http://env-es2:9200")
    monkeypatch.setenv("ELASTICSEARCH_API_KEY", API_KEY)
    run.http.expect(es.get_root(), *es.read_calls("_all", [], []))
    result = run.ok(ml_job_info, {})
    assert run.http.calls[0].host == "http://env-es:9200"
    assert run.client_kwargs[0]["hosts"] == ["http://env-es:9200", "http://env-es2:9200"]
    assert run.http.sent_headers()["Authorization"] == "ApiKey " + base64.b64encode(API_KEY.encode()).decode()
    assert result["skipped_nodes"] == []


@pytest.mark.parametrize("explicit, header", [
    (dict(username="u", password=PASSWORD), "Basic " + base64.b64encode(("u:" + PASSWORD).encode()).decode()),
    (dict(bearer_token=BEARER), "Bearer " + BEARER),
], ids=["basic", "bearer"])
@pytest.mark.parametrize("module, args", MODULES, ids=["close", "delete", "info"])
def test_explicit_credentials_win_over_a_stray_api_key_in_the_environment(run, monkeypatch, module, args,
                                                                          explicit, header):
    """Issue 12 item 2: this failed "parameters are mutually exclusive: username|api_key"."""
    monkeypatch.setenv("ELASTICSEARCH_API_KEY", API_KEY)
    monkeypatch.setenv("ELASTICSEARCH_HOSTS", "http://env-es:9200")
    run.http.expect(es.get_root(host="http://explicit:9200"), *es.read_calls("web-1*", [], []))
    result = run(module, dict(args, hosts=["http://explicit:9200"], job_id="web-1", **explicit))
    run.http.assert_done()
    assert "mutually exclusive" not in result.get("msg", "")
    prepared = requests.Request("GET", "http://explicit:9200/", auth=run.http.auth).prepare()
    assert prepared.headers["Authorization"] == header
    assert run.client_kwargs[0]["api_key"] is None


def test_two_methods_in_the_environment_fail_naming_the_variables(run, monkeypatch):
    monkeypatch.setenv("ELASTICSEARCH_API_KEY", API_KEY)
    monkeypatch.setenv("ELASTICSEARCH_BEARER_TOKEN", BEARER)
    result = run.fails(ml_job_close, {"job_id": "web-1"})
    assert result["msg"] == (
        "Invalid connection options: the environment sets more than one authentication method: "
        "ELASTICSEARCH_API_KEY and ELASTICSEARCH_BEARER_TOKEN; unset all but one of them, or set the one to use as "
        "a task argument (explicit settings win over the environment)")
    assert run.http.calls == []
    assert_no_secret(result)


def failing_script(http, module):
    """A run that reads a job and then meets errors that echo request details."""
    http.expect(es.get_root(), *es.read_calls("web-1*", [es.job_doc("web-1")], [es.job_stats("web-1", "opened")]))
    busy = es.error(503, "master_not_discovered_exception", "no master")
    if module is ml_job_close:
        http.expect(Call("POST", "/_ml/anomaly_detectors/web-1/_close", params={"timeout": "30m"}, status=503,
                         reply=busy),
                    Call("POST", "/_ml/anomaly_detectors/web-1/_close", params={"timeout": "30m"}, status=401,
                         reply=es.error(401, "security_exception",
                                        "unable to authenticate user [u] for REST request [/_ml/anomaly_detectors/"
                                        "web-1/_close?timeout=30m]")))
    elif module is ml_job_delete:
        http.expect(Call("DELETE", "/_ml/anomaly_detectors/web-1", params={"force": "true"}, status=503, reply=busy),
                    Call("DELETE", "/_ml/anomaly_detectors/web-1", params={"force": "true"}, status=403,
                         reply=es.error(403, "security_exception", "action [cluster:admin/xpack/ml/job/delete] is "
                                        "unauthorized for user [u]")))


AUTHS = [
    dict(username="u", password=PASSWORD),
    dict(api_key=API_KEY),
    dict(bearer_token=BEARER),
]


@pytest.mark.parametrize("auth", AUTHS, ids=["basic", "api_key", "bearer"])
@pytest.mark.parametrize("module, args", MODULES, ids=["close", "delete", "info"])
def test_secrets_never_appear_in_results_failures_or_warnings(run, module, args, auth):
    args = dict(args, **auth)
    if module is ml_job_info:
        args["job_id"] = "web-1"
        failing_script(run.http, module)
        result = run.ok(module, args)
    else:
        if module is ml_job_delete:
            args["force"] = True
        failing_script(run.http, module)
        result = run.fails(module, args)
    assert_no_secret(result, run.warnings)
    # The secret did reach the transport, so the check above is not vacuous.
    sent = json.dumps([dict(run.http.sent_headers()), run.http.auth], default=repr)
    assert any(secret in sent for secret in secret_forms())


def test_main_builds_its_session_with_requests(monkeypatch):
    """Without the fixture's client factory: the module calls requests.Session() itself."""
    http = ScriptedSession([es.get_root(), *es.read_calls("_all", [], [])])
    monkeypatch.setattr(requests, "Session", lambda: http)
    from ansible.module_utils import basic
    from ansible_collections.mlops.elasticsearch.tests.unit.utils.module_runner import exit_json, fail_json
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)
    result = ModuleRun(http).ok(ml_job_info, {"bearer_token": BEARER})
    assert result["jobs"] == []
    assert http.sent_headers()["Authorization"] == "Bearer " + BEARER
