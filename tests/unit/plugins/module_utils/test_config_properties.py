# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property tests (hypothesis) of the job and datafeed normalisers: normalising twice changes
nothing, and what the simulator answers to a GET of the configuration we PUT compares equal to it
(the second run of ml_job and ml_datafeed is ok), on a 7.x, an 8.x and a 9.x server."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import itertools

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _datafeed_config as D
from ansible_collections.mlops.elasticsearch.plugins.module_utils import _job_config as J
from ansible_collections.mlops.elasticsearch.plugins.module_utils._declared import differences
from ansible_collections.mlops.elasticsearch.plugins.module_utils._endpoints import connect
from ansible_collections.mlops.elasticsearch.plugins.module_utils._transport import Transport

PROPERTIES = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
ROUND_TRIPS = settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
VERSIONS = ["7.13.4", "8.15.0", "9.0.0"]

ids = st.from_regex(r"[a-z][a-z0-9_\-]{0,10}[a-z0-9]", fullmatch=True)
fields = st.sampled_from(["host", "path", "status", "user", "region"])


def time_values(minimum_s=1, maximum_s=7 * 86400):
    """A duration in one of the spellings TimeValue takes."""
    def spell(seconds, unit):
        if unit == "ms":
            return "%dms" % (seconds * 1000)
        size = {"d": 86400, "h": 3600, "m": 60, "s": 1}[unit]
        return "%d%s" % (seconds // size, unit) if seconds % size == 0 else "%ds" % seconds
    return st.builds(spell, st.integers(minimum_s, maximum_s), st.sampled_from(["d", "h", "m", "s", "ms"]))


def memory_limits():
    """A limit of at least 1 MB in the forms AnalysisLimits takes: a number of MB, or a byte size."""
    def spell(mb, form):
        return {"number": mb, "mb": "%dmb" % mb, "MB": "%dMB" % mb, "kb": "%dkb" % (mb * 1024),
                "gb": "%dgb" % (mb // 1024) if mb % 1024 == 0 else "%dm" % mb}[form]
    return st.builds(spell, st.integers(1, 8192), st.sampled_from(["number", "mb", "MB", "kb", "gb"]))


rules = st.fixed_dictionaries(
    {"conditions": st.lists(st.fixed_dictionaries({
        "applies_to": st.sampled_from(["actual", "typical", "diff_from_typical"]),
        "operator": st.sampled_from(["gt", "gte", "lt", "lte"]), "value": st.integers(0, 1000)}), min_size=1, max_size=2)},
    optional={"actions": st.sampled_from([["skip_result"], ["skip_model_update"], ["skip_result", "skip_model_update"]])})


@st.composite
def detectors(draw):
    function = draw(st.sampled_from(["count", "high_count", "nzc", "low_nzc", "dc", "high_dc", "mean", "max", "rare"]))
    detector = {"function": function}
    if function in ("dc", "high_dc", "mean", "max"):
        detector["field_name"] = draw(fields)
    if function == "rare" or draw(st.booleans()):
        detector["by_field_name"] = draw(fields)
    if draw(st.booleans()):
        detector["partition_field_name"] = draw(fields)
    if draw(st.booleans()):
        detector["use_null"] = draw(st.booleans())
    if draw(st.booleans()):
        detector["custom_rules"] = draw(st.lists(rules, min_size=1, max_size=2))
    if draw(st.booleans()):
        detector["detector_description"] = draw(st.text(min_size=1, max_size=20))
    return detector


def _key(detector):
    return tuple(detector.get(k) for k in ("function", "field_name", "by_field_name", "partition_field_name"))


@st.composite
def job_configs(draw):
    """A create-job body Elasticsearch accepts."""
    analysis = {"bucket_span": draw(time_values(60, 86400)),
                "detectors": draw(st.lists(detectors(), min_size=1, max_size=3,
                                           unique_by=lambda d: J.FUNCTION_SHORTCUTS.get(d["function"], d["function"])
                                           + repr(_key(d)[1:])))}
    if draw(st.booleans()):
        analysis["influencers"] = draw(st.lists(fields, unique=True, max_size=3))
    if draw(st.booleans()):
        analysis["categorization_field_name"] = "message"
        analysis["categorization_filters"] = draw(st.lists(st.sampled_from(["\\d+", "[a-f0-9]{32}", "\\s+"]),
                                                           unique=True, min_size=1, max_size=3))
    config = {"analysis_config": analysis, "data_description": {"time_field": "timestamp"}}
    optional = {
        "description": st.text(max_size=30),
        "groups": st.lists(st.from_regex(r"g[a-z0-9]{0,6}", fullmatch=True), unique=True, min_size=1, max_size=3),
        "analysis_limits": st.fixed_dictionaries({"model_memory_limit": memory_limits()}),
        "background_persist_interval": time_values(3600, 86400),
        "results_retention_days": st.integers(1, 365),
        "renormalization_window_days": st.integers(1, 60),
        "custom_settings": st.dictionaries(st.sampled_from(["team", "owner", "tier"]), st.text(max_size=8), max_size=3),
        "results_index_name": st.sampled_from(["shared", "mine", "custom-mine"]),
        "allow_lazy_open": st.booleans(),
        "model_plot_config": st.fixed_dictionaries({"enabled": st.booleans()}),
        "model_snapshot_retention_days": st.integers(2, 30),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            config[key] = draw(strategy)
    return config


@st.composite
def datafeed_configs(draw, single_index=True):
    """A create-datafeed body (without job_id) Elasticsearch accepts; ``single_index``: the indices
    may be one string, which the parser takes as a list of one."""
    indices = st.lists(st.sampled_from(["web-*", "api-logs", "logs-1"]), unique=True, min_size=1, max_size=3)
    if single_index:
        indices = st.one_of(st.just("web-logs"), indices)
    config = {draw(st.sampled_from(["indices", "indexes"])): draw(indices)}
    optional = {
        "query": st.sampled_from([{"match_all": {}}, {"term": {"service": "web"}},
                                  {"bool": {"filter": [{"range": {"status": {"gte": 500}}}]}}]),
        "query_delay": time_values(1, 600),
        "frequency": time_values(60, 3600),
        "scroll_size": st.integers(1, 10000),
        "chunking_config": st.one_of(st.just({"mode": "auto"}), st.just({"mode": "OFF"}),
                                     st.builds(lambda t: {"mode": "manual", "time_span": t}, time_values(60, 86400))),
        "delayed_data_check_config": st.fixed_dictionaries(
            {"enabled": st.booleans()}, optional={"check_window": time_values(3600, 86400)}),
        "max_empty_searches": st.one_of(st.just(-1), st.integers(1, 100)),
        "script_fields": st.sampled_from([{"bits": {"script": "doc['bytes'].value * 8"}},
                                          {"bits": {"script": {"inline": "1", "params": {}}, "ignore_failure": True}}]),
        "indices_options": st.fixed_dictionaries({}, optional={
            "expand_wildcards": st.sampled_from(["open", "open,hidden", ["closed", "open"], "all"]),
            "ignore_unavailable": st.sampled_from([True, False, "true", "false"]),
            "allow_no_indices": st.booleans(), "ignore_throttled": st.booleans()}),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            config[key] = draw(strategy)
    return config


# ---- normalising twice changes nothing ------------------------------------------------------------

@PROPERTIES
@given(job_configs())
def test_job_normalisation_is_idempotent(config):
    once = J.normalise(config)
    assert J.normalise(once) == once


@PROPERTIES
@given(datafeed_configs())
def test_datafeed_normalisation_is_idempotent(config):
    once = D.normalise(config)
    assert D.normalise(once) == once


@PROPERTIES
@given(job_configs())
def test_a_job_compared_with_itself_has_no_change(config):
    declared = J.normalise(config)
    assert differences(declared, J.current_config(config, declared), J.SHAPE) == []


# ---- what the simulator stores of what we PUT compares equal to it ----------------------------------

@pytest.fixture(scope="module", params=VERSIONS)
def cluster(request):
    simulator = pytest.importorskip("es_ml_simulator")
    fleet = simulator.start_fleet(clusters=1, host="127.0.0.1", port=0, es_version=request.param)
    yield connect(Transport([fleet.clusters[0].url], retries=0)), itertools.count()
    fleet.stop()


@ROUND_TRIPS
@given(config=job_configs())
def test_the_job_the_server_stores_compares_equal_to_the_one_we_put(cluster, config):
    api, counter = cluster
    job_id = "job-%d" % next(counter)
    api.put_job(job_id, config)
    stored = api.get_job(job_id, exclude_generated=True)
    declared = J.normalise(config)
    plan = J.plan_update(declared, J.current_config(stored, declared), api.release)
    assert plan.changed == [], (config, stored)


def put_and_compare_datafeed(cluster, config):
    """The changes planned against what the server stores of ``config``."""
    api, counter = cluster
    job_id = "feed-%d" % next(counter)
    api.put_job(job_id, {"analysis_config": {"detectors": [{"function": "count"}]},
                         "data_description": {"time_field": "timestamp"}})
    config = dict(config, job_id=job_id)
    api.put_datafeed("datafeed-" + job_id, config)
    stored = api.get_datafeed("datafeed-" + job_id)
    return D.plan_update(D.normalise(config), D.current_config(stored)).changed, stored


@ROUND_TRIPS
@given(config=datafeed_configs(single_index=False))
def test_the_datafeed_the_server_stores_compares_equal_to_the_one_we_put(cluster, config):
    changed, stored = put_and_compare_datafeed(cluster, config)
    assert changed == [], (config, stored)


def test_a_single_index_round_trips(cluster):
    changed, stored = put_and_compare_datafeed(cluster, {"indices": "web-logs"})
    assert changed == [], stored
