# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A datafeed's configuration: normalised as Elasticsearch stores it, compared with the datafeed as
a plain GET renders it (every default filled in, the random query_delay too), and the _update body."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _datafeed_config as D
from ansible_collections.mlops.elasticsearch.plugins.module_utils._declared import dotted


def stored_datafeed(**changes):
    """A datafeed as GET _ml/datafeeds/datafeed-web renders it (with security on)."""
    datafeed = {
        "datafeed_id": "datafeed-web",
        "job_id": "web",
        "authorization": {"roles": ["superuser"]},
        "query_delay": "83412ms",
        "chunking_config": {"mode": "auto"},
        "indices_options": {"expand_wildcards": ["open"], "ignore_unavailable": False, "allow_no_indices": True,
                            "ignore_throttled": True},
        "query": {"match_all": {}},
        "indices": ["web-logs"],
        "scroll_size": 1000,
        "delayed_data_check_config": {"enabled": True},
    }
    datafeed.update(changes)
    return datafeed


def compare(declared_config, document=None):
    return D.plan_update(D.normalise(declared_config), D.current_config(document or stored_datafeed()))


# ---- normalising ---------------------------------------------------------------------------------

@pytest.mark.parametrize("alias, name", [("indexes", "indices"), ("aggs", "aggregations")])
def test_aliases_are_the_fields_names(alias, name):
    assert D.normalise({alias: ["x"]}) == {name: ["x"]}


def test_a_single_index_is_a_list():
    assert D.normalise({"indices": "web-logs"}) == {"indices": ["web-logs"]}


@pytest.mark.parametrize("key", ["query_delay", "frequency"])
def test_time_values(key):
    assert D.normalise({key: "120000ms"}) == {key: "2m"}


def test_nested_time_values_and_modes():
    config = D.normalise({"chunking_config": {"mode": "MANUAL", "time_span": "10800s"},
                          "delayed_data_check_config": {"enabled": True, "check_window": "120m"}})
    assert config == {"chunking_config": {"mode": "manual", "time_span": "3h"},
                      "delayed_data_check_config": {"enabled": True, "check_window": "2h"}}


@pytest.mark.parametrize("given, stored", [
    ("open", ["open"]), ("open,hidden", ["open", "hidden"]), (["hidden", "open"], ["open", "hidden"]),
    ("all", ["open", "closed", "hidden"]), ("none", []), (["OPEN", " closed"], ["open", "closed"]),
])
def test_expand_wildcards(given, stored):
    assert D.normalise({"indices_options": {"expand_wildcards": given}})["indices_options"]["expand_wildcards"] == stored


def test_indices_options_flags_given_as_strings():
    options = D.normalise({"indices_options": {"ignore_unavailable": "true", "allow_no_indices": "False",
                                               "ignore_throttled": True}})["indices_options"]
    assert options == {"ignore_unavailable": True, "allow_no_indices": False, "ignore_throttled": True}


@pytest.mark.parametrize("given", [
    {"script": "doc['bytes'].value * 8"},
    {"script": {"source": "doc['bytes'].value * 8"}},
    {"script": {"inline": "doc['bytes'].value * 8", "params": {}}},
    {"script": {"source": "doc['bytes'].value * 8", "lang": "painless"}, "ignore_failure": False},
])
def test_script_fields_as_the_server_renders_them(given):
    assert D.normalise({"script_fields": {"bits": given}})["script_fields"] == {"bits": {
        "script": {"source": "doc['bytes'].value * 8", "lang": "painless"}, "ignore_failure": False}}


def test_script_params_and_languages_are_kept():
    field = {"script": {"source": "x", "lang": "expression", "params": {"n": 2}}, "ignore_failure": True}
    assert D.normalise({"script_fields": {"f": field}})["script_fields"]["f"] == field


def test_minus_one_unsets_max_empty_searches():
    assert D.normalise({"max_empty_searches": -1}) == {"max_empty_searches": None}
    assert D.normalise({"max_empty_searches": 10}) == {"max_empty_searches": 10}


def test_authorization_and_config_type_are_never_configuration():
    assert D.normalise({"authorization": {"roles": ["x"]}, "config_type": "datafeed", "job_id": "j"}) == {"job_id": "j"}


# ---- comparing -----------------------------------------------------------------------------------

def test_defaults_the_user_left_out_are_never_a_difference():
    """The random per-job query_delay, chunking_config, indices_options, scroll_size, the delayed
    data check: not declared, not compared."""
    assert compare({"job_id": "web", "indices": "web-logs"}).changed == []


@pytest.mark.parametrize("declared", [
    {"query_delay": "83412ms"},
    {"query": {"match_all": {}}},
    {"indexes": ["web-logs"]},
    {"indices_options": {"expand_wildcards": "open", "ignore_unavailable": "false"}},
    {"chunking_config": {"mode": "AUTO"}},
    {"script_fields": {}},
    {"runtime_mappings": {}},
    {"max_empty_searches": -1},
    {"datafeed_id": "datafeed-web", "authorization": {"roles": ["other"]}},
])
def test_declared_values_equal_to_the_stored_ones(declared):
    assert compare(declared).changed == []


@pytest.mark.parametrize("declared, body", [
    ({"query_delay": "90s"}, {"query_delay": "90s"}),
    ({"frequency": "150s"}, {"frequency": "150s"}),
    ({"indices": ["web-*", "api-*"]}, {"indices": ["web-*", "api-*"]}),
    ({"query": {"term": {"service": "web"}}}, {"query": {"term": {"service": "web"}}}),
    ({"scroll_size": 500}, {"scroll_size": 500}),
    ({"max_empty_searches": 10}, {"max_empty_searches": 10}),
    ({"chunking_config": {"mode": "manual", "time_span": "3h"}},
     {"chunking_config": {"mode": "manual", "time_span": "3h"}}),
    ({"aggregations": {"buckets": {"date_histogram": {"field": "t", "fixed_interval": "5m"}}}},
     {"aggregations": {"buckets": {"date_histogram": {"field": "t", "fixed_interval": "5m"}}}}),
    # Declared key by key: sent with the undeclared keys as they are.
    ({"indices_options": {"ignore_unavailable": True}},
     {"indices_options": {"expand_wildcards": ["open"], "ignore_unavailable": True, "allow_no_indices": True,
                          "ignore_throttled": True}}),
    ({"delayed_data_check_config": {"check_window": "2h"}},
     {"delayed_data_check_config": {"enabled": True, "check_window": "2h"}}),
])
def test_changes_go_to_the_update_body(declared, body):
    plan = compare(declared)
    assert (plan.body, plan.not_updatable) == (body, [])


def test_unsetting_max_empty_searches_sends_minus_one():
    plan = compare({"max_empty_searches": -1}, stored_datafeed(max_empty_searches=10))
    assert plan.body == {"max_empty_searches": -1}


def test_a_query_is_compared_whole():
    stored = stored_datafeed(query={"bool": {"must": [{"term": {"a": 1}}], "filter": [{"term": {"b": 2}}]}})
    plan = compare({"query": {"bool": {"must": [{"term": {"a": 1}}]}}}, stored)
    assert plan.body == {"query": {"bool": {"must": [{"term": {"a": 1}}]}}}


def test_job_id_cannot_change():
    plan = compare({"job_id": "other", "scroll_size": 10})
    assert [dotted(path) for path in plan.not_updatable] == ["job_id"]
    assert plan.body == {"scroll_size": 10}
