# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A strict, scripted stand-in for ``requests.Session``, and canned Elasticsearch answers.

A test lists the calls it expects, in order, each with its answer::

    http = ScriptedSession([
        Call("GET", "/", reply=es.root("8.15.0")),
        Call("POST", "/_ml/anomaly_detectors/web-1/_close", params={"timeout": "30m"},
             reply={"closed": True}),
    ])

The session fails the test on an unexpected call (wrong method, path, query, body or host),
on a call after the script ran out, and, through :meth:`ScriptedSession.assert_done`, on
calls the script expected but that never came. Calls wrapped in :class:`AnyOrder` may come in
any order among themselves (the delete module runs deletes in a thread pool).

The canned bodies in :mod:`es` follow Elasticsearch's answers shape for shape.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import socket
import ssl
import threading

import requests
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError, ProtocolError
from urllib3.exceptions import SSLError as Urllib3SSLError

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover
    from urlparse import urlsplit  # type: ignore

from requests.structures import CaseInsensitiveDict

_UNSET = object()


class Call:
    """One expected request and the answer to give (or the exception to raise)."""

    def __init__(self, method, path, params=None, body=None, reply=_UNSET, status=200, text=None,
                 headers=None, raises=None, host=None):
        self.method = method
        self.path = path
        self.params = dict(params or {})
        self.body = body
        self.status = status
        self.raises = raises
        self.host = host
        self.group = None
        if raises is None and reply is _UNSET and text is None:
            raise ValueError("Call %s %s needs reply=, text= or raises=" % (method, path))
        if text is None and reply is not _UNSET:
            text = json.dumps(reply)
        self.text = text
        default_headers = {}
        if reply is not _UNSET:
            default_headers["Content-Type"] = "application/json"
        # Elasticsearch strips the product header from 401 and 403 answers (reference 1.3).
        if reply is not _UNSET and status not in (401, 403):
            default_headers["X-elastic-product"] = "Elasticsearch"
        default_headers.update(headers or {})
        self.headers = default_headers

    def describe(self):
        return "%s %s%s params=%r body=%r" % (
            self.method, self.host or "", self.path, self.params, self.body)

    def __repr__(self):
        return "Call(%s)" % self.describe()


class AnyOrder:
    """Calls that may arrive in any order among themselves."""

    _next_group = [0]

    def __init__(self, *calls):
        self._next_group[0] += 1
        for call in calls:
            call.group = self._next_group[0]
        self.calls = list(calls)


class FakeResponse:
    """The part of ``requests.Response`` the transport reads."""

    def __init__(self, status_code, text, headers):
        self.status_code = status_code
        self.text = text
        self.headers = CaseInsensitiveDict(headers)


class Seen:
    """A request as the transport sent it."""

    def __init__(self, method, url, params, body, timeout):
        self.method = method
        self.url = url
        parts = urlsplit(url)
        self.host = "%s://%s" % (parts.scheme, parts.netloc)
        self.path = parts.path
        self.params = dict(params or {})
        self.body = body
        self.timeout = timeout

    def __repr__(self):
        return "Seen(%s %s params=%r body=%r)" % (self.method, self.url, self.params, self.body)


class ScriptedSession:
    """``requests.Session`` look-alike that answers from a script and checks every request."""

    def __init__(self, script=()):
        self.headers = CaseInsensitiveDict()
        self.auth = None
        self.verify = True
        self.cert = None
        self.pending = []
        self.calls = []
        self.problems = []
        self._lock = threading.Lock()
        self.expect(*script)

    def sent_headers(self):
        """The headers a request carries once requests has applied the session's auth."""
        class Prepared:
            headers = CaseInsensitiveDict(self.headers)
        if callable(self.auth):
            return self.auth(Prepared()).headers
        return Prepared.headers

    def expect(self, *script):
        for item in script:
            if isinstance(item, AnyOrder):
                self.pending.extend(item.calls)
            else:
                self.pending.append(item)
        return self

    def _fail(self, message):
        self.problems.append(message)
        raise AssertionError(message)

    def _candidates(self):
        first = self.pending[0]
        if first.group is None:
            return [first]
        out = []
        for call in self.pending:
            if call.group != first.group:
                break
            out.append(call)
        return out

    def request(self, method, url, params=None, data=None, timeout=None, verify=None, cert=None, **kwargs):
        if kwargs:
            self._fail("unexpected keyword arguments to session.request: %r" % sorted(kwargs))
        if (verify, cert) != (self.verify, self.cert):
            self._fail("verify/cert must be passed with each request (the environment overrides the "
                       "session's): got %r, session has %r" % ((verify, cert), (self.verify, self.cert)))
        try:
            body = json.loads(data) if data is not None else None
        except ValueError:
            body = data
        seen = Seen(method, url, params, body, timeout)
        with self._lock:
            self.calls.append(seen)
            if not self.pending:
                self._fail("unexpected request after the script ended: %r" % seen)
            candidates = self._candidates()
            for call in candidates:
                if self._matches(call, seen):
                    self.pending.remove(call)
                    break
            else:
                self._fail("request %r does not match the script; expected %s" % (
                    seen, " or ".join(c.describe() for c in candidates)))
        if call.raises is not None:
            raise call.raises
        return FakeResponse(call.status, call.text, call.headers)

    @staticmethod
    def _matches(call, seen):
        return (call.method == seen.method and call.path == seen.path and call.params == seen.params
                and call.body == seen.body and (call.host is None or call.host == seen.host))

    def assert_done(self):
        """Every scripted call came, and nothing unexpected did."""
        assert not self.problems, "; ".join(self.problems)
        assert not self.pending, "expected requests never sent: %r" % self.pending

    @property
    def methods(self):
        return [seen.method for seen in self.calls]


# What requests raises, chain for chain, as urllib3 2 builds it (socket and ssl errors at the
# bottom, under urllib3's and requests' wrappers); recorded against real sockets and the simulator.

def _caused(outer, cause):
    outer.__cause__ = cause
    return outer


def connection_refused(host):
    """Nothing listens on the port."""
    inner = _caused(NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused"),
                    ConnectionRefusedError(111, "Connection refused"))
    return requests.exceptions.ConnectionError(MaxRetryError(None, host + "/", inner))


def name_not_resolved(host):
    """The host name does not resolve."""
    name = host.split("//", 1)[-1].split(":", 1)[0]
    inner = _caused(NameResolutionError(name, None, socket.gaierror(-2, "Name or service not known")),
                    socket.gaierror(-2, "Name or service not known"))
    return requests.exceptions.ConnectionError(MaxRetryError(None, host + "/", inner))


def connection_dropped():
    """The server closes the connection without answering (a plain HTTP request to a TLS port too)."""
    return requests.exceptions.ConnectionError(ProtocolError(
        "Connection aborted.", ConnectionResetError(104, "Connection reset by peer")))


def _ssl(cls, reason, text, **attributes):
    error = cls(1, "[SSL: %s] %s (_ssl.c:1006)" % (reason, text) if reason else text)
    error.reason = reason
    for name, value in attributes.items():
        setattr(error, name, value)
    return error


def tls_failure(host, ssl_error):
    """A failed TLS handshake carrying ``ssl_error``."""
    return requests.exceptions.SSLError(MaxRetryError(None, host + "/", Urllib3SSLError(ssl_error)))


def cert_not_trusted(host, code=20, message="unable to get local issuer certificate"):
    return tls_failure(host, _ssl(ssl.SSLCertVerificationError, "CERTIFICATE_VERIFY_FAILED",
                                  "certificate verify failed: " + message, verify_code=code, verify_message=message))


def tls_alert(host, reason):
    return tls_failure(host, _ssl(ssl.SSLError, reason, reason.lower().replace("_", " ")))


def tls_to_plain_http(host):
    """An https:// URL for a plain HTTP port: the server's HTTP answer is no TLS record."""
    return tls_failure(host, _ssl(ssl.SSLError, "WRONG_VERSION_NUMBER", "wrong version number"))


def tls_eof(host):
    """A TLS 1.3 server that closed without a client certificate before its alert was read."""
    return tls_failure(host, _ssl(ssl.SSLEOFError, None, "EOF occurred in violation of protocol (_ssl.c:2427)"))


class Probes:
    """Stand-in for the transport's protocol probes: answers as told, records each call."""

    def __init__(self, tls=False, plain_http=False):
        self.tls = tls
        self.plain_http = plain_http
        self.calls = []

    def speaks_tls(self, url, timeout):
        self.calls.append(("tls", url))
        return self.tls

    def speaks_plain_http(self, url, timeout):
        self.calls.append(("plain_http", url))
        return self.plain_http


class FakeClock:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self, start=1000.0):
        self.now = start
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds
