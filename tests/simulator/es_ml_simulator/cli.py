"""Command line: `es-ml-simulator [--clusters N] [--port P] ...`, serving until SIGINT/SIGTERM."""
import argparse
import json
import os
import signal
import sys
import tempfile
import threading

from .cluster import DEFAULT_DELAYS
from .fleet import start_fleet
from .versions import parse_version


def parse_delays(text):
    """'close=0.5,delete=0.1' -> {'close': 0.5, 'delete': 0.1}."""
    delays = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = item.partition("=")
        if not sep or name not in DEFAULT_DELAYS:
            raise argparse.ArgumentTypeError("delays are %s, as name=seconds" % ",".join(DEFAULT_DELAYS))
        try:
            delays[name] = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError("delay %s: %r is not a number of seconds" % (name, value)) from None
    return delays


def _version(text):
    try:
        parse_version(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def build_parser():
    parser = argparse.ArgumentParser(prog="es-ml-simulator", description="Simulated Elasticsearch ML clusters.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9200, help="first port; 0 picks free ports")
    parser.add_argument("--clusters", type=int, default=1)
    parser.add_argument("--es-version", type=_version, default="8.15.0")
    parser.add_argument("--delays", type=parse_delays, default={},
                        help="close=S,delete=S,open=S,datafeed_stop=S (defaults %s)"
                        % ",".join("%s=%s" % kv for kv in DEFAULT_DELAYS.items()))
    parser.add_argument("--security", action="store_true", help="require authentication")
    parser.add_argument("--users", help="JSON file of users (implies --security)")
    parser.add_argument("--tls", metavar="DIR", help="serve HTTPS; CA written to DIR/ca.pem")
    parser.add_argument("--tls-client-auth", action="store_true", help="require client certificates")
    parser.add_argument("--ready-file", help="write the cluster list here once listening")
    parser.add_argument("--seed", help="seed document (JSON) loaded into every cluster")
    parser.add_argument("--fault-seed", help="seed of rate-based faults, to replay a chaos run")
    return parser


def write_ready_file(path, clusters):
    """Atomically (temp file + rename) so a watcher never reads half a file."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".ready-")
    with os.fdopen(fd, "w") as handle:
        json.dump({"clusters": [{"name": c.name, "url": c.url} for c in clusters]}, handle)
    os.replace(tmp, path)


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.clusters < 1:
        build_parser().error("--clusters must be at least 1")
    seed = None
    if args.seed:
        with open(args.seed, encoding="utf-8") as handle:
            seed = json.load(handle)
    # Many idle keep-alive connections each hold a thread; a smaller stack keeps that cheap.
    threading.stack_size(512 * 1024)
    fleet = start_fleet(clusters=args.clusters, host=args.host, port=args.port, es_version=args.es_version,
                        delays=args.delays, security=args.security or bool(args.users), users=args.users,
                        tls_dir=args.tls, tls_client_auth=args.tls_client_auth, seed=seed,
                        fault_seed=args.fault_seed)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    for cluster in fleet.clusters:
        print("cluster %s listening on %s" % (cluster.name, cluster.url), flush=True)
    if args.ready_file:
        write_ready_file(args.ready_file, fleet.clusters)
    while not stop.wait(1.0):
        pass
    fleet.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
