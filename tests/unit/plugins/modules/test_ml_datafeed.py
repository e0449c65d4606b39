# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ml_datafeed main() against scripted HTTP exchanges."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mlops.elasticsearch.plugins.modules import ml_datafeed
from ansible_collections.mlops.elasticsearch.tests.unit.utils import es
from ansible_collections.mlops.elasticsearch.tests.unit.utils.scripted_http import Call

DATAFEED = "/_ml/datafeeds/datafeed-web"
CONFIG = {"job_id": "web", "indices": ["logs-*"], "query": {"term": {"service": "web"}}}


def stored(**changes):
    """GET _ml/datafeeds/datafeed-web: every default rendered, the random query_delay too."""
    doc = dict(es.datafeed_doc("datafeed-web", "web"), query_delay="83412ms", query={"term": {"service": "web"}},
               indices_options={"expand_wildcards": ["open"], "ignore_unavailable": False, "allow_no_indices": True,
                                "ignore_throttled": True}, delayed_data_check_config={"enabled": True},
               authorization={"roles": ["superuser"]})
    doc.update(changes)
    return doc


def read(doc=None):
    if doc is None:
        found = Call("GET", DATAFEED, status=404, reply=es.error(404, "resource_not_found_exception",
                                                                 "No datafeed with id [datafeed-web] exists"))
    else:
        found = Call("GET", DATAFEED, reply=es.datafeeds_page(doc))
    return [es.get_root(), found]


def state(datafeed_state):
    stats = es.datafeed_stats("datafeed-web", datafeed_state)
    return Call("GET", DATAFEED + "/_stats", reply=es.datafeed_stats_page(stats))


def args(**extra):
    return dict(dict(datafeed_id="datafeed-web", config=dict(CONFIG)), **extra)


def test_a_missing_datafeed_is_created(run):
    run.http.expect(*read())
    run.http.expect(Call("PUT", DATAFEED, body=CONFIG, reply=stored()))
    result = run.ok(ml_datafeed, dict(args(), _ansible_diff=True))
    assert (result["changed"], result["action"], result["job_id"]) == (True, "created", "web")
    assert result["diff"] == {"before": {}, "after": CONFIG}


def test_the_random_query_delay_and_other_defaults_are_never_a_change(run):
    run.http.expect(*read(stored()))
    result = run.ok(ml_datafeed, args())
    assert (result["changed"], result["action"]) == (False, "unchanged")


def test_a_change_is_updated_alone(run):
    run.http.expect(*read(stored()), state("stopped"))
    run.http.expect(Call("POST", DATAFEED + "/_update", body={"query_delay": "90s"}, reply=stored()))
    result = run.ok(ml_datafeed, args(config=dict(CONFIG, query_delay="90000ms"), _ansible_diff=True))
    assert (result["changed"], result["changed_keys"]) == (True, ["query_delay"])
    assert result["update_body"] == {"query_delay": "90s"}
    assert result["diff"]["before"]["query_delay"] == "83412ms" and result["diff"]["after"]["query_delay"] == "90s"


def test_check_mode_sends_gets_only(run):
    run.http.expect(*read(stored()), state("stopped"))
    result = run.ok(ml_datafeed, args(config=dict(CONFIG, scroll_size=10), _ansible_check_mode=True))
    assert (result["changed"], result["update_body"]) == (True, {"scroll_size": 10})
    assert set(run.http.methods) == {"GET"}


def test_a_started_datafeed_is_refused_naming_its_state(run):
    run.http.expect(*read(stored()), state("started"))
    result = run.fails(ml_datafeed, args(config=dict(CONFIG, scroll_size=10)))
    assert ("datafeed [datafeed-web] is started, and Elasticsearch refuses to change a datafeed while it runs"
            in result["msg"]) and "allow_restart=true" in result["msg"]
    assert set(run.http.methods) == {"GET"}


def test_allow_restart_stops_updates_and_starts_it(run):
    run.http.expect(*read(stored()), state("started"))
    # Its job must be able to run it again before it is stopped.
    run.http.expect(Call("GET", "/_ml/anomaly_detectors/web/_stats", params={"allow_no_match": "true"},
                         reply=es.stats_page(es.job_stats("web", "opened"))))
    run.http.expect(Call("POST", DATAFEED + "/_stop", params={"timeout": "5m"}, reply=es.STOPPED_TRUE),
                    Call("POST", DATAFEED + "/_update", body={"scroll_size": 10}, reply=stored()),
                    Call("POST", DATAFEED + "/_start", params={"timeout": "5m"}, reply={"started": True, "node": "n"}))
    result = run.ok(ml_datafeed, args(config=dict(CONFIG, scroll_size=10), allow_restart=True))
    assert (result["changed"], result["restarted"]) == (True, True)


def test_job_id_cannot_change(run):
    run.http.expect(*read(stored()))
    result = run.fails(ml_datafeed, args(config=dict(CONFIG, job_id="other")))
    assert result["msg"].startswith("Failed to declare the datafeed: job_id cannot be changed: datafeed "
                                    "[datafeed-web] feeds job [web] and the configuration names job [other]")
    assert result["not_updatable"] == ["job_id"] and result["action"] == "refused"


def test_recreate_moves_it_to_another_job(run):
    run.http.expect(*read(stored()), state("stopped"))
    config = dict(CONFIG, job_id="other")
    run.http.expect(Call("DELETE", DATAFEED, reply=es.ACK), Call("PUT", DATAFEED, body=config, reply=stored()))
    result = run.ok(ml_datafeed, args(config=config, recreate=True))
    assert (result["changed"], result["action"]) == (True, "recreated")


def test_absent_stops_then_deletes(run):
    run.http.expect(*read(stored()), state("started"))
    run.http.expect(Call("POST", DATAFEED + "/_stop", params={"timeout": "5m", "force": "true"},
                         reply=es.STOPPED_TRUE),
                    Call("DELETE", DATAFEED, reply=es.ACK))
    result = run.ok(ml_datafeed, dict(datafeed_id="datafeed-web", state="absent", force=True))
    assert (result["changed"], result["action"]) == (True, "deleted")


def test_absent_of_a_missing_datafeed_is_ok(run):
    run.http.expect(*read())
    result = run.ok(ml_datafeed, dict(datafeed_id="datafeed-web", state="absent"))
    assert (result["changed"], result["action"]) == (False, "already_absent")


def test_a_datafeed_id_elasticsearch_refuses_fails_before_any_request(run):
    result = run.fails(ml_datafeed, args(datafeed_id="Datafeed"))
    assert "Invalid datafeed_id; 'Datafeed'" in result["msg"] and run.http.calls == []


def test_a_running_datafeed_is_not_moved_to_a_job_that_could_not_run_it(run):
    run.http.expect(*read(stored()), state("started"))
    run.http.expect(Call("GET", "/_ml/anomaly_detectors/other/_stats", params={"allow_no_match": "true"},
                         reply=es.stats_page(es.job_stats("other", "closed"))))
    result = run.fails(ml_datafeed, args(config=dict(CONFIG, job_id="other"), recreate=True, allow_restart=True))
    assert ("datafeed [datafeed-web] is started, and job [other] it would feed is closed, so it could not be started "
            "again") in result["msg"]
    assert set(run.http.methods) == {"GET"} and result["update_body"] == {}
