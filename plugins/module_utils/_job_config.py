# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""An anomaly detection job's configuration: normalised as Elasticsearch stores it, compared on
the keys the user declared, and turned into the ``_update`` body of the changed fields that
Elasticsearch can update, per release. What it cannot update is named, for a recreate. Plain
Python.

The rules follow Elastic's create and update job APIs
(https://www.elastic.co/guide/en/elasticsearch/reference/current/ml-put-job.html,
https://www.elastic.co/guide/en/elasticsearch/reference/current/ml-update-job.html)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.mlops.elasticsearch.plugins.module_utils._config_values import memory_limit, time_value
from ansible_collections.mlops.elasticsearch.plugins.module_utils._declared import (
    ConfigUpdate,
    Shape,
    differences,
    merged,
)

# What the server generates or keeps as state; never configuration (GET ...?exclude_generated=true
# leaves them out, but for blocked).
GENERATED_FIELDS = ("job_type", "job_version", "create_time", "finished_time", "model_snapshot_id",
                    "model_snapshot_min_version", "deleting", "blocked")
# The create API refuses these ("... that are illegal to set at job creation").
CREATE_ONLY_FIELDS = ("model_snapshot_id", "finished_time", "create_time")
# DetectorFunction's short names.
FUNCTION_SHORTCUTS = {"nzc": "non_zero_count", "low_nzc": "low_non_zero_count", "high_nzc": "high_non_zero_count",
                      "dc": "distinct_count", "low_dc": "low_distinct_count", "high_dc": "high_distinct_count"}
ANALYSIS_TIME_FIELDS = ("bucket_span", "latency", "model_prune_window")
# custom_settings and the categorization analyzer are values as a whole; detectors are compared
# one by one (the server adds detector_index and detector_description to each).
SHAPE = Shape(whole=[("custom_settings",), ("analysis_config", "categorization_analyzer")],
              elementwise=[("analysis_config", "detectors")])
# What GET leaves out while it is at its default: a declared default matches the omission.
OMITTED_DEFAULTS = (
    (("groups",), []),
    (("custom_settings",), {}),
    (("analysis_config", "per_partition_categorization"), {"enabled": False, "stop_on_warn": False}),
)

# Top-level keys _update takes as they are, each with the release feature it needs (None: every
# supported release). A key the server replaces whole is sent as the current object with the
# declared keys set.
TOP_LEVEL_UPDATES = {
    "groups": None,
    "description": None,
    "model_plot_config": None,
    "background_persist_interval": None,
    "renormalization_window_days": None,
    "results_retention_days": None,
    "model_snapshot_retention_days": None,
    "custom_settings": None,
    "allow_lazy_open": "allow_lazy_open",
    "daily_model_snapshot_retention_after_days": "daily_model_snapshot_retention",
    "system_annotations_retention_days": "system_annotations_retention",
}
# analysis_config keys _update takes at the top of its body.
ANALYSIS_UPDATES = {
    "categorization_filters": None,
    "per_partition_categorization": "per_partition_categorization",
    "model_prune_window": "model_prune_window",
}
# Detector keys _update takes, in detectors: [{detector_index, <update key>}].
DETECTOR_UPDATES = {"detector_description": "description", "custom_rules": "custom_rules"}
MODEL_MEMORY_LIMIT = ("analysis_limits", "model_memory_limit")


# ---- normalising -------------------------------------------------------------------------------

def normalise(config):
    """A job configuration (a create body, or a GET answer) as Elasticsearch stores it; its own
    datafeed_config and what the server generates are left out."""
    config = copy.deepcopy(config)
    for key in GENERATED_FIELDS + ("datafeed_config",):
        config.pop(key, None)
    if isinstance(config.get("custom_settings"), dict):
        # GET ...?exclude_generated=true drops it: never a difference, never sent back.
        config["custom_settings"].pop("created_by", None)
    if isinstance(config.get("groups"), list):
        config["groups"] = sorted(config["groups"])
    if "background_persist_interval" in config:
        config["background_persist_interval"] = time_value(config["background_persist_interval"])
    if "results_index_name" in config:
        config["results_index_name"] = results_index_name(config["results_index_name"])
    limits = config.get("analysis_limits")
    if isinstance(limits, dict) and "model_memory_limit" in limits:
        limits["model_memory_limit"] = memory_limit(limits["model_memory_limit"])
    if isinstance(config.get("analysis_config"), dict):
        _normalise_analysis(config["analysis_config"])
    return config


def _normalise_analysis(analysis):
    for key in ANALYSIS_TIME_FIELDS:
        if key in analysis:
            analysis[key] = time_value(analysis[key])
    for detector in analysis.get("detectors") or []:
        if isinstance(detector, dict):
            _normalise_detector(detector)


def _normalise_detector(detector):
    function = detector.get("function")
    detector["function"] = FUNCTION_SHORTCUTS.get(function, function)
    if detector.get("use_null") is False:
        # Detector.toXContent renders use_null only when true.
        del detector["use_null"]
    if isinstance(detector.get("exclude_frequent"), str):
        detector["exclude_frequent"] = detector["exclude_frequent"].lower()
    if isinstance(detector.get("custom_rules"), list):
        detector["custom_rules"] = [normalise_rule(rule) for rule in detector["custom_rules"]]


def normalise_rule(rule):
    """A detection rule with the server's defaults: actions [skip_result], scope filter_type include."""
    if not isinstance(rule, dict):
        return rule
    rule.setdefault("actions", ["skip_result"])
    for scope in (rule.get("scope") or {}).values():
        if isinstance(scope, dict):
            scope.setdefault("filter_type", "include")
    return rule


def results_index_name(name):
    """``x`` is stored as ``custom-x`` (never twice); no name, or ``shared``, is ``shared``."""
    if not name:
        return "shared"
    if not isinstance(name, str) or name == "shared" or name.startswith("custom-"):
        return name
    return "custom-" + name


def current_config(document, declared):
    """The job as read, normalised, with what GET omits at its default filled in, so that it
    compares with the ``declared`` (normalised) configuration."""
    current = normalise(document)
    for path, default in OMITTED_DEFAULTS:
        parent = current
        for key in path[:-1]:
            parent = parent.setdefault(key, {}) if isinstance(parent, dict) else None
        if isinstance(parent, dict):
            parent.setdefault(path[-1], copy.deepcopy(default))
    _filters_from_generated_analyzer(current, declared)
    return current


def _filters_from_generated_analyzer(current, declared):
    """At creation Elasticsearch turns categorization_filters into the pattern_replace char
    filters of the categorization_analyzer it generates, and drops them; a declaration that gives
    the filters (and no analyzer) is compared with those patterns."""
    wanted = declared.get("analysis_config") or {}
    analysis = current.get("analysis_config") or {}
    analyzer = analysis.get("categorization_analyzer")
    if ("categorization_filters" not in wanted or "categorization_analyzer" in wanted
            or "categorization_filters" in analysis or not isinstance(analyzer, dict)):
        return
    analysis["categorization_filters"] = [
        char_filter.get("pattern") for char_filter in analyzer.get("char_filter") or []
        if isinstance(char_filter, dict) and char_filter.get("type") == "pattern_replace"]


# ---- updating ----------------------------------------------------------------------------------

def plan_update(declared, current, release):
    """The ConfigUpdate for a normalised declared and current configuration on ``release``;
    ``needs_closed``: the model memory limit, which _update refuses while the job is opened."""
    plan = ConfigUpdate(differences(declared, current, SHAPE))
    for path in plan.changed:
        if not _add_to_body(plan.body, path, declared, current, release):
            plan.not_updatable.append(path)
        elif path[:2] == MODEL_MEMORY_LIMIT:
            plan.needs_closed.append(path)
    return plan


def _supported(feature, release):
    return feature is None or release.supports(feature)


def _add_to_body(body, path, declared, current, release):
    """Put the change at ``path`` into the _update body; False when _update cannot change it."""
    key = path[0]
    if key in TOP_LEVEL_UPDATES and _supported(TOP_LEVEL_UPDATES[key], release):
        body[key] = declared[key] if SHAPE.is_whole((key,)) else merged(current.get(key), declared[key])
        return True
    if path[:2] == MODEL_MEMORY_LIMIT:
        body["analysis_limits"] = {"model_memory_limit": declared["analysis_limits"]["model_memory_limit"]}
        return True
    if key == "analysis_config" and len(path) > 1:
        return _add_analysis_change(body, path, declared["analysis_config"], current.get("analysis_config") or {},
                                    release)
    return False


def _add_analysis_change(body, path, declared, current, release):
    key = path[1]
    if key == "detectors" and len(path) == 4 and path[3] in DETECTOR_UPDATES:
        index = path[2]
        entries = body.setdefault("detectors", [])
        entry = next((e for e in entries if e["detector_index"] == index), None)
        if entry is None:
            entry = {"detector_index": index}
            entries.append(entry)
        entry[DETECTOR_UPDATES[path[3]]] = declared["detectors"][index][path[3]]
        return True
    if key not in ANALYSIS_UPDATES or not _supported(ANALYSIS_UPDATES[key], release):
        return False
    if key == "categorization_filters" and "categorization_analyzer" in current:
        # Filters and an analyzer exclude each other; the generated analyzer holds the filters.
        return False
    if key == "per_partition_categorization" and path[2:] == ("enabled",):
        return False
    body[key] = merged(current.get(key), declared[key])
    return True
