# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""Why a request got no HTTP answer, and what to change: the exception chain that requests,
urllib3, socket and ssl raise, mapped by type to one cause each, and two probes that tell a
server speaking TLS from one speaking plain HTTP when the chain cannot (a TLS server drops a
plain request exactly as a node that died does)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import ssl

from ansible.module_utils.six.moves.urllib.parse import urlsplit, urlunsplit

from ansible_collections.mlops.elasticsearch.plugins.module_utils._errors import TransportError

try:
    import requests
    from urllib3.exceptions import NewConnectionError
except ImportError:
    pass  # _transport reports the missing library before any request

# OpenSSL reasons of the alerts a server sends when it refuses (or wants) the client's certificate.
CLIENT_CERT_ALERTS = frozenset([
    "TLSV13_ALERT_CERTIFICATE_REQUIRED",
    "SSLV3_ALERT_BAD_CERTIFICATE",
    "TLSV1_ALERT_UNKNOWN_CA",
    "SSLV3_ALERT_CERTIFICATE_UNKNOWN",
    "SSLV3_ALERT_HANDSHAKE_FAILURE",
])
# OpenSSL's X509_V_ERR_* codes that have a fix of their own.
CERT_EXPIRED = 10
HOST_MISMATCH = (62, 64)  # host name, IP address
PROBE_TIMEOUT_CAP_S = 5.0


def causes(exc):
    """``exc`` and everything behind it: urllib3's ``reason``, ``__cause__``, ``__context__``
    and exceptions passed as arguments (requests wraps urllib3's errors that way)."""
    seen = []
    todo = [exc]
    while todo:
        current = todo.pop(0)
        if any(current is known for known in seen):
            continue
        seen.append(current)
        linked = [getattr(current, "reason", None), current.__cause__, current.__context__] + list(current.args)
        todo.extend(item for item in linked if isinstance(item, BaseException))
    return seen


def _first(chain, kind):
    for exc in chain:
        if isinstance(exc, kind):
            return exc
    return None


def _address(url):
    parts = urlsplit(url)
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


def _with_scheme(url, scheme):
    parts = urlsplit(url)
    return urlunsplit((scheme, parts.netloc, parts.path, "", ""))


def speaks_tls(url, timeout):
    """Whether the server at ``url``'s host and port completes a TLS handshake (or answers it
    with a TLS alert). Sends nothing but a ClientHello: no credentials, no request."""
    host, port = _address(url)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((host, port), timeout=min(timeout, PROBE_TIMEOUT_CAP_S)) as sock:
            with context.wrap_socket(sock, server_hostname=host):
                return True
    except ssl.SSLError as exc:
        return "_ALERT_" in (getattr(exc, "reason", None) or "")
    except (OSError, ValueError):
        return False


def speaks_plain_http(url, timeout):
    """Whether the server at ``url``'s host and port answers a plain ``GET /`` (without
    credentials; a GET, as every read-only call, so check mode stays GETs only) with HTTP."""
    host, port = _address(url)
    try:
        with socket.create_connection((host, port), timeout=min(timeout, PROBE_TIMEOUT_CAP_S)) as sock:
            sock.sendall(("GET / HTTP/1.0\r\nHost: %s\r\n\r\n" % host).encode("ascii"))
            return sock.recv(5) == b"HTTP/"
    except (OSError, ValueError, UnicodeError):
        return False


class Probes:
    """The probes :func:`diagnose` may run; unit tests pass their own."""

    speaks_tls = staticmethod(speaks_tls)
    speaks_plain_http = staticmethod(speaks_plain_http)


def diagnose(exc, host, method, url_path, connect_timeout, read_timeout, probes=None):
    """The TransportError that names why ``exc`` (a requests exception) happened and what to change.

    ``probes`` (see :class:`Probes`) is given only while ``host`` has not answered yet in this
    run: a node that answered over one protocol does not speak the other."""
    url = host + url_path
    chain = causes(exc)
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return TransportError("%s %s got no answer within %ss; raise request_timeout if the cluster is slow"
                              % (method, url_path, read_timeout), url=url)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return _unreachable(host, url, "no connection within %ss; check the host, the port and any firewall "
                            "between them" % connect_timeout)
    if isinstance(exc, requests.exceptions.SSLError):
        return _tls_failure(chain, host, url, connect_timeout, probes)
    if _first(chain, NewConnectionError) is not None:
        return _not_connected(chain, host, url)
    if isinstance(exc, requests.exceptions.ConnectionError):
        if host.startswith("http://") and probes is not None and probes.speaks_tls(host, connect_timeout):
            return TransportError(
                "%s: the server speaks TLS (HTTPS), not plain HTTP; use %s in hosts"
                % (host, _with_scheme(host, "https")), url=url, reason="the server speaks TLS")
        root = chain[-1]
        return TransportError("%s %s: the connection to %s was lost (%s)" % (
            method, url_path, host, str(root) or type(root).__name__), url=url, retryable=True, maybe_acted=True)
    return TransportError("%s %s failed: %s" % (method, url_path, exc), url=url)


def _unreachable(host, url, reason):
    return TransportError("%s: %s" % (host, reason), url=url, reason=reason, unreachable=True)


def _not_connected(chain, host, url):
    """No TCP connection: the name did not resolve, nothing listens, or the network said no."""
    name, port = _address(host)
    if _first(chain, socket.gaierror) is not None:
        why = _first(chain, socket.gaierror).strerror or "unknown host"
        return _unreachable(host, url, "the host name %s could not be resolved (%s); check the name in hosts"
                            % (name, why))
    if _first(chain, ConnectionRefusedError) is not None:
        return _unreachable(host, url, "%s:%s refused the connection (nothing listens on that port); check the port "
                            "in hosts and that Elasticsearch runs there" % (name, port))
    error = _first(chain, OSError)
    why = (error.strerror or str(error)) if error is not None else "no connection"
    return _unreachable(host, url, "could not connect to %s:%s (%s)" % (name, port, why))


def _tls_failure(chain, host, url, timeout, probes):
    """A failed TLS handshake: whose side refused, and what to change on ours."""
    cert_error = _first(chain, ssl.SSLCertVerificationError)
    if cert_error is not None:
        return TransportError("%s: %s" % (host, _untrusted(cert_error, host)), url=url,
                              reason=cert_error.verify_message)
    error = _first(chain, ssl.SSLError)
    reason = getattr(error, "reason", None)
    if reason in CLIENT_CERT_ALERTS:
        return TransportError(
            "%s: the server refused the TLS handshake (%s): it wants a client certificate its CA signed; set "
            "client_cert (and client_key)" % (host, error), url=url, reason=reason)
    if probes is not None and probes.speaks_plain_http(host, timeout):
        return TransportError("%s: the server speaks plain HTTP, not TLS (HTTPS); use %s in hosts"
                              % (host, _with_scheme(host, "http")), url=url, reason="the server speaks plain HTTP")
    if isinstance(error, ssl.SSLEOFError) or reason == "UNEXPECTED_EOF_WHILE_READING":
        # TLS 1.3: a server refusing a missing client certificate may close before its alert is read.
        return TransportError(
            "%s: the server closed the connection during the TLS handshake (%s); if it requires client "
            "certificates, set client_cert (and client_key)" % (host, error), url=url, reason=str(error))
    return TransportError("%s: the TLS handshake failed (%s)" % (host, error if error is not None else chain[0]),
                          url=url, reason=reason)


def _untrusted(error, host):
    name = urlsplit(host).hostname
    if error.verify_code in HOST_MISMATCH:
        return ("the server's TLS certificate is not valid for %s (%s); name the node in hosts as its certificate "
                "does" % (name, error.verify_message))
    if error.verify_code == CERT_EXPIRED:
        return "the server's TLS certificate has expired (%s); the cluster needs a new one" % error.verify_message
    return ("the server's TLS certificate is not trusted (%s); set ca_path to the PEM certificate of the CA that "
            "signed it (validate_certs=false turns the check off, for throw-away clusters only)"
            % error.verify_message)
