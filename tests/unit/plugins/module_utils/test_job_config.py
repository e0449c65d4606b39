# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A job's configuration: normalised as Elasticsearch stores it (every value form Elastic's create
job docs list), compared with the job as GET ...?exclude_generated=true shows it, and the _update
body of what changed, per release."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _job_config as J
from ansible_collections.mlops.elasticsearch.plugins.module_utils._declared import differences, dotted
from ansible_collections.mlops.elasticsearch.plugins.module_utils._releases import Release

V7_13 = Release((7, 13, 4))
V7_17 = Release((7, 17, 24))
V8_15 = Release((8, 15, 0))
STANDARD_ANALYZER = {"char_filter": ["first_non_blank_line", {"type": "pattern_replace", "pattern": "\\d+"},
                                     {"type": "pattern_replace", "pattern": "[a-f0-9]{32}"}],
                     "tokenizer": "ml_standard", "filter": [{"type": "stop", "stopwords": ["Monday", "GMT"]}]}


def stored_job(**changes):
    """A job as GET _ml/anomaly_detectors/web?exclude_generated=true answers on 8.x."""
    job = {
        "job_id": "web",
        "groups": ["web"],
        "description": "requests",
        "analysis_config": {
            "bucket_span": "15m",
            "detectors": [{"detector_description": "count partitionfield=host", "function": "count",
                           "partition_field_name": "host", "detector_index": 0},
                          {"detector_description": "non_zero_count", "function": "non_zero_count",
                           "detector_index": 1}],
            "influencers": ["host"],
            "model_prune_window": "30d",
        },
        "analysis_limits": {"model_memory_limit": "1024mb", "categorization_examples_limit": 4},
        "data_description": {"time_field": "timestamp", "time_format": "epoch_ms"},
        "model_snapshot_retention_days": 10,
        "daily_model_snapshot_retention_after_days": 1,
        "results_index_name": "shared",
        "allow_lazy_open": False,
    }
    job.update(changes)
    return job


def compare(declared_config, document, release=V8_15):
    declared = J.normalise(declared_config)
    return J.plan_update(declared, J.current_config(document, declared), release)


# ---- normalising ---------------------------------------------------------------------------------

@pytest.mark.parametrize("given, stored", [
    (2048, "2048mb"), ("2gb", "2048mb"), ("2048MB", "2048mb"), ("3000g", "3072000mb"), ("1024kb", "1mb"),
])
def test_model_memory_limit_in_mb(given, stored):
    assert J.normalise({"analysis_limits": {"model_memory_limit": given}})["analysis_limits"] == {
        "model_memory_limit": stored}


@pytest.mark.parametrize("key", ["bucket_span", "latency", "model_prune_window"])
def test_analysis_time_values(key):
    assert J.normalise({"analysis_config": {key: "3600s"}})["analysis_config"][key] == "1h"


def test_background_persist_interval_is_a_time_value():
    assert J.normalise({"background_persist_interval": "7200s"})["background_persist_interval"] == "2h"


@pytest.mark.parametrize("short, full", sorted(J.FUNCTION_SHORTCUTS.items()))
def test_function_short_names_are_expanded(short, full):
    detector = J.normalise({"analysis_config": {"detectors": [{"function": short}]}})["analysis_config"]["detectors"][0]
    assert detector["function"] == full


@pytest.mark.parametrize("function", ["count", "mean", "high_mean", "rare", "lat_long", "unknown_function"])
def test_other_functions_are_kept(function):
    detector = J.normalise({"analysis_config": {"detectors": [{"function": function}]}})["analysis_config"]["detectors"][0]
    assert detector["function"] == function


def test_exclude_frequent_is_lower_cased():
    detector = J.normalise({"analysis_config": {"detectors": [{"function": "count", "exclude_frequent": "ALL"}]}})
    assert detector["analysis_config"]["detectors"][0]["exclude_frequent"] == "all"


def test_use_null_false_is_the_omitted_default():
    detectors = J.normalise({"analysis_config": {"detectors": [
        {"function": "count", "use_null": False}, {"function": "count", "by_field_name": "a", "use_null": True}]}})
    assert detectors["analysis_config"]["detectors"] == [
        {"function": "count"}, {"function": "count", "by_field_name": "a", "use_null": True}]


def test_custom_rules_get_the_servers_defaults():
    rule = {"conditions": [{"applies_to": "actual", "operator": "lt", "value": 5}],
            "scope": {"host": {"filter_id": "safe_hosts"}}}
    detector = {"function": "count", "custom_rules": [rule]}
    normalised = J.normalise({"analysis_config": {"detectors": [detector]}})["analysis_config"]["detectors"][0]
    assert normalised["custom_rules"] == [{
        "actions": ["skip_result"], "conditions": [{"applies_to": "actual", "operator": "lt", "value": 5}],
        "scope": {"host": {"filter_id": "safe_hosts", "filter_type": "include"}}}]
    explicit = {"actions": ["skip_model_update"], "scope": {"host": {"filter_id": "f", "filter_type": "exclude"}}}
    assert J.normalise_rule(copy.deepcopy(explicit)) == explicit


@pytest.mark.parametrize("given, stored", [
    ("shared", "shared"), (None, "shared"), ("", "shared"), ("mine", "custom-mine"), ("custom-mine", "custom-mine"),
])
def test_results_index_name_gets_the_custom_prefix_once(given, stored):
    assert J.normalise({"results_index_name": given})["results_index_name"] == stored


def test_groups_in_any_order():
    assert J.normalise({"groups": ["web", "a"]})["groups"] == ["a", "web"]


def test_generated_fields_and_created_by_are_never_configuration():
    document = dict(stored_job(), job_type="anomaly_detector", job_version="12.0.0", create_time=1,
                    finished_time=2, model_snapshot_id="1", model_snapshot_min_version="7.0.0", deleting=True,
                    blocked={"reason": "delete"}, datafeed_config={"datafeed_id": "d"},
                    custom_settings={"created_by": "ml-module-logs", "team": "web"})
    normalised = J.normalise(document)
    assert not set(J.GENERATED_FIELDS + ("datafeed_config",)) & set(normalised)
    assert normalised["custom_settings"] == {"team": "web"}


def test_normalise_does_not_change_its_argument():
    config = {"groups": ["b", "a"], "analysis_limits": {"model_memory_limit": 10}}
    J.normalise(config)
    assert config == {"groups": ["b", "a"], "analysis_limits": {"model_memory_limit": 10}}


# ---- comparing -----------------------------------------------------------------------------------

def test_a_config_equal_but_for_spellings_and_server_additions_has_no_change():
    declared = {
        "job_id": "web",
        "groups": ["web"],
        "description": "requests",
        "analysis_config": {"bucket_span": "900s", "detectors": [
            {"function": "count", "partition_field_name": "host"}, {"function": "nzc"}], "influencers": ["host"]},
        "analysis_limits": {"model_memory_limit": "1gb"},
        "data_description": {"time_field": "timestamp"},
        "results_index_name": "shared",
    }
    assert compare(declared, stored_job()).changed == []


@pytest.mark.parametrize("declared", [
    {"groups": []}, {"custom_settings": {}},
    {"analysis_config": {"per_partition_categorization": {"enabled": False}}},
])
def test_declared_defaults_match_what_get_omits(declared):
    document = stored_job()
    del document["groups"]
    assert compare(declared, document).changed == []


def test_categorization_filters_match_the_analyzer_elasticsearch_generated():
    document = stored_job()
    document["analysis_config"].update(categorization_field_name="message",
                                       categorization_analyzer=copy.deepcopy(STANDARD_ANALYZER))
    declared = {"analysis_config": {"categorization_field_name": "message",
                                    "categorization_filters": ["\\d+", "[a-f0-9]{32}"]}}
    assert compare(declared, document).changed == []
    declared["analysis_config"]["categorization_filters"] = ["\\d+"]
    plan = compare(declared, document)
    # Filters and an analyzer exclude each other: only a recreate changes them.
    assert plan.not_updatable == [("analysis_config", "categorization_filters")] and plan.body == {}


def test_categorization_filters_without_an_analyzer_are_updated():
    """7.13 generates no analyzer: the filters stay, and _update takes them."""
    document = stored_job()
    document["analysis_config"].update(categorization_field_name="message", categorization_filters=["a"])
    plan = compare({"analysis_config": {"categorization_filters": ["b"]}}, document, V7_13)
    assert plan.body == {"categorization_filters": ["b"]} and plan.not_updatable == []


def test_a_declared_analyzer_is_compared_whole():
    document = stored_job()
    document["analysis_config"]["categorization_analyzer"] = copy.deepcopy(STANDARD_ANALYZER)
    declared = {"analysis_config": {"categorization_analyzer": {"tokenizer": "ml_standard"}}}
    assert compare(declared, document).not_updatable == [("analysis_config", "categorization_analyzer")]


# ---- the _update body, per release ----------------------------------------------------------------

@pytest.mark.parametrize("declared, body", [
    ({"description": "other"}, {"description": "other"}),
    ({"groups": ["b", "a"]}, {"groups": ["a", "b"]}),
    ({"background_persist_interval": "2h"}, {"background_persist_interval": "2h"}),
    ({"renormalization_window_days": 30}, {"renormalization_window_days": 30}),
    ({"results_retention_days": 60}, {"results_retention_days": 60}),
    ({"model_snapshot_retention_days": 5}, {"model_snapshot_retention_days": 5}),
    ({"daily_model_snapshot_retention_after_days": 2}, {"daily_model_snapshot_retention_after_days": 2}),
    ({"system_annotations_retention_days": 9}, {"system_annotations_retention_days": 9}),
    ({"allow_lazy_open": True}, {"allow_lazy_open": True}),
    ({"custom_settings": {"team": "web"}}, {"custom_settings": {"team": "web"}}),
    ({"analysis_config": {"model_prune_window": "60d"}}, {"model_prune_window": "60d"}),
    ({"analysis_config": {"per_partition_categorization": {"stop_on_warn": True}}},
     {"per_partition_categorization": {"enabled": False, "stop_on_warn": True}}),
])
def test_updatable_fields_go_to_their_place_in_the_update_body(declared, body):
    plan = compare(declared, stored_job())
    assert (plan.body, plan.not_updatable, plan.needs_closed) == (body, [], [])


def test_model_plot_config_is_sent_with_its_undeclared_keys():
    plan = compare({"model_plot_config": {"enabled": False}},
                   stored_job(model_plot_config={"enabled": True, "terms": "a,b", "annotations_enabled": True}))
    assert plan.body == {"model_plot_config": {"enabled": False, "terms": "a,b", "annotations_enabled": True}}


def test_detector_descriptions_and_rules_are_updated_by_index():
    rule = {"conditions": [{"applies_to": "actual", "operator": "lt", "value": 5}]}
    declared = {"analysis_config": {"detectors": [
        {"function": "count", "detector_description": "hosts"},
        {"function": "nzc", "detector_description": "any", "custom_rules": [rule]}]}}
    plan = compare(declared, stored_job())
    assert plan.not_updatable == []
    assert plan.body == {"detectors": [
        {"detector_index": 0, "description": "hosts"},
        {"detector_index": 1, "description": "any", "custom_rules": [dict(rule, actions=["skip_result"])]}]}


def test_model_memory_limit_is_updatable_while_the_job_is_not_opened():
    plan = compare({"analysis_limits": {"model_memory_limit": 2048}}, stored_job())
    assert plan.body == {"analysis_limits": {"model_memory_limit": "2048mb"}}
    assert plan.needs_closed == [("analysis_limits", "model_memory_limit")]


@pytest.mark.parametrize("declared, paths", [
    ({"analysis_config": {"bucket_span": "30m"}}, ["analysis_config.bucket_span"]),
    ({"analysis_config": {"detectors": [{"function": "sum"}, {"function": "nzc"}]}},
     ["analysis_config.detectors[0].function"]),
    ({"analysis_config": {"detectors": [{"function": "count"}]}}, ["analysis_config.detectors"]),
    ({"analysis_config": {"influencers": ["host", "path"]}}, ["analysis_config.influencers"]),
    ({"analysis_config": {"per_partition_categorization": {"enabled": True}}},
     ["analysis_config.per_partition_categorization.enabled"]),
    ({"data_description": {"time_field": "@timestamp"}}, ["data_description.time_field"]),
    ({"results_index_name": "mine"}, ["results_index_name"]),
    ({"analysis_limits": {"categorization_examples_limit": 10}}, ["analysis_limits.categorization_examples_limit"]),
])
def test_what_update_cannot_change_is_named(declared, paths):
    plan = compare(declared, stored_job())
    assert [dotted(path) for path in plan.not_updatable] == paths and plan.body == {}


@pytest.mark.parametrize("declared, release", [
    ({"system_annotations_retention_days": 9}, V7_13),          # 7.15
    ({"analysis_config": {"model_prune_window": "60d"}}, V7_17),  # 8.0
])
def test_fields_a_release_does_not_update(declared, release):
    plan = compare(declared, stored_job(), release)
    assert plan.body == {} and len(plan.not_updatable) == 1


def test_updatable_and_not_updatable_changes_are_both_reported():
    plan = compare({"description": "x", "data_description": {"time_field": "t"}}, stored_job())
    assert plan.changed == [("description",), ("data_description", "time_field")]
    assert plan.body == {"description": "x"} and plan.not_updatable == [("data_description", "time_field")]


def test_the_update_body_changes_the_job_to_the_declaration():
    """What the body sets, merged into the current job, leaves no difference."""
    declared = J.normalise({"description": "x", "groups": ["z"], "model_plot_config": {"enabled": True},
                            "analysis_limits": {"model_memory_limit": "2gb"}})
    current = J.current_config(stored_job(), declared)
    plan = J.plan_update(declared, current, V8_15)
    updated = copy.deepcopy(current)
    for key, value in plan.body.items():
        updated[key] = dict(updated[key], **value) if key == "analysis_limits" else value
    assert differences(declared, updated, J.SHAPE) == []
