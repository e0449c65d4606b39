# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connections: each failure names its real cause and the fix, a skipped node is reported, explicit
settings win over the environment, and the pre-flight fails closed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from es_ml_simulator import start_fleet

from harness import Batch, opened, refused_port

UNKNOWN_HOST = "http://nonexistent.invalid:9200"
PRIVILEGES = r"/_security/user/_has_privileges$"
ML_INFO = r"/_ml/info$"
STATS = r"/_ml/anomaly_detectors/web-1\*/_stats$"
ELASTIC = {"username": "elastic", "password": "changeme"}
VIEWER = {"username": "ml_viewer", "password": "changeme"}
JOBS = [opened("web-1")]


def ml_settings(**settings):
    return lambda sim: sim._call("POST", "/_sim/settings", settings)  # pylint: disable=protected-access


def refused_url():
    return "http://127.0.0.1:%d" % refused_port()


PLAIN = [
    ("unknown-host", dict(module="ml_job_info", args={"job_id": "web-1", "retries": 0}, jobs=JOBS,
                          hosts=lambda url: [UNKNOWN_HOST])),
    ("refused", dict(module="ml_job_info", args={"job_id": "web-1", "retries": 0}, jobs=JOBS,
                     hosts=lambda url: [refused_url()])),
    ("https-to-plain", dict(module="ml_job_close", args={"job_id": "web-1"}, jobs=JOBS,
                            hosts=lambda url: [url.replace("http://", "https://")])),
    ("read-timeout", dict(module="ml_job_info", args={"job_id": "web-1", "request_timeout": 1}, jobs=JOBS,
                          faults=[dict(method="GET", path=STATS, action="delay", delay_s=3)])),
    ("failover", dict(module="ml_job_close", args={"job_id": "web-1"}, jobs=JOBS,
                      hosts=lambda url: [refused_url(), UNKNOWN_HOST, url])),
    ("failover-fails", dict(module="ml_job_close", args={"job_id": "web-1", "retries": 0}, jobs=JOBS,
                            hosts=lambda url: [refused_url(), UNKNOWN_HOST])),
    ("ca-path-missing", dict(module="ml_job_close", args={"job_id": "web-1", "ca_path": "/nonexistent/ca.pem"},
                             jobs=JOBS)),
    ("client-cert-missing", dict(module="ml_job_delete", jobs=JOBS, args={
        "job_id": "web-1", "client_cert": "/nonexistent/client.pem", "client_key": "/nonexistent/client.key"})),
    # hosts null: not given, so ELASTICSEARCH_HOSTS (from the task's environment) names the nodes.
    ("trimmed-hosts-env", dict(module="ml_job_info", args={"job_id": "web-1", "hosts": None}, jobs=JOBS,
                               env_hosts=lambda url: "%s, %s" % (refused_url(), url))),
    ("security-off-8x", dict(module="ml_job_info", args={"job_id": "web-1", "include_cluster": True}, jobs=JOBS)),
    ("ml-info-500", dict(module="ml_job_info", args={"job_id": "web-1", "include_cluster": True}, jobs=JOBS,
                         faults=[dict(method="GET", path=ML_INFO, status=500, type="exception",
                                      reason="simulated internal error")])),
    ("ml-disabled", dict(module="ml_job_info", args={"job_id": "web-1", "include_cluster": True}, jobs=JOBS,
                         setup=ml_settings(ml_plugin=False))),
]
SECURE = [
    ("privileges-500", dict(module="ml_job_info", args=dict(VIEWER, job_id="web-1", include_cluster=True),
                            jobs=JOBS, faults=[dict(method="GET", path=PRIVILEGES, status=500, type="exception",
                                                    reason="simulated internal error")])),
    ("privileges-proxy-400", dict(module="ml_job_info", args=dict(VIEWER, job_id="web-1", include_cluster=True),
                                  jobs=JOBS, faults=[dict(method="GET", path=PRIVILEGES, action="html",
                                                          status=400)])),
    ("privileges-answered", dict(module="ml_job_info", args=dict(VIEWER, job_id="web-1", include_cluster=True),
                                 jobs=JOBS)),
    ("explicit-beats-env", dict(module="ml_job_close", args=dict(ELASTIC, job_id="web-1"), jobs=JOBS,
                                env={"ELASTICSEARCH_API_KEY": "stray-key-Qw81:never-used",
                                     "ELASTICSEARCH_BEARER_TOKEN": "stray-token-Hj27"})),
    ("env-two-methods", dict(module="ml_job_close", args={"job_id": "web-1"}, jobs=JOBS,
                             env={"ELASTICSEARCH_API_KEY": "stray-key-Qw81:never-used",
                                  "ELASTICSEARCH_BEARER_TOKEN": "stray-token-Hj27"})),
]
OLD_RELEASE = [
    ("security-off-7x", dict(module="ml_job_info", args={"job_id": "web-1", "include_cluster": True}, jobs=JOBS)),
]
TLS = [
    ("http-to-tls", dict(module="ml_job_close", args={"job_id": "web-1"}, jobs=JOBS,
                         hosts=lambda url: [url.replace("https://", "http://")])),
]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tls_dir = str(tmp_path_factory.mktemp("tls"))
    with start_fleet(clusters=len(PLAIN)) as plain, start_fleet(clusters=len(SECURE), security=True) as secure, \
            start_fleet(clusters=1, es_version="7.17.20") as old, start_fleet(clusters=1, tls_dir=tls_dir) as tls:
        root = str(tmp_path_factory.mktemp("connection"))
        batches = [
            Batch(root + "/plain", plain.clusters, env_hosts_resolved(PLAIN, plain.clusters)),
            Batch(root + "/secure", secure.clusters, SECURE),
            Batch(root + "/old", old.clusters, OLD_RELEASE),
            Batch(root + "/tls", tls.clusters, TLS, sim_kwargs={"verify": os.path.join(tls_dir, "ca.pem")}),
        ]
        for name, batch in zip(("plain", "secure", "old", "tls"), batches):
            batch.start("connection-" + name)
        cases = {}
        for batch in batches:
            batch.finish()
            cases.update(batch.cases)
        yield cases


def env_hosts_resolved(specs, clusters):
    """The specs with ELASTICSEARCH_HOSTS made from the cluster each case will get (in order)."""
    out = []
    free = iter(clusters)
    for case_id, spec in specs:
        spec = dict(spec)
        url = next(free).url
        if spec.get("env_hosts"):
            spec["env"] = dict(spec.get("env", {}), ELASTICSEARCH_HOSTS=spec.pop("env_hosts")(url))
        out.append((case_id, spec))
    return out


def params(*rows):
    return [pytest.param(*row, id=row[0]) for row in rows]


# ---- each failure names its cause and the fix ---------------------------------------------------------

@pytest.mark.parametrize("case_id, given, expected, absent", params(
    ("unknown-host", "`hosts: http://nonexistent.invalid:9200`, `retries: 0`",
     "the host name nonexistent.invalid could not be resolved", "refused"),
    ("refused", "`hosts`: a loopback port nothing listens on, `retries: 0`",
     "refused the connection (nothing listens on that port); check the port in hosts", "resolved"),
    ("https-to-plain", "`hosts: https://` for a plain HTTP simulator",
     "the server speaks plain HTTP, not TLS (HTTPS); use http://", "ca_path"),
    ("read-timeout", "`request_timeout: 1`; GET _stats delayed 3 s",
     "got no answer within 1.0s; raise request_timeout", "refused"),
    ("ca-path-missing", "`ca_path: /nonexistent/ca.pem`", "ca_path /nonexistent/ca.pem does not exist", "TLS"),
    ("client-cert-missing", "`client_cert: /nonexistent/client.pem`",
     "client_cert /nonexistent/client.pem does not exist", "TLS"),
    ("http-to-tls", "`hosts: http://` for a `--tls` simulator",
     "the server speaks TLS (HTTPS), not plain HTTP; use https://", "was lost"),
))
def test_each_connection_failure_names_its_cause_and_the_fix(runs, record, case_id, given, expected, absent):
    case = runs[case_id]
    requests = case.seen() or ["(no request reached the cluster)"]
    record("connection failure: " + case_id, given, case.did(), case.msg, requests)
    assert case.failed
    assert expected in case.msg, case.msg
    assert absent not in case.msg
    assert case.result["skipped_nodes"] == ([{"host": case.hosts[0], "reason": case.msg.split(": ", 3)[-1]}]
                                            if case_id in ("unknown-host", "refused") else [])
    # Not retried: the same answer would come again.
    assert not case.result.get("warnings")
    # Nothing but the protocol probe (GET / over plain HTTP) reached the cluster, except where the
    # request that timed out did.
    probe_only = [entry for entry in case.requests if (entry["method"], entry["path"]) != ("GET", "/")] == []
    assert probe_only or case_id == "read-timeout"
    assert len(case.requests) == (1 if case_id == "https-to-plain" else 0) or case_id == "read-timeout"
    case.assert_no_traceback()


# ---- fail-over is not silent ----------------------------------------------------------------------------

def test_a_skipped_node_is_a_warning_and_in_the_result(runs, record):
    case = runs["failover"]
    record("fail-over: two nodes down, the third answers", "`hosts`: a refused port, nonexistent.invalid, the "
           "cluster", case.did("closed"), " / ".join(case.result.get("warnings", [])), case.seen("POST", r"_close$"))
    assert not case.failed, case.msg
    assert case.result["closed"] == ["web-1"]
    skipped = case.result["skipped_nodes"]
    assert [node["host"] for node in skipped] == case.hosts[:2]
    assert "refused the connection" in skipped[0]["reason"]
    assert "nonexistent.invalid could not be resolved" in skipped[1]["reason"]
    assert case.result["warnings"] == ["Elasticsearch node %s skipped: %s" % (node["host"], node["reason"])
                                       for node in skipped]


def test_skipped_nodes_come_back_on_failure_too(runs, record):
    case = runs["failover-fails"]
    record("fail-over: every node down", "`hosts`: a refused port and nonexistent.invalid, `retries: 0`",
           case.did(), case.msg, ["(the cluster saw %d requests)" % len(case.requests)])
    assert case.failed
    assert "no Elasticsearch node could be reached" in case.msg
    assert [node["host"] for node in case.result["skipped_nodes"]] == case.hosts
    assert len([w for w in case.result.get("warnings", []) if "skipped" in w]) == 2
    case.assert_no_traceback()


def test_blanks_in_elasticsearch_hosts_are_trimmed(runs, record):
    case = runs["trimmed-hosts-env"]
    record("ELASTICSEARCH_HOSTS with a blank after the comma", "`ELASTICSEARCH_HOSTS='http://<refused>, "
           "http://<cluster>'`, no `hosts`", case.did("exists"), " / ".join(case.result.get("warnings", [])),
           case.seen())
    assert not case.failed, case.msg
    assert case.result["exists"] is True
    assert len(case.result["skipped_nodes"]) == 1


# ---- explicit settings win over the environment -----------------------------------------------------------

def test_explicit_credentials_win_over_other_methods_in_the_environment(runs, record):
    case = runs["explicit-beats-env"]
    record("explicit username/password, stray API key and token in the environment", "`username`, `password` as "
           "task arguments; ELASTICSEARCH_API_KEY and ELASTICSEARCH_BEARER_TOKEN set", case.did("closed"), case.msg,
           case.seen("POST", r"_close$"))
    assert not case.failed, case.msg
    assert case.result["closed"] == ["web-1"]
    assert all(entry["status"] != 401 for entry in case.requests)


def test_two_methods_from_the_environment_fail_naming_the_variables(runs, record):
    case = runs["env-two-methods"]
    record("two methods in the environment only", "ELASTICSEARCH_API_KEY and ELASTICSEARCH_BEARER_TOKEN, no "
           "credentials as arguments", case.did(), case.msg, ["%d requests" % len(case.requests)])
    assert case.failed
    assert ("the environment sets more than one authentication method: ELASTICSEARCH_API_KEY and "
            "ELASTICSEARCH_BEARER_TOKEN") in case.msg
    assert case.requests == []
    assert "stray-key-Qw81" not in case.run.output and "stray-token-Hj27" not in case.run.output


# ---- the pre-flight fails closed ---------------------------------------------------------------------------

@pytest.mark.parametrize("case_id, given, status", params(
    ("privileges-500", "`--security`, `ml_viewer` (no manage_ml); `_has_privileges` → 500 `exception`", 500),
    ("privileges-proxy-400", "`--security`, `ml_viewer`; `_has_privileges` → a proxy's 400 HTML page", 400),
))
def test_a_failed_privileges_check_is_an_error_not_security_off(runs, record, case_id, given, status):
    case = runs[case_id]
    record("pre-flight: " + case_id, given, case.did(), case.msg, case.seen("GET", PRIVILEGES))
    assert case.failed
    assert "GET /_security/user/_has_privileges returned HTTP %d" % status in case.msg
    assert "cluster" not in case.result
    assert case.statuses("GET", PRIVILEGES) == [status]
    case.assert_no_traceback()


def test_a_user_without_manage_ml_is_a_problem_when_the_check_answers(runs, record):
    case = runs["privileges-answered"]
    record("pre-flight: user without manage_ml", "`--security`, `ml_viewer`, no fault", case.did(),
           "; ".join(case.result["cluster"]["problems"]), case.seen("GET", PRIVILEGES))
    cluster = case.result["cluster"]
    assert (cluster["security_enabled"], cluster["privileges"]) == (True, {"manage_ml": False})
    assert cluster["problems"] == ["user ml_viewer lacks the cluster privilege manage_ml"]


@pytest.mark.parametrize("case_id, given, answer", params(
    ("security-off-7x", "7.17.20 without `--security`", 500),
    ("security-off-8x", "8.15.0 without `--security`", 400),
))
def test_security_off_is_read_from_elasticsearchs_own_answer(runs, record, case_id, given, answer):
    case = runs[case_id]
    record("pre-flight: security off, " + case_id[-2:], given, case.did(), "", case.seen("GET", PRIVILEGES))
    assert not case.failed, case.msg
    cluster = case.result["cluster"]
    assert (cluster["security_enabled"], cluster["privileges"], cluster["problems"]) == (
        False, {"manage_ml": True}, [])
    assert case.statuses("GET", PRIVILEGES) == [answer]


def test_one_500_on_ml_info_is_an_error_not_ml_unavailable(runs, record):
    case = runs["ml-info-500"]
    record("pre-flight: 500 on GET _ml/info", "GET _ml/info → 500 `exception`, once", case.did(), case.msg,
           case.seen("GET", ML_INFO))
    assert case.failed
    assert "GET /_ml/info returned HTTP 500" in case.msg and "not available" not in case.msg
    assert case.statuses("GET", ML_INFO) == [500]


def test_ml_disabled_is_a_problem_of_the_cluster(runs, record):
    case = runs["ml-disabled"]
    record("pre-flight: xpack.ml.enabled=false", "`POST /_sim/settings {ml_plugin: false}`", case.did(),
           "; ".join(case.result["cluster"]["problems"]), case.seen("GET", ML_INFO))
    assert not case.failed, case.msg
    assert case.result["cluster"]["ml_enabled"] is False
    assert case.result["cluster"]["problems"][0].startswith(
        "machine learning is not available: GET /_ml/info returned HTTP 400 no handler found for uri [/_ml/info]")
