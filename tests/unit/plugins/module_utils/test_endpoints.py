# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The REST endpoints over a scripted transport: the release read once by connect, each call's
path and parameters per release, and each call's not-found policy."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _endpoints as endpoints
from ansible_collections.mlops.elasticsearch.plugins.module_utils import _errors as errors
from ansible_collections.mlops.elasticsearch.plugins.module_utils._job_requests import parse_time
from ansible_collections.mlops.elasticsearch.plugins.module_utils._releases import Release
from ansible_collections.mlops.elasticsearch.plugins.module_utils._transport import Transport
from ansible_collections.mlops.elasticsearch.tests.unit.utils import es
from ansible_collections.mlops.elasticsearch.tests.unit.utils.scripted_http import (
    Call,
    Probes,
    ScriptedSession,
    connection_dropped,
)

A = "http://es-a:9200"


def transport(*script):
    return Transport([A], session=ScriptedSession(script), sleep=lambda seconds: None, probes=Probes())


def api(version, *script):
    return endpoints.MlEndpoints(transport(*script), Release.from_number(version))


# --- connect ----------------------------------------------------------------------------------

@pytest.mark.parametrize("number, version", [
    ("8.15.0", (8, 15, 0)), ("7.17.24", (7, 17, 24)), ("9.0.0-SNAPSHOT", (9, 0, 0)), ("8.16", (8, 16, 0)),
    ("6.8.23", (6, 8, 23)),
])
def test_connect_reads_the_release_once(number, version):
    t = transport(Call("GET", "/", reply=es.root(number)))
    built = endpoints.connect(t)
    assert built.release.version == version and built.root["cluster_name"] == "sim"
    t.session.assert_done()


@pytest.mark.parametrize("body", [{}, {"version": {}}, {"version": "8"}, {"name": "x"}])
def test_connect_to_something_that_is_not_elasticsearch(body):
    with pytest.raises(errors.TransportError, match="did not return an Elasticsearch version; is http://es-a:9200"):
        endpoints.connect(transport(Call("GET", "/", reply=body)))


def test_connect_without_monitor_reads_the_version_from_ml_info():
    forbidden = es.error(403, "security_exception", "action [cluster:monitor/main] is unauthorized for user [ml]")
    t = transport(Call("GET", "/", status=403, reply=forbidden),
                  Call("GET", "/_ml/info", reply={"native_code": {"version": "8.15.0", "build_hash": "x"}}))
    assert endpoints.connect(t).release.version == (8, 15, 0)


def test_constructing_endpoints_sends_nothing():
    t = transport()
    endpoints.MlEndpoints(t, Release((8, 15, 0)))
    assert t.session.calls == []


# --- paths and parameters per release -------------------------------------------------------------

@pytest.mark.parametrize("version, path, no_match", [
    ("6.8.23", "/_xpack/ml/anomaly_detectors/web-*", "allow_no_jobs"),
    ("7.9.3", "/_ml/anomaly_detectors/web-*", "allow_no_jobs"),
    ("8.15.0", "/_ml/anomaly_detectors/web-*", "allow_no_match"),
])
def test_get_jobs_per_release(version, path, no_match):
    built = api(version, Call("GET", path, params={no_match: "true"}, reply=es.jobs_page(es.job_doc("web-1"))))
    assert [doc["job_id"] for doc in built.get_jobs("web-*")] == ["web-1"]


@pytest.mark.parametrize("version, params", [
    ("7.10.2", {"allow_no_match": "true"}),
    ("7.11.0", {"allow_no_match": "true", "exclude_generated": "true"}),
])
def test_exclude_generated_only_where_the_release_has_it(version, params):
    built = api(version, Call("GET", "/_ml/anomaly_detectors/web-1", params=params, reply=es.jobs_page()))
    assert built.get_jobs("web-1", exclude_generated=True) == []


def test_close_sends_force_and_timeout_and_holds_the_read_open_for_the_timeout():
    built = api("8.15.0", Call("POST", "/_ml/anomaly_detectors/a,b/_close", params={"force": "true", "timeout": "90s"},
                               reply=es.CLOSED_TRUE))
    built.close_jobs(["a", "b"], True, parse_time("90s"))
    (seen,) = built.transport.session.calls
    assert seen.timeout == (30.0, 120.0)


def test_close_that_does_not_answer_closed_true_fails():
    built = api("8.15.0", Call("POST", "/_ml/anomaly_detectors/a/_close", params={"timeout": "30m"},
                               reply={"closed": False}))
    with pytest.raises(errors.JobsFailed, match="instead of closed: true"):
        built.close_jobs(["a"], False, parse_time("30m"))


def test_long_id_lists_are_split_under_the_request_line_limit():
    ids = ["job-%060d" % n for n in range(100)]
    chunks = list(endpoints.chunk_ids(ids))
    assert len(chunks) > 1 and sum(len(c) for c in chunks) == 100
    assert all(len(",".join(c)) <= endpoints.MAX_IDS_IN_PATH for c in chunks)


# --- not-found policy ---------------------------------------------------------------------------

def test_delete_of_an_absent_job_is_an_answer_not_an_error():
    built = api("8.15.0", Call("DELETE", "/_ml/anomaly_detectors/ghost", status=404, reply=es.no_job("ghost")))
    answer = built.delete_job("ghost", False, True, False, None)
    assert isinstance(answer, endpoints.Absent) and answer.after_lost_reply is False
    assert "No known job with id 'ghost'" in answer.reason


def test_delete_found_absent_after_a_lost_reply_says_so():
    built = api("8.15.0", Call("DELETE", "/_ml/anomaly_detectors/web-1", raises=connection_dropped()),
                Call("DELETE", "/_ml/anomaly_detectors/web-1", status=404, reply=es.no_job("web-1")))
    answer = built.delete_job("web-1", False, True, False, None)
    assert isinstance(answer, endpoints.Absent) and answer.after_lost_reply is True


def test_delete_of_an_absent_datafeed_is_an_answer():
    built = api("8.15.0", Call("DELETE", "/_ml/datafeeds/df", status=404,
                               reply=es.error(404, "resource_not_found_exception", "No datafeed with id [df] exists")))
    assert isinstance(built.delete_datafeed("df", False), endpoints.Absent)


def test_reads_keep_404_an_error():
    built = api("8.15.0", Call("GET", "/_ml/anomaly_detectors/ghost/_stats", params={"allow_no_match": "true"},
                               status=404, reply=es.no_job("ghost")))
    with pytest.raises(errors.NotFound):
        built.get_job_stats("ghost")


def test_delete_that_is_not_acknowledged_fails():
    built = api("8.15.0", Call("DELETE", "/_ml/anomaly_detectors/web-1", reply={"acknowledged": False}))
    with pytest.raises(errors.JobsFailed, match="instead of acknowledged: true"):
        built.delete_job("web-1", False, True, False, None)


def test_delete_without_waiting_returns_the_task():
    built = api("8.15.0", Call("DELETE", "/_ml/anomaly_detectors/web-1", params={"wait_for_completion": "false"},
                               reply={"task": "n:7"}))
    assert built.delete_job("web-1", False, False, False, None) == {"task": "n:7"}


# --- creating, updating, opening, starting (ml_job, ml_datafeed, ml_job_open, ml_datafeed_start) ---

def test_get_job_is_the_job_or_absent():
    doc = es.job_doc("web")
    built = api("8.15.0",
                Call("GET", "/_ml/anomaly_detectors/web", params={"allow_no_match": "true", "exclude_generated": "true"},
                     reply=es.jobs_page(doc)),
                Call("GET", "/_ml/anomaly_detectors/ghost", params={"allow_no_match": "true"}, status=404,
                     reply=es.no_job("ghost")),
                # A group of that name answers its jobs: none of them is the job.
                Call("GET", "/_ml/anomaly_detectors/web", params={"allow_no_match": "true"},
                     reply=es.jobs_page(es.job_doc("web-1", groups=["web"]))))
    assert built.get_job("web", exclude_generated=True) == doc
    assert isinstance(built.get_job("ghost"), endpoints.Absent)
    assert isinstance(built.get_job("web"), endpoints.Absent)


def test_get_datafeed_is_the_datafeed_or_absent():
    doc = es.datafeed_doc("datafeed-web", "web")
    missing = es.error(404, "resource_not_found_exception", "No datafeed with id [datafeed-x] exists")
    built = api("8.15.0", Call("GET", "/_ml/datafeeds/datafeed-web", reply=es.datafeeds_page(doc)),
                Call("GET", "/_ml/datafeeds/datafeed-x", status=404, reply=missing))
    assert built.get_datafeed("datafeed-web") == doc
    assert isinstance(built.get_datafeed("datafeed-x"), endpoints.Absent)


def test_writes_of_the_declared_configurations():
    body = {"analysis_config": {"detectors": [{"function": "count"}]}}
    built = api("8.15.0",
                Call("PUT", "/_ml/anomaly_detectors/web", body=body, reply={"job_id": "web"}),
                Call("POST", "/_ml/anomaly_detectors/web/_update", body={"description": "x"}, reply={"job_id": "web"}),
                Call("PUT", "/_ml/datafeeds/datafeed-web", body={"job_id": "web"}, reply={"datafeed_id": "d"}),
                Call("POST", "/_ml/datafeeds/datafeed-web/_update", body={"scroll_size": 5}, reply={}))
    assert built.put_job("web", body) == {"job_id": "web"}
    assert built.update_job("web", {"description": "x"}) == {"job_id": "web"}
    assert built.put_datafeed("datafeed-web", {"job_id": "web"}) == {"datafeed_id": "d"}
    assert built.update_datafeed("datafeed-web", {"scroll_size": 5}) == {}


def test_open_and_start_hold_the_read_open_for_their_timeout():
    t = transport(Call("POST", "/_ml/anomaly_detectors/web/_open", params={"timeout": "5m"},
                       reply={"opened": True, "node": "n"}),
                  Call("POST", "/_ml/datafeeds/d/_start", params={"timeout": "20s", "start": "now-1d"},
                       reply={"started": True, "node": "n"}))
    built = endpoints.MlEndpoints(t, Release((8, 15, 0)))
    assert built.open_job("web", parse_time("5m")) == {"opened": True, "node": "n"}
    assert built.start_datafeed("d", parse_time("20s"), start="now-1d") == {"started": True, "node": "n"}
    assert [call.timeout for call in t.session.calls] == [(30.0, 330.0), (30.0, 50.0)]
