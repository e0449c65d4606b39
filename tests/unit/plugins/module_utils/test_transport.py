# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The transport against a scripted session: auth, TLS, retries, fail-over, error mapping."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import re

import pytest
import requests

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _errors as errors
from ansible_collections.mlops.elasticsearch.plugins.module_utils import _transport as transport
from ansible_collections.mlops.elasticsearch.tests.unit.utils import es
from ansible_collections.mlops.elasticsearch.tests.unit.utils.scripted_http import (
    Call,
    Probes,
    ScriptedSession,
    cert_not_trusted,
    connection_dropped as dropped,
    connection_refused as refused,
    name_not_resolved,
    tls_alert,
    tls_eof,
    tls_to_plain_http,
)

A = "http://es-a:9200"
B = "http://es-b:9200"
C = "http://es-c:9200"


class Harness:
    """A transport over a scripted session, with its sleeps and warnings recorded."""

    def __init__(self, script=(), hosts=(A,), probes=None, **kwargs):
        self.http = ScriptedSession(script)
        self.sleeps = []
        self.warnings = []
        self.probes = probes or Probes()
        self.client = transport.Transport(list(hosts), session=self.http, sleep=self.sleeps.append,
                                          warn=self.warnings.append, probes=self.probes, **kwargs)


def backoff_bound(attempt):
    return min(transport.BACKOFF_CAP_S, transport.BACKOFF_BASE_S * (2 ** attempt))


# --- connection pool ---------------------------------------------------------------------------

def _pool_sizes(session):
    return dict((prefix, adapter._pool_maxsize) for prefix, adapter in session.adapters.items())


@pytest.mark.parametrize("workers", [1, requests.adapters.DEFAULT_POOLSIZE])
def test_parallel_requests_within_the_default_pool_keep_requests_adapters(workers):
    client = transport.Transport([A, B])
    adapters = dict(client.session.adapters)
    client.allow_parallel_requests(workers)
    assert client.session.adapters == adapters


def test_parallel_requests_beyond_the_default_pool_keep_a_connection_per_worker():
    client = transport.Transport([A, B])
    client.allow_parallel_requests(16)
    assert _pool_sizes(client.session) == {"http://": 16, "https://": 16}
    assert client.session.adapters["https://"]._pool_connections == 2


def test_parallel_requests_on_a_session_without_adapters_is_a_no_op():
    h = Harness()
    h.client.allow_parallel_requests(64)
    assert not hasattr(h.http, "adapters")
    assert h.http.calls == []


# --- construction, auth, TLS -----------------------------------------------------------------

def test_no_auth_sets_json_headers_only():
    h = Harness()
    assert h.http.auth is None
    assert "Authorization" not in h.http.headers
    assert h.http.headers["Content-Type"] == "application/json"
    assert h.http.headers["Accept"] == "application/json"


def test_basic_auth():
    h = Harness(username="elastic", password="s3cret-pw")
    assert h.http.auth == ("elastic", "s3cret-pw")
    assert "Authorization" not in h.http.headers


def test_api_key_encoded_form_is_sent_as_is():
    encoded = base64.b64encode(b"VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw").decode()
    h = Harness(api_key=encoded)
    assert h.http.sent_headers()["Authorization"] == "ApiKey " + encoded


@pytest.mark.parametrize("auth, header", [
    ({"api_key": "id:key"}, "ApiKey aWQ6a2V5"),
    ({"bearer_token": "tok"}, "Bearer tok"),
])
def test_netrc_credentials_never_replace_an_api_key_or_token(tmp_path, monkeypatch, auth, header):
    """requests applies ~/.netrc to requests without auth; the header must survive it."""
    netrc = tmp_path / "netrc"
    netrc.write_text("machine es.example login intruder password hunter2\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    client = transport.Transport(["http://es.example:9200"], **auth)
    prepared = client.session.prepare_request(requests.Request("GET", "http://es.example:9200/"))
    assert prepared.headers["Authorization"] == header


def test_api_key_id_colon_key_is_encoded():
    h = Harness(api_key="VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw")
    assert h.http.sent_headers()["Authorization"] == "ApiKey VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="


def test_bearer_token():
    h = Harness(bearer_token="dGhpcyBpcyBub3QgYSByZWFsIHRva2Vu")
    assert h.http.sent_headers()["Authorization"] == "Bearer dGhpcyBpcyBub3QgYSByZWFsIHRva2Vu"


@pytest.mark.parametrize("kwargs, verify, cert", [
    (dict(), True, None),
    (dict(ca_path="/etc/pki/ca.pem"), "/etc/pki/ca.pem", None),
    (dict(validate_certs=False), False, None),
    (dict(validate_certs=False, ca_path="/etc/pki/ca.pem"), False, None),
    (dict(client_cert="/c.pem"), True, "/c.pem"),
    (dict(client_cert="/c.pem", client_key="/k.pem"), True, ("/c.pem", "/k.pem")),
])
def test_tls_settings(kwargs, verify, cert):
    h = Harness(hosts=["https://es:9200"], **kwargs)
    assert h.http.verify == verify
    assert h.http.cert == cert


@pytest.mark.parametrize("kwargs, verify", [
    (dict(ca_path="/etc/pki/ca.pem"), "/etc/pki/ca.pem"),
    (dict(validate_certs=False), False),
])
def test_tls_settings_win_over_ca_bundle_variables(monkeypatch, kwargs, verify):
    """A real requests.Session lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE replace Session.verify,
    unless verify is given with the request."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    monkeypatch.setenv("CURL_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    sent = []

    def send(adapter, request, **options):
        sent.append(options)
        raise refused("https://es:9200")

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)
    client = transport.Transport(["https://es:9200"], retries=0, sleep=lambda s: None, **kwargs)
    with pytest.raises(errors.TransportError):
        client.request("GET", "/")
    assert [options["verify"] for options in sent] == [verify]


@pytest.mark.parametrize("hosts, words", [
    ([], "at least one"),
    (["es:9200"], "'es:9200' must start with http:// or https://"),
    ([A, "ftp://x"], "'ftp://x'"),
    (["http://elastic:pw@es:9200"], "entry 'es' holds credentials; set username and password instead"),
    (["http://es:9200/?pretty"], "has a query or fragment"),
    (["http://es:92000"], "port that is not a number"),
    (["http://:9200"], "names no host"),
])
def test_bad_hosts_are_refused(hosts, words):
    with pytest.raises(errors.InvalidInput, match=re.escape(words)) as exc:
        transport.Transport(hosts, session=ScriptedSession())
    assert "pw" not in exc.value.msg


def test_blanks_around_hosts_entries_are_ignored():
    h = Harness([Call("GET", "/", host=B, raises=refused(B)), Call("GET", "/", host=A, reply=es.root())],
                hosts=[" " + B, A + " \t"])
    h.client.request("GET", "/")
    assert h.client.hosts == [A, B]
    h.http.assert_done()


@pytest.mark.parametrize("prefix", ["https://gw.example.com/es/", "https://gw.example.com/es"])
def test_every_request_goes_under_the_path_prefix_of_a_proxy(prefix):
    h = Harness([Call("GET", "/es/", host="https://gw.example.com", reply=es.root()),
                 Call("POST", "/es/_ml/anomaly_detectors/web-1/_close", host="https://gw.example.com",
                      reply=es.CLOSED_TRUE)], hosts=[prefix])
    h.client.request("GET", "/")
    h.client.request("POST", transport.path("_ml/anomaly_detectors/{}/_close", "web-1"))
    assert [seen.url for seen in h.http.calls] == [
        "https://gw.example.com/es/", "https://gw.example.com/es/_ml/anomaly_detectors/web-1/_close"]


def test_headers_are_sent_and_may_replace_content_type_and_accept():
    h = Harness(headers={"X-Opaque-Id": "retire-42", "Accept": "application/vnd.elasticsearch+json"})
    sent = h.http.sent_headers()
    assert sent["X-Opaque-Id"] == "retire-42"
    assert sent["Accept"] == "application/vnd.elasticsearch+json" and sent["Content-Type"] == "application/json"
    assert "Authorization" not in sent


def test_an_authorization_header_is_set_as_auth_so_netrc_cannot_replace_it(tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine es.example login intruder password hunter2\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    client = transport.Transport(["http://es.example:9200"], headers={"authorization": "Negotiate abc"})
    prepared = client.session.prepare_request(requests.Request("GET", "http://es.example:9200/"))
    assert prepared.headers["Authorization"] == "Negotiate abc"


def test_trailing_slash_on_a_host_does_not_double_the_slash():
    h = Harness([Call("GET", "/", reply=es.root(), host=A)], hosts=[A + "/"])
    h.client.request("GET", "/")
    assert h.http.calls[0].url == A + "/"
    h.http.assert_done()


# --- requests as sent --------------------------------------------------------------------------

def test_request_sends_params_json_body_and_timeouts():
    h = Harness([Call("POST", "/_ml/anomaly_detectors/j/_close", params={"force": "true"},
                      body={"timeout": "1m"}, reply=es.CLOSED_TRUE)], request_timeout=12.5)
    response = h.client.request("POST", "/_ml/anomaly_detectors/j/_close", params={"force": "true"},
                                body={"timeout": "1m"}, timeout=75.0)
    assert (response.status, response.body) == (200, {"closed": True})
    assert h.http.calls[0].timeout == (12.5, 75.0)
    h.http.assert_done()


def test_request_without_timeout_uses_request_timeout_for_both():
    h = Harness([Call("GET", "/", reply=es.root())], request_timeout=7.0)
    h.client.request("GET", "/")
    assert h.http.calls[0].timeout == (7.0, 7.0)
    assert h.http.calls[0].body is None


@pytest.mark.parametrize("method", ["POST", "DELETE", "PUT"])
def test_check_mode_refuses_mutating_verbs_before_sending(method):
    h = Harness(check_mode=True)
    with pytest.raises(errors.CheckModeViolation, match="refusing to send %s /x in check mode" % method):
        h.client.request(method, "/x")
    assert h.http.calls == []


def test_check_mode_allows_reads():
    h = Harness([Call("GET", "/", reply=es.root())], check_mode=True)
    assert h.client.request("GET", "/").body["tagline"] == "You Know, for Search"
    h.http.assert_done()


# --- retries ---------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_retryable_statuses_are_retried_with_growing_jittered_backoff(status):
    fail = Call("POST", "/x", status=status, reply=es.error(status, "status_exception", "busy"))
    h = Harness([fail, Call("POST", "/x", status=status, reply=es.error(status, "status_exception", "busy")),
                 Call("POST", "/x", reply=es.ACK)], retries=3)
    assert h.client.request("POST", "/x").body == {"acknowledged": True}
    assert len(h.sleeps) == 2
    for attempt, delay in enumerate(h.sleeps):
        assert 0 <= delay <= backoff_bound(attempt)
    assert len(h.warnings) == 2 and "HTTP %s" % status in h.warnings[0] and "retrying in" in h.warnings[0]
    h.http.assert_done()


def test_retry_after_is_honoured():
    busy = es.error(429, "status_exception",
                    "Cannot perform cluster:admin/xpack/ml/job/close action while upgrade mode is enabled")
    h = Harness([Call("POST", "/x", status=429, reply=busy, headers={"Retry-After": "7"}),
                 Call("POST", "/x", status=503, reply=es.error(503, "master_not_discovered_exception", "x"),
                      headers={"Retry-After": "2.5"}),
                 Call("POST", "/x", reply=es.CLOSED_TRUE)])
    h.client.request("POST", "/x")
    assert h.sleeps == [7.0, 2.5]
    assert "retrying in 7.0s" in h.warnings[0]


def test_retry_after_is_capped():
    h = Harness([Call("GET", "/x", status=503, reply=es.error(503, "x", "y"), headers={"Retry-After": "86400"}),
                 Call("GET", "/x", reply={})])
    h.client.request("GET", "/x")
    assert h.sleeps == [transport.RETRY_AFTER_CAP_S]


def test_retries_give_up_after_retries_and_raise_the_last_error():
    script = [Call("DELETE", "/x", status=503, reply=es.error(503, "master_not_discovered_exception", "no master"))
              for dummy in range(3)]
    h = Harness(script, retries=2)
    with pytest.raises(errors.ApiError) as exc:
        h.client.request("DELETE", "/x")
    assert exc.value.status == 503 and exc.value.error_type == "master_not_discovered_exception"
    assert "DELETE /x returned HTTP 503 master_not_discovered_exception: no master" == exc.value.msg
    assert len(h.sleeps) == 2
    h.http.assert_done()


def test_retries_zero_means_one_try():
    h = Harness([Call("GET", "/x", status=429, reply=es.error(429, "es_rejected_execution_exception", "full"))],
                retries=0)
    with pytest.raises(errors.ApiError):
        h.client.request("GET", "/x")
    assert h.sleeps == []


@pytest.mark.parametrize("status, error_type, cls", [
    (400, "illegal_argument_exception", errors.ApiError),
    (401, "security_exception", errors.AuthenticationFailed),
    (403, "security_exception", errors.Forbidden),
    (404, "resource_not_found_exception", errors.NotFound),
    (409, "status_exception", errors.Conflict),
    (500, "illegal_state_exception", errors.ApiError),
])
def test_other_errors_are_not_retried(status, error_type, cls):
    h = Harness([Call("POST", "/x", status=status, reply=es.error(status, error_type, "no"))], retries=5)
    with pytest.raises(cls) as exc:
        h.client.request("POST", "/x")
    assert exc.type is cls  # not a subclass: 400 and 500 are plain ApiError
    assert h.sleeps == [] and len(h.http.calls) == 1


def test_a_dropped_connection_is_retried():
    h = Harness([Call("POST", "/x", raises=dropped()), Call("POST", "/x", reply=es.CLOSED_TRUE)])
    assert h.client.request("POST", "/x").body == {"closed": True}
    assert len(h.sleeps) == 1 and 0 <= h.sleeps[0] <= backoff_bound(0)
    assert "connection to http://es-a:9200 was lost" in h.warnings[0]
    assert "Connection reset by peer" in h.warnings[0]
    # The node had not answered yet: the probe found it does not speak TLS.
    assert h.probes.calls == [("tls", A)]
    h.http.assert_done()


def test_a_connection_dropped_every_time_ends_in_a_transport_error():
    h = Harness([Call("GET", "/x", raises=dropped()) for dummy in range(3)], retries=2)
    with pytest.raises(errors.TransportError, match="GET /x: the connection to http://es-a:9200 was lost"):
        h.client.request("GET", "/x")
    assert len(h.sleeps) == 2


def test_a_read_timeout_is_not_retried_and_says_what_to_raise():
    h = Harness([Call("POST", "/x", raises=requests.exceptions.ReadTimeout("read timed out"))], request_timeout=5)
    with pytest.raises(errors.TransportError, match="POST /x got no answer within 5s; raise request_timeout"):
        h.client.request("POST", "/x")
    assert h.sleeps == []


def test_an_untrusted_certificate_names_ca_path_and_is_not_retried():
    h = Harness([Call("GET", "/", raises=cert_not_trusted("https://es:9200"))], hosts=["https://es:9200"])
    with pytest.raises(errors.TransportError) as exc:
        h.client.request("GET", "/")
    assert exc.value.msg == (
        "https://es:9200: the server's TLS certificate is not trusted (unable to get local issuer certificate); "
        "set ca_path to the PEM certificate of the CA that signed it (validate_certs=false turns the check off, "
        "for throw-away clusters only)")
    assert h.sleeps == [] and h.probes.calls == []


@pytest.mark.parametrize("code, message, words", [
    (62, "Hostname mismatch, certificate is not valid for 'es'.", "not valid for es"),
    (10, "certificate has expired", "has expired"),
])
def test_a_certificate_for_another_host_or_expired_says_so_not_ca_path(code, message, words):
    h = Harness([Call("GET", "/", raises=cert_not_trusted("https://es:9200", code, message))],
                hosts=["https://es:9200"])
    with pytest.raises(errors.TransportError) as exc:
        h.client.request("GET", "/")
    assert words in exc.value.msg and message in exc.value.msg and "ca_path" not in exc.value.msg


@pytest.mark.parametrize("reason", [
    "TLSV13_ALERT_CERTIFICATE_REQUIRED",
    "SSLV3_ALERT_BAD_CERTIFICATE",
    "TLSV1_ALERT_UNKNOWN_CA",
])
def test_a_refused_client_certificate_names_client_cert_not_ca_path(reason):
    h = Harness([Call("GET", "/", raises=tls_alert("https://es:9200", reason))], hosts=["https://es:9200"])
    with pytest.raises(errors.TransportError) as exc:
        h.client.request("GET", "/")
    assert reason in exc.value.msg
    assert "client_cert" in exc.value.msg and "ca_path" not in exc.value.msg
    assert h.sleeps == [] and h.probes.calls == []


def test_a_tls_server_closing_the_handshake_suggests_client_cert():
    h = Harness([Call("GET", "/", raises=tls_eof("https://es:9200"))], hosts=["https://es:9200"])
    with pytest.raises(errors.TransportError) as exc:
        h.client.request("GET", "/")
    assert "closed the connection during the TLS handshake" in exc.value.msg and "client_cert" in exc.value.msg
    assert h.probes.calls == [("plain_http", "https://es:9200")]


def test_https_to_a_plain_http_port_says_use_http_not_ca_path():
    h = Harness([Call("GET", "/es/", raises=tls_to_plain_http("https://es:9200/es"))], hosts=["https://es:9200/es"],
                probes=Probes(plain_http=True))
    with pytest.raises(errors.TransportError) as exc:
        h.client.request("GET", "/")
    assert exc.value.msg == ("https://es:9200/es: the server speaks plain HTTP, not TLS (HTTPS); use "
                             "http://es:9200/es in hosts")
    assert h.sleeps == [] and h.probes.calls == [("plain_http", "https://es:9200/es")]


def test_http_to_a_tls_port_says_use_https_and_is_not_retried():
    h = Harness([Call("GET", "/", raises=dropped())], probes=Probes(tls=True))
    with pytest.raises(errors.TransportError) as exc:
        h.client.request("GET", "/")
    assert exc.value.msg == "http://es-a:9200: the server speaks TLS (HTTPS), not plain HTTP; use https://es-a:9200 in hosts"
    assert h.sleeps == [] and h.warnings == []


def test_a_node_that_answered_is_not_probed_when_its_connection_drops():
    h = Harness([Call("GET", "/", reply=es.root()), Call("GET", "/x", raises=dropped()),
                 Call("GET", "/x", reply={})], probes=Probes(tls=True))
    h.client.request("GET", "/")
    h.client.request("GET", "/x")
    assert h.probes.calls == [] and len(h.sleeps) == 1
    h.http.assert_done()


def test_version_conflict_is_retried_only_when_asked():
    conflict = es.error(409, "version_conflict_engine_exception",
                        "[anomaly_detector-j]: version conflict, required seqNo [5], primary term [1]. "
                        "current document has seqNo [6] and primary term [1]")
    h = Harness([Call("DELETE", "/j", status=409, reply=conflict)])
    with pytest.raises(errors.Conflict):
        h.client.request("DELETE", "/j")
    assert h.sleeps == []

    h = Harness([Call("DELETE", "/j", status=409, reply=conflict), Call("DELETE", "/j", status=409, reply=conflict),
                 Call("DELETE", "/j", reply=es.ACK)])
    assert h.client.request("DELETE", "/j", retry_conflicts=2).body == {"acknowledged": True}
    assert len(h.sleeps) == 2
    h.http.assert_done()

    h = Harness([Call("DELETE", "/j", status=409, reply=conflict), Call("DELETE", "/j", status=409, reply=conflict)])
    with pytest.raises(errors.Conflict):
        h.client.request("DELETE", "/j", retry_conflicts=1)
    h.http.assert_done()


def test_other_conflicts_are_not_retried_even_when_asked():
    h = Harness([Call("DELETE", "/j", status=409, reply=es.error(
        409, "status_exception", "Cannot delete job [j] because the job is opened"))])
    with pytest.raises(errors.Conflict, match="because the job is opened"):
        h.client.request("DELETE", "/j", retry_conflicts=5)
    assert h.sleeps == []


# --- fail-over -------------------------------------------------------------------------------

def test_a_refused_host_is_skipped_and_the_answering_one_preferred():
    h = Harness([Call("GET", "/", host=A, raises=refused(A)), Call("GET", "/", host=B, reply=es.root()),
                 Call("GET", "/x", host=B, reply={"count": 0, "jobs": []})], hosts=[A, B])
    h.client.request("GET", "/")
    h.client.request("GET", "/x")
    assert h.client.hosts == [B, A]
    assert h.sleeps == []
    h.http.assert_done()


def test_a_skipped_node_is_warned_once_and_listed_with_its_reason():
    h = Harness([Call("GET", "/", host=A, raises=name_not_resolved(A)), Call("GET", "/", host=B, reply=es.root()),
                 Call("GET", "/x", host=B, raises=refused(B)), Call("GET", "/x", host=A, raises=name_not_resolved(A)),
                 Call("GET", "/x", host=B, reply={})], hosts=[A, B])
    h.client.request("GET", "/")
    h.client.request("GET", "/x")
    reason_a = "the host name es-a could not be resolved (Name or service not known); check the name in hosts"
    reason_b = ("es-b:9200 refused the connection (nothing listens on that port); check the port in hosts and that "
                "Elasticsearch runs there")
    assert h.client.skipped_nodes == [{"host": A, "reason": reason_a}, {"host": B, "reason": reason_b}]
    assert [w for w in h.warnings if "skipped" in w] == [
        "Elasticsearch node %s skipped: %s" % (A, reason_a), "Elasticsearch node %s skipped: %s" % (B, reason_b)]
    h.http.assert_done()


def test_with_one_node_an_unreachable_one_is_listed_but_not_warned_as_skipped():
    h = Harness([Call("GET", "/", raises=name_not_resolved(A))], retries=0)
    with pytest.raises(errors.TransportError) as exc:
        h.client.request("GET", "/")
    assert exc.value.msg == ("no Elasticsearch node could be reached: http://es-a:9200: the host name es-a could not "
                             "be resolved (Name or service not known); check the name in hosts")
    assert "refused" not in exc.value.msg
    assert h.warnings == [] and [n["host"] for n in h.client.skipped_nodes] == [A]


def test_a_connect_timeout_fails_over_too():
    h = Harness([Call("GET", "/", host=A, raises=requests.exceptions.ConnectTimeout("timed out")),
                 Call("GET", "/", host=B, raises=refused(B)),
                 Call("GET", "/", host=C, reply=es.root())], hosts=[A, B, C], request_timeout=7)
    h.client.request("GET", "/")
    assert h.client.hosts[0] == C
    assert h.client.skipped_nodes[0] == {
        "host": A, "reason": "no connection within 7s; check the host, the port and any firewall between them"}
    h.http.assert_done()


def test_an_error_answer_does_not_fail_over():
    h = Harness([Call("GET", "/x", host=A, status=404, reply=es.no_job("x"))], hosts=[A, B])
    with pytest.raises(errors.NotFound):
        h.client.request("GET", "/x")
    h.http.assert_done()


def test_all_hosts_down_is_retried_then_names_every_host():
    script = []
    for dummy in range(2):
        script += [Call("GET", "/", host=A, raises=refused(A)), Call("GET", "/", host=B, raises=refused(B))]
    h = Harness(script, hosts=[A, B], retries=1)
    with pytest.raises(errors.TransportError) as exc:
        h.client.request("GET", "/")
    assert exc.value.msg == (
        "no Elasticsearch node could be reached: http://es-a:9200: es-a:9200 refused the connection (nothing "
        "listens on that port); check the port in hosts and that Elasticsearch runs there; http://es-b:9200: "
        "es-b:9200 refused the connection (nothing listens on that port); check the port in hosts and that "
        "Elasticsearch runs there")
    assert len(h.sleeps) == 1
    # One warning per node, however often it was tried, besides the retry's.
    assert [w for w in h.warnings if "skipped" in w] == [
        "Elasticsearch node http://es-a:9200 skipped: es-a:9200 refused the connection (nothing listens on that "
        "port); check the port in hosts and that Elasticsearch runs there",
        "Elasticsearch node http://es-b:9200 skipped: es-b:9200 refused the connection (nothing listens on that "
        "port); check the port in hosts and that Elasticsearch runs there"]
    assert [n["host"] for n in h.client.skipped_nodes] == [A, B]
    h.http.assert_done()


# --- error mapping ---------------------------------------------------------------------------

def test_error_message_names_status_type_reason_and_cause():
    body = es.error(409, "status_exception", "failed to delete job [j] as its datafeed [df] could not be deleted",
                    caused_by={"type": "status_exception",
                               "reason": "Cannot delete datafeed [df] while its status is started"})
    h = Harness([Call("DELETE", "/_ml/anomaly_detectors/j", status=409, reply=body)])
    with pytest.raises(errors.Conflict) as exc:
        h.client.request("DELETE", "/_ml/anomaly_detectors/j")
    err = exc.value
    assert err.msg == ("DELETE /_ml/anomaly_detectors/j returned HTTP 409 status_exception: failed to delete job [j] "
                       "as its datafeed [df] could not be deleted (caused by status_exception: Cannot delete datafeed "
                       "[df] while its status is started)")
    assert (err.status, err.error_type, err.url) == (409, "status_exception", A + "/_ml/anomaly_detectors/j")
    assert err.reason == "failed to delete job [j] as its datafeed [df] could not be deleted"
    assert err.details() == dict(status=409, error_type="status_exception", reason=err.reason, url=err.url)


def test_401_and_403_say_what_they_are():
    h = Harness([
        Call("GET", "/", status=401, reply=es.error(
            401, "security_exception", "missing authentication credentials for REST request [/]",
            header={"WWW-Authenticate": ["Basic realm=\"security\" charset=\"UTF-8\"", "ApiKey"]}),
            headers={"WWW-Authenticate": "Basic realm=\"security\" charset=\"UTF-8\""}),
        Call("POST", "/_ml/anomaly_detectors/j/_close", status=403, reply=es.error(
            403, "security_exception", "action [cluster:admin/xpack/ml/job/close] is unauthorized for user [u] "
            "with effective roles [viewer], this action is granted by the cluster privileges [manage_ml,manage,all]")),
    ])
    with pytest.raises(errors.AuthenticationFailed, match="HTTP 401 security_exception: missing authentication"):
        h.client.request("GET", "/")
    with pytest.raises(errors.Forbidden, match=r"HTTP 403 security_exception: action \[cluster:admin/xpack/ml/job/close\]"):
        h.client.request("POST", "/_ml/anomaly_detectors/j/_close")
    h.http.assert_done()


def test_error_string_body_and_foreign_json():
    h = Harness([Call("GET", "/a", status=400, reply={"error": "no handler found for uri [/a]", "status": 400}),
                 Call("GET", "/b", status=418, reply={"message": "teapot"})])
    with pytest.raises(errors.ApiError, match=r"HTTP 400 no handler found for uri \[/a\]"):
        h.client.request("GET", "/a")
    with pytest.raises(errors.ApiError, match='HTTP 418 {"message": "teapot"}'):
        h.client.request("GET", "/b")


HTML = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>"


def test_an_html_error_page_from_a_proxy():
    h = Harness([Call("GET", "/", status=502, text=HTML, headers={"Content-Type": "text/html"}) for dummy in range(2)],
                retries=1)
    with pytest.raises(errors.TransportError) as exc:
        h.client.request("GET", "/")
    assert "GET / returned HTTP 502 with a body that is not Elasticsearch JSON (text/html)" in exc.value.msg
    assert "502 Bad Gateway" in exc.value.msg and "proxy" in exc.value.msg
    assert exc.value.status == 502
    assert len(h.sleeps) == 1


def test_an_html_error_page_is_not_retried_when_its_status_is_not_retryable():
    h = Harness([Call("GET", "/", status=403, text=HTML, headers={"Content-Type": "text/html"})])
    with pytest.raises(errors.TransportError, match="HTTP 403"):
        h.client.request("GET", "/")
    assert h.sleeps == []


def test_a_proxy_503_page_with_retry_after_is_honoured():
    h = Harness([Call("GET", "/", status=503, text="Service Unavailable",
                      headers={"Content-Type": "text/plain", "Retry-After": "4"}),
                 Call("GET", "/", reply=es.root())])
    h.client.request("GET", "/")
    assert h.sleeps == [4.0]


@pytest.mark.parametrize("text, words", [
    ("", "answered HTTP 200 with an empty body"),
    ("   \n", "answered HTTP 200 with an empty body"),
    ('{"count": 1, "jobs": [', "a body that is not JSON"),
    (HTML, "a body that is not JSON (text/html)"),
    ("[" * 100000, "a body that is not JSON"),
])
def test_a_success_status_with_a_body_that_is_not_json(text, words):
    h = Harness([Call("GET", "/x", status=200, text=text, headers={"Content-Type": "text/html"} if "html" in text
                      else {})])
    with pytest.raises(errors.TransportError) as exc:
        h.client.request("GET", "/x")
    assert words in exc.value.msg and exc.value.msg.startswith("GET /x ")


@pytest.mark.parametrize("reply", [[], ["a"], "closed", 1, True, None])
def test_a_success_status_with_json_that_is_not_an_object(reply):
    h = Harness([Call("POST", "/x", reply=reply)])
    with pytest.raises(errors.TransportError, match="POST /x answered HTTP 200 with JSON that is not an object"):
        h.client.request("POST", "/x")


def test_an_error_status_with_an_empty_body():
    h = Harness([Call("DELETE", "/x", status=404, text="")])
    with pytest.raises(errors.TransportError, match="DELETE /x returned HTTP 404 with a body that is not Elasticsearch"):
        h.client.request("DELETE", "/x")


# --- helpers ----------------------------------------------------------------------------------

@pytest.mark.parametrize("template, segments, expected", [
    ("_ml/anomaly_detectors/{}", ["web-1"], "/_ml/anomaly_detectors/web-1"),
    ("_ml/anomaly_detectors/{}/_close", ["a*,b"], "/_ml/anomaly_detectors/a*,b/_close"),
    ("_ml/anomaly_detectors/{}", ["a/../_all"], "/_ml/anomaly_detectors/a%2F..%2F_all"),
    ("_ml/anomaly_detectors/{}", ["a?pretty#x"], "/_ml/anomaly_detectors/a%3Fpretty%23x"),
    ("_ml/anomaly_detectors/{}", ["%2F"], "/_ml/anomaly_detectors/%252F"),
    ("_ml/anomaly_detectors/{}", ["a b"], "/_ml/anomaly_detectors/a%20b"),
    ("_tasks/{}", ["n:1"], "/_tasks/n%3A1"),
])
def test_path_quotes_segments(template, segments, expected):
    assert transport.path(template, *segments) == expected


@pytest.mark.parametrize("segment", ["", ".", ".."])
def test_path_refuses_segments_that_would_move_to_another_endpoint(segment):
    with pytest.raises(errors.InvalidInput):
        transport.path("_ml/anomaly_detectors/{}/_close", segment)


def test_backoff_is_exponential_capped_and_jittered():
    assert [transport.backoff_delay(n, rand=lambda: 1.0) for n in range(8)] == [0.5, 1, 2, 4, 8, 10, 10, 10]
    assert transport.backoff_delay(3, rand=lambda: 0.0) == 0
    assert transport.backoff_delay(3, retry_after=1.5, rand=lambda: 1.0) == 1.5


@pytest.mark.parametrize("value, seconds", [("3", 3.0), ("0.5", 0.5), ("-1", 0.0), (None, None),
                                            ("Wed, 21 Oct 2015 07:28:00 GMT", None)])
def test_parse_retry_after(value, seconds):
    assert transport.parse_retry_after(value) == seconds
