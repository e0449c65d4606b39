# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""A datafeed's configuration: normalised as Elasticsearch stores it, compared on the keys the
user declared, and turned into the ``_update`` body of the changed fields. Only ``job_id`` cannot
change. What the server fills in when the user leaves it out (the random per-job query_delay,
chunking_config, indices_options) is never a difference, because only declared keys are compared.
Plain Python.

The rules follow Elastic's create and update datafeed APIs
(https://www.elastic.co/guide/en/elasticsearch/reference/current/ml-put-datafeed.html,
https://www.elastic.co/guide/en/elasticsearch/reference/current/ml-update-datafeed.html)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.mlops.elasticsearch.plugins.module_utils._config_values import time_value
from ansible_collections.mlops.elasticsearch.plugins.module_utils._declared import (
    ConfigUpdate,
    Shape,
    differences,
    merged,
)

# From the creator's credentials (authorization), or ignored by the server (config_type).
GENERATED_FIELDS = ("authorization", "config_type")
# The parser's other names for a field.
ALIASES = {"indexes": "indices", "aggs": "aggregations"}
TIME_FIELDS = ("query_delay", "frequency")
# Values as a whole: queries and aggregations are DSL, where a key left out is a change; a
# chunking config is one mode and what that mode needs.
SHAPE = Shape(whole=[("query",), ("aggregations",), ("script_fields",), ("runtime_mappings",), ("chunking_config",)])
# GET leaves these out while empty; max_empty_searches is unset by -1 and then left out too.
OMITTED_DEFAULTS = (("script_fields", {}), ("runtime_mappings", {}))
# IndicesOptions renders the wildcard states in this order; "all" is all three, "none" none.
WILDCARD_STATES = ("open", "closed", "hidden")
INDICES_OPTION_FLAGS = ("ignore_unavailable", "allow_no_indices", "ignore_throttled")
# The keys _update cannot change.
NOT_UPDATABLE = ("job_id",)
# _update unsets these with a value of its own, not null.
UNSET_VALUES = {"max_empty_searches": -1}


def normalise(config):
    """A datafeed configuration (a create body, or a GET answer) as Elasticsearch stores it."""
    config = copy.deepcopy(config)
    for alias, name in ALIASES.items():
        if alias in config:
            config.setdefault(name, config.pop(alias))
    for key in GENERATED_FIELDS:
        config.pop(key, None)
    if isinstance(config.get("indices"), str):
        config["indices"] = [config["indices"]]
    for key in TIME_FIELDS:
        if key in config:
            config[key] = time_value(config[key])
    if config.get("max_empty_searches") == -1:
        config["max_empty_searches"] = None
    _normalise_objects(config)
    return config


def _normalise_objects(config):
    if isinstance(config.get("script_fields"), dict):
        config["script_fields"] = dict((name, script_field(field)) for name, field in config["script_fields"].items())
    chunking = config.get("chunking_config")
    if isinstance(chunking, dict):
        if isinstance(chunking.get("mode"), str):
            chunking["mode"] = chunking["mode"].lower()
        if "time_span" in chunking:
            chunking["time_span"] = time_value(chunking["time_span"])
    check = config.get("delayed_data_check_config")
    if isinstance(check, dict) and "check_window" in check:
        check["check_window"] = time_value(check["check_window"])
    options = config.get("indices_options")
    if isinstance(options, dict):
        if "expand_wildcards" in options:
            options["expand_wildcards"] = expand_wildcards(options["expand_wildcards"])
        for flag in INDICES_OPTION_FLAGS:
            if isinstance(options.get(flag), str) and options[flag].lower() in ("true", "false"):
                options[flag] = options[flag].lower() == "true"


def script_field(field):
    """A script field as the server renders it (SearchSourceBuilder.ScriptField): its script as an
    object with ``source`` and ``lang`` (painless unless given; the old ``inline`` is ``source``;
    empty ``params`` and ``options`` left out), and ``ignore_failure`` (false unless given)."""
    if not isinstance(field, dict):
        return field
    field = dict(field)
    script = field.get("script")
    if isinstance(script, str):
        script = {"source": script}
    if isinstance(script, dict):
        script = dict((key, value) for key, value in script.items() if value not in ({}, None))
        if "inline" in script:
            script.setdefault("source", script.pop("inline"))
        script.setdefault("lang", "painless")
        field["script"] = script
    field.setdefault("ignore_failure", False)
    return field


def expand_wildcards(value):
    """``open,hidden``, ``["hidden", "open"]`` -> ``["open", "hidden"]``; ``all`` -> the three states."""
    names = value.split(",") if isinstance(value, str) else value
    if not isinstance(names, list):
        return value
    states = set()
    for name in names:
        name = str(name).strip().lower()
        if name == "all":
            states.update(WILDCARD_STATES)
        elif name != "none":
            states.add(name)
    return [state for state in WILDCARD_STATES if state in states] + sorted(states - set(WILDCARD_STATES))


def current_config(document):
    """The datafeed as read (a plain GET, which renders the defaults), normalised, with what GET
    omits while empty filled in."""
    current = normalise(document)
    for key, default in OMITTED_DEFAULTS:
        current.setdefault(key, copy.deepcopy(default))
    return current


def plan_update(declared, current):
    """The ConfigUpdate for a normalised declared and current datafeed configuration."""
    plan = ConfigUpdate(differences(declared, current, SHAPE))
    for path in plan.changed:
        key = path[0]
        if key in NOT_UPDATABLE:
            plan.not_updatable.append(path)
            continue
        value = declared[key] if SHAPE.is_whole((key,)) else merged(current.get(key), declared[key])
        plan.body[key] = UNSET_VALUES.get(key) if value is None and key in UNSET_VALUES else value
    return plan
