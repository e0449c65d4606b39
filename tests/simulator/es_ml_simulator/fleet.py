"""Start N clusters in one process, served by one shared accept loop."""
import os
import selectors
import ssl
import threading

from . import security
from .cluster import Cluster
from .faults import FaultTable, RequestLog
from .handlers import build_routes
from .server import ClusterServer
from .versions import features_for


def make_tls(tls_dir, client_auth):
    """A throwaway CA and server certificate (trustme); writes ca.pem, server and client certs."""
    import trustme  # only TLS runs need it

    os.makedirs(tls_dir, exist_ok=True)
    ca = trustme.CA()
    server_cert = ca.issue_cert("127.0.0.1", "localhost", "::1")
    client_cert = ca.issue_cert("es-ml-simulator-client.local")
    ca.cert_pem.write_to_path(os.path.join(tls_dir, "ca.pem"))
    server_cert.private_key_and_cert_chain_pem.write_to_path(os.path.join(tls_dir, "server.pem"))
    with open(os.path.join(tls_dir, "client.pem"), "wb") as handle:
        handle.write(b"".join(blob.bytes() for blob in client_cert.cert_chain_pems))
    client_cert.private_key_pem.write_to_path(os.path.join(tls_dir, "client.key"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_cert.configure_cert(context)
    if client_auth:
        ca.configure_trust(context)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


class SimCluster:
    def __init__(self, name, url, port, state, server):
        self.name = name
        self.url = url
        self.port = port
        self.state = state            # the Cluster model, for in-process inspection
        self.server = server


class Fleet:
    def __init__(self, clusters, selector):
        self.clusters = clusters
        self._selector = selector
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name="es-ml-simulator-accept", daemon=True)
        self._thread.start()

    def _accept_loop(self):
        # One thread accepts for every cluster; each connection then gets its own thread.
        while not self._stopping.is_set():
            for key, _ in self._selector.select(timeout=0.2):
                server = key.data
                try:
                    request, address = server.get_request()
                except OSError:
                    continue
                server.process_request(request, address)

    def stop(self):
        if self._stopping.is_set():
            return
        self._stopping.set()
        self._thread.join()
        self._selector.close()
        for cluster in self.clusters:
            cluster.server.server_close()
            cluster.server.close_connections()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def start_fleet(clusters=1, host="127.0.0.1", port=0, es_version="8.15.0", delays=None, security=False,
                users=None, tls_dir=None, tls_client_auth=False, seed=None, fault_seed=None):
    """Start `clusters` simulated clusters named sim-1..sim-N on consecutive ports (or free ports
    when port is 0). `users` is a --users file path; `seed` a seed document (dict); `fault_seed`
    seeds each cluster's rate-based faults (cluster sim-K draws from "<fault_seed>/sim-K")."""
    from . import admin

    features = features_for(es_version)
    routes = build_routes(features, security)
    context = make_tls(tls_dir, tls_client_auth) if tls_dir else None
    user_table = (_load_users(users) if security else None)
    scheme = "https" if context is not None else "http"
    selector = selectors.DefaultSelector()
    started = []
    try:
        for index in range(clusters):
            name = "sim-%d" % (index + 1)
            state = Cluster(name, features, delays)
            realm = _realm(user_table)
            faults = FaultTable(None if fault_seed is None else "%s/%s" % (fault_seed, name))
            server = ClusterServer((host, port + index if port else 0), state, routes, realm,
                                   faults, RequestLog(), context)
            bound_port = server.server_address[1]
            url_host = "[%s]" % host if ":" in host else host
            started.append(SimCluster(name, "%s://%s:%d" % (scheme, url_host, bound_port), bound_port, state, server))
            selector.register(server.socket, selectors.EVENT_READ, server)
            if seed:
                admin.load(state, seed)
    except BaseException:
        for cluster in started:
            cluster.server.server_close()
        selector.close()
        raise
    return Fleet(started, selector)


def _load_users(path):
    return security.load_users(path) if path else security.default_users()


def _realm(user_table):
    return security.Realm(user_table) if user_table is not None else None
