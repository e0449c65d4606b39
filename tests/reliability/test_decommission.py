# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The decommissioning playbook (role ml_job_decommission) when a close outlasts its timeout, and
when two runs decommission the same cluster at once."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from es_ml_simulator import start_fleet

from harness import Sim, finish_playbook, opened, start_playbook, summarize

RACE_JOBS = ["race-%d" % n for n in range(1, 7)]


def start_decommission(workdir, url, jobs, **role_vars):
    os.makedirs(workdir)
    inventory = os.path.join(workdir, "inventory.json")
    with open(inventory, "w") as stream:
        json.dump({"all": {"hosts": {"sim-1": {"elasticsearch_hosts": [url]}}}}, stream)
    extra = dict(ml_job_decommission_jobs=jobs, ml_job_decommission_report_dir=os.path.join(workdir, "report"),
                 **role_vars)
    return start_playbook(workdir, "mlops.elasticsearch.decommission", inventory=inventory,
                          extra_args=["-e", json.dumps(extra)])


def read_report(workdir):
    with open(os.path.join(workdir, "report", "report.json")) as stream:
        return json.load(stream)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("decommission"))
    with start_fleet(clusters=1) as stuck_fleet, \
            start_fleet(clusters=1, delays={"close": 0.3, "delete": 0.3}) as race_fleet:
        stuck = Sim(stuck_fleet.clusters[0].url)
        stuck.load([opened("stuck"), opened("other"), opened("keep")])
        stuck.stick_job("stuck")
        race = Sim(race_fleet.clusters[0].url)
        race.load([opened(job_id) for job_id in RACE_JOBS])
        stuck_run = start_decommission(root + "/stuck", stuck.url, ["stuck", "other"],
                                       ml_job_decommission_close_timeout="1s")
        race_runs = [start_decommission(root + "/race-%s" % name, race.url, ["race-*"]) for name in "ab"]
        finished = dict(stuck=finish_playbook(stuck_run), a=finish_playbook(race_runs[0]),
                        b=finish_playbook(race_runs[1]))
        yield dict(root=root, stuck=stuck, race=race, runs=finished)


def test_a_stuck_close_fails_the_cluster_and_its_job_is_not_deleted(runs, record):
    run, sim = runs["runs"]["stuck"], runs["stuck"]
    report = read_report(runs["root"] + "/stuck")
    cluster = report["clusters"][0]
    reason = (cluster.get("failed") or {}).get("reason", "")
    state = dict((job["job_id"], job["state"]) for job in sim.state()["jobs"])
    requests = sim.requests()
    record("Close outlasts `timeout`, then the role", "playbook `mlops.elasticsearch.decommission` on jobs "
           "[stuck, other] with `ml_job_decommission_close_timeout: 1s`; `_stick` on stuck; keep not targeted",
           "rc %s; cluster %s; jobs afterwards: %s" % (run.rc, cluster.get("status"), json.dumps(state, sort_keys=True)),
           reason, summarize([e for e in requests if e["method"] != "GET"]) + ["(%d requests in all)" % len(requests)])
    assert run.rc == 2
    assert cluster["status"] == "failed"
    assert "stuck (closing)" in reason and "1s" in reason
    assert not [e for e in requests if e["method"] == "DELETE"]
    assert state["stuck"] == "closing" and state["keep"] == "opened" and "other" in state
    assert "Traceback" not in run.output


def overlapping(deletes):
    """Whether every successful DELETE of one job began before the first one ended: Elasticsearch
    de-duplicates a delete of a job already being deleted (the second waits and gets the same
    answer, reference 4.2 step 3), so two 200s that overlap are one deletion; a 200 that began
    after another ended would be a second deletion."""
    ok = sorted((e for e in deletes if e["status"] == 200), key=lambda e: e["started"])
    return bool(ok) and all(e["started"] <= ok[0]["ended"] for e in ok[1:])


def note(entries):
    statuses = [e["status"] for e in entries]
    return " (overlapping: one deletion)" if statuses.count(200) > 1 and overlapping(entries) else ""


def test_two_concurrent_runs_both_succeed_and_delete_each_job_once(runs, record):
    run_a, run_b, sim = runs["runs"]["a"], runs["runs"]["b"], runs["race"]
    requests = sim.requests()
    deletes = dict((job_id, [e for e in requests if e["method"] == "DELETE" and e["path"].endswith("/" + job_id)])
                   for job_id in RACE_JOBS)
    reports = [read_report(runs["root"] + "/race-" + name)["clusters"][0] for name in "ab"]
    claimed = [sorted(report["deleted"]) for report in reports]
    record("Two runs at once", "two `ansible-playbook mlops.elasticsearch.decommission` processes started together "
           "on the same cluster, 6 opened jobs `race-*` (close and delete take 0.3 s each)",
           "rc %s and %s; run A reported deleted %s, run B %s (the rest: already_gone; a job in both lists got two "
           "overlapping DELETEs, which Elasticsearch de-duplicates into one deletion); jobs left: %s" % (
               run_a.rc, run_b.rc, claimed[0], claimed[1], sim.job_ids()),
           "", ["%s: DELETE → %s%s" % (job_id, [e["status"] for e in entries], note(entries))
                for job_id, entries in sorted(deletes.items())]
           + ["close requests: %s" % [e["status"] for e in requests if e["path"].endswith("/_close")],
              "(%d requests in all)" % len(requests)])
    assert run_a.rc == 0, run_a.output[-3000:]
    assert run_b.rc == 0, run_b.output[-3000:]
    assert sim.job_ids() == []
    for job_id, entries in deletes.items():
        assert set(e["status"] for e in entries) <= {200, 404}, (job_id, entries)
        assert overlapping(entries), (job_id, entries)
    # Each run accounts for every job (deleted, or already gone). Two DELETEs that overlap both get
    # 200 from Elasticsearch, so both runs may list that job as deleted: the API cannot tell them
    # apart; the request log above shows it was one deletion.
    assert sorted(set(claimed[0] + claimed[1])) == RACE_JOBS
    for report in reports:
        assert report["status"] in ("changed", "ok") and not report["failed"]
        assert sorted(report["deleted"] + report["already_gone"]) == RACE_JOBS
    assert "Traceback" not in run_a.output + run_b.output
