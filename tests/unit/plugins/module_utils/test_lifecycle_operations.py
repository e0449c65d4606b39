# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Opening one job and starting one datafeed (also what ml_job and ml_datafeed restart with), the
waits, the selection of datafeeds and the refusals, over a scripted transport."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _lifecycle_operations as ops
from ansible_collections.mlops.elasticsearch.plugins.module_utils._config_requests import DatafeedsRequest, OpenRequest
from ansible_collections.mlops.elasticsearch.plugins.module_utils._endpoints import MlEndpoints
from ansible_collections.mlops.elasticsearch.plugins.module_utils._errors import ApiError, Conflict, JobsFailed
from ansible_collections.mlops.elasticsearch.plugins.module_utils._job_requests import parse_time
from ansible_collections.mlops.elasticsearch.plugins.module_utils._lifecycle_plans import plan_open
from ansible_collections.mlops.elasticsearch.plugins.module_utils._releases import Release
from ansible_collections.mlops.elasticsearch.plugins.module_utils._targets import Selection
from ansible_collections.mlops.elasticsearch.plugins.module_utils._transport import Transport
from ansible_collections.mlops.elasticsearch.tests.unit.utils import es
from ansible_collections.mlops.elasticsearch.tests.unit.utils.scripted_http import Call, FakeClock, ScriptedSession

TIMEOUT = parse_time("1m")
CONFLICT = es.error(409, "status_exception", "Cannot open job [j] because it has already been opened")


def api(*script, **kwargs):
    clock = kwargs.get("clock") or FakeClock()
    transport = Transport(["http://es:9200"], session=ScriptedSession(script), sleep=clock.sleep, retries=0)
    return MlEndpoints(transport, Release.from_number(kwargs.get("version", "8.15.0")))


def open_call(reply=None, status=200):
    return Call("POST", "/_ml/anomaly_detectors/j/_open", params={"timeout": "1m"}, status=status,
                reply={"opened": True, "node": "n1"} if reply is None else reply)


def job_stats(state, node=True):
    return Call("GET", "/_ml/anomaly_detectors/j/_stats", params={"allow_no_match": "true"},
                reply=es.stats_page(es.job_stats("j", state, node=node)))


def start_call(reply=None, status=200):
    return Call("POST", "/_ml/datafeeds/d/_start", params={"timeout": "1m"}, status=status,
                reply={"started": True, "node": "n1"} if reply is None else reply)


def datafeed_stats(state):
    return Call("GET", "/_ml/datafeeds/d/_stats", reply=es.datafeed_stats_page(es.datafeed_stats("d", state)))


# ---- one job, one datafeed -----------------------------------------------------------------------

@pytest.mark.parametrize("script, outcome", [
    ([open_call()], ("opened", "opened")),
    ([open_call({"opened": True, "node": ""})], ("opened_lazily", "opening")),
    ([open_call(CONFLICT, 409), job_stats("opened")], ("already_opened", "opened")),
    ([open_call(CONFLICT, 409), job_stats("opening", node=False)], ("already_opened", "opening")),
])
def test_open_job(script, outcome):
    assert ops.open_job(api(*script), "j", TIMEOUT) == outcome


def test_a_409_of_a_job_that_is_not_open_is_raised():
    """A failed job (or one being deleted) answers 409 too: never taken for opened."""
    with pytest.raises(Conflict):
        ops.open_job(api(open_call(CONFLICT, 409), job_stats("failed")), "j", TIMEOUT)


def test_before_7_8_the_open_is_read_back():
    stats = Call("GET", "/_ml/anomaly_detectors/j/_stats", params={"allow_no_jobs": "true"},
                 reply=es.stats_page(es.job_stats("j", "opened")))
    assert ops.open_job(api(open_call({"opened": True}), stats, version="7.7.1"), "j", TIMEOUT) == (
        "opened", "opened")


STARTED_CONFLICT = es.error(409, "status_exception", "cannot start datafeed [d] because it has already been started")
START_TIMEOUT = es.error(408, "status_exception", "Starting datafeed [d] timed out after [1m]")


@pytest.mark.parametrize("script, awaits, outcome", [
    ([start_call()], False, ("started", "started")),
    ([start_call({"started": True, "node": ""})], True, ("started_lazily", "starting")),
    ([start_call(START_TIMEOUT, 408)], True, ("started_lazily", "starting")),
    ([start_call(STARTED_CONFLICT, 409), datafeed_stats("starting")], False, ("already_started", "starting")),
])
def test_start_datafeed(script, awaits, outcome):
    assert ops.start_datafeed(api(*script), "d", TIMEOUT, job_awaits_node=awaits) == outcome


@pytest.mark.parametrize("script", [
    [start_call(START_TIMEOUT, 408)],                                      # the job has a node: a real timeout
    [start_call(STARTED_CONFLICT, 409), datafeed_stats("stopped")],        # e.g. its job closed meanwhile
])
def test_start_failures_are_raised(script):
    with pytest.raises(ApiError):
        ops.start_datafeed(api(*script), "d", TIMEOUT)


# ---- waits ---------------------------------------------------------------------------------------

def test_wait_for_states_returns_what_is_not_there_in_time():
    endpoints = api(job_stats("opening"))
    assert ops.wait_for_states(endpoints, ops.job_states, ["j"], ("opened",), parse_time("0s"), "jobs") == {
        "j": "opening"}
    endpoints.transport.session.assert_done()


def test_wait_for_states_is_empty_when_all_are_there():
    assert ops.wait_for_states(api(job_stats("opened")), ops.job_states, ["j"], ("opened",), TIMEOUT, "jobs") == {}


# ---- selecting datafeeds and refusing --------------------------------------------------------------

def test_datafeeds_by_id_match_datafeed_ids_only():
    docs = [es.job_doc("web", groups=["datafeed-x"], datafeed_id="datafeed-web"), es.job_doc("solo")]
    endpoints = api(*es.read_calls("_all", docs, [es.job_stats("web", "opened"), es.job_stats("solo", "closed")]) + [
        Call("GET", "/_ml/datafeeds/datafeed-web/_stats",
             reply=es.datafeed_stats_page(es.datafeed_stats("datafeed-web", "stopped")))])
    request = DatafeedsRequest(dict(datafeed_id=["datafeed-*", "datafeed-x", "solo"], timeout="20s"))
    selection, without = ops.select_datafeeds(endpoints, request)
    assert [job.job_id for job in selection.jobs] == ["web"] and without == []
    # A group named like a datafeed is not one; nor is a job without a datafeed.
    assert selection.missing == ["datafeed-x", "solo"]


def test_refusals_come_before_any_change_with_elasticsearchs_wording():
    plan = plan_open([])
    request = OpenRequest(dict(job_id=["a"], allow_no_match=False))
    with pytest.raises(JobsFailed) as failure:
        ops.refuse_unselected(plan, Selection([], ["ghost"], ["web-*", "_all"], []), request, lambda: {"jobs": []})
    assert failure.value.msg == ("No known job with id 'ghost'; set ignore_missing=true to accept ids that do not "
                                 "exist; No known job with id 'web-*,*' (allow_no_match=false)")
    assert (failure.value.status, failure.value.error_type, failure.value.result) == (
        404, "resource_not_found_exception", {"jobs": []})


def test_nothing_to_refuse():
    request = OpenRequest(dict(job_id=["a"], ignore_missing=True))
    ops.refuse_unselected(plan_open([]), Selection([], ["ghost"], ["web-*"], []), request, dict)
