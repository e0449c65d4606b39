# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ml_datafeed_start main() against scripted HTTP exchanges."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mlops.elasticsearch.plugins.modules import ml_datafeed_start
from ansible_collections.mlops.elasticsearch.tests.unit.utils import es
from ansible_collections.mlops.elasticsearch.tests.unit.utils.scripted_http import Call

START = "/_ml/datafeeds/%s/_start"


def start_call(datafeed_id, node="n1", status=200, reply=None, **params):
    params.setdefault("timeout", "20s")
    reply = {"started": True, "node": node} if reply is None else reply
    return Call("POST", START % datafeed_id, params=params, reply=reply, status=status)


def reads(expr, *jobs, **kwargs):
    """GET /, the job reads and the datafeeds' stats; ``jobs`` are (job_id, job state, datafeed state or None,
    job has a node)."""
    docs, stats, feeds = [], [], []
    for job_id, state, datafeed_state, node in jobs:
        docs.append(es.job_doc(job_id, datafeed_id="datafeed-" + job_id if datafeed_state else None))
        stats.append(es.job_stats(job_id, state, node=node))
        if datafeed_state:
            feeds.append(es.datafeed_stats("datafeed-" + job_id, datafeed_state))
    calls = [es.get_root()] + es.read_calls(expr, docs, stats)
    if feeds:
        calls.append(Call("GET", "/_ml/datafeeds/%s/_stats" % ",".join(f["datafeed_id"] for f in feeds),
                          reply=es.datafeed_stats_page(*feeds)))
    return calls


def test_the_datafeed_of_an_opened_job_is_started(run):
    run.http.expect(*reads("web-1*", ("web-1", "opened", "stopped", True)))
    run.http.expect(start_call("datafeed-web-1"))
    result = run.ok(ml_datafeed_start, {"job_id": "web-1", "_ansible_diff": True})
    assert (result["changed"], result["started"], result["already_started"]) == (True, ["datafeed-web-1"], [])
    assert result["datafeeds"] == [dict(datafeed_id="datafeed-web-1", job_id="web-1", job_state="opened",
                                        state_before="stopped", state="started", action="started")]
    assert result["diff"]["after"] == {"datafeeds": {"datafeed-web-1": {"state": "started"}}}


def test_a_started_datafeed_is_ok_and_nothing_is_posted(run):
    run.http.expect(*reads("web-1*", ("web-1", "opened", "started", True)))
    result = run.ok(ml_datafeed_start, {"job_id": "web-1"})
    assert (result["changed"], result["already_started"]) == (False, ["datafeed-web-1"])
    assert "POST" not in run.http.methods


def test_named_by_datafeed_id(run):
    docs = [es.job_doc("web-1", datafeed_id="datafeed-web-1"), es.job_doc("web-2", datafeed_id="datafeed-web-2"),
            es.job_doc("db", datafeed_id="datafeed-db")]
    stats = [es.job_stats(j, "opened") for j in ("web-1", "web-2", "db")]
    run.http.expect(es.get_root(), *es.read_calls("_all", docs, stats))
    run.http.expect(Call("GET", "/_ml/datafeeds/datafeed-web-1,datafeed-web-2,datafeed-db/_stats",
                         reply=es.datafeed_stats_page(*[es.datafeed_stats(d, "stopped") for d in (
                             "datafeed-web-1", "datafeed-web-2", "datafeed-db")])))
    run.http.expect(start_call("datafeed-web-2"))
    result = run.ok(ml_datafeed_start, {"datafeed_id": ["datafeed-web-*"], "exclude": ["datafeed-web-1"]})
    assert result["started"] == ["datafeed-web-2"]


def test_an_unknown_datafeed_id_fails_with_the_servers_wording(run):
    run.http.expect(es.get_root(), *es.read_calls("_all", [], []))
    result = run.fails(ml_datafeed_start, {"datafeed_id": "datafeed-ghost"})
    assert "No datafeed with id [datafeed-ghost] exists; set ignore_missing=true" in result["msg"]


def test_a_datafeed_of_a_closed_job_is_refused(run):
    run.http.expect(*reads("web-*", ("web-1", "opened", "stopped", True), ("web-2", "closed", "stopped", False)))
    result = run.fails(ml_datafeed_start, {"job_id": "web-*"})
    assert ("cannot start datafeed [datafeed-web-2] because job [web-2] is closed; open the job first "
            "(mlops.elasticsearch.ml_job_open)") in result["msg"]
    assert [d["action"] for d in result["datafeeds"]] == ["skipped", "refused"]
    assert "POST" not in run.http.methods


def test_a_job_waiting_for_a_node_gets_its_datafeed_started_lazily(run):
    run.http.expect(*reads("web-1*", ("web-1", "opening", "stopped", False)))
    slow = es.error(408, "status_exception", "Starting datafeed [datafeed-web-1] timed out after [20s]")
    run.http.expect(start_call("datafeed-web-1", status=408, reply=slow))
    result = run.ok(ml_datafeed_start, {"job_id": "web-1"})
    assert (result["changed"], result["starting"], result["datafeeds"][0]["state"]) == (
        True, ["datafeed-web-1"], "starting")


def test_an_empty_node_in_the_answer_is_a_lazy_start(run):
    run.http.expect(*reads("web-1*", ("web-1", "opening", "stopped", False)))
    run.http.expect(start_call("datafeed-web-1", node=""))
    result = run.ok(ml_datafeed_start, {"job_id": "web-1"})
    assert result["datafeeds"][0]["action"] == "started_lazily"


def test_a_start_that_times_out_on_an_opened_job_fails(run):
    run.http.expect(*reads("web-1*", ("web-1", "opened", "stopped", True)))
    slow = es.error(408, "status_exception", "Starting datafeed [datafeed-web-1] timed out after [20s]")
    run.http.expect(start_call("datafeed-web-1", status=408, reply=slow))
    result = run.fails(ml_datafeed_start, {"job_id": "web-1"})
    assert "timed out after [20s]" in result["msg"] and result["datafeeds"][0]["action"] == "timed_out"


def test_a_409_because_someone_started_it_meanwhile_is_ok(run):
    run.http.expect(*reads("web-1*", ("web-1", "opened", "stopped", True)))
    conflict = es.error(409, "status_exception", "cannot start datafeed [datafeed-web-1] because it has already been "
                        "started")
    run.http.expect(start_call("datafeed-web-1", status=409, reply=conflict),
                    Call("GET", "/_ml/datafeeds/datafeed-web-1/_stats",
                         reply=es.datafeed_stats_page(es.datafeed_stats("datafeed-web-1", "started"))))
    result = run.ok(ml_datafeed_start, {"job_id": "web-1"})
    assert (result["changed"], result["already_started"]) == (False, ["datafeed-web-1"])


def test_start_and_end_are_sent(run):
    run.http.expect(*reads("web-1*", ("web-1", "opened", "stopped", True)))
    run.http.expect(start_call("datafeed-web-1", start="now-1d", end="now", timeout="1m"))
    run.ok(ml_datafeed_start, {"job_id": "web-1", "start": "now-1d", "end": "now", "timeout": "1m"})


def test_jobs_without_a_datafeed_are_listed(run):
    run.http.expect(*reads("web-*", ("web-1", "opened", None, True)))
    result = run.ok(ml_datafeed_start, {"job_id": "web-*"})
    assert (result["changed"], result["datafeeds"], result["without_datafeed"]) == (False, [], ["web-1"])


def test_check_mode_sends_reads_only(run):
    run.http.expect(*reads("web-1*", ("web-1", "opened", "stopped", True)))
    result = run.ok(ml_datafeed_start, {"job_id": "web-1", "_ansible_check_mode": True})
    assert (result["changed"], result["started"]) == (True, ["datafeed-web-1"])
    assert set(run.http.methods) == {"GET"}


def test_naming_both_or_neither_fails_before_any_request(run):
    result = run.fails(ml_datafeed_start, {"job_id": "a", "datafeed_id": "b"})
    assert "by datafeed_id or by their jobs' job_id" in result["msg"] and run.http.calls == []
