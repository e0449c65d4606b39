# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS: certificates are verified by default; a private CA is trusted through ``ca_path``;
client certificates work, and their absence fails clearly."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from es_ml_simulator import start_fleet

from harness import Batch, opened

SYSTEM_BUNDLE = next((path for path in ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
                                        "/etc/ssl/cert.pem") if os.path.exists(path)), "/etc/ssl/cert.pem")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    server_dir = str(tmp_path_factory.mktemp("tls"))
    mutual_dir = str(tmp_path_factory.mktemp("mtls"))
    jobs = [opened("web-1")]
    with start_fleet(clusters=3, tls_dir=server_dir) as tls, \
            start_fleet(clusters=2, tls_dir=mutual_dir, tls_client_auth=True) as mtls:
        ca, mca = os.path.join(server_dir, "ca.pem"), os.path.join(mutual_dir, "ca.pem")
        client = (os.path.join(mutual_dir, "client.pem"), os.path.join(mutual_dir, "client.key"))
        server_specs = [
            ("tls-default", dict(module="ml_job_close", args={"job_id": "web-1"}, jobs=jobs)),
            ("tls-ca-path", dict(module="ml_job_close", args={"job_id": "web-1", "ca_path": ca}, jobs=jobs)),
            ("tls-no-verify", dict(module="ml_job_close", args={"job_id": "web-1", "validate_certs": False},
                                   jobs=jobs)),
        ]
        mutual_specs = [
            ("mtls-client-cert", dict(module="ml_job_close", jobs=jobs, args={
                "job_id": "web-1", "ca_path": mca, "client_cert": client[0], "client_key": client[1]})),
            ("mtls-no-client-cert", dict(module="ml_job_close", args={"job_id": "web-1", "ca_path": mca}, jobs=jobs)),
        ]
        root = str(tmp_path_factory.mktemp("tls_runs"))
        # As on many hosts, the environment names the system CA bundle; it must not replace ca_path
        # or validate_certs=false (requests lets it override a session's settings).
        bundle = {"REQUESTS_CA_BUNDLE": SYSTEM_BUNDLE, "CURL_CA_BUNDLE": SYSTEM_BUNDLE}
        batches = [
            Batch(root + "/server", tls.clusters, server_specs, sim_kwargs={"verify": ca}).start("tls", env=bundle),
            Batch(root + "/mutual", mtls.clusters, mutual_specs, sim_kwargs={"verify": mca, "cert": client}).start(
                "mtls", env=bundle),
        ]
        cases = {}
        for batch in batches:
            batch.finish()
            cases.update(batch.cases)
        yield cases


def test_a_self_signed_server_fails_by_default_saying_so(runs, record):
    case = runs["tls-default"]
    record("private CA, no `ca_path`", "`https://` simulator with a throwaway CA; `validate_certs` left at its "
           "default (every TLS case runs with REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE naming the system bundle)",
           case.did(), case.msg, ["%d requests reached the cluster" % len(case.requests)])
    assert case.failed
    assert "the server's TLS certificate is not trusted (unable to get local issuer certificate)" in case.msg
    assert "set ca_path" in case.msg
    assert case.requests == []
    assert not case.result.get("warnings")  # not retried
    case.assert_no_traceback()


@pytest.mark.parametrize("case_id, title, given", [
    pytest.param("tls-ca-path", "`ca_path`", "`ca_path:` the CA's certificate", id="tls-ca-path"),
    pytest.param("tls-no-verify", "`validate_certs: false`", "no CA; `validate_certs: false` (the explicit opt-out)",
                 id="tls-no-verify"),
    pytest.param("mtls-client-cert", "client certificate", "`--tls-client-auth`; `ca_path`, `client_cert`, "
                 "`client_key`", id="mtls-client-cert"),
])
def test_trusted_connections_work(runs, record, case_id, title, given):
    case = runs[case_id]
    record(title, given, case.did("closed"), case.msg, case.seen("POST", r"_close$"))
    assert not case.failed, case.msg
    assert case.result["closed"] == ["web-1"]
    assert case.statuses("POST", r"_close$") == [200]


def test_a_missing_client_certificate_fails_clearly(runs, record):
    case = runs["mtls-no-client-cert"]
    record("client certificate required, none given", "`--tls-client-auth`; `ca_path` only", case.did(), case.msg,
           ["%d requests reached the cluster" % len(case.requests)])
    assert case.failed
    assert "certificate" in case.msg
    assert "client_cert" in case.msg
    assert case.requests == []
    case.assert_no_traceback()
