# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make test-runner`: the decommission playbook under ansible-runner, the engine AWX/AAP drive.

A private data directory as AWX writes one (project/ with a playbook that imports
mlops.elasticsearch.decommission, inventory/, env/extravars, env/envvars, env/settings with
process isolation off) is run with the `ansible-runner run` command line against a simulated
fleet of four healthy clusters (built with hacking/demo.py's fleet code). Checked: the artifacts
(status, rc, job events per host, the stats event) and the report the role writes. Then the fleet
is seeded again and run as AWX job slicing runs it: two jobs, each `--limit`ed to its slice of the
inventory, each with its own report; each slice touches only its own clusters.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
import glob
import json
import os
import subprocess
import sys
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "hacking"))

from demo import job, post, start_situations, write_inventory  # noqa: E402  pylint: disable=wrong-import-position

BIN = os.path.dirname(sys.executable)
COLLECTIONS = os.environ.get("ANSIBLE_COLLECTIONS_PATH") or os.path.join(ROOT, "build", "collections")
TARGETS = ["retired", "batch-*"]
# What AWX puts in the project: a playbook importing the collection's (docs/decommissioning.md, AWX).
PROJECT_PLAYBOOK = """---
- name: Decommission
  ansible.builtin.import_playbook: mlops.elasticsearch.decommission
"""
# All healthy; every cluster keeps a job the targets do not match.
SITUATIONS = [
    ("eu-1", "group and pattern", [job("web-errors", "opened", ["retired"], "started"), job("web-latency", "opened", ["retired"]),
                                   job("batch-nightly", "closed"), job("fraud-score", "opened", ["prod"], "started")], {}),
    ("eu-2", "pattern, one closed", [job("batch-hourly", "opened", [], "started"), job("batch-daily", "closed"),
                                     job("fraud-score", "opened", ["prod"], "started")], {}),
    ("us-1", "group", [job("web-errors", "opened", ["retired"], "started"), job("fraud-score", "closed", ["prod"])], {}),
    ("us-2", "nothing targeted but one job", [job("batch-weekly", "opened"), job("fraud-score", "opened", ["prod"], "started")], {}),
]
# AWX job slicing puts inventory host i into slice i % N.
SLICES = [[s[0] for s in SITUATIONS][i::2] for i in range(2)]
# Tasks of the role that call the collection's modules, as job events name their actions.
MODULE_ACTIONS = ("mlops.elasticsearch.ml_job_info", "mlops.elasticsearch.ml_job_close", "mlops.elasticsearch.ml_job_delete")


def targeted(seed):
    return sorted(j["job_id"] for j in seed if "retired" in j["groups"] or fnmatch.fnmatch(j["job_id"], "batch-*"))


EXPECTED = dict((name, targeted(seed)) for name, dummy_what, seed, dummy_extra in SITUATIONS)
SEEDS = dict((name, seed) for name, dummy_what, seed, dummy_extra in SITUATIONS)


def jobs_on(url):
    with urllib.request.urlopen(url + "/_sim/state", timeout=10) as answer:
        return sorted(j["job_id"] for j in json.load(answer)["jobs"])


def reseed(urls):
    for name, url in urls.items():
        post(url + "/_sim/reset", {})
        post(url + "/_sim/load", {"jobs": SEEDS[name]})


@pytest.fixture(scope="module")
def fleet():
    simulated, urls = start_situations(SITUATIONS, security=True)
    try:
        yield urls
    finally:
        simulated.stop()


def private_data_dir(base, urls, report_dir):
    """What AWX hands ansible-runner: project, inventory, extra vars, environment, settings."""
    os.makedirs(os.path.join(base, "project"))
    os.makedirs(os.path.join(base, "env"))
    with open(os.path.join(base, "project", "decommission.yml"), "w") as handle:
        handle.write(PROJECT_PLAYBOOK)
    write_inventory(os.path.join(base, "inventory"), urls, SITUATIONS)
    files = {
        "extravars": {"ml_job_decommission_jobs": TARGETS, "ml_job_decommission_report_dir": report_dir},
        "envvars": {"ANSIBLE_COLLECTIONS_PATH": COLLECTIONS, "ANSIBLE_NOCOLOR": "1"},
        "settings": {"process_isolation": False, "suppress_ansible_output": True},
    }
    for name, content in files.items():
        with open(os.path.join(base, "env", name), "w") as handle:
            json.dump(content, handle)  # JSON is YAML
    return base


def runner(pdd, ident, *args):
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    command = [os.path.join(BIN, "ansible-runner"), "run", pdd, "-p", "decommission.yml", "--ident", ident] + list(args)
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          timeout=120, check=False)
    artifacts = os.path.join(pdd, "artifacts", ident)
    assert os.path.isdir(artifacts), done.stdout
    with open(os.path.join(artifacts, "status")) as handle:
        status = handle.read().strip()
    with open(os.path.join(artifacts, "rc")) as handle:
        rc = int(handle.read().strip())
    events = []
    for path in glob.glob(os.path.join(artifacts, "job_events", "*.json")):
        with open(path) as handle:
            events.append(json.load(handle))
    events.sort(key=lambda e: e["counter"])
    with open(os.path.join(artifacts, "stdout")) as handle:
        stdout = handle.read()
    return {"status": status, "rc": rc, "events": events, "stdout": stdout, "output": done.stdout, "exit": done.returncode}


def read_report(report_dir):
    with open(os.path.join(report_dir, "report.json")) as handle:
        report = json.load(handle)
    with open(os.path.join(report_dir, "report.md")) as handle:
        return report, handle.read()


def check_run(run, hosts, report_dir):
    """A successful run on `hosts`: artifacts, events, stats, report, and the simulators' state."""
    assert (run["status"], run["rc"], run["exit"]) == ("successful", 0, 0), run["stdout"][-3000:]
    events = run["events"]
    assert events[0]["event"] == "playbook_on_start" and events[-1]["event"] == "playbook_on_stats"
    ok = [e["event_data"] for e in events if e["event"] == "runner_on_ok"]
    assert not [e for e in events if e["event"] in ("runner_on_failed", "runner_on_unreachable")]
    for host in hosts:
        actions = set(d.get("resolved_action") for d in ok if d["host"] == host and d.get("role") == "ml_job_decommission")
        wanted = set(["mlops.elasticsearch.ml_job_info"])
        if EXPECTED[host]:
            # One ml_job_delete closes (close_first) and deletes: no ml_job_close.
            wanted.add("mlops.elasticsearch.ml_job_delete")
        assert actions & set(MODULE_ACTIONS) == wanted, (host, actions)
        deleted = [d["res"] for d in ok if d["host"] == host and d.get("resolved_action") == "mlops.elasticsearch.ml_job_delete"]
        assert [sorted(r["deleted"]) for r in deleted] == ([EXPECTED[host]] if EXPECTED[host] else [])
    assert not set(d["host"] for d in ok) - set(hosts) - set(["localhost"]), "a host outside the run"
    stats = events[-1]["event_data"]
    assert set(stats["ok"]) == set(hosts)
    for host in hosts:
        assert bool(stats["changed"].get(host)) == bool(EXPECTED[host]), (host, stats["changed"])
        assert not stats["failures"].get(host) and not stats["dark"].get(host)
    report, markdown = read_report(report_dir)
    assert report["mode"] == "run"
    clusters = dict((c["cluster"], c) for c in report["clusters"])
    assert sorted(clusters) == sorted(hosts)
    for host in hosts:
        assert clusters[host]["status"] == ("changed" if EXPECTED[host] else "ok"), clusters[host]
        assert sorted(clusters[host]["deleted"]) == EXPECTED[host]
        for job_id in EXPECTED[host]:
            assert job_id in markdown
    assert report["totals"]["deleted"] == sum(len(EXPECTED[h]) for h in hosts)
    assert report["totals"]["failed"] == 0
    return report


def test_runner_whole_fleet(fleet, tmp_path):
    pdd = private_data_dir(str(tmp_path / "awx"), fleet, str(tmp_path / "report"))
    run = runner(pdd, "whole")
    check_run(run, [s[0] for s in SITUATIONS], str(tmp_path / "report"))
    for name, url in fleet.items():
        assert jobs_on(url) == sorted(set(j["job_id"] for j in SEEDS[name]) - set(EXPECTED[name])), name


def test_runner_job_slicing(fleet, tmp_path):
    reseed(fleet)
    totals = 0
    for index, hosts in enumerate(SLICES):
        # Each slice is its own AWX job: its own private data directory, and its own report.
        report_dir = str(tmp_path / ("report-slice-%d" % index))
        pdd = private_data_dir(str(tmp_path / ("awx-slice-%d" % index)), fleet, report_dir)
        run = runner(pdd, "slice-%d" % index, "--limit", ",".join(hosts))
        totals += check_run(run, hosts, report_dir)["totals"]["deleted"]
        done = [h for s in SLICES[:index + 1] for h in s]
        for name, url in fleet.items():
            expected = set(j["job_id"] for j in SEEDS[name]) - (set(EXPECTED[name]) if name in done else set())
            assert jobs_on(url) == sorted(expected), (index, name)
    assert totals == sum(len(v) for v in EXPECTED.values())
