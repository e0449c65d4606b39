"""make test-live: the integration targets against a live cluster, through the live proxy.

    python tests/simulator/tests/live_targets.py --venv .venv --python 3.11 [TARGET ...]

The cluster is ES_URL (ES_USER and ES_PASSWORD, or ES_API_KEY; ES_CA_PATH for its CA), or else a
simulator started here (ES_SIM_VERSION, default 8.15.0; with security) and treated as a real
cluster. The targets reach it through liveproxy.py, under the job-id prefix integration-<random>-.

ansible-test passes no environment variable to the targets, so the cluster is handed over as the
es_live variable of tests/integration/integration_config.yml, written into a copy of the
collection (build/ansible-test-live; the working tree is never touched), from which ansible-test
integration --local runs. es_sim's action plugin gives es_live to every es_sim task.

Afterwards: what live mode skipped and why, how many requests went to the cluster, and a failure
if any of them was under /_sim; every job, datafeed, index and user of the run is removed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys

import yaml

from livecluster import LiveCluster

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
COPY = os.path.join(ROOT, "build", "ansible-test-live")
SIM_USER, SIM_PASSWORD = "elastic", "changeme"


def start_cluster():
    """The cluster of the run, and a function that stops what was started for it."""
    url = os.environ.get("ES_URL")
    session_id = "integration-" + os.urandom(3).hex()
    if url:
        return LiveCluster(url, os.environ.get("ES_USER"), os.environ.get("ES_PASSWORD"),
                           os.environ.get("ES_API_KEY"), os.environ.get("ES_CA_PATH"), session_id=session_id), None
    from es_ml_simulator import start_fleet

    fleet = start_fleet(clusters=1, es_version=os.environ.get("ES_SIM_VERSION", "8.15.0"), security=True)
    return LiveCluster(fleet.clusters[0].url, SIM_USER, SIM_PASSWORD, session_id=session_id), fleet.stop


def copy_collection(live, report):
    """The collection as ansible-test sees it, with the live cluster in integration_config.yml."""
    dest = os.path.join(COPY, "ansible_collections", "mlops", "elasticsearch")
    subprocess.run([os.path.join(ROOT, ".ci", "copy-collection"), dest], check=True)
    config = {"es_live": {"url": live.proxy.url, "version": live.version, "security": live.security,
                          "namespace": live.proxy.namespace.prefix, "report": report}}
    with open(os.path.join(dest, "tests", "integration", "integration_config.yml"), "w", encoding="utf-8") as f:
        f.write("# Written by tests/simulator/tests/live_targets.py for this run only.\n")
        yaml.safe_dump(config, f)
    return dest


def run_targets(dest, venv, python, targets):
    env = dict(os.environ, PATH=os.path.join(venv, "bin") + os.pathsep + os.environ["PATH"])
    command = [os.path.join(venv, "bin", "ansible-test"), "integration", "--local", "--python", python,
               "--color", "no"] + targets
    return subprocess.run(command, cwd=dest, env=env, check=False).returncode


def remove_users(live):
    """Users es_sim created (with --security) and did not remove, e.g. after a failed target."""
    if not live.security:
        return
    users = live.call("GET", "/_security/user").json()
    for name in users:
        if name.startswith(live.proxy.namespace.prefix):
            live.call("DELETE", "/_security/user/" + name, expect=(200, 404))


def print_summary(live, report):
    skips = []
    if os.path.exists(report):
        with open(report, encoding="utf-8") as f:
            skips = [json.loads(line) for line in f if line.strip()]
    summary = live.proxy.summary()
    print("\n==== live mode: cluster %s, Elasticsearch %s, security %s; job ids under %s*"
          % (live.upstream.url, live.version, "on" if live.security else "off", live.proxy.namespace.prefix))
    print("skipped in live mode (%d):" % len(skips))
    for skip in skips:
        # tasks/... of the target, not the temporary copy ansible-test ran it from
        where = re.sub(r".*/tests/integration/targets/", "", skip.get("task") or skip["action"])
        print("  - %s: %s" % (where, skip["reason"]))
    print("%d requests forwarded to the cluster (%d of them set-up and inspection by es_sim or this harness), "
          "%d under /_sim" % (summary["forwarded"], summary["setup_requests"], len(summary["sim_requests"])))
    for request in summary["sim_requests"]:
        print("FAILED: sent to the simulator's admin API in live mode: " + request)
    return not summary["sim_requests"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", required=True, help="the virtual environment with ansible-test")
    parser.add_argument("--python", required=True, help="X.Y, for ansible-test --python")
    parser.add_argument("targets", nargs="*", help="targets to run (default: all)")
    args = parser.parse_args()
    live, stop_simulator = start_cluster()
    report = os.path.join(COPY, "live-skips.jsonl")
    try:
        os.makedirs(COPY, exist_ok=True)
        if os.path.exists(report):
            os.remove(report)
        dest = copy_collection(live, report)
        status = run_targets(dest, os.path.abspath(args.venv), args.python, args.targets)
        clean = print_summary(live, report)
    finally:
        live.sweep()
        remove_users(live)
        live.remove_indices()
        live.close()
        if stop_simulator:
            stop_simulator()
    return status or (0 if clean else 1)


if __name__ == "__main__":
    sys.exit(main())
