# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ml_job_info main() against scripted HTTP exchanges."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mlops.elasticsearch.plugins.modules import ml_job_info
from ansible_collections.mlops.elasticsearch.tests.unit.utils import es
from ansible_collections.mlops.elasticsearch.tests.unit.utils.scripted_http import Call, connection_refused

HTML = "<html><body><h1>502 Bad Gateway</h1></body></html>"


def test_all_jobs_by_default_with_their_states_and_datafeeds(run):
    docs = [es.job_doc("web-1", groups=["web"], datafeed_id="datafeed-web-1"), es.job_doc("web-2"),
            es.job_doc("old", deleting=True, blocked={"reason": "delete", "task_id": "n:3"})]
    stats = [es.job_stats("web-1", "opened", model_bytes=1048576), es.job_stats("web-2", "closed")]
    run.http.expect(es.get_root(), *es.read_calls("_all", docs, stats))
    run.http.expect(Call("GET", "/_ml/datafeeds/datafeed-web-1/_stats",
                         reply=es.datafeed_stats_page(es.datafeed_stats("datafeed-web-1", "started"))))
    result = run.ok(ml_job_info, {})
    assert result["changed"] is False and result["exists"] is True and result["missing"] == []
    assert result["server_version"] == "8.15.0"
    assert result["jobs"] == [
        dict(job_id="old", state="closed", groups=[], datafeed_id=None, datafeed_state=None, deleting=True,
             blocked={"reason": "delete", "task_id": "n:3"}, node=None, memory_bytes=None),
        dict(job_id="web-1", state="opened", groups=["web"], datafeed_id="datafeed-web-1", datafeed_state="started",
             deleting=False, blocked=None, node="es-ml-1", memory_bytes=1048576),
        dict(job_id="web-2", state="closed", groups=[], datafeed_id=None, datafeed_state=None, deleting=False,
             blocked=None, node=None, memory_bytes=0),
    ]


def test_missing_ids_are_listed_not_an_error(run):
    run.http.expect(es.get_root(), *es.read_calls("ghost*", [], []))
    result = run.ok(ml_job_info, {"job_id": "ghost"})
    assert (result["exists"], result["jobs"], result["missing"]) == (False, [], ["ghost"])


def test_groups_patterns_and_exclude(run):
    docs = [es.job_doc("a-1", groups=["g"]), es.job_doc("b-1", groups=["g"]), es.job_doc("batch-9")]
    stats = [es.job_stats(d["job_id"], "closed") for d in docs]
    run.http.expect(es.get_root(), *es.read_calls("g*,batch-*", docs, stats))
    result = run.ok(ml_job_info, {"job_id": ["g", "batch-*"], "exclude": ["b-1"]})
    assert [j["job_id"] for j in result["jobs"]] == ["a-1", "batch-9"]


def test_check_mode_reads_the_same(run):
    run.http.expect(es.get_root(), *es.read_calls("web-1*", [es.job_doc("web-1")], [es.job_stats("web-1", "opened")]))
    result = run.ok(ml_job_info, {"job_id": "web-1", "_ansible_check_mode": True})
    assert result["jobs"][0]["state"] == "opened"


def test_6_x_paths(run):
    run.http.expect(es.get_root("6.8.23"), *es.read_calls("_all", [es.job_doc("web-1")], [es.job_stats("web-1", "closed")],
                                                          prefix="_xpack/ml", no_match="allow_no_jobs"))
    run.http.expect(Call("GET", "/_xpack/ml/datafeeds", reply=es.datafeeds_page()))
    result = run.ok(ml_job_info, {})
    assert result["server_version"] == "6.8.23"


def test_401_is_reported_as_bad_credentials_and_not_retried(run):
    run.http.expect(Call("GET", "/", status=401, reply=es.error(
        401, "security_exception", "unable to authenticate user [ml_admin] for REST request [/]",
        header={"WWW-Authenticate": "Basic realm=\"security\" charset=\"UTF-8\""})))
    result = run.fails(ml_job_info, {"username": "ml_admin", "password": "not-the-password"})
    assert result["msg"] == ("Failed to read jobs: GET / returned HTTP 401 security_exception: "
                             "unable to authenticate user [ml_admin] for REST request [/]")
    assert result["status"] == 401 and result["error_type"] == "security_exception"
    assert run.sleeps == []


def test_403_names_the_missing_privilege(run):
    reason = ("action [cluster:monitor/xpack/ml/job/get] is unauthorized for user [viewer] with effective roles "
              "[viewer], this action is granted by the cluster privileges [monitor_ml,manage_ml,monitor,manage,all]")
    run.http.expect(es.get_root(), Call("GET", "/_ml/anomaly_detectors/_all", params={"allow_no_match": "true"},
                                        status=403, reply=es.error(403, "security_exception", reason)))
    result = run.fails(ml_job_info, {})
    assert "HTTP 403 security_exception" in result["msg"] and "manage_ml" in result["msg"]
    assert run.sleeps == []


def test_a_proxy_page_is_retried_then_reported_clearly(run):
    run.http.expect(*[Call("GET", "/", status=502, text=HTML, headers={"Content-Type": "text/html"})
                      for dummy in range(3)])
    result = run.fails(ml_job_info, {"retries": 2})
    assert "GET / returned HTTP 502 with a body that is not Elasticsearch JSON (text/html)" in result["msg"]
    assert "proxy" in result["msg"]
    assert len(run.sleeps) == 2 and len(run.warnings) == 2


def test_one_host_down_the_next_answers(run):
    run.http.expect(Call("GET", "/", host="http://es-a:9200", raises=connection_refused("http://es-a:9200")),
                    Call("GET", "/", host="http://es-b:9200", reply=es.root()),
                    Call("GET", "/_ml/anomaly_detectors/_all", host="http://es-b:9200",
                         params={"allow_no_match": "true"}, reply=es.jobs_page()))
    result = run.ok(ml_job_info, {"hosts": ["http://es-a:9200", "http://es-b:9200"]})
    assert result["jobs"] == [] and run.sleeps == []
    assert [node["host"] for node in result["skipped_nodes"]] == ["http://es-a:9200"]
    assert "es-a:9200 refused the connection" in result["skipped_nodes"][0]["reason"]
    assert run.warnings == ["Elasticsearch node http://es-a:9200 skipped: " + result["skipped_nodes"][0]["reason"]]


def test_include_cluster_pre_flight(run):
    run.http.expect(
        es.get_root(),
        Call("GET", "/_ml/info", reply={"defaults": {"anomaly_detectors": {}, "datafeeds": {}},
                                        "upgrade_mode": True, "native_code": {"version": "8.15.0"},
                                        "limits": {"total_ml_memory": "1gb"}}),
        Call("GET", "/_security/user/_has_privileges", body={"cluster": ["manage_ml"]},
             reply={"username": "viewer", "has_all_requested": False, "cluster": {"manage_ml": False},
                    "index": {}, "application": {}}),
        *es.read_calls("_all", [], []))
    result = run.ok(ml_job_info, {"include_cluster": True})
    cluster = result["cluster"]
    assert (cluster["name"], cluster["version"], cluster["upgrade_mode"], cluster["username"]) == (
        "sim", "8.15.0", True, "viewer")
    assert cluster["privileges"] == {"manage_ml": False}
    assert any("upgrade mode" in p for p in cluster["problems"])
    assert any("lacks the cluster privilege manage_ml" in p for p in cluster["problems"])


# ---- the pre-flight fails closed ------------------------------------------------------------------

ML_INFO = {"defaults": {"anomaly_detectors": {}, "datafeeds": {}}, "upgrade_mode": False,
           "native_code": {"version": "8.15.0"}, "limits": {}}
PRIVILEGES = Call("GET", "/_security/user/_has_privileges", body={"cluster": ["manage_ml"]},
                  reply={"username": "admin", "cluster": {"manage_ml": True}})
SECURITY_NOT_ENABLED = ("Security must be explicitly enabled when using a [basic] license. Enable security by setting "
                        "[xpack.security.enabled] to [true] in the elasticsearch.yml file and restart the node.")


def privileges_answer(**answer):
    return Call("GET", "/_security/user/_has_privileges", body={"cluster": ["manage_ml"]}, **answer)


def no_handler(path):
    return {"error": "no handler found for uri [%s] and method [GET]" % path}


def test_security_off_on_7_x_is_elasticsearchs_500_and_grants_everything(run):
    run.http.expect(es.get_root("7.17.20"), Call("GET", "/_ml/info", reply=ML_INFO),
                    privileges_answer(status=500, reply=es.error(500, "exception", SECURITY_NOT_ENABLED)),
                    *es.read_calls("_all", [], []))
    cluster = run.ok(ml_job_info, {"include_cluster": True})["cluster"]
    assert (cluster["security_enabled"], cluster["privileges"], cluster["problems"]) == (
        False, {"manage_ml": True}, [])


def test_security_off_on_8_x_is_the_missing_handler(run):
    run.http.expect(es.get_root(), Call("GET", "/_ml/info", reply=ML_INFO),
                    privileges_answer(status=400, reply=no_handler("/_security/user/_has_privileges")),
                    *es.read_calls("_all", [], []))
    cluster = run.ok(ml_job_info, {"include_cluster": True})["cluster"]
    assert cluster["security_enabled"] is False and cluster["problems"] == []


@pytest.mark.parametrize("answer, words", [
    (dict(status=500, reply=es.error(500, "exception", "boom")), "HTTP 500 exception: boom"),
    (dict(status=400, reply={"error": "bad request from the gateway"}), "HTTP 400 bad request from the gateway"),
    (dict(status=400, text="<html>400 Bad Request</html>", headers={"Content-Type": "text/html"}),
     "HTTP 400 with a body that is not Elasticsearch JSON"),
    (dict(status=500, reply=es.error(500, "exception", "Security must be enabled, said the proxy")),
     "Security must be enabled, said the proxy"),
    (dict(status=400, reply=no_handler("/_security/_authenticate")), "no handler found for uri [/_security/_auth"),
], ids=["es-500", "proxy-400-json", "proxy-400-html", "other-500-text", "another-uri"])
def test_any_other_failure_of_the_privileges_check_is_an_error_not_security_off(run, answer, words):
    """Issue 12 item 9: a 5xx or a proxy's 400 read as "security disabled" granted manage_ml."""
    run.http.expect(es.get_root(), Call("GET", "/_ml/info", reply=ML_INFO), privileges_answer(**answer))
    result = run.fails(ml_job_info, {"include_cluster": True})
    assert result["msg"].startswith("Failed to read jobs: GET /_security/user/_has_privileges returned HTTP")
    assert words in result["msg"]
    assert "cluster" not in result and result["status"] == answer["status"]


def test_one_500_on_ml_info_is_an_error_not_ml_unavailable(run):
    run.http.expect(es.get_root(), Call("GET", "/_ml/info", status=500, reply=es.error(500, "exception", "boom")))
    result = run.fails(ml_job_info, {"include_cluster": True})
    assert result["msg"] == "Failed to read jobs: GET /_ml/info returned HTTP 500 exception: boom"
    assert "not available" not in result["msg"]


def test_a_503_on_ml_info_is_retried_then_read(run):
    run.http.expect(es.get_root(), Call("GET", "/_ml/info", status=503, reply=es.error(503, "unavailable", "x")),
                    Call("GET", "/_ml/info", reply=ML_INFO), PRIVILEGES, *es.read_calls("_all", [], []))
    cluster = run.ok(ml_job_info, {"include_cluster": True})["cluster"]
    assert cluster["ml_enabled"] is True and len(run.sleeps) == 1


@pytest.mark.parametrize("answer, words", [
    (dict(status=400, reply=no_handler("/_ml/info")), "no handler found for uri [/_ml/info] and method [GET]"),
    (dict(status=403, reply=es.error(403, "security_exception", "current license is non-compliant for [ml]")),
     "current license is non-compliant for [ml]"),
], ids=["ml-disabled", "not-licensed"])
def test_ml_disabled_or_not_licensed_is_a_problem_not_an_error(run, answer, words):
    run.http.expect(es.get_root(), Call("GET", "/_ml/info", **answer), PRIVILEGES)
    result = run.ok(ml_job_info, {"include_cluster": True, "plan": {"max_jobs": 50}})
    assert result["cluster"]["ml_enabled"] is False
    assert result["cluster"]["problems"] == ["machine learning is not available: GET /_ml/info returned HTTP %s %s"
                                             % (answer["status"], words if answer["status"] == 400 else
                                                "security_exception: " + words)]
    assert result["plan"]["problems"] == result["cluster"]["problems"]


def test_a_user_without_monitor_ml_fails_naming_the_request(run):
    reason = "action [cluster:monitor/xpack/ml/info/get] is unauthorized for user [nobody]"
    refused = es.error(403, "security_exception", reason)
    run.http.expect(es.get_root(), Call("GET", "/_ml/info", status=403, reply=refused))
    result = run.fails(ml_job_info, {"include_cluster": True})
    assert result["msg"] == "Failed to read jobs: GET /_ml/info returned HTTP 403 security_exception: " + reason


def test_a_plan_of_every_job_needs_max_jobs_and_sends_nothing(run):
    result = run.fails(ml_job_info, {"plan": {}})
    assert result["msg"] == (
        "Failed to read jobs: job_id '_all' names every job of the cluster: set plan.max_jobs to the most jobs "
        "you mean to delete (the task then fails, changing nothing, when the cluster holds more)")
    assert run.http.calls == []
