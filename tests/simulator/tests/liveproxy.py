"""A translating, recording HTTP proxy in front of a live Elasticsearch cluster.

The live mode of the conformance suite (conftest.py) and of the integration targets (live_targets.py,
es_sim) sends every request through it, so that tests written for an empty simulated cluster run
unchanged, and safely, on any cluster:

- Namespace: every job, group and datafeed id a client names gets the namespace's prefix on the
  way to the cluster (``j`` becomes ``conformance-a1b2c3-7-j``; ``_all``, ``*`` and no expression
  become ``conformance-a1b2c3-7-*``), and the prefix is removed from every answer, so clients see
  only their own jobs, under the ids they chose. An id the prefix would make valid (``-a``, ``_a``)
  or too long (64 characters) is sent as it is, and remembered if a PUT created it.
- Datafeed indices get the index prefix and are created (empty, with a ``timestamp`` date field)
  the first time a datafeed names them: a real cluster does not start a datafeed on an index that
  does not exist.
- Credentials: a request without an Authorization header gets the cluster's.
- /_sim: the simulator's admin API never reaches the cluster. Such a request is answered 400 and
  counted (``sim_requests``); that count is how live mode proves it set state with Elasticsearch's
  own APIs only.
- Log: every forwarded request (method, path and query as the client sent them, status), except
  those tagged ``X-Opaque-Id: es-live-setup`` (a harness setting up or reading state).

The proxy answers ``GET /_live/requests`` (the log), ``DELETE /_live/requests`` and ``GET /_live``
(namespace and counters) itself.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

import requests

SETUP_ID = "es-live-setup"
ML_ROOTS = ("/_ml/", "/_xpack/ml/")
COLLECTIONS = ("anomaly_detectors", "datafeeds")
# Actions that take an id expression (several ids, groups, wildcards); the others take one id.
EXPRESSION_ACTIONS = ("_close", "_stop")
# Not forwarded between client, proxy and cluster (RFC 9110 hop-by-hop, or recomputed here).
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
              "transfer-encoding", "upgrade", "host", "content-length", "accept-encoding", "content-encoding"}
INDEX_MAPPING = {"mappings": {"properties": {"timestamp": {"type": "date"}}}}
MAX_ID_LENGTH = 64


class Upstream:
    """The live cluster: its URL, credentials and CA; one HTTP session per proxy thread."""

    def __init__(self, url, user=None, password=None, api_key=None, ca_path=None):
        self.url = url.rstrip("/")
        self.authorization = _authorization(user, password, api_key)
        self.verify = ca_path or True
        self._local = threading.local()

    def session(self):
        if not hasattr(self._local, "session"):
            session = requests.Session()
            session.trust_env = False
            session.verify = self.verify
            self._local.session = session
        return self._local.session

    def send(self, method, path, headers=None, body=None, timeout=300):
        headers = dict(headers or {})
        if self.authorization and not any(k.lower() == "authorization" for k in headers):
            headers["Authorization"] = self.authorization
        headers["Accept-Encoding"] = "identity"
        return self.session().request(method, self.url + path, headers=headers, data=body, timeout=timeout,
                                      allow_redirects=False)


def _authorization(user, password, api_key):
    if api_key:
        return "ApiKey " + api_key
    if user:
        return "Basic " + base64.b64encode(("%s:%s" % (user, password or "")).encode()).decode()
    return None


class Namespace:
    """Maps the ids clients use to the ids on the cluster (a prefix) and back."""

    def __init__(self, prefix, index_prefix):
        self.prefix = prefix
        self.index_prefix = index_prefix
        self.escaped = set()
        self.indices = set()

    # ---- ids ---------------------------------------------------------------------------------
    def one_id(self, token):
        """A single id: prefixed unless that would change whether Elasticsearch accepts it."""
        text = unquote(token)
        if text[:1] in ("", "-", "_", ".", "+") or len(self.prefix) + len(text) > MAX_ID_LENGTH:
            return token
        return self.prefix + token

    def expression(self, expression):
        """An id expression: every token prefixed; _all, * and nothing mean the whole namespace."""
        if expression in ("", "_all", "*"):
            return self.prefix + "*"
        return ",".join(self.prefix + "*" if t == "_all" else self.one_id(t) for t in expression.split(","))

    def index(self, name):
        return self.index_prefix + name

    # ---- paths and bodies --------------------------------------------------------------------
    def path(self, method, path):
        """The cluster's path for a client's path (the query string is left alone)."""
        root = next((r for r in ML_ROOTS if path.startswith(r)), None)
        if root is None:
            return path
        parts = path[len(root):].split("/")
        if parts[0] not in COLLECTIONS:
            return path
        rest = parts[1:]
        if not rest or rest[0] in ("", "_stats"):
            # GET anomaly_detectors, GET datafeeds/_stats: everything, i.e. the whole namespace
            return root + "/".join([parts[0], self.prefix + "*"] + rest)
        target, action = rest[0], rest[1:]
        takes_expression = (method == "GET" and action in ([], ["_stats"])) or (
            bool(action) and action[0] in EXPRESSION_ACTIONS)
        mapped = self.expression(target) if takes_expression else self.one_id(target)
        if method == "PUT" and not action and mapped == target:
            self.escaped.add((parts[0], unquote(target)))
        return root + "/".join([parts[0], mapped] + action)

    def body(self, path, raw):
        """A client's JSON body for the cluster: ids, groups and datafeed indices mapped."""
        if not raw or not path.startswith(ML_ROOTS):
            return raw, []
        try:
            document = json.loads(raw)
        except ValueError:
            return raw, []
        indices = []
        mapped = self._map(document, indices)
        return json.dumps(mapped).encode(), indices

    def _map(self, value, indices):
        if isinstance(value, list):
            return [self._map(v, indices) for v in value]
        if not isinstance(value, dict):
            return value
        out = {}
        for key, item in value.items():
            if key in ("job_id", "datafeed_id") and isinstance(item, str):
                out[key] = self.one_id(item)
            elif key == "groups" and isinstance(item, str):
                out[key] = self.one_id(item)       # a single string is a list of one (declareStringArray)
            elif key == "groups" and isinstance(item, list):
                out[key] = [self.one_id(g) if isinstance(g, str) else g for g in item]
            elif key in ("indices", "indexes") and isinstance(item, str):
                out[key] = self.index(item)
                indices.append(out[key])
            elif key in ("indices", "indexes") and isinstance(item, list) and all(isinstance(i, str) for i in item):
                out[key] = [self.index(i) for i in item]
                indices.extend(out[key])
            else:
                out[key] = self._map(item, indices)
        return out

    def strip(self, data):
        """The cluster's answer as the client expects it: no prefixes."""
        for prefix in sorted({self.prefix, self.index_prefix}, key=len, reverse=True):
            data = data.replace(prefix.encode(), b"")
        return data


class LiveProxy:
    """The proxy server: start() it, point clients at .url, stop() it."""

    def __init__(self, upstream, namespace, host="127.0.0.1", port=0):
        self.upstream = upstream
        self.namespace = namespace
        self.log = []
        self.sim_requests = []
        self.setup_requests = 0
        self.forwarded = 0
        self.upgrade_mode_set = False
        self.no_index_api = False
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), _handler_class(self))
        self._server.daemon_threads = True
        self.url = "http://%s:%d" % (host, self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, name="live-proxy", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    # ---- what the handler calls --------------------------------------------------------------
    def forward(self, method, target, headers, body):
        """Send one client request to the cluster; returns (status, headers, body)."""
        split = urlsplit(target)
        headers = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP]
        path = self.namespace.path(method, split.path)
        mapped_body, indices = self.namespace.body(split.path, body)
        problem = self.ensure_indices(indices)
        if problem:
            return 502, [("Content-Type", "application/json")], json.dumps({"error": problem}).encode()
        if split.path.endswith("/set_upgrade_mode") and "enabled=true" in split.query:
            self.upgrade_mode_set = True
        started = time.time()
        try:
            response = self.upstream.send(method, path + ("?" + split.query if split.query else ""),
                                          headers, mapped_body)
        except requests.RequestException as exc:
            return 502, [("Content-Type", "application/json")], json.dumps(
                {"error": "live proxy: the cluster did not answer: %s" % exc}).encode()
        answer = self.namespace.strip(response.content)
        out_headers = [(k, self.namespace.strip(v.encode()).decode()) for k, v in response.raw.headers.items()
                       if k.lower() not in HOP_BY_HOP]
        self.record(method, split, headers, response.status_code, started)
        return response.status_code, out_headers, answer

    def ensure_indices(self, indices):
        """Create each datafeed index once; None, or why one could not be created."""
        for name in indices:
            concrete = name.replace("*", "data")
            with self._lock:
                if concrete in self.namespace.indices or self.no_index_api:
                    continue
                self.namespace.indices.add(concrete)
            response = self.upstream.send("PUT", "/" + concrete, {"Content-Type": "application/json"},
                                          json.dumps(INDEX_MAPPING).encode())
            if response.status_code == 400 and "no handler found" in response.text:
                # The simulator: no index APIs, and its datafeeds start without data.
                self.no_index_api = True
            elif response.status_code != 200 and "resource_already_exists" not in response.text:
                return "live proxy could not create index %s: %s" % (concrete, response.text[:300])
        return None

    def record(self, method, split, headers, status, started):
        setup = any(k.lower() == "x-opaque-id" and v == SETUP_ID for k, v in headers)
        with self._lock:
            self.forwarded += 1
            if setup:
                self.setup_requests += 1
                return
            self.log.append({"method": method, "path": split.path, "query": dict(parse_qsl(split.query)),
                             "status": status, "started": started, "ended": time.time()})

    def refuse_sim(self, method, target):
        with self._lock:
            self.sim_requests.append("%s %s" % (method, target))
        return 400, [("Content-Type", "application/json")], json.dumps(
            {"error": "live mode: %s is the simulator's admin API; it is never sent to the cluster" % target}).encode()

    def own_api(self, method, target):
        """GET /_live, GET and DELETE /_live/requests."""
        path = urlsplit(target).path
        with self._lock:
            if path == "/_live/requests" and method == "DELETE":
                self.log.clear()
                body = {"acknowledged": True}
            elif path == "/_live/requests":
                body = {"requests": list(self.log)}
            elif path == "/_live":
                body = self.summary()
            else:
                return 404, [("Content-Type", "application/json")], b'{"error": "no such live proxy API"}'
        return 200, [("Content-Type", "application/json")], json.dumps(body).encode()

    def summary(self):
        return {"namespace": self.namespace.prefix, "index_prefix": self.namespace.index_prefix,
                "forwarded": self.forwarded, "setup_requests": self.setup_requests,
                "sim_requests": list(self.sim_requests)}


def _handler_class(proxy):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes: without TCP_NODELAY each keep-alive answer waits
        # for the client's delayed ACK (40 ms).
        disable_nagle_algorithm = True

        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            path = urlsplit(self.path).path
            if re.match(r"/_sim(/|$)", path):
                status, headers, answer = proxy.refuse_sim(self.command, self.path)
            elif re.match(r"/_live(/|$)", path):
                status, headers, answer = proxy.own_api(self.command, self.path)
            else:
                status, headers, answer = proxy.forward(self.command, self.path, list(self.headers.items()), body)
            self.send_response_only(status)
            for key, value in headers:
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(answer)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _serve

        def log_message(self, *args):  # the proxy's own log is enough
            pass

    return Handler
