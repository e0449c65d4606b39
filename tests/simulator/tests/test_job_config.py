"""Create and update anomaly-detection jobs, and export them with exclude_generated
(lifecycle ref §2, §3, §4; https://www.elastic.co/guide/en/elasticsearch/reference/current/ml-put-job.html).

State is set up through the real APIs only, so these tests can later run against a real cluster.
"""

from __future__ import annotations

import re
import time

import pytest

from simhelpers import ALL_VERSIONS, INVALID_ID_TEMPLATE, assert_es_error, job_body, vtuple

IAE = "illegal_argument_exception"
EXISTS = "resource_already_exists_exception"


def put(sim, job_id, body):
    return sim.put(sim.jobs_path(job_id), json_body=body)


def created(sim, job_id, body=None):
    r = put(sim, job_id, body or job_body())
    assert r.status_code == 200, r.text
    return r.json()


def update(sim, job_id, body):
    return sim.post(f"{sim.jobs_path(job_id)}/_update", json_body=body)


# ---- §2.4 validation, in Elasticsearch's order --------------------------------------------------

def test_unknown_field_is_a_strict_parse_error(sim):
    body = dict(job_body(), bogus=1)
    err = assert_es_error(put(sim, "j", body), 400, "x_content_parse_exception")
    assert re.fullmatch(r"\[\d+:\d+\] \[job_details\] unknown field \[bogus\]", err["reason"]), err


def test_body_id_must_match_path(sim):
    body = dict(job_body(), job_id="b")
    assert_es_error(put(sim, "a", body), 400, IAE,
                    "Inconsistent job_id; 'b' specified in the body differs from 'a' specified as a URL argument")


@pytest.mark.parametrize("missing,message", [("analysis_config", "An analysis_config must be set"),
                                             ("data_description", "A data_description must be set")])
def test_required_sections_are_illegal_argument(sim, missing, message):
    body = job_body()
    del body[missing]
    assert_es_error(put(sim, "j", body), 400, IAE, message)
    assert not sim.job_exists("j")


def test_section_checks_come_before_the_id_check(sim):
    body = job_body()
    del body["analysis_config"]
    assert_es_error(put(sim, "Bad*", body), 400, IAE, "An analysis_config must be set")


def test_time_field_in_a_detector(sim):
    body = job_body()
    body["analysis_config"]["detectors"] = [{"function": "mean", "field_name": "timestamp"}]
    assert_es_error(put(sim, "j", body), 400, IAE,
                    "data_description.time_field may not be used in the analysis_config")


@pytest.mark.parametrize("field,value,message", [
    ("model_snapshot_retention_days", -1, "model_snapshot_retention_days cannot be less than 0. Value = -1"),
    ("daily_model_snapshot_retention_after_days", -1,
     "daily_model_snapshot_retention_after_days cannot be less than 0. Value = -1"),
    ("renormalization_window_days", -1, "renormalization_window_days cannot be less than 0. Value = -1"),
])
def test_negative_values(sim, field, value, message):
    assert_es_error(put(sim, "j", dict(job_body(), **{field: value})), 400, IAE, message)


def test_daily_retention_above_snapshot_retention(sim):
    body = dict(job_body(), model_snapshot_retention_days=3, daily_model_snapshot_retention_after_days=4)
    assert_es_error(put(sim, "j", body), 400, IAE, "The value of daily_model_snapshot_retention_after_days [4] "
                                                   "cannot be greater than model_snapshot_retention_days [3]")


def test_invalid_id_and_too_long(sim):
    assert_es_error(put(sim, "J*", job_body()), 400, IAE, INVALID_ID_TEMPLATE.format("J*"))
    assert_es_error(put(sim, "x" * 65, job_body()), 400, IAE, "The job id cannot contain more than 64 characters.")


def test_invalid_group(sim):
    assert_es_error(put(sim, "j", job_body(groups=["G"])), 400, IAE,
                    "Invalid group id 'G'; must be non-empty string and may contain lowercase alphanumeric "
                    "(a-z and 0-9), hyphens or underscores; must start and end with alphanumeric")


def test_group_equal_to_own_id(sim):
    assert_es_error(put(sim, "j", job_body(groups=["j"])), 400, EXISTS,
                    "job and group names must be unique but job [j] and group [j] have the same name")


def test_duplicate_detectors(sim):
    body = job_body()
    body["analysis_config"]["detectors"] = [{"function": "count"}, {"function": "count"}]
    assert_es_error(put(sim, "j", body), 400, IAE, "Duplicate detectors are not allowed: [count]")


@pytest.mark.parametrize("fields,listed", [
    (("create_time",), "create_time"),
    (("create_time", "model_snapshot_id"), "model_snapshot_id,create_time"),
    (("finished_time", "create_time", "model_snapshot_id"), "model_snapshot_id,finished_time,create_time"),
])
def test_create_only_fields(sim, fields, listed):
    body = dict(job_body(), **{f: (1 if f.endswith("time") else "s1") for f in fields})
    assert_es_error(put(sim, "j", body), 400, IAE,
                    f"The job is configured with fields [{listed}] that are illegal to set at job creation")


def test_already_exists_even_identical(sim):
    created(sim, "j")
    assert_es_error(put(sim, "j", job_body()), 400, EXISTS,
                    "The job cannot be created with the Id 'j'. The Id is already used.")


def test_job_id_equal_to_existing_group(sim):
    created(sim, "a", job_body(groups=["web"]))
    assert_es_error(put(sim, "web", job_body()), 400, EXISTS,
                    "job and group names must be unique but job [web] and group [web] have the same name")


def test_group_equal_to_existing_job(sim):
    created(sim, "a")
    assert_es_error(put(sim, "b", job_body(groups=["a"])), 400, EXISTS,
                    "job and group names must be unique but job [a] and group [a] have the same name")


def test_model_memory_limit_above_max(sim):
    sim.settings(max_model_memory_limit="512mb")
    body = dict(job_body(), analysis_limits={"model_memory_limit": "1gb"})
    err = assert_es_error(put(sim, "j", body), 400)
    assert err["reason"].startswith("model_memory_limit [") and \
        "must be less than the value of the xpack.ml.max_model_memory_limit setting [" in err["reason"], err


def test_default_model_memory_limit_follows_a_lower_max(sim):
    sim.settings(max_model_memory_limit="512mb")
    assert created(sim, "j")["analysis_limits"]["model_memory_limit"] == "512mb"


# ---- §2.3 defaults and normalisation -------------------------------------------------------------

def test_defaults(make_sim):
    sim = make_sim(min_version="8.12.0")  # the ML config version as job_version
    before = int(time.time() * 1000)
    job = created(sim, "j")
    assert job["job_type"] == "anomaly_detector"
    assert job["job_version"] == "12.0.0"                 # 8.15: the ML config version
    assert isinstance(job["create_time"], int) and before <= job["create_time"] <= int(time.time() * 1000) + 1
    assert job["analysis_limits"] == {"model_memory_limit": "1024mb", "categorization_examples_limit": 4}
    assert job["model_snapshot_retention_days"] == 10
    assert job["daily_model_snapshot_retention_after_days"] == 1
    assert job["results_index_name"] == "shared"
    assert job["allow_lazy_open"] is False
    assert "groups" not in job
    assert job["analysis_config"]["detectors"] == [
        {"detector_description": "count", "function": "count", "detector_index": 0}]
    assert job == sim.job_doc("j"), "the PUT answer is the job as GET shows it"


# Up to 8.9 a job stores the release's own number; later releases store the ML config version.
@pytest.mark.parametrize("version,expected", [("7.17.20", "own"), ("8.6.2", "own"), ("9.1.0", "12.0.0")])
def test_job_version_by_release(make_sim, version, expected):
    sim = make_sim(version)
    assert created(sim, "j")["job_version"] == (sim.version if expected == "own" else expected)


@pytest.mark.parametrize("given,expected", [(2048, "2048mb"), ("3000g", "3072000mb"), ("2GB", "2048mb"),
                                            ("512mb", "512mb"), ("1048576b", "1mb")])
def test_model_memory_limit_rendered_in_mb(sim, given, expected):
    job = created(sim, "j", dict(job_body(), analysis_limits={"model_memory_limit": given}))
    assert job["analysis_limits"]["model_memory_limit"] == expected


def test_daily_retention_only_when_retention_above_one(sim):
    assert "daily_model_snapshot_retention_after_days" not in created(
        sim, "a", dict(job_body(), model_snapshot_retention_days=1))
    assert created(sim, "b", dict(job_body(), model_snapshot_retention_days=5))[
        "daily_model_snapshot_retention_after_days"] == 1


@pytest.mark.parametrize("given,expected", [("x", "custom-x"), ("custom-x", "custom-x"), ("shared", "shared")])
def test_results_index_name(sim, given, expected):
    assert created(sim, "j", dict(job_body(), results_index_name=given))["results_index_name"] == expected


@pytest.mark.parametrize("short,full", [("nzc", "non_zero_count"), ("low_nzc", "low_non_zero_count"),
                                        ("high_nzc", "high_non_zero_count"), ("dc", "distinct_count"),
                                        ("low_dc", "low_distinct_count"), ("high_dc", "high_distinct_count")])
def test_function_shortcuts_expanded(sim, short, full):
    body = job_body()
    body["analysis_config"]["detectors"] = [{"function": short, "field_name": "bytes"}]
    detector = created(sim, "j", body)["analysis_config"]["detectors"][0]
    assert detector["function"] == full
    assert detector["detector_description"] == f"{full}(bytes)"


def test_unknown_function(sim):
    body = job_body()
    body["analysis_config"]["detectors"] = [{"function": "nope"}]
    err = assert_es_error(put(sim, "j", body), 400, "x_content_parse_exception")
    assert "[job_details] failed to parse field [analysis_config]" in err["reason"], err
    cause = err["caused_by"]
    while "caused_by" in cause:
        cause = cause["caused_by"]
    assert cause == {"type": IAE, "reason": "Unknown function 'nope'"}


def test_custom_rule_defaults(sim):
    body = job_body()
    body["analysis_config"]["detectors"] = [{"function": "count", "by_field_name": "host", "custom_rules": [
        {"scope": {"host": {"filter_id": "safe_hosts"}}}]}]
    rule = created(sim, "j", body)["analysis_config"]["detectors"][0]["custom_rules"][0]
    assert rule["actions"] == ["skip_result"]
    assert rule["scope"]["host"] == {"filter_id": "safe_hosts", "filter_type": "include"}


def test_detector_description_kept_when_given(sim):
    body = job_body()
    body["analysis_config"]["detectors"] = [{"function": "count", "detector_description": "mine"}]
    assert created(sim, "j", body)["analysis_config"]["detectors"][0]["detector_description"] == "mine"


@pytest.mark.parametrize("version,generated", [("7.13.4", False), ("7.14.2", True), ("8.15.0", True)])
def test_default_categorization_analyzer(make_sim, version, generated):
    sim = make_sim(version)
    body = job_body()
    body["analysis_config"].update(categorization_field_name="message", categorization_filters=["\\d+"],
                                   detectors=[{"function": "count", "by_field_name": "mlcategory"}])
    analysis = created(sim, "j", body)["analysis_config"]
    if generated:
        analyzer = analysis["categorization_analyzer"]
        assert analyzer["tokenizer"] == "ml_standard"
        assert analyzer["char_filter"] == ["first_non_blank_line", {"type": "pattern_replace", "pattern": "\\d+"}]
        assert "categorization_filters" not in analysis
    else:
        assert "categorization_analyzer" not in analysis
        assert analysis["categorization_filters"] == ["\\d+"]


# ---- per_partition_categorization (PerPartitionCategorizationConfig) ------------------------------
# AnalysisConfig.toXContent writes it whenever categorization_field_name is set (the server's config is
# never null: enabled false by default), and never without categorization; its toXContent writes
# stop_on_warn only when enabled. The field arrived in 7.9.

def partitioned_categorization_body(**per_partition):
    body = job_body()
    body["analysis_config"].update(categorization_field_name="message",
                                   detectors=[{"function": "count", "by_field_name": "mlcategory",
                                               "partition_field_name": "host"}])
    if per_partition:
        body["analysis_config"]["per_partition_categorization"] = per_partition
    return body


@pytest.mark.parametrize("given,expected", [
    ({}, {"enabled": False}),
    ({"enabled": False}, {"enabled": False}),
    ({"enabled": True}, {"enabled": True, "stop_on_warn": False}),
    ({"enabled": True, "stop_on_warn": True}, {"enabled": True, "stop_on_warn": True}),
])
def test_per_partition_categorization_shown_with_categorization(make_sim, given, expected):
    sim = make_sim(min_version="7.9.0")
    job = created(sim, "j", partitioned_categorization_body(**given))
    assert job["analysis_config"]["per_partition_categorization"] == expected
    assert sim.job_doc("j")["analysis_config"]["per_partition_categorization"] == expected


def test_per_partition_categorization_not_shown_without_categorization(make_sim):
    sim = make_sim(min_version="7.9.0")
    assert "per_partition_categorization" not in created(sim, "j")["analysis_config"]


def test_per_partition_stop_on_warn_needs_enabled(make_sim):
    sim = make_sim(min_version="7.9.0")
    r = put(sim, "j", partitioned_categorization_body(enabled=False, stop_on_warn=True))
    assert r.status_code == 400, r.text
    assert "stop_on_warn cannot be true in per_partition_categorization when enabled is false" in r.text


def test_per_partition_stop_on_warn_updated_and_shown(make_sim):
    sim = make_sim(min_version="7.9.0")
    created(sim, "j", partitioned_categorization_body(enabled=True))
    r = update(sim, "j", {"per_partition_categorization": {"enabled": True, "stop_on_warn": True}})
    assert r.status_code == 200, r.text
    assert r.json()["analysis_config"]["per_partition_categorization"] == {"enabled": True, "stop_on_warn": True}


# ---- string arrays: a single string is a list of one --------------------------------------------
# Job, AnalysisConfig, DetectionRule and JobUpdate declare these with declareStringArray, and
# AbstractObjectParser.parseArray reads a single value as a singleton list.

def test_single_strings_for_string_arrays_on_put(sim):
    body = job_body()
    body["groups"] = "web"
    body["analysis_config"]["influencers"] = "host"
    body["analysis_config"]["detectors"] = [{"function": "count", "by_field_name": "host", "custom_rules": [
        {"actions": "skip_model_update", "conditions": [{"applies_to": "actual", "operator": "gt", "value": 1}]}]}]
    job = created(sim, "j", body)
    assert job["groups"] == ["web"]
    assert job["analysis_config"]["influencers"] == ["host"]
    assert job["analysis_config"]["detectors"][0]["custom_rules"][0]["actions"] == ["skip_model_update"]
    assert sim.job_doc("j")["groups"] == ["web"]


def test_single_categorization_filter_string(make_sim):
    sim = make_sim(min_version="7.14.0")
    body = job_body()
    body["analysis_config"].update(categorization_field_name="message", categorization_filters="\\d+",
                                   detectors=[{"function": "count", "by_field_name": "mlcategory"}])
    analyzer = created(sim, "j", body)["analysis_config"]["categorization_analyzer"]
    assert analyzer["char_filter"] == ["first_non_blank_line", {"type": "pattern_replace", "pattern": "\\d+"}]


def test_single_group_string_on_update(sim):
    created(sim, "j")
    r = update(sim, "j", {"groups": "web"})
    assert r.status_code == 200, r.text
    assert r.json()["groups"] == ["web"]


# ---- model_plot_config (ModelPlotConfig) ----------------------------------------------------------
# annotations_enabled defaults to `enabled` (the constructor: annotationsEnabled != null ? annotationsEnabled
# : enabled) and toXContent always writes it; the field and its wire gate (V_7_9_0) arrived in 7.9.

@pytest.mark.parametrize("given,expected", [
    ({"enabled": True}, {"enabled": True, "annotations_enabled": True}),
    ({"enabled": False, "terms": "a,b"}, {"enabled": False, "terms": "a,b", "annotations_enabled": False}),
    ({"enabled": True, "annotations_enabled": False}, {"enabled": True, "annotations_enabled": False}),
])
def test_model_plot_annotations_enabled_on_put_and_get(make_sim, given, expected):
    sim = make_sim(min_version="7.9.0")
    assert created(sim, "j", dict(job_body(), model_plot_config=given))["model_plot_config"] == expected
    assert sim.job_doc("j")["model_plot_config"] == expected
    assert sim.get_jobs("j", "?exclude_generated=true").json()["jobs"][0]["model_plot_config"] == expected


def test_model_plot_annotations_enabled_after_update(make_sim):
    # YAML jobs_crud "Test update job": model_plot_config {enabled: false, terms: foobar} -> annotations_enabled false
    sim = make_sim(min_version="7.9.0")
    created(sim, "j", dict(job_body(), model_plot_config={"enabled": True, "terms": "foo,bar"}))
    r = update(sim, "j", {"model_plot_config": {"enabled": False, "terms": "foobar"}})
    assert r.status_code == 200, r.text
    assert r.json()["model_plot_config"] == {"enabled": False, "terms": "foobar", "annotations_enabled": False}


@pytest.mark.parametrize("version", ["7.8.0", "6.8.23"])
def test_model_plot_before_annotations(make_sim, version):
    sim = make_sim(version)
    job = created(sim, "j", dict(job_body(), model_plot_config={"enabled": True}))
    assert job["model_plot_config"] == {"enabled": True}
    r = put(sim, "k", dict(job_body(), model_plot_config={"enabled": True, "annotations_enabled": True}))
    err = assert_es_error(r, 400, "x_content_parse_exception")
    assert err["caused_by"]["type"] == "x_content_parse_exception", err
    assert re.fullmatch(r"\[\d+:\d+\] \[job_details\] failed to parse field \[model_plot_config\]", err["reason"])
    assert re.fullmatch(r"\[\d+:\d+\] \[model_plot_config\] unknown field \[annotations_enabled\]",
                        err["caused_by"]["reason"]), err


# ---- categorization_filters with a categorization_analyzer -----------------------------------------
# AnalysisConfig.Builder.build -> verifyCategorizationFilters, run on the merged config of an update
# (JobUpdate.mergeWithJob -> Job.Builder.setAnalysisConfig) and on PUT inside the job_details parser;
# ExceptionsHelper.badRequestException: 400 status_exception; Messages.JOB_CONFIG_CATEGORIZATION_FILTERS_*.

def categorization_job(sim, job_id="j", **analysis):
    body = job_body()
    body["analysis_config"].update(categorization_field_name="message",
                                   detectors=[{"function": "count", "by_field_name": "mlcategory"}], **analysis)
    return created(sim, job_id, body)


def test_update_categorization_filters_refused_with_an_analyzer(make_sim):
    sim = make_sim(min_version="7.14.0")   # the standard analyzer is generated at creation from 7.14
    categorization_job(sim)
    assert_es_error(update(sim, "j", {"categorization_filters": ["\\d+"]}), 400, "status_exception",
                    "categorization_filters cannot be used with categorization_analyzer - instead specify them "
                    "as pattern_replace char_filters in the analyzer")
    assert "categorization_filters" not in sim.job_doc("j")["analysis_config"]


def test_update_categorization_filters_without_an_analyzer(make_sim):
    sim = make_sim("7.13.4")
    categorization_job(sim, categorization_filters=["a"])
    r = update(sim, "j", {"categorization_filters": ["b", "c"]})
    assert r.status_code == 200, r.text
    assert r.json()["analysis_config"]["categorization_filters"] == ["b", "c"]
    for filters, message in ((["b", "b"], "categorization_filters contain duplicates"),
                             (["b", ""], "categorization_filters are not allowed to contain empty strings")):
        assert_es_error(update(sim, "j", {"categorization_filters": filters}), 400, "status_exception", message)


def test_update_categorization_filters_need_a_categorization_field(sim):
    created(sim, "j")
    assert_es_error(update(sim, "j", {"categorization_filters": ["a"]}), 400, "status_exception",
                    "categorization_filters require setting categorization_field_name")
    r = update(sim, "j", {"categorization_filters": []})   # an empty list passes the check
    assert r.status_code == 200, r.text


def test_put_categorization_filters_with_an_analyzer(sim):
    body = job_body()
    body["analysis_config"].update(categorization_field_name="message", categorization_filters=["a"],
                                   categorization_analyzer={"tokenizer": "ml_standard"},
                                   detectors=[{"function": "count", "by_field_name": "mlcategory"}])
    err = assert_es_error(put(sim, "j", body), 400, "x_content_parse_exception", caused_by=(
        "status_exception", "categorization_filters cannot be used with categorization_analyzer - instead specify "
        "them as pattern_replace char_filters in the analyzer"))
    assert re.fullmatch(r"\[\d+:\d+\] \[job_details\] failed to parse field \[analysis_config\]", err["reason"])


# ---- embedded datafeed_config (§2.2, 7.11+) -------------------------------------------------------

def test_embedded_datafeed_id_defaults_to_job_id(make_sim):
    sim = make_sim(min_version="8.0.0")  # GET jobs embeds the datafeed
    body = dict(job_body(), datafeed_config={"indices": ["logs-*"]})
    job = created(sim, "j", body)
    assert job["datafeed_config"]["datafeed_id"] == "j"
    assert job["datafeed_config"]["job_id"] == "j"
    assert sim.datafeed_state("j") == "stopped"


@pytest.mark.parametrize("version,accepted", [("7.10.2", False), ("7.11.0", True), ("7.17.20", True)])
def test_embedded_datafeed_by_release(make_sim, version, accepted):
    sim = make_sim(version)
    r = put(sim, "j", dict(job_body(), datafeed_config={"datafeed_id": "d", "indices": ["logs-*"]}))
    if accepted:
        assert r.status_code == 200, r.text
        assert sim.datafeed_exists("d")
    else:
        err = assert_es_error(r, 400, "x_content_parse_exception")
        assert err["reason"].endswith("[job_details] unknown field [datafeed_config]"), err


# ---- §3 update ----------------------------------------------------------------------------------

def test_update_answers_the_full_job(sim):
    created(sim, "j")
    r = update(sim, "j", {"description": "new", "groups": ["g1", "g2"], "custom_settings": {"a": 1}})
    assert r.status_code == 200, r.text
    job = r.json()
    assert (job["description"], job["groups"], job["custom_settings"]) == ("new", ["g1", "g2"], {"a": 1})
    assert job == sim.job_doc("j")


def test_noop_update_is_200(sim):
    job = created(sim, "j")
    r = update(sim, "j", {"description": job.get("description")})
    assert r.status_code == 200, r.text


def test_update_job_id_in_body_is_ignored(sim):
    created(sim, "j")
    r = update(sim, "j", {"job_id": "other", "description": "d"})
    assert r.status_code == 200 and r.json()["job_id"] == "j", r.text


@pytest.mark.parametrize("field", ["analysis_config", "data_description", "results_index_name", "create_time"])
def test_update_non_updatable_field(sim, field):
    created(sim, "j")
    err = assert_es_error(update(sim, "j", {field: {}}), 400, "x_content_parse_exception")
    assert re.fullmatch(rf"\[\d+:\d+\] \[job_update\] unknown field \[{field}\]", err["reason"]), err


@pytest.mark.parametrize("version,field,accepted", [
    ("7.4.2", "allow_lazy_open", False), ("7.5.0", "allow_lazy_open", True),
    ("7.7.1", "daily_model_snapshot_retention_after_days", False),
    ("7.8.0", "daily_model_snapshot_retention_after_days", True),
    ("7.14.2", "system_annotations_retention_days", False), ("7.15.0", "system_annotations_retention_days", True),
])
def test_updatable_fields_by_release(make_sim, version, field, accepted):
    sim = make_sim(version)
    created(sim, "j")
    value = True if field == "allow_lazy_open" else 1
    r = update(sim, "j", {field: value})
    if accepted:
        assert r.status_code == 200, r.text
        assert r.json()[field] == value
    else:
        err = assert_es_error(r, 400, "x_content_parse_exception")
        assert err["reason"].endswith(f"[job_update] unknown field [{field}]"), err


def test_update_all_is_400(sim):
    assert_es_error(update(sim, "_all", {"description": "x"}), 400, "status_exception",
                    "Cannot update more than 1 job at a time")


def test_update_unknown_job(sim):
    assert_es_error(update(sim, "nope", {"description": "x"}), 404, "resource_not_found_exception",
                    "No known job with id 'nope'")


def test_update_model_memory_limit_while_opened(sim):
    created(sim, "j")
    assert sim.open("j").status_code == 200
    assert_es_error(update(sim, "j", {"analysis_limits": {"model_memory_limit": "512mb"}}), 400,
                    "status_exception", "Cannot update analysis_limits while the job is open")
    r = update(sim, "j", {"description": "other fields may change while open"})
    assert r.status_code == 200, r.text


def test_update_model_memory_limit_below_current_usage(sim):
    sim.load({"job_id": "j", "state": "closed", "model_bytes": 300 * 1024 * 1024})
    assert_es_error(update(sim, "j", {"analysis_limits": {"model_memory_limit": "100mb"}}), 400, "status_exception",
                    "Invalid update value for analysis_limits: model_memory_limit cannot be decreased below current "
                    "usage; current usage [300mb], update had [100mb]")
    r = update(sim, "j", {"analysis_limits": {"model_memory_limit": "400mb"}})
    assert r.status_code == 200 and r.json()["analysis_limits"]["model_memory_limit"] == "400mb", r.text


def test_update_detector_index_out_of_range(sim):
    created(sim, "j")
    assert_es_error(update(sim, "j", {"detectors": [{"detector_index": 1, "description": "x"}]}), 400,
                    "status_exception", "Supplied detector_index [1] is >= the number of detectors [1]")


def test_update_detector_description_and_rules(sim):
    created(sim, "j")
    r = update(sim, "j", {"detectors": [{"detector_index": 0, "description": "renamed", "custom_rules": [
        {"conditions": [{"applies_to": "actual", "operator": "lt", "value": 10}]}]}]})
    assert r.status_code == 200, r.text
    detector = r.json()["analysis_config"]["detectors"][0]
    assert detector["detector_description"] == "renamed"
    assert detector["custom_rules"][0]["actions"] == ["skip_result"]


def test_update_per_partition_enabled_cannot_change(sim):
    created(sim, "j")
    assert_es_error(update(sim, "j", {"per_partition_categorization": {"enabled": True}}), 400, "status_exception",
                    "analysis_config.per_partition_categorization.enabled cannot be updated")


def test_update_retention_checked_on_merged_job(sim):
    created(sim, "j", dict(job_body(), daily_model_snapshot_retention_after_days=2))
    assert_es_error(update(sim, "j", {"model_snapshot_retention_days": 1}), 400, IAE,
                    "The value of daily_model_snapshot_retention_after_days [2] cannot be greater than "
                    "model_snapshot_retention_days [1]")


def test_update_group_clashing_with_job(sim):
    created(sim, "a")
    created(sim, "b")
    assert_es_error(update(sim, "b", {"groups": ["a"]}), 400, EXISTS,
                    "job and group names must be unique but job [a] and group [a] have the same name")


# ---- §4 exclude_generated and the round trip -----------------------------------------------------

def test_exclude_generated_strips_generated_fields(sim):
    body = dict(job_body(groups=["g"]), custom_settings={"created_by": "ml-module", "team": "web"},
                datafeed_config={"indices": ["logs-*"]})
    created(sim, "j", body)
    sim.open("j")
    sim.close("j")
    r = sim.get_jobs("j", "?exclude_generated=true")
    assert r.status_code == 200, r.text
    job = r.json()["jobs"][0]
    for key in ("job_type", "job_version", "create_time", "finished_time", "model_snapshot_id", "deleting",
                "model_snapshot_min_version", "datafeed_config"):
        assert key not in job, (key, job)
    assert job["custom_settings"] == {"team": "web"}
    for key in ("analysis_config", "analysis_limits", "data_description", "results_index_name", "allow_lazy_open",
                "model_snapshot_retention_days", "groups"):
        assert key in job, (key, job)


@pytest.mark.parametrize("version", [v for v in ALL_VERSIONS if vtuple(v) >= (7, 11, 0)])
def test_exclude_generated_output_can_be_put_back(make_sim, version):
    sim = make_sim(version)
    body = job_body(groups=["g"])
    body["analysis_config"]["detectors"] = [{"function": "nzc", "by_field_name": "status"}]
    body["results_index_name"] = "mine"
    created(sim, "j", body)
    exported = sim.get_jobs("j", "?exclude_generated=true").json()["jobs"][0]
    assert sim.delete_job("j").status_code == 200
    r = put(sim, "j", exported)
    assert r.status_code == 200, r.text
    again = sim.get_jobs("j", "?exclude_generated=true").json()["jobs"][0]
    assert again == exported


@pytest.mark.parametrize("version", ["6.8.23", "7.10.2"])
def test_exclude_generated_unknown_before_7_11(make_sim, version):
    sim = make_sim(version)
    created(sim, "j")
    err = assert_es_error(sim.get_jobs("j", "?exclude_generated=true"), 400, IAE)
    assert err["reason"].startswith(f"request [{sim.ml}/anomaly_detectors/j] contains unrecognized parameter: "
                                    "[exclude_generated]"), err
