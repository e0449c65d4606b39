"""Open job (lifecycle ref §5) and datafeeds: create, update, start, stats (lifecycle ref §6;
https://www.elastic.co/guide/en/elasticsearch/reference/current/ml-open-job.html,
https://www.elastic.co/guide/en/elasticsearch/reference/current/ml-put-datafeed.html).

State is set up through the real APIs (PUT job, _open, PUT datafeed, _start) wherever that is
natural; only ML node capacity and the simulated model size need the /_sim admin API.
"""

from __future__ import annotations

import re

import pytest

from simhelpers import assert_es_error, job_body, seed_job

CONFLICT = "status_exception"
NOT_FOUND = "resource_not_found_exception"
MS = re.compile(r"(\d+)ms")


def make_job(sim, job_id="j", **extra):
    r = sim.put(sim.jobs_path(job_id), json_body=dict(job_body(), **extra))
    assert r.status_code == 200, r.text


def make_datafeed(sim, datafeed_id="d", job_id="j", **extra):
    r = sim.put(f"{sim.ml}/datafeeds/{datafeed_id}", json_body=dict({"job_id": job_id, "indices": ["logs-*"]},
                                                                  **extra))
    assert r.status_code == 200, r.text
    return r.json()


def opened(sim, job_id="j"):
    r = sim.open(job_id)
    assert r.status_code == 200, r.text
    return r.json()


def start(sim, datafeed_id="d", query=""):
    return sim.post(f"{sim.ml}/datafeeds/{datafeed_id}/_start{query}")


# ---- open ---------------------------------------------------------------------------------------

def test_open_answers_opened_and_node(sim):
    make_job(sim)
    body = opened(sim)
    assert body["opened"] is True
    node = sim.stats("j").json()["jobs"][0]["node"]["id"]
    assert body == {"opened": True, "node": node}
    assert sim.job_state("j") == "opened"


@pytest.mark.parametrize("version,with_node", [("7.7.1", False), ("7.8.0", True), ("9.1.0", True)])
def test_open_response_node_by_release(make_sim, version, with_node):
    sim = make_sim(version)
    make_job(sim)
    body = opened(sim)
    assert set(body) == ({"opened", "node"} if with_node else {"opened"}), body


@pytest.mark.parametrize("state", ["opened", "opening", "closing", "failed"])
def test_open_when_task_exists_is_409(slow_sim, state):
    slow_sim.load(seed_job("j", state))
    assert_es_error(slow_sim.open("j"), 409, CONFLICT, "Cannot open job [j] because it has already been opened")


def test_open_unknown_is_404(sim):
    assert_es_error(sim.open("nope"), 404, NOT_FOUND, "No known job with id 'nope'")


def test_open_job_being_deleted(sim):
    sim.load(seed_job("j", "closed", deleting=True))
    assert_es_error(sim.open("j"), 409, CONFLICT, "Cannot open job [j] because it is executing [delete]")


@pytest.mark.simulator_only("an open slower than a 50 ms timeout is the simulator's open delay")
def test_open_timeout_is_408_and_the_job_still_opens(slow_sim):
    make_job(slow_sim)
    assert_es_error(slow_sim.open("j", "?timeout=50ms"), 408, CONFLICT, "Opening job [j] timed out after [50ms]")
    assert slow_sim.job_state("j") == "opening"
    slow_sim.wait_state("j", "opened")


def test_open_without_capacity_is_429(sim):
    make_job(sim, "a")
    make_job(sim, "b")
    sim.settings(ml_node_capacity=1)
    opened(sim, "a")
    r = sim.open("b")
    cause = r.json()["error"]["caused_by"]
    assert cause["type"] == "illegal_state_exception", r.text
    assert cause["reason"].startswith(
        "Could not open job because no suitable nodes were found, allocation explanation ["), cause
    assert_es_error(r, 429, CONFLICT, "Could not open job because no ML nodes with sufficient capacity were found",
                    caused_by=(cause["type"], cause["reason"]))
    assert sim.job_state("b") == "closed"


def take_the_only_ml_slot(sim):
    make_job(sim, "a")
    make_job(sim, "lazy", allow_lazy_open=True)
    sim.settings(ml_node_capacity=1)
    opened(sim, "a")


def test_lazy_open_without_capacity(sim):
    take_the_only_ml_slot(sim)
    assert opened(sim, "lazy") == {"opened": True, "node": ""}
    stats = sim.stats("lazy").json()["jobs"][0]
    assert stats["state"] == "opening" and "node" not in stats, stats
    r = sim.close("lazy")
    assert (r.status_code, r.json()) == (200, {"closed": True}), r.text
    assert sim.job_state("lazy") == "closed"


def test_lazy_job_gets_a_node_when_one_frees_up(sim):
    take_the_only_ml_slot(sim)
    opened(sim, "lazy")
    assert sim.close("a").status_code == 200
    sim.wait_state("lazy", "opened")


def test_finished_time_set_on_close_cleared_on_open(sim):
    make_job(sim)
    assert "finished_time" not in sim.job_doc("j")
    opened(sim)
    assert sim.close("j").status_code == 200
    assert isinstance(sim.job_doc("j").get("finished_time"), int)
    opened(sim)
    assert "finished_time" not in sim.job_doc("j")


# ---- datafeed create ---------------------------------------------------------------------------

def test_put_datafeed_defaults(sim):
    make_job(sim)
    feed = make_datafeed(sim)
    assert feed["query"] == {"match_all": {}}
    assert feed["scroll_size"] == 1000
    assert feed["chunking_config"] == {"mode": "auto"}
    assert feed["delayed_data_check_config"] == {"enabled": True}
    assert feed["indices_options"] == {"expand_wildcards": ["open"], "ignore_unavailable": False,
                                       "allow_no_indices": True, "ignore_throttled": True}
    delay = MS.fullmatch(feed["query_delay"])
    assert delay and 60000 <= int(delay.group(1)) < 120000, feed
    assert sim.get(f"{sim.ml}/datafeeds/d").json()["datafeeds"][0] == feed


@pytest.mark.security_off
def test_put_datafeed_without_security_has_no_authorization(sim):
    make_job(sim)
    assert "authorization" not in make_datafeed(sim), "no credentials without security"


def test_default_query_delay_is_fixed_per_job_id(sim):
    make_job(sim)
    first = make_datafeed(sim)["query_delay"]
    assert sim.delete(f"{sim.ml}/datafeeds/d").status_code == 200
    assert make_datafeed(sim, "d2")["query_delay"] == first


def test_datafeed_with_histogram_aggregation_chunks_manually(sim):
    make_job(sim, analysis_config={"bucket_span": "15m", "summary_count_field_name": "doc_count",
                                   "detectors": [{"function": "count"}]})
    aggs = {"buckets": {"date_histogram": {"field": "timestamp", "fixed_interval": "5m"},
                        "aggregations": {"timestamp": {"max": {"field": "timestamp"}}}}}
    feed = make_datafeed(sim, aggregations=aggs)
    assert feed["chunking_config"] == {"mode": "manual", "time_span": "300000000ms"}


@pytest.mark.parametrize("body,message", [
    ({"job_id": "j", "indices": []}, "Invalid indices value '[]' in datafeed configuration"),
    ({"job_id": "j"}, "Invalid indices value '[]' in datafeed configuration"),
    ({"job_id": "j", "indices": ["i"], "max_empty_searches": 0},
     "Invalid max_empty_searches value '0' in datafeed configuration"),
])
def test_put_datafeed_value_checks(sim, body, message):
    make_job(sim)
    assert_es_error(sim.put(f"{sim.ml}/datafeeds/d", json_body=body), 400, "status_exception", message)


def test_put_datafeed_headers_refused(sim):
    make_job(sim)
    r = sim.put(f"{sim.ml}/datafeeds/d", json_body={"job_id": "j", "indices": ["i"], "headers": {"a": "b"}})
    err = assert_es_error(r, 400, "x_content_parse_exception")
    assert err["reason"].endswith("[datafeed_config] unknown field [headers]"), err


def test_put_datafeed_bad_query(sim):
    make_job(sim)
    r = sim.put(f"{sim.ml}/datafeeds/d", json_body={"job_id": "j", "indices": ["i"], "query": {"nope": {}}})
    err = assert_es_error(r, 400, "x_content_parse_exception")
    assert err["reason"].endswith("[datafeed_config] failed to parse field [query]"), err


def test_put_datafeed_when_job_has_one_even_identical(sim):
    make_job(sim)
    make_datafeed(sim)
    assert_es_error(sim.put(f"{sim.ml}/datafeeds/d", json_body={"job_id": "j", "indices": ["logs-*"]}), 409,
                    CONFLICT, "A datafeed [d] already exists for job [j]")
    assert_es_error(sim.put(f"{sim.ml}/datafeeds/other", json_body={"job_id": "j", "indices": ["i"]}), 409,
                    CONFLICT, "A datafeed [d] already exists for job [j]")


def test_put_datafeed_id_used_by_another_job(sim):
    make_job(sim, "a")
    make_job(sim, "b")
    make_datafeed(sim, "d", "a")
    assert_es_error(sim.put(f"{sim.ml}/datafeeds/d", json_body={"job_id": "b", "indices": ["i"]}), 400,
                    "resource_already_exists_exception", "A datafeed with id [d] already exists")


def test_put_datafeed_job_missing(sim):
    assert_es_error(sim.put(f"{sim.ml}/datafeeds/d", json_body={"job_id": "nope", "indices": ["i"]}), 404,
                    NOT_FOUND, "No known job with id 'nope'")


@pytest.mark.parametrize("field", ["indices", "indexes"])
def test_a_single_index_string_is_a_list_of_one(sim, field):
    # DatafeedConfig.createParser: declareStringArray(Builder::setIndices, INDICES / INDEXES);
    # AbstractObjectParser.parseArray takes a single value as a singleton list.
    make_job(sim)
    r = sim.put(f"{sim.ml}/datafeeds/d", json_body={"job_id": "j", field: "web-logs"})
    assert r.status_code == 200, r.text
    assert r.json()["indices"] == ["web-logs"]
    assert sim.get(f"{sim.ml}/datafeeds/d").json()["datafeeds"][0]["indices"] == ["web-logs"]
    r = sim.post(f"{sim.ml}/datafeeds/d/_update", json_body={field: "other-logs"})   # DatafeedUpdate's parser too
    assert r.status_code == 200, r.text
    assert r.json()["indices"] == ["other-logs"]


def test_embedded_datafeed_single_index_string(make_sim):
    sim = make_sim(min_version="7.11.0")
    r = sim.put(sim.jobs_path("j"), json_body=dict(job_body(), datafeed_config={"indices": "web-logs"}))
    assert r.status_code == 200, r.text
    assert sim.get(f"{sim.ml}/datafeeds/j").json()["datafeeds"][0]["indices"] == ["web-logs"]


def test_indices_options_object_fills_the_rest_from_the_search_defaults(sim):
    # YAML datafeeds_crud "Test put and update datafeed with indices options": the body's object is read by
    # IndicesOptions.fromMap over SearchRequest.DEFAULT_INDICES_OPTIONS; expand_wildcards renders in
    # WildcardStates order (open before closed).
    make_job(sim)
    feed = make_datafeed(sim, indices_options={"expand_wildcards": ["closed", "open"], "ignore_throttled": False})
    assert feed["indices_options"] == {"expand_wildcards": ["open", "closed"], "ignore_unavailable": False,
                                       "allow_no_indices": True, "ignore_throttled": False}
    r = sim.post(f"{sim.ml}/datafeeds/d/_update", json_body={"indices_options": {"ignore_throttled": True}})
    assert r.status_code == 200, r.text
    # DatafeedUpdate parses it the same way: the new object replaces the old one, it is not merged into it.
    assert r.json()["indices_options"] == {"expand_wildcards": ["open"], "ignore_unavailable": False,
                                           "allow_no_indices": True, "ignore_throttled": True}


@pytest.mark.parametrize("given,expected", [("all", ["open", "closed", "hidden"]), ("open,hidden", ["open", "hidden"]),
                                            (["none"], []), (["hidden", "open"], ["open", "hidden"])])
def test_indices_options_expand_wildcards_forms(sim, given, expected):
    # WildcardStates.parseParameter (nodeStringArrayValue: a list, or a comma-separated string; all, none).
    make_job(sim)
    feed = make_datafeed(sim, indices_options={"expand_wildcards": given})
    assert feed["indices_options"]["expand_wildcards"] == expected


def test_indices_options_bad_values(sim):
    # IndicesOptions.fromParameters: XContentMapValues.nodeBooleanValue ("Could not convert [name] to boolean",
    # an IllegalArgumentException, so its own root cause) and WildcardStates ("No valid expand wildcard value");
    # in the body the datafeed_config parser wraps the latter.
    make_job(sim)
    r = sim.put(f"{sim.ml}/datafeeds/d?ignore_unavailable=yes", json_body={"job_id": "j", "indices": ["i"]})
    reason = "Could not convert [ignore_unavailable] to boolean"
    assert_es_error(r, 400, "illegal_argument_exception", reason, root_cause=("illegal_argument_exception", reason),
                    caused_by=("illegal_argument_exception",
                               "Failed to parse value [yes] as only [true] or [false] are allowed."))
    r = sim.put(f"{sim.ml}/datafeeds/d", json_body={"job_id": "j", "indices": ["i"],
                                                    "indices_options": {"expand_wildcards": "bogus"}})
    err = assert_es_error(r, 400, "x_content_parse_exception")
    assert re.fullmatch(r"\[\d+:\d+\] \[datafeed_config\] failed to parse field \[indices_options\]", err["reason"])
    assert err["caused_by"] == {"type": "illegal_argument_exception",
                                "reason": "No valid expand wildcard value [bogus]"}
    assert not sim.datafeed_exists("d")


def test_update_indices_options_query_parameters_replace_the_body(sim):
    # UpdateDatafeedAction.Request.parseRequest sets the parameters' options after parsing the body.
    make_job(sim)
    make_datafeed(sim)
    r = sim.post(f"{sim.ml}/datafeeds/d/_update?allow_no_indices=false",
                 json_body={"indices_options": {"ignore_unavailable": True}})
    assert r.status_code == 200, r.text
    assert r.json()["indices_options"] == {"expand_wildcards": ["open"], "ignore_unavailable": False,
                                           "allow_no_indices": False, "ignore_throttled": True}


@pytest.mark.parametrize("version,present", [("6.8.23", False), ("7.6.2", False), ("7.7.0", True)])
def test_indices_options_by_release(make_sim, version, present):
    # Added in 7.7 (elastic/elasticsearch#52793, backport #52905): body field, query parameters, GET.
    sim = make_sim(version)
    make_job(sim)
    feed = make_datafeed(sim)
    assert ("indices_options" in feed) is present, feed
    r = sim.put(f"{sim.ml}/datafeeds/other", json_body={"job_id": "j", "indices": ["i"],
                                                         "indices_options": {"ignore_unavailable": True}})
    if present:
        assert_es_error(r, 409, CONFLICT, "A datafeed [d] already exists for job [j]")
    else:
        err = assert_es_error(r, 400, "x_content_parse_exception")
        assert err["reason"].endswith("[datafeed_config] unknown field [indices_options]"), err
        r = sim.post(f"{sim.ml}/datafeeds/d/_update?ignore_unavailable=true", json_body={})
        err = assert_es_error(r, 400, "illegal_argument_exception")
        assert "contains unrecognized parameter: [ignore_unavailable]" in err["reason"], err


def test_put_datafeed_indices_options_from_query(sim):
    make_job(sim)
    r = sim.put(f"{sim.ml}/datafeeds/d?ignore_unavailable=true&expand_wildcards=open,hidden",
                json_body={"job_id": "j", "indices": ["i"]})
    assert r.status_code == 200, r.text
    assert r.json()["indices_options"] == {"expand_wildcards": ["open", "hidden"], "ignore_unavailable": True,
                                           "allow_no_indices": True, "ignore_throttled": True}


def test_datafeed_authorization_from_creator(secure_sim):
    from simhelpers import basic

    h = basic("ml_admin")
    r = secure_sim.put(secure_sim.jobs_path("j"), json_body=job_body(), headers=h)
    assert r.status_code == 200, r.text
    r = secure_sim.put("/_ml/datafeeds/d", json_body={"job_id": "j", "indices": ["i"]}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["authorization"] == {"roles": ["machine_learning_admin"]}


# ---- exclude_generated for datafeeds (§4.2) -------------------------------------------------------

def test_datafeed_exclude_generated_drops_defaults(sim):
    make_job(sim)
    make_datafeed(sim)
    feed = sim.get(f"{sim.ml}/datafeeds/d?exclude_generated=true").json()["datafeeds"][0]
    for key in ("query_delay", "chunking_config", "indices_options", "authorization"):
        assert key not in feed, (key, feed)
    assert feed["indices"] == ["logs-*"] and feed["job_id"] == "j"


def test_datafeed_exclude_generated_keeps_non_defaults(sim):
    make_job(sim)
    make_datafeed(sim, query_delay="90s", chunking_config={"mode": "manual", "time_span": "1h"})
    feed = sim.get(f"{sim.ml}/datafeeds/d?exclude_generated=true").json()["datafeeds"][0]
    assert feed["query_delay"] == "90s"
    assert feed["chunking_config"] == {"mode": "manual", "time_span": "1h"}


def test_datafeed_export_can_be_put_back(sim):
    make_job(sim)
    make_datafeed(sim, query={"term": {"status": "500"}}, scroll_size=500)
    exported = sim.get(f"{sim.ml}/datafeeds/d?exclude_generated=true").json()["datafeeds"][0]
    assert sim.delete(f"{sim.ml}/datafeeds/d").status_code == 200
    r = sim.put(f"{sim.ml}/datafeeds/d", json_body=exported)
    assert r.status_code == 200, r.text
    assert sim.get(f"{sim.ml}/datafeeds/d?exclude_generated=true").json()["datafeeds"][0] == exported


# ---- datafeed update (§6.4) -----------------------------------------------------------------------

def test_update_datafeed_answers_full_datafeed(sim):
    make_job(sim)
    make_datafeed(sim)
    r = sim.post(f"{sim.ml}/datafeeds/d/_update", json_body={"indices": ["other-*"], "scroll_size": 50})
    assert r.status_code == 200, r.text
    feed = r.json()
    assert (feed["indices"], feed["scroll_size"], feed["job_id"]) == (["other-*"], 50, "j")
    assert feed == sim.get(f"{sim.ml}/datafeeds/d").json()["datafeeds"][0]


def test_update_started_datafeed_is_409(sim):
    make_job(sim)
    make_datafeed(sim)
    opened(sim)
    assert start(sim).status_code == 200
    assert_es_error(sim.post(f"{sim.ml}/datafeeds/d/_update", json_body={"scroll_size": 5}), 409, CONFLICT,
                    "Cannot update datafeed [d] while its status is started")


def test_update_datafeed_job_id_change(sim):
    make_job(sim)
    make_job(sim, "other")
    make_datafeed(sim)
    assert_es_error(sim.post(f"{sim.ml}/datafeeds/d/_update", json_body={"job_id": "other"}), 400, CONFLICT,
                    "Datafeed's job_id cannot be changed.")


def test_update_unknown_datafeed(sim):
    assert_es_error(sim.post(f"{sim.ml}/datafeeds/nope/_update", json_body={"scroll_size": 5}), 404, NOT_FOUND,
                    "No datafeed with id [nope] exists")


# ---- datafeed start (§6.5) ------------------------------------------------------------------------

def test_start_answers_started_and_node(sim):
    make_job(sim)
    make_datafeed(sim)
    opened(sim)
    r = start(sim)
    assert r.status_code == 200, r.text
    node = sim.stats("j").json()["jobs"][0]["node"]["id"]
    assert r.json() == {"started": True, "node": node}


@pytest.mark.parametrize("state", ["closed", "failed"])
def test_start_with_job_not_open(sim, state):
    make_job(sim)
    make_datafeed(sim)
    if state == "failed":
        opened(sim)
        sim.fail_job("j")
    assert_es_error(start(sim), 409, CONFLICT, f"cannot start datafeed [d] because job [j] is {state}")


def test_start_twice(sim):
    make_job(sim)
    make_datafeed(sim)
    opened(sim)
    assert start(sim).status_code == 200
    assert_es_error(start(sim), 409, CONFLICT, "cannot start datafeed [d] because it has already been started")


def test_start_unknown(sim):
    assert_es_error(start(sim, "nope"), 404, NOT_FOUND, "No datafeed with id [nope] exists")


def test_start_end_before_start(sim):
    make_job(sim)
    make_datafeed(sim)
    opened(sim)
    assert_es_error(start(sim, query="?start=1485910800000&end=1485907200000"), 400,
                    "action_request_validation_exception",
                    "Validation Failed: 1: start [1485910800000] must be earlier than end [1485907200000];")


def test_start_bad_date(sim):
    make_job(sim)
    make_datafeed(sim)
    assert_es_error(start(sim, query="?start=yesterday"), 400, "parse_exception",
                    "Query param [start] with value [yesterday] cannot be parsed as a date or converted to a number "
                    "(epoch).")


@pytest.mark.simulator_only("a job still opening after 10 ms is the simulator's open delay")
def test_start_while_the_job_opens_on_a_node(slow_sim):
    # The datafeed task goes to the job's node (DatafeedNodeSelector: opening is allowed), whose DatafeedRunner
    # sets STARTED before it waits for the job (runWhenJobIsOpened): the start's predicate is met, with that node.
    make_job(slow_sim)
    make_datafeed(slow_sim)
    r = slow_sim.open("j", "?timeout=10ms")
    assert r.status_code == 408, r.text
    r = start(slow_sim, query="?timeout=20ms")
    assert r.status_code == 200, r.text
    assert r.json() == {"started": True, "node": slow_sim.stats("j").json()["jobs"][0]["node"]["id"]}
    assert slow_sim.datafeed_state("d") == "started"
    assert slow_sim.job_state("j") == "opening"


def test_start_while_the_job_waits_for_a_node(sim):
    # TransportStartDatafeedAction.DatafeedPredicate: the assignment AWAITING_JOB_ASSIGNMENT
    # ("datafeed awaiting job assignment.") ends the wait at once with node "" (elastic/elasticsearch#53918,
    # 7.7); MlTasks.getDatafeedState: a task without a state is `starting`.
    take_the_only_ml_slot(sim)
    make_datafeed(sim, "d", "lazy")
    assert opened(sim, "lazy") == {"opened": True, "node": ""}
    r = start(sim)
    assert (r.status_code, r.json()) == (200, {"started": True, "node": ""}), r.text
    stats = sim.get(f"{sim.ml}/datafeeds/d/_stats").json()["datafeeds"][0]
    assert stats["state"] == "starting" and "node" not in stats, stats
    assert stats["assignment_explanation"] == "datafeed awaiting job assignment."
    assert_es_error(start(sim), 409, CONFLICT, "cannot start datafeed [d] because it has already been started")
    assert sim.close("a").status_code == 200      # a slot frees: the job gets a node, the datafeed runs there
    sim.wait_state("lazy", "opened")
    assert sim.datafeed_state("d") == "started"


@pytest.mark.parametrize("version,answer", [("7.6.2", None), ("7.7.0", {"started": True})])
def test_start_while_the_job_waits_for_a_node_by_release(make_sim, version, answer):
    # Before 7.7 the unassigned datafeed task failed the predicate: 429 "Could not start datafeed, allocation
    # explanation []" (elastic/elasticsearch#53763); `node` is in start answers from 7.8.
    sim = make_sim(version)
    take_the_only_ml_slot(sim)
    make_datafeed(sim, "d", "lazy")
    opened(sim, "lazy")
    if answer is None:
        assert_es_error(start(sim), 429, CONFLICT, "Could not start datafeed, allocation explanation []")
        assert sim.datafeed_state("d") == "stopped"
    else:
        r = start(sim)
        assert (r.status_code, r.json()) == (200, answer), r.text
        assert sim.datafeed_state("d") == "starting"


def test_stop_a_datafeed_waiting_for_its_job(sim):
    # #53918: a `starting` datafeed can be stopped, with or without force.
    take_the_only_ml_slot(sim)
    make_datafeed(sim, "d", "lazy")
    opened(sim, "lazy")
    assert start(sim).status_code == 200
    r = sim.post(f"{sim.ml}/datafeeds/d/_stop")
    assert (r.status_code, r.json()) == (200, {"stopped": True}), r.text
    assert sim.datafeed_state("d") == "stopped"


def test_started_datafeed_stats_running_state(sim):
    make_job(sim)
    make_datafeed(sim)
    opened(sim)
    assert start(sim).status_code == 200
    stats = sim.get(f"{sim.ml}/datafeeds/d/_stats").json()["datafeeds"][0]
    assert stats["state"] == "started"
    assert stats["running_state"] == {"real_time_configured": True, "real_time_running": True}


def test_stop_already_stopped_is_200(sim):
    make_job(sim)
    make_datafeed(sim)
    for _ in range(2):
        r = sim.post(f"{sim.ml}/datafeeds/d/_stop")
        assert (r.status_code, r.json()) == (200, {"stopped": True}), r.text
