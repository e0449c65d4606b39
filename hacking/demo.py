"""`make demo`: decommission ML jobs across a small simulated fleet, show the report, restore one cluster.

Starts four simulated Elasticsearch clusters in this process (es-ml-simulator), each in a
different situation, writes an inventory of them to a temporary directory, runs the playbook
`mlops.elasticsearch.decommission` once in check mode (the fleet's plan) and once for real, prints
the Markdown report of each run, then restores one cluster from the campaign's backups with the
playbook `mlops.elasticsearch.deploy` (`--limit`), prints the restore's report, and stops the fleet.
The directory (inventory, reports, backups of the deleted jobs' configurations, ansible-playbook
logs) is kept and its path printed.

Needs the simulator package and ansible-core in the running Python, and the collection reachable
through ANSIBLE_COLLECTIONS_PATH (the Makefile sets both up; see `make demo`).
"""
import json
import os
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

from es_ml_simulator import start_fleet

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGETS = ["retired", "batch-*", "web-errors"]
# The cluster the demo restores at the end: its jobs back in the states they had.
RESTORED = "prod-eu"


def job(job_id, state, groups=(), datafeed=None):
    return {"job_id": job_id, "state": state, "groups": list(groups),
            "datafeed": {"datafeed_id": "datafeed-" + job_id, "state": datafeed} if datafeed else None}


# name -> (what it shows, seed, extra inventory variables); None as seed: no cluster listens.
SITUATIONS = [
    ("prod-eu", "opened jobs with started datafeeds, matched by group, pattern and id; one job kept",
     [job("web-errors", "opened", ["retired"], "started"), job("web-latency", "opened", ["retired"], "started"),
      job("batch-nightly", "closed"), job("batch-hourly", "opened", [], "started"),
      job("fraud-score", "opened", ["prod"], "started")], {}),
    ("prod-us", "a failed job (force is set for this cluster only) and a job closing (it may finish first)",
     [job("web-errors", "failed", ["retired"], "stopped"), job("batch-nightly", "closing"),
      job("fraud-score", "opened", ["prod"], "started")], {"ml_job_decommission_force": True}),
    ("staging", "the user lacks manage_ml: the cluster is reported and left untouched",
     [job("web-errors", "opened", ["retired"], "started"), job("fraud-score", "opened", ["prod"], "started")],
     {"elasticsearch_username": "ml_viewer"}),
    ("legacy", "unreachable: nothing listens at its URL", None,
     {"elasticsearch_hosts": "http://127.0.0.1:1", "elasticsearch_retries": 1}),
]


def post(url, document, ca_path=None):
    request = urllib.request.Request(url, data=json.dumps(document).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    context = ssl.create_default_context(cafile=ca_path) if ca_path else None
    with urllib.request.urlopen(request, timeout=10, context=context) as answer:
        return json.load(answer)


def start_situations(situations, **fleet_options):
    """One simulated cluster per situation that has a seed, loaded with it: (fleet, {name: url}).

    Also used by tests/runner and tests/docs, which build their fleets the same way."""
    simulated = [s for s in situations if s[2] is not None]
    fleet = start_fleet(clusters=len(simulated), port=0, **fleet_options)
    try:
        urls = {}
        for (name, dummy_what, seed, dummy_extra), cluster in zip(simulated, fleet.clusters):
            post(cluster.url + "/_sim/load", {"jobs": seed},
                 os.path.join(fleet_options["tls_dir"], "ca.pem") if fleet_options.get("tls_dir") else None)
            urls[name] = cluster.url
    except BaseException:
        fleet.stop()
        raise
    return fleet, urls


def write_inventory(directory, urls, situations=None):
    """An inventory as a real fleet would have it: one host per cluster, connection in group_vars."""
    os.makedirs(os.path.join(directory, "group_vars"))
    hosts = {}
    for name, dummy_what, dummy_seed, extra in situations or SITUATIONS:
        hosts[name] = dict({"elasticsearch_hosts": urls.get(name)}, **extra)
    with open(os.path.join(directory, "hosts.yml"), "w") as handle:
        json.dump({"clusters": {"hosts": hosts}}, handle, indent=2)  # JSON is YAML
    with open(os.path.join(directory, "group_vars", "clusters.yml"), "w") as handle:
        handle.write("---\n# In a real fleet: the password from ansible-vault, e.g. \"{{ vault_es_password }}\"\n"
                     "elasticsearch_username: elastic\nelasticsearch_password: changeme\n")


def reseed_closing(urls):
    """Closing lasts the simulator's close delay (2 s): put those jobs back into closing before a run."""
    for name, dummy_what, seed, dummy_extra in SITUATIONS:
        closing = [j for j in seed or [] if j["state"] == "closing"]
        if closing:
            post(urls[name] + "/_sim/load", {"jobs": closing})


def run_playbook(workdir, inventory, check, log_name, playbook="decommission", extra=None, options=()):
    """``playbook`` with the decommission's variables (or ``extra``); prints its recap and report."""
    extra = extra or {"ml_job_decommission_jobs": TARGETS, "ml_job_decommission_report_dir": os.path.join(workdir, "report")}
    report_dir = extra.get("ml_job_decommission_report_dir") or extra["ml_job_deploy_report_dir"]
    env = dict(os.environ)
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", os.path.join(REPO, "build", "collections"))
    env.setdefault("ANSIBLE_NOCOLOR", "1")
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "mlops.elasticsearch." + playbook,
               "-i", inventory, "-e", json.dumps(extra)] + list(options)
    if check:
        command.append("--check")
    started = time.monotonic()
    with open(os.path.join(workdir, log_name), "w") as log:
        code = subprocess.call(command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    elapsed = time.monotonic() - started
    with open(os.path.join(workdir, log_name)) as log:
        recap = log.read().partition("PLAY RECAP")[2].strip().splitlines()[1:]
    print("$ ansible-playbook mlops.elasticsearch.%s -i %s -e ...%s" % (
        playbook, inventory, "".join(" " + option for option in options) + (" --check" if check else "")))
    print("  exit code %d in %.1f s%s; recap:" % (
        code, elapsed, " (2: some clusters failed, as this demo intends)" if playbook == "decommission" else ""))
    for line in recap:
        print("   ", " ".join(line.split()))
    report = os.path.join(report_dir, "report.md")
    if not os.path.exists(report):
        sys.exit("no report was written; see %s" % os.path.join(workdir, log_name))
    with open(report) as handle:
        print("\n" + handle.read())
    return code


def main():
    workdir = tempfile.mkdtemp(prefix="ml-decommission-demo-")
    fleet, urls = start_situations(SITUATIONS, security=True, delays={"close": 2.0, "delete": 0.05})
    try:
        inventory = os.path.join(workdir, "inventory")
        write_inventory(inventory, urls)
        print("A simulated fleet of %d clusters; targets %s:" % (len(SITUATIONS), ", ".join(TARGETS)))
        for name, what, dummy_seed, dummy_extra in SITUATIONS:
            print("  %-8s %-24s %s" % (name, urls.get(name, "http://127.0.0.1:1"), what))
        print("Work directory: %s\n" % workdir)
        print("=" * 30 + " 1. check mode: the plan " + "=" * 30)
        reseed_closing(urls)
        run_playbook(workdir, inventory, True, "check.log")
        print("=" * 30 + " 2. the real run " + "=" * 30)
        reseed_closing(urls)
        code = run_playbook(workdir, inventory, False, "run.log")
        print("=" * 30 + " 3. restore %s from the campaign's backups " % RESTORED + "=" * 30)
        restored = run_playbook(workdir, inventory, False, "restore.log", "deploy", {
            "ml_job_deploy_definitions": os.path.join(workdir, "report", "backups"),
            "ml_job_deploy_report_dir": os.path.join(workdir, "restore")}, ["--limit", RESTORED])
    finally:
        fleet.stop()
    print("Reports, backups and logs are in %s" % workdir)
    # The campaign's failed clusters are the demo's (exit code 2); the restore of prod-eu must succeed.
    return code if code not in (0, 2) else restored


if __name__ == "__main__":
    sys.exit(main())
