"""HTTP/1.1 front end of one simulated cluster: parsing, faults, the request log, `/_sim/` admin."""
import ipaddress
import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from socketserver import ThreadingMixIn
from urllib.parse import parse_qsl, unquote

from . import admin, errors, handlers
from .faults import FaultError

# Media types a browser may send without a CORS preflight; ES refuses them (CSRF protection).
_JSON_TYPES = {"application/json", "application/x-ndjson", "application/vnd.elasticsearch+json",
               "application/vnd.elasticsearch+x-ndjson", "application/yaml", "application/smile",
               "application/cbor", "application/vnd.elasticsearch+yaml", "application/vnd.elasticsearch+smile",
               "application/vnd.elasticsearch+cbor"}
_COMPAT = re.compile(r"compatible-with\s*=\s*(\d+)")
_HTML_PAGE = (b"<html>\r\n<head><title>%d Bad Gateway</title></head>\r\n<body>\r\n<center><h1>%d Bad Gateway"
              b"</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
_MALFORMED = b'{"acknowledged": tru'


class Reply:
    """A response about to be sent."""

    def __init__(self, status, payload, content_type="application/json", headers=None, product=True):
        self.status = status
        self.payload = payload
        self.content_type = content_type
        self.headers = headers or {}
        self.product = product


def _compat_version(headers):
    for name in ("Accept", "Content-Type"):
        found = _COMPAT.search(headers.get(name, "") or "")
        if found:
            return int(found.group(1))
    return None


def _check_content_type(headers, body):
    if not body:
        return
    values = headers.get_all("Content-Type") or []
    mime = values[0].split(";")[0].strip().lower() if values else None
    if mime not in _JSON_TYPES:
        raise errors.unsupported_content_type(values)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle's algorithm on, a kept-alive
    # connection would stall ~40 ms per request on the client's delayed ACK.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        """The request log at /_sim/requests replaces stderr access logging."""

    def do_GET(self):
        self._serve()

    do_PUT = do_POST = do_DELETE = do_HEAD = do_OPTIONS = do_PATCH = do_GET

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self):
        started = time.time()
        raw_path, _, query_string = self.path.partition("?")
        body = self._read_body()
        path = unquote(raw_path)
        if path == "/_sim" or path.startswith("/_sim/"):
            self._send(self._admin(path, body))
            return
        query = dict(parse_qsl(query_string, keep_blank_values=True))
        log = self.server.request_log
        entry = log.start(self.command, path, query, started)
        fault = self.server.faults.take(self.command, path)
        status = self._serve_es(path, query, body, fault)
        log.finish(entry, status, time.time(), fault)

    def _serve_es(self, path, query, body, fault):
        """Answer one ES request, or do what the injected fault says; returns the status sent (None: none)."""
        if fault is not None and fault.action == "drop":
            self._drop_connection()
            return None
        if fault is not None and fault.action not in ("delay", "lose_reply"):
            reply = self._fault_reply(fault)
        else:
            if fault is not None:
                time.sleep(fault.delay_s)
            reply = self._dispatch(path, query, body)
            if fault is not None and fault.action == "lose_reply":
                # The cluster acted; the answer is lost on the way, as behind a proxy that timed out.
                self._drop_connection()
                return None
        self._send(reply)
        return reply.status

    def _drop_connection(self):
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def _fault_reply(self, fault):
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        if fault.action == "html":
            return Reply(fault.status, _HTML_PAGE % (fault.status, fault.status), "text/html", headers, False)
        if fault.action == "malformed":
            return Reply(fault.status, _MALFORMED, headers=headers)
        error = errors.EsError(fault.status, fault.type, fault.reason)
        return Reply(fault.status, json.dumps(error.envelope()).encode(), headers=headers)

    def _dispatch(self, path, query, body):
        cluster = self.server.cluster
        compat = _compat_version(self.headers)
        content_type = "application/json"
        if compat and "compatible-with" in (self.headers.get("Accept") or ""):
            content_type = "application/vnd.elasticsearch+json;compatible-with=%d" % compat
        pretty = "pretty" in query and query["pretty"] != "false"
        calls = []
        try:
            result = self._call(cluster, path, query, body, compat, calls)
            reply = Reply(200, self._json(result, pretty), content_type)
        except errors.EsError as exc:
            headers = {k: v for k, v in exc.headers.items()}
            reply = Reply(exc.status, self._json(exc.envelope(), pretty), content_type, headers)
        except errors.RawResponse as raw:
            reply = Reply(raw.status, self._json(raw.body, pretty), content_type, raw.headers)
        except Exception as exc:  # noqa: BLE001 - never a traceback or a dropped connection
            error = errors.EsError(500, "exception", "%s: %s" % (type(exc).__name__, exc))
            reply = Reply(500, self._json(error.envelope(), pretty), content_type)
        if calls and calls[0].warnings:
            reply.headers["Warning"] = [self._warning(text) for text in calls[0].warnings]
        return reply

    def _warning(self, text):
        # HeaderWarning (7.0+): warn-code 299, agent Elasticsearch-<version>-<build hash>, quoted text, no date.
        escaped = text.replace("\\", "\\\\").replace('"', '\\"')
        return '299 Elasticsearch-%s-%s "%s"' % (self.server.cluster.features.number, handlers.BUILD_HASH, escaped)

    def _call(self, cluster, path, query, body, compat, calls):
        uri = self.path
        handler, path_params = handlers.resolve(self.server.routes, self.command, path, uri, cluster, compat)
        _check_content_type(self.headers, body)
        realm = self.server.realm
        header = self.headers.get("Authorization")
        principal = None
        if realm is not None and (header or handler not in handlers.ANONYMOUS_OK):
            principal = realm.authenticate(header, uri)
        call = handlers.Call(cluster, self.command, path, uri, query, body, compat, principal, realm, path_params)
        calls.append(call)
        return handler(call)

    @staticmethod
    def _json(value, pretty):
        return (json.dumps(value, indent=2) + "\n" if pretty else json.dumps(value)).encode()

    def _send(self, reply):
        features = self.server.cluster.features
        self.send_response_only(reply.status)
        self.send_header("Content-Type", reply.content_type)
        # 401/403 lose the product and Warning headers (RestResponse.filterHeaders); 7.14 introduced the first.
        if reply.product and features.product_header and reply.status not in (401, 403):
            self.send_header("X-elastic-product", "Elasticsearch")
        for name, value in reply.headers.items():
            if name == "Warning" and reply.status in (401, 403):
                continue
            for item in value if isinstance(value, list) else [value]:
                self.send_header(name, item)
        self.send_header("Content-Length", str(len(reply.payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.payload)

    # ---- /_sim/ ------------------------------------------------------------------------------

    def _admin(self, path, body):
        if not ipaddress.ip_address(self.client_address[0].split("%")[0]).is_loopback:
            error = errors.no_handler(self.path, self.command)
            return Reply(error.status, json.dumps(error.body).encode())
        try:
            document = json.loads(body.decode("utf-8")) if body else {}
            status, result = 200, self._admin_call(path, document)
        except admin.AdminError as exc:
            status, result = exc.status, {"error": str(exc)}
        except (FaultError, ValueError) as exc:
            status, result = 400, {"error": str(exc)}
        return Reply(status, json.dumps(result).encode(), product=False)

    def _admin_call(self, path, document):
        server, cluster, method = self.server, self.server.cluster, self.command
        simple = {
            ("GET", "/_sim/requests"): lambda: {"requests": server.request_log.snapshot()},
            ("DELETE", "/_sim/requests"): lambda: server.request_log.clear() or {"acknowledged": True},
            ("POST", "/_sim/faults"): lambda: {"acknowledged": True, "fault": server.faults.add(document)},
            ("DELETE", "/_sim/faults"): lambda: server.faults.clear() or {"acknowledged": True},
            ("POST", "/_sim/reset"): lambda: admin.reset(cluster),
            ("POST", "/_sim/load"): lambda: admin.load(cluster, document),
            ("GET", "/_sim/state"): lambda: admin.state(cluster),
            ("POST", "/_sim/settings"): lambda: admin.settings(cluster, document),
        }
        if (method, path) in simple:
            return simple[(method, path)]()
        found = re.fullmatch(r"/_sim/(jobs|datafeeds)/([^/]+)/(_fail|_stick)", path)
        if method == "POST" and found:
            kind, ident, verb = found.groups()
            if kind == "jobs":
                return (admin.fail_job if verb == "_fail" else admin.stick_job)(cluster, ident)
            if verb == "_stick":
                return admin.stick_datafeed(cluster, ident)
        raise admin.AdminError(404, "no simulator endpoint %s %s" % (method, path))


class ClusterServer(ThreadingMixIn, HTTPServer):
    """The listening socket of one cluster; connections run in daemon threads."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address, cluster, routes, realm, faults, request_log, ssl_context=None):
        self.cluster = cluster
        self.routes = routes
        self.realm = realm
        self.faults = faults
        self.request_log = request_log
        self._connections = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, Handler)
        if ssl_context is not None:
            # The handshake happens on the first read, in the connection's thread, so a slow or
            # failing client cannot stall the shared accept loop.
            self.socket = ssl_context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    def server_bind(self):
        # HTTPServer.server_bind calls getfqdn(), a DNS lookup per cluster; the name is unused.
        super(HTTPServer, self).server_bind()
        self.server_name, self.server_port = self.server_address[:2]

    def process_request(self, request, client_address):
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request, client_address):
        """Client resets and failed TLS handshakes end that connection only; nothing to report."""

    def close_connections(self):
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
