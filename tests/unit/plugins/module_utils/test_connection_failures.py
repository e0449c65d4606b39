# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Why a request got no HTTP answer: each exception chain requests raises mapped to its cause and
its fix, and the two probes that tell a TLS server from a plain-HTTP one, on real sockets."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import ssl
import threading

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _connection_failures as failures

HTTP = "http://es-a:9200"
HTTPS = "https://es-a:9200"


class FakeProbes:
    """Probes that answer as told and record what they were asked."""

    def __init__(self, tls=False, plain_http=False):
        self.tls = tls
        self.plain_http = plain_http
        self.asked = []

    def speaks_tls(self, url, timeout):
        self.asked.append(("tls", url))
        return self.tls

    def speaks_plain_http(self, url, timeout):
        self.asked.append(("plain_http", url))
        return self.plain_http


def connection_error(inner):
    """What requests raises when urllib3 could not connect: its error wrapped twice."""
    return requests.exceptions.ConnectionError(MaxRetryError(None, HTTP + "/", inner))


def diagnose(exc, host=HTTP, probes=None):
    return failures.diagnose(exc, host, "GET", "/", 3.0, 30.0, probes)


def test_causes_follow_reason_cause_context_and_arguments_once_each():
    inner = ConnectionRefusedError(111, "Connection refused")
    middle = NewConnectionError(None, "Failed to establish a new connection")
    middle.__cause__ = inner
    outer = requests.exceptions.ConnectionError(MaxRetryError(None, HTTP, middle))
    chain = failures.causes(outer)
    assert chain[0] is outer and inner in chain and middle in chain
    assert len(chain) == len(set(id(exc) for exc in chain))


def test_an_unknown_host_names_the_host_and_is_a_skipped_node():
    middle = NewConnectionError(None, "Failed to resolve")
    middle.__cause__ = socket.gaierror(-2, "Name or service not known")
    error = diagnose(connection_error(middle))
    assert error.msg == ("http://es-a:9200: the host name es-a could not be resolved (Name or service not known); "
                         "check the name in hosts")
    assert error.unreachable and not error.retryable


def test_a_refused_connection_names_host_and_port():
    middle = NewConnectionError(None, "Failed to establish a new connection")
    middle.__cause__ = ConnectionRefusedError(111, "Connection refused")
    error = diagnose(connection_error(middle))
    assert "es-a:9200 refused the connection (nothing listens on that port); check the port in hosts" in error.msg
    assert error.unreachable


def test_a_connect_timeout_is_a_skipped_node_naming_the_timeout():
    error = diagnose(requests.exceptions.ConnectTimeout("timed out"))
    assert error.msg == ("http://es-a:9200: no connection within 3.0s; check the host, the port and any firewall "
                         "between them")
    assert error.unreachable


def test_a_read_timeout_says_what_to_raise_and_is_not_retried():
    error = diagnose(requests.exceptions.ReadTimeout("read timed out"))
    assert error.msg == "GET / got no answer within 30.0s; raise request_timeout if the cluster is slow"
    assert not error.retryable and not error.unreachable


def test_a_dropped_connection_to_a_tls_port_says_use_https():
    dropped = requests.exceptions.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError(104, "x")))
    probes = FakeProbes(tls=True)
    error = diagnose(dropped, probes=probes)
    assert error.msg == ("http://es-a:9200: the server speaks TLS (HTTPS), not plain HTTP; "
                         "use https://es-a:9200 in hosts")
    assert probes.asked == [("tls", HTTP)] and not error.retryable


def test_a_dropped_connection_elsewhere_is_retryable_and_may_have_been_acted_on():
    dropped = requests.exceptions.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError(104, "x")))
    error = diagnose(dropped, probes=FakeProbes(tls=False))
    assert "the connection to http://es-a:9200 was lost" in error.msg
    assert error.retryable and error.maybe_acted


def test_a_node_that_answered_before_is_not_probed():
    dropped = requests.exceptions.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError(104, "x")))
    assert diagnose(dropped, probes=None).retryable


def verification_error(code, message):
    error = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    error.verify_code = code
    error.verify_message = message
    return requests.exceptions.SSLError(MaxRetryError(None, HTTPS, error))


@pytest.mark.parametrize("code, message, words", [
    (20, "unable to get local issuer certificate",
     "is not trusted (unable to get local issuer certificate); set ca_path"),
    (10, "certificate has expired", "has expired (certificate has expired); the cluster needs a new one"),
    (62, "Hostname mismatch", "is not valid for es-a (Hostname mismatch); name the node in hosts as its certificate"),
])
def test_an_untrusted_certificate_names_its_fix(code, message, words):
    error = diagnose(verification_error(code, message), host=HTTPS, probes=FakeProbes())
    assert error.msg.startswith("https://es-a:9200: the server's TLS certificate ") and words in error.msg


def tls_alert(reason):
    error = ssl.SSLError(1, "[SSL: %s] alert" % reason)
    error.reason = reason
    return requests.exceptions.SSLError(MaxRetryError(None, HTTPS, error))


def test_a_refused_client_certificate_names_client_cert():
    error = diagnose(tls_alert("TLSV13_ALERT_CERTIFICATE_REQUIRED"), host=HTTPS, probes=FakeProbes())
    assert "it wants a client certificate its CA signed; set client_cert (and client_key)" in error.msg


def test_https_to_a_plain_http_port_says_use_http():
    probes = FakeProbes(plain_http=True)
    error = diagnose(tls_alert("WRONG_VERSION_NUMBER"), host=HTTPS, probes=probes)
    assert error.msg == ("https://es-a:9200: the server speaks plain HTTP, not TLS (HTTPS); "
                         "use http://es-a:9200 in hosts")
    assert probes.asked == [("plain_http", HTTPS)]


# --- the probes, on real sockets --------------------------------------------------------------------

@pytest.fixture
def plain_http_server():
    """A server on loopback that answers any request with an HTTP status line."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)

    def serve():
        while True:
            try:
                conn, dummy = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(1024)
                conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % listener.getsockname()[1]
    listener.close()


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_plain_http_probe_recognises_an_http_server_and_not_a_closed_port(plain_http_server):
    assert failures.speaks_plain_http(plain_http_server, 2.0) is True
    assert failures.speaks_plain_http("http://127.0.0.1:%d" % closed_port(), 2.0) is False


def test_the_tls_probe_says_no_for_a_plain_http_server_and_a_closed_port(plain_http_server):
    assert failures.speaks_tls(plain_http_server, 2.0) is False
    assert failures.speaks_tls("https://127.0.0.1:%d" % closed_port(), 2.0) is False
