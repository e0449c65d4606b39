# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The decommissioning playbook (role ml_job_decommission) as its users meet it: check mode and
--diff, warnings, refusals, a missing variable, Ctrl-C during the deletes and the rerun after it,
a close that outlasts its timeout, and two runs decommissioning the same cluster at once."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import signal
import time

import pytest

from es_ml_simulator import start_fleet

from harness import Sim, closed, finish_playbook, opened, start_playbook, summarize

RACE_JOBS = ["race-%d" % n for n in range(1, 7)]
SLOW_JOBS = ["slow-%02d" % n for n in range(12)]


def start_decommission(workdir, url, jobs, clusters=None, playbook_args=(), session=False, **role_vars):
    """The playbook on one cluster ``sim-1`` at ``url``, or on ``clusters`` (name -> url); ``jobs``
    None leaves ml_job_decommission_jobs unset. The report directory is ``<workdir>/report``."""
    if not os.path.isdir(workdir):
        os.makedirs(workdir)
    inventory = os.path.join(workdir, "inventory.json")
    hosts = dict((name, {"elasticsearch_hosts": [address]}) for name, address in (clusters or {"sim-1": url}).items())
    with open(inventory, "w") as stream:
        json.dump({"all": {"hosts": hosts}}, stream)
    extra = dict(ml_job_decommission_report_dir=os.path.join(workdir, "report"), **role_vars)
    if jobs is not None:
        extra["ml_job_decommission_jobs"] = jobs
    return start_playbook(workdir, "mlops.elasticsearch.decommission", inventory=inventory,
                          extra_args=["-e", json.dumps(extra)] + list(playbook_args), session=session)


def recap(run):
    """host -> {ok, changed, failed, ...} from the PLAY RECAP."""
    counts = {}
    for host, fields in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", run.stdout, re.M):
        counts[host] = dict((key, int(value)) for key, value in re.findall(r"(\w+)=(\d+)", fields))
    return counts


def mutations(sim):
    return [e for e in sim.requests() if e["method"] != "GET"]


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
           "[stuck, other] with `ml_job_decommission_close_timeout: 1s`; `_stick` on stuck; keep not targeted; "
           "the job that closed in time is deleted, the stuck one is not",
           "rc %s; cluster %s; jobs afterwards: %s" % (run.rc, cluster.get("status"), json.dumps(state, sort_keys=True)),
           reason, summarize([e for e in requests if e["method"] != "GET"]) + ["(%d requests in all)" % len(requests)])
    assert run.rc == 2
    assert cluster["status"] == "failed"
    assert "stuck (closing)" in reason and "1s" in reason
    # The job that closed in time is deleted; the stuck one never is.
    assert [e["path"] for e in requests if e["method"] == "DELETE"] == ["/_ml/anomaly_detectors/other"]
    assert cluster["deleted"] == ["other"]
    assert state["stuck"] == "closing" and state["keep"] == "opened" and "other" not in state
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


# ---- what an operator sees -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def operator_runs(tmp_path_factory):
    """On two clusters (one with jobs to retire, one where the targets match nothing): a check run with
    --diff, the real run, an idempotent rerun; a cluster refused by its pre-flight; no targets."""
    root = str(tmp_path_factory.mktemp("operator"))
    with start_fleet(clusters=3) as fleet:
        change, nothing, refused = (Sim(cluster.url) for cluster in fleet.clusters)
        change.load([opened("web-errors", groups=["retired"]), closed("web-latency", groups=["retired"]),
                     opened("keep")])
        nothing.load([opened("keep")])
        refused.load([opened("web-errors", groups=["retired"]), dict(opened("broken", datafeed=False), state="failed",
                                                                     groups=["retired"])])
        clusters = {"change": change.url, "nothing": nothing.url}
        runs = {}
        for name, args in (("check", ["--check", "--diff"]), ("real", []), ("again", [])):
            runs[name] = finish_playbook(start_decommission(root + "/fleet", None, ["retired"], clusters=clusters,
                                                            playbook_args=args))
            if name == "check":
                runs["check_mutations"] = mutations(change) + mutations(nothing)
        runs["refused"] = finish_playbook(start_decommission(root + "/refused", refused.url, ["retired"]))
        runs["unset"] = finish_playbook(start_decommission(root + "/unset", refused.url, None))
        runs["refused_state"] = refused.job_ids()
        yield runs


def test_check_mode_reports_changed_and_a_diff_where_a_real_run_changes(operator_runs, record):
    check, real = operator_runs["check"], operator_runs["real"]
    check_recap, real_recap = recap(check), recap(real)
    record("Check mode and --diff", "`--check --diff` on two clusters, `change` (an opened and a closed job of group "
           "retired) and `nothing` (no job of the group), then the real run",
           "check recap changed: change=%s nothing=%s; real recap changed: change=%s nothing=%s"
           % (check_recap["change"]["changed"], check_recap["nothing"]["changed"],
              real_recap["change"]["changed"], real_recap["nothing"]["changed"]),
           "", summarize(operator_runs["check_mutations"]) or ["(GET requests only)"])
    assert check.rc == 0 and real.rc == 0, check.output[-3000:] + real.output[-3000:]
    assert operator_runs["check_mutations"] == []
    assert check_recap["change"]["changed"] >= 1 and check_recap["nothing"]["changed"] == 0
    assert real_recap["change"]["changed"] >= 1 and real_recap["nothing"]["changed"] == 0
    # The diff names each job with its states before, and none after: both would be deleted.
    diff = check.stdout[check.stdout.index("Close and delete the targeted jobs"):]
    diff = diff[:diff.index("changed: [change]")]
    assert re.search(r'-\s+"web-errors": \{\s+-\s+"datafeed_state": "started",\s+-\s+"state": "opened"', diff), diff
    assert re.search(r'-\s+"web-latency": \{\s+-\s+"datafeed_state": null,\s+-\s+"state": "closed"', diff), diff
    assert re.search(r'\+\s+"jobs": \{\}', diff), diff


def test_normal_runs_print_no_warning(operator_runs, record):
    outputs = dict((name, operator_runs[name].output) for name in ("check", "real", "again"))
    warnings = dict((name, re.findall(r"\[WARNING\].*", text)) for name, text in outputs.items())
    record("Warnings in normal runs", "the check run, the real run and the idempotent rerun above",
           "; ".join("%s: %d warnings" % (name, len(found)) for name, found in warnings.items()))
    assert warnings == {"check": [], "real": [], "again": []}
    assert recap(operator_runs["again"])["change"]["changed"] == 0


def test_a_preflight_refusal_says_its_reason_in_one_line(operator_runs, record):
    run = operator_runs["refused"]
    fatal = [line for line in run.stdout.splitlines() if line.startswith("fatal:")]
    record("A pre-flight refusal", "targets `retired` on a cluster with a failed job of the group, no force",
           "rc %s; %d fatal lines, the first %d characters long" % (run.rc, len(fatal), len(fatal[0]) if fatal else 0),
           fatal[0] if fatal else "")
    assert run.rc == 2
    assert "Unknown error" not in run.output and "Traceback" not in run.output
    assert len(fatal) == 2, fatal  # the refusal (rescued), then the host marked failed at the end
    assert all(len(line) < 600 for line in fatal), fatal
    assert "job [broken] has state failed" in fatal[0] and "force" in fatal[0]
    assert operator_runs["refused_state"] == ["broken", "web-errors"]


def test_a_missing_target_variable_is_one_line_with_an_example(operator_runs, record):
    run = operator_runs["unset"]
    fatal = [line for line in run.stdout.splitlines() if line.startswith("fatal:")]
    record("No targets given", "the playbook without `ml_job_decommission_jobs`", "rc %s" % run.rc,
           fatal[0] if fatal else "")
    assert run.rc == 2
    assert len(fatal) == 1 and len(fatal[0]) < 400, fatal
    assert "ml_job_decommission_jobs is not set" in fatal[0] and "e.g. -e" in fatal[0]
    assert "argument_spec_data" not in run.output


# ---- Ctrl-C ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def interrupted(tmp_path_factory):
    """12 closed jobs, deletes 2 at a time, each taking 1 s on the server; SIGINT to the playbook's
    process group (what Ctrl-C in a terminal sends) 1.5 s after the first delete; then an immediate
    rerun while the deletes already sent are still running."""
    root = str(tmp_path_factory.mktemp("interrupt"))
    with start_fleet(clusters=1, delays={"delete": 1.0}) as fleet:
        sim = Sim(fleet.clusters[0].url)
        sim.load([closed(job_id) for job_id in SLOW_JOBS])
        process = start_decommission(root, sim.url, ["slow-*"], session=True,
                                     ml_job_decommission_delete_concurrency=2)
        deadline = time.time() + 60
        while not [e for e in sim.requests() if e["method"] == "DELETE"] and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(1.5)
        stopped_at = time.time()
        os.killpg(process.pid, signal.SIGINT)
        first = finish_playbook(process)
        rerun_at = time.time()
        rerun = finish_playbook(start_decommission(root, sim.url, ["slow-*"]))
        yield dict(first=first, rerun=rerun, stopped_at=stopped_at, rerun_at=rerun_at, requests=sim.requests(),
                   left=sim.job_ids(), report=read_report(root))


def test_an_interrupt_sends_no_new_delete_and_a_rerun_finishes_the_work(interrupted, record):
    first, rerun, report = interrupted["first"], interrupted["rerun"], interrupted["report"]
    deletes = [e for e in interrupted["requests"] if e["method"] == "DELETE"]
    # The rerun sends its own deletes: count only the first run's, those before the rerun began.
    first_run = [e for e in deletes if e["started"] < interrupted["rerun_at"]]
    late = [e for e in first_run if e["started"] > interrupted["stopped_at"]]
    cluster = report["clusters"][0]
    record("Ctrl-C during the deletes, then a rerun", "12 jobs, 2 deletes at a time of 1 s each; SIGINT to the "
           "playbook's process group 1.5 s after the first delete; the same command again at once",
           "first run rc %s, %d deletes sent, %d after the interrupt; rerun rc %s, status %s, deleted %d, done "
           "earlier %d; jobs left %s" % (
               first.rc, len(first_run), len(late), rerun.rc, cluster["status"], len(cluster["deleted"]),
               len(cluster["earlier_runs"]["deleted"]), interrupted["left"]))
    assert first.rc != 0
    assert late == [], late
    assert len(first_run) < len(SLOW_JOBS)
    assert rerun.rc == 0, rerun.output[-3000:]
    assert interrupted["left"] == []
    # What the interrupted run deleted (or was still deleting when the rerun read the cluster) is
    # "done earlier", with its backup; the rest is this run's.
    earlier = cluster["earlier_runs"]["deleted"]
    assert sorted(earlier + cluster["deleted"]) == SLOW_JOBS
    assert len(earlier) == len(first_run) and report["totals"]["deleted_in_earlier_runs"] == len(earlier)
    assert cluster["already_gone"] == []
    assert sorted(cluster["backups"]) == SLOW_JOBS
