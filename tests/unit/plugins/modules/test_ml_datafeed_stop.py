# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ml_datafeed_stop main() against scripted HTTP exchanges."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mlops.elasticsearch.plugins.modules import ml_datafeed_stop
from ansible_collections.mlops.elasticsearch.tests.unit.plugins.modules.test_ml_datafeed_start import reads
from ansible_collections.mlops.elasticsearch.tests.unit.utils import es
from ansible_collections.mlops.elasticsearch.tests.unit.utils.scripted_http import Call


def stop_call(ids, status=200, reply=None, **params):
    params.setdefault("timeout", "5m")
    reply = es.STOPPED_TRUE if reply is None else reply
    return Call("POST", "/_ml/datafeeds/%s/_stop" % ids, params=params, reply=reply, status=status)


def test_running_datafeeds_are_stopped_in_one_request(run):
    run.http.expect(*reads("web-*", ("web-1", "opened", "started", True), ("web-2", "opened", "stopped", True),
                           ("web-3", "opened", "stopping", True)))
    run.http.expect(stop_call("datafeed-web-1,datafeed-web-3"))
    result = run.ok(ml_datafeed_stop, {"job_id": "web-*", "_ansible_diff": True})
    assert (result["changed"], result["stopped"]) == (True, ["datafeed-web-1"])
    assert result["already_stopped"] == ["datafeed-web-2", "datafeed-web-3"]
    assert [d["action"] for d in result["datafeeds"]] == ["stopped", "already_stopped", "waited_for_stop"]
    assert result["diff"]["before"]["datafeeds"]["datafeed-web-1"] == {"state": "started"}


def test_stopped_datafeeds_are_ok_and_nothing_is_posted(run):
    run.http.expect(*reads("web-1*", ("web-1", "opened", "stopped", True)))
    result = run.ok(ml_datafeed_stop, {"job_id": "web-1"})
    assert (result["changed"], result["already_stopped"]) == (False, ["datafeed-web-1"])
    assert "POST" not in run.http.methods


def test_force_and_timeout_are_sent(run):
    run.http.expect(*reads("web-1*", ("web-1", "opened", "started", True)))
    run.http.expect(stop_call("datafeed-web-1", force="true", timeout="1m"))
    run.ok(ml_datafeed_stop, {"job_id": "web-1", "force": True, "timeout": "1m"})


def test_a_stop_that_times_out_names_the_datafeeds_still_running(run):
    run.http.expect(*reads("web-1*", ("web-1", "opened", "started", True)))
    timeout = es.error(500, "illegal_state_exception", "Timed out when waiting for persistent tasks after 1m")
    run.http.expect(stop_call("datafeed-web-1", status=500, reply=timeout, timeout="1m"),
                    Call("GET", "/_ml/datafeeds/datafeed-web-1/_stats",
                         reply=es.datafeed_stats_page(es.datafeed_stats("datafeed-web-1", "started"))))
    result = run.fails(ml_datafeed_stop, {"job_id": "web-1", "timeout": "1m", "retries": 0})
    assert result["msg"].startswith("Failed to stop datafeeds: datafeeds not stopped: datafeed-web-1; the server said")
    assert (result["datafeeds"][0]["action"], result["datafeeds"][0]["state"]) == ("timed_out", "started")


def test_check_mode_sends_reads_only(run):
    run.http.expect(*reads("web-1*", ("web-1", "opened", "started", True)))
    result = run.ok(ml_datafeed_stop, {"job_id": "web-1", "_ansible_check_mode": True})
    assert (result["changed"], result["stopped"]) == (True, ["datafeed-web-1"])
    assert set(run.http.methods) == {"GET"}


def test_the_guard_counts_datafeeds(run):
    run.http.expect(*reads("web-*", ("web-1", "opened", "started", True), ("web-2", "opened", "started", True)))
    result = run.fails(ml_datafeed_stop, {"job_id": "web-*", "max_jobs": 1})
    assert "the targets match 2 jobs, more than max_jobs=1; nothing was stopped" in result["msg"]
