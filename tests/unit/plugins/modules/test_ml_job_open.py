# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ml_job_open main() against scripted HTTP exchanges."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mlops.elasticsearch.plugins.modules import ml_job_open
from ansible_collections.mlops.elasticsearch.tests.unit.utils import es
from ansible_collections.mlops.elasticsearch.tests.unit.utils.scripted_http import Call

OPEN = "/_ml/anomaly_detectors/%s/_open"
STATS = "/_ml/anomaly_detectors/%s/_stats"


def open_call(job_id, node="n1", status=200, reply=None, timeout="30m"):
    reply = {"opened": True, "node": node} if reply is None else reply
    return Call("POST", OPEN % job_id, params={"timeout": timeout}, reply=reply, status=status)


def stats_call(job_id, state, node=True):
    return Call("GET", STATS % job_id, params={"allow_no_match": "true"},
                reply=es.stats_page(es.job_stats(job_id, state, node=node)))


def reads(expr, *jobs, **kwargs):
    """GET / and the job reads; ``jobs`` are (job_id, state) or (job_id, state, node)."""
    version = kwargs.get("version", "8.15.0")
    docs = [es.job_doc(j[0], version=version) for j in jobs]
    stats = [es.job_stats(j[0], j[1], node=j[2] if len(j) > 2 else True) for j in jobs]
    return [es.get_root(version)] + es.read_calls(expr, docs, stats)


def test_a_closed_job_is_opened(run):
    run.http.expect(*reads("web-1*", ("web-1", "closed")))
    run.http.expect(open_call("web-1"))
    result = run.ok(ml_job_open, {"job_id": "web-1", "_ansible_diff": True})
    assert (result["changed"], result["opened"], result["opening"]) == (True, ["web-1"], [])
    assert result["jobs"] == [dict(job_id="web-1", state_before="closed", state="opened", action="opened")]
    assert result["diff"] == {"before": {"jobs": {"web-1": {"state": "closed"}}},
                              "after": {"jobs": {"web-1": {"state": "opened"}}}}
    # The server holds the open up to timeout: the read timeout covers it.
    assert run.http.calls[-1].timeout == (30.0, 1800.0 + 30.0)


def test_an_opened_job_is_ok_and_nothing_is_posted(run):
    run.http.expect(*reads("web-1*", ("web-1", "opened")))
    result = run.ok(ml_job_open, {"job_id": "web-1"})
    assert (result["changed"], result["already_opened"]) == (False, ["web-1"])
    assert "POST" not in run.http.methods


def test_a_lazy_open_is_reported_as_opening(run):
    run.http.expect(*reads("web-1*", ("web-1", "closed")))
    run.http.expect(open_call("web-1", node=""))
    result = run.ok(ml_job_open, {"job_id": "web-1"})
    assert (result["changed"], result["opened"], result["opening"]) == (True, [], ["web-1"])
    assert result["jobs"][0]["action"] == "opened_lazily" and result["jobs"][0]["state"] == "opening"


def test_a_job_waiting_for_a_node_is_left_as_it_is(run):
    run.http.expect(*reads("web-1*", ("web-1", "opening", False)))
    result = run.ok(ml_job_open, {"job_id": "web-1"})
    assert (result["changed"], result["opening"], result["jobs"][0]["action"]) == (False, ["web-1"], "awaiting_node")
    assert "POST" not in run.http.methods


def test_a_job_opening_on_a_node_is_waited_for(run):
    run.http.expect(*reads("web-1*", ("web-1", "opening")))
    run.http.expect(stats_call("web-1", "opening"), stats_call("web-1", "opened"))
    result = run.ok(ml_job_open, {"job_id": "web-1"})
    assert (result["changed"], result["already_opened"], result["jobs"][0]["action"]) == (
        False, ["web-1"], "waited_for_open")


def test_a_closing_job_is_waited_for_then_opened(run):
    run.http.expect(*reads("web-1*", ("web-1", "closing")))
    run.http.expect(stats_call("web-1", "closed"), open_call("web-1"))
    result = run.ok(ml_job_open, {"job_id": "web-1"})
    assert (result["changed"], result["opened"]) == (True, ["web-1"])


def test_a_failed_job_is_refused_before_anything_is_opened(run):
    run.http.expect(*reads("web-*", ("web-1", "closed"), ("web-2", "failed")))
    result = run.fails(ml_job_open, {"job_id": "web-*"})
    assert result["msg"].startswith("Failed to open jobs: job [web-2] has state failed; Elasticsearch refuses to open "
                                    "it (Cannot open job [web-2] because it has already been opened). Close it with "
                                    "force first")
    assert [j["action"] for j in result["jobs"]] == ["skipped", "refused"] and result["changed"] is False
    assert "POST" not in run.http.methods


def test_a_409_because_someone_opened_it_meanwhile_is_ok(run):
    run.http.expect(*reads("web-1*", ("web-1", "closed")))
    conflict = es.error(409, "status_exception", "Cannot open job [web-1] because it has already been opened")
    run.http.expect(open_call("web-1", status=409, reply=conflict), stats_call("web-1", "opened"))
    result = run.ok(ml_job_open, {"job_id": "web-1"})
    assert (result["changed"], result["already_opened"]) == (False, ["web-1"])


def test_no_ml_node_with_room_is_refused_per_job(run):
    run.http.expect(*reads("web-*", ("web-1", "closed"), ("web-2", "closed")))
    full = es.error(429, "status_exception", "Could not open job because no ML nodes with sufficient capacity were "
                    "found")
    run.http.expect(open_call("web-1"), open_call("web-2", status=429, reply=full, timeout="30m"))
    result = run.fails(ml_job_open, {"job_id": "web-*", "retries": 0})
    assert "Could not open job because no ML nodes with sufficient capacity were found" in result["msg"]
    assert [j["action"] for j in result["jobs"]] == ["opened", "refused"] and result["opened"] == ["web-1"]


def test_an_open_that_times_out_is_reported_so(run):
    run.http.expect(*reads("web-1*", ("web-1", "closed")))
    slow = es.error(408, "status_exception", "Opening job [web-1] timed out after [1m]")
    run.http.expect(open_call("web-1", status=408, reply=slow, timeout="1m"))
    result = run.fails(ml_job_open, {"job_id": "web-1", "timeout": "1m"})
    assert "Opening job [web-1] timed out after [1m]" in result["msg"]
    assert (result["jobs"][0]["action"], result["jobs"][0]["state"]) == ("timed_out", "opening")


def test_check_mode_sends_reads_only_and_predicts(run):
    run.http.expect(*reads("web-*", ("web-1", "closed"), ("web-2", "opened")))
    result = run.ok(ml_job_open, {"job_id": "web-*", "_ansible_check_mode": True})
    assert (result["changed"], result["opened"], result["already_opened"]) == (True, ["web-1"], ["web-2"])
    assert set(run.http.methods) == {"GET"}


def test_the_max_jobs_guard_opens_nothing(run):
    run.http.expect(*reads("web-*", ("web-1", "closed"), ("web-2", "closed")))
    result = run.fails(ml_job_open, {"job_id": "web-*", "max_jobs": 1})
    assert "the targets match 2 jobs, more than max_jobs=1; nothing was opened. Matches: web-1, web-2" in result["msg"]
    assert "POST" not in run.http.methods


def test_an_unknown_id_fails_with_the_servers_wording(run):
    run.http.expect(es.get_root(), *es.read_calls("ghost*", [], []))
    result = run.fails(ml_job_open, {"job_id": "ghost"})
    assert "No known job with id 'ghost'; set ignore_missing=true" in result["msg"] and result["status"] == 404


def test_ignore_missing_and_groups(run):
    run.http.expect(es.get_root(), *es.read_calls("web*,ghost*", [es.job_doc("web-1", groups=["web"])],
                                                  [es.job_stats("web-1", "closed")]))
    run.http.expect(open_call("web-1"))
    result = run.ok(ml_job_open, {"job_id": ["web", "ghost"], "ignore_missing": True})
    assert (result["opened"], result["missing"]) == (["web-1"], ["ghost"])


def test_before_7_8_the_state_after_the_open_is_read(run):
    """Open answers no node before 7.8: a lazy open shows in the job's stats."""
    reads = es.read_calls("web-1*", [es.job_doc("web-1")], [es.job_stats("web-1", "closed")], no_match="allow_no_jobs")
    run.http.expect(es.get_root("7.7.1"), *reads)
    run.http.expect(Call("GET", "/_ml/datafeeds", reply=es.datafeeds_page()))
    run.http.expect(open_call("web-1", reply={"opened": True}),
                    Call("GET", STATS % "web-1", params={"allow_no_jobs": "true"},
                         reply=es.stats_page(es.job_stats("web-1", "opening", node=False))))
    result = run.ok(ml_job_open, {"job_id": "web-1"})
    assert result["opening"] == ["web-1"]
