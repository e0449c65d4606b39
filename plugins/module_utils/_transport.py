# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""HTTP transport to Elasticsearch: session, auth, TLS, timeouts, retries, fail-over and
the one mapping from HTTP answers to typed exceptions. It knows nothing of ML: the endpoints
module builds the REST calls on top of it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import random
import threading
import traceback

from ansible.module_utils.six.moves.urllib.parse import quote

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _connection_failures as connection_failures
from ansible_collections.mlops.elasticsearch.plugins.module_utils._connection_options import node_urls
from ansible_collections.mlops.elasticsearch.plugins.module_utils._errors import (
    ApiError,
    AuthenticationFailed,
    CheckModeViolation,
    Conflict,
    Forbidden,
    Interrupted,
    InvalidInput,
    NotFound,
    TransportError,
)

REQUESTS_IMPORT_ERROR = None
try:
    import requests
    HAS_REQUESTS = True
except ImportError:
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
    HAS_REQUESTS = False

# Answers that mean "try again later" (Elasticsearch or a proxy in front of it).
RETRY_STATUSES = frozenset([
    429,  # too many requests, also ML upgrade mode and circuit breakers
    502,  # bad gateway: a proxy lost its upstream
    503,  # unavailable: no master, node shutting down
    504,  # gateway timeout
])
# Proxy answers after which the cluster may still have carried the request out.
PROXY_LOST_REPLY_STATUSES = frozenset([502, 504])
BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 10.0
RETRY_AFTER_CAP_S = 60.0
ERROR_BODY_EXCERPT = 200

STATUS_EXCEPTIONS = {
    401: AuthenticationFailed,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
}


def path(template, *segments):
    """Fill ``{}`` placeholders with URL-quoted segments so no input can reach another endpoint.

    Commas and ``*`` stay readable: they are part of Elasticsearch id expressions. An empty,
    ``.`` or ``..`` segment is refused: HTTP clients and proxies collapse it, which moves the
    request to another endpoint (``_ml/anomaly_detectors/../_close`` becomes ``_ml/_close``)."""
    quoted = []
    for segment in segments:
        text = str(segment)
        if text in ("", ".", ".."):
            raise InvalidInput("'%s' cannot be a URL path segment" % text)
        quoted.append(quote(text, safe=",*"))
    return "/" + template.format(*quoted)


def encode_api_key(api_key):
    """Accept the encoded form Elasticsearch returns, or ``id:key``."""
    if ":" in api_key:
        return base64.b64encode(api_key.encode("utf-8")).decode("ascii")
    return api_key


def backoff_delay(attempt, retry_after=None, rand=random.random):
    """Full-jitter exponential backoff, or the server's Retry-After when it gives one."""
    if retry_after is not None:
        return min(retry_after, RETRY_AFTER_CAP_S)
    return rand() * min(BACKOFF_CAP_S, BACKOFF_BASE_S * (2 ** attempt))


def parse_retry_after(value):
    """Retry-After in seconds; the HTTP-date form is rare for Elasticsearch and ignored."""
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return None


def describe_error(status, body):
    """(error_type, reason, message tail) from an Elasticsearch error body."""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        error_type = error.get("type")
        reason = error.get("reason")
        tail = "%s: %s" % (error_type, reason)
        caused_by = error.get("caused_by")
        if isinstance(caused_by, dict) and caused_by.get("reason") and caused_by.get("reason") != reason:
            tail += " (caused by %s: %s)" % (caused_by.get("type"), caused_by.get("reason"))
        return error_type, reason, tail
    if isinstance(error, str):
        return None, error, error
    return None, None, json.dumps(body)[:ERROR_BODY_EXCERPT]


class AuthorizationHeader:
    """A requests auth callable that sets one Authorization header (API key or bearer token)."""

    def __init__(self, value):
        self.value = value

    def __call__(self, request):
        request.headers["Authorization"] = self.value
        return request


class Response:
    """What a successful call returns: the decoded JSON body and the status."""

    def __init__(self, status, body, headers):
        self.status = status
        self.body = body
        self.headers = headers


class Transport:
    """One Elasticsearch cluster reached through one or more node URLs."""

    def __init__(self, hosts, username=None, password=None, api_key=None, bearer_token=None, headers=None,
                 ca_path=None, client_cert=None, client_key=None, validate_certs=True,
                 request_timeout=30.0, retries=3, check_mode=False, warn=None, sleep=None,
                 session=None, probes=None):
        self.hosts = node_urls(hosts)
        self.request_timeout = request_timeout
        self.retries = max(0, retries)
        self.check_mode = check_mode
        self.warn = warn or (lambda message: None)
        self._stopping = threading.Event()
        # Waiting on the event, not time.sleep: a stop wakes every pause and wait at once.
        self.sleep = sleep or self._stopping.wait
        self.session = session or requests.Session()
        self.probes = probes or connection_failures.Probes
        self._lock = threading.Lock()
        self._skipped = {}
        self._answered = set()
        self._configure_session(username, password, api_key, bearer_token, headers or {},
                                ca_path, client_cert, client_key, validate_certs)

    def _configure_session(self, username, password, api_key, bearer_token, headers,
                           ca_path, client_cert, client_key, validate_certs):
        self.session.headers["Content-Type"] = "application/json"
        self.session.headers["Accept"] = "application/json"
        authorization = None
        for name, value in headers.items():
            if name.lower() == "authorization":
                authorization = value
            else:
                self.session.headers[name] = value
        # Set as the session's auth, never as a plain header: requests applies ~/.netrc credentials
        # to any request without auth, and they would replace an Authorization header.
        if username is not None:
            self.session.auth = (username, password or "")
        elif api_key:
            self.session.auth = AuthorizationHeader("ApiKey " + encode_api_key(api_key))
        elif bearer_token:
            self.session.auth = AuthorizationHeader("Bearer " + bearer_token)
        elif authorization:
            self.session.auth = AuthorizationHeader(authorization)
        self.session.verify = (ca_path or True) if validate_certs else False
        if client_cert:
            self.session.cert = (client_cert, client_key) if client_key else client_cert

    @property
    def skipped_nodes(self):
        """The nodes that could not be reached in this run, each once, with why."""
        with self._lock:
            return [dict(host=host, reason=reason) for host, reason in self._skipped.items()]

    def _skip(self, host, reason):
        with self._lock:
            first = host not in self._skipped
            self._skipped.setdefault(host, reason)
        # With one node there is no fail-over: the failure itself says why.
        if first and len(self.hosts) > 1:
            self.warn("Elasticsearch node %s skipped: %s" % (host, reason))

    def allow_parallel_requests(self, workers):
        """Keep one connection per worker: requests' default pool keeps 10 per host, and past
        that each request of an extra worker opens a connection that is dropped after use."""
        if workers > requests.adapters.DEFAULT_POOLSIZE and hasattr(self.session, "mount"):
            adapter = requests.adapters.HTTPAdapter(pool_connections=len(self.hosts), pool_maxsize=workers)
            for scheme in ("http://", "https://"):
                self.session.mount(scheme, adapter)

    def stop(self):
        """From now on no mutating request is sent (SIGINT or SIGTERM arrived); pauses end at once."""
        self._stopping.set()

    @property
    def stopping(self):
        return self._stopping.is_set()

    def request(self, method, url_path, params=None, body=None, timeout=None, retry_conflicts=0):
        """Send one API call, with retries and fail-over; return a Response or raise.

        ``timeout`` overrides the read timeout for calls the server holds open on purpose
        (a close waits for its jobs); ``retry_conflicts`` retries 409
        ``version_conflict_engine_exception``, which a delete racing a finishing close gets.
        An error raised after a try whose answer was lost carries ``after_lost_reply``: the
        cluster may have carried that try out (a delete then answers 404)."""
        if self.check_mode and method != "GET":
            raise CheckModeViolation("refusing to send %s %s in check mode" % (method, url_path))
        attempt = 0
        conflicts = 0
        lost_reply = False
        while True:
            if method != "GET" and self.stopping:
                raise Interrupted("interrupted: %s %s was not sent" % (method, url_path))
            try:
                return self._send_with_failover(method, url_path, params, body, timeout)
            except ApiError as exc:
                exc.after_lost_reply = lost_reply
                lost_reply = lost_reply or exc.status in PROXY_LOST_REPLY_STATUSES
                why = exc.msg  # Python 3 unbinds ``exc`` when the except block ends
                retry_after = exc.retry_after
                if exc.error_type == "version_conflict_engine_exception" and conflicts < retry_conflicts:
                    conflicts += 1
                    self._pause(method, url_path, why, conflicts - 1, None)
                    continue
                if exc.status not in RETRY_STATUSES or attempt >= self.retries:
                    raise
            except TransportError as exc:
                exc.after_lost_reply = lost_reply
                lost_reply = lost_reply or exc.maybe_acted
                why = exc.msg
                if not exc.retryable or attempt >= self.retries:
                    raise
                retry_after = exc.retry_after
            attempt += 1
            self._pause(method, url_path, why, attempt - 1, retry_after)

    def _pause(self, method, url_path, why, attempt, retry_after):
        delay = backoff_delay(attempt, retry_after)
        if not why.startswith(method + " "):
            why = "%s %s: %s" % (method, url_path, why)
        self.warn("%s; retrying in %.1fs" % (why, delay))
        self.sleep(delay)

    def _send_with_failover(self, method, url_path, params, body, timeout):
        """Try each node in turn while they cannot be reached; the first that answers wins."""
        unreachable = []
        for index, host in enumerate(list(self.hosts)):
            try:
                response = self._send(host, method, url_path, params, body, timeout)
            except TransportError as exc:
                if not exc.unreachable:
                    raise
                self._skip(host, exc.reason)
                unreachable.append(exc.msg)
                continue
            if index:
                # Prefer the node that answered for the rest of this run (by name: concurrent
                # deletes may have reordered the list since it was copied).
                with self._lock:
                    self.hosts.remove(host)
                    self.hosts.insert(0, host)
            return response
        raise TransportError("no Elasticsearch node could be reached: " + "; ".join(unreachable), retryable=True)

    def _send(self, host, method, url_path, params, body, timeout):
        url = host + url_path
        data = json.dumps(body) if body is not None else None
        try:
            # verify and cert per request: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE from the
            # environment override the session's, which would drop ca_path and validate_certs=false.
            raw = self.session.request(method, url, params=params, data=data,
                                       timeout=(self.request_timeout, timeout or self.request_timeout),
                                       verify=self.session.verify, cert=self.session.cert)
        except requests.exceptions.RequestException as exc:
            # Probing the protocol only helps before a node answered: one that did speaks the one in hosts.
            probes = None if host in self._answered else self.probes
            raise connection_failures.diagnose(exc, host, method, url_path, self.request_timeout,
                                               timeout or self.request_timeout, probes)
        self._answered.add(host)
        return _decode(raw, method, url_path, url)


def _decode(raw, method, url_path, url):
    """Turn an HTTP answer into a Response, or raise the exception that describes it."""
    text = raw.text
    content_type = raw.headers.get("Content-Type", "")
    body = None
    decoded = False
    if text.strip():
        try:
            body = json.loads(text)
            decoded = True
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            body = None
    if 200 <= raw.status_code < 300:
        if decoded and not isinstance(body, dict):
            raise TransportError("%s %s answered HTTP %s with JSON that is not an object: %r"
                                 % (method, url_path, raw.status_code, text[:ERROR_BODY_EXCERPT]),
                                 status=raw.status_code, url=url)
        if body is None:
            what = "an empty body" if not text.strip() else "a body that is not JSON (%s): %r" % (
                content_type or "no content type", text[:ERROR_BODY_EXCERPT])
            raise TransportError("%s %s answered HTTP %s with %s" % (method, url_path, raw.status_code, what),
                                 status=raw.status_code, url=url)
        return Response(raw.status_code, body, raw.headers)
    retry_after = parse_retry_after(raw.headers.get("Retry-After"))
    if body is None:
        retryable = raw.status_code in RETRY_STATUSES
        raise TransportError(
            "%s %s returned HTTP %s with a body that is not Elasticsearch JSON (%s): %r; "
            "is a proxy in front of the cluster?" % (
                method, url_path, raw.status_code, content_type or "no content type",
                text[:ERROR_BODY_EXCERPT]),
            status=raw.status_code, url=url, retryable=retryable, retry_after=retry_after if retryable else None,
            maybe_acted=raw.status_code in PROXY_LOST_REPLY_STATUSES)
    error_type, reason, tail = describe_error(raw.status_code, body)
    cls = STATUS_EXCEPTIONS.get(raw.status_code, ApiError)
    raise cls("%s %s returned HTTP %s %s" % (method, url_path, raw.status_code, tail),
              status=raw.status_code, error_type=error_type, reason=reason, url=url, body=body,
              retry_after=retry_after)
