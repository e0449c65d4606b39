"""Datafeed configurations as Elasticsearch builds them: the PUT and update body checks
(DatafeedConfig.Builder.build, DatafeedUpdate in x-pack/plugin/core/.../ml/datafeed/), the defaults,
and the GET rendering with and without exclude_generated (DatafeedConfig.toXContent).
Docs: https://www.elastic.co/guide/en/elasticsearch/reference/current/ml-put-datafeed.html
"""
import copy
import re

from . import errors, ids
from .javacompat import JavaRandom, string_hash
from .params import check_fields, field_location, string_list

# DatafeedConfig's strict REST parser (datafeed_config); `headers` is deliberately not in it.
PUT_FIELDS = {"datafeed_id", "job_id", "indices", "indexes", "query", "aggregations", "aggs", "script_fields",
              "scroll_size", "chunking_config", "frequency", "query_delay", "delayed_data_check_config",
              "max_empty_searches", "indices_options", "runtime_mappings", "config_type"}
# DatafeedUpdate's strict parser (datafeed_update).
UPDATE_FIELDS = PUT_FIELDS - {"config_type"}
# SearchRequest.DEFAULT_INDICES_OPTIONS (strictExpandOpenAndForbidClosedIgnoreThrottled) as IndicesOptions.toXContent
# renders it. RestPutDatafeedAction/RestPutJobAction inject it when the body has no indices_options, so every datafeed
# made over REST without one shows this (the Builder's own STRICT_EXPAND_OPEN_HIDDEN_FORBID_CLOSED never applies).
DEFAULT_INDICES_OPTIONS = {"expand_wildcards": ["open"], "ignore_unavailable": False, "allow_no_indices": True,
                           "ignore_throttled": True}
INDICES_OPTION_PARAMS = ("expand_wildcards", "ignore_unavailable", "allow_no_indices", "ignore_throttled")
# IndicesOptions.fromMap also reads the camelCase spellings; WildcardStates in EnumSet (rendering) order.
_CAMEL = {"expand_wildcards": "expandWildcards", "ignore_unavailable": "ignoreUnavailable",
          "allow_no_indices": "allowNoIndices", "ignore_throttled": "ignoreThrottled"}
_WILDCARD_STATES = ("open", "closed", "hidden")
MIN_QUERY_DELAY_MS, MAX_QUERY_DELAY_MS = 60000, 120000
DEFAULT_CHUNKING_BUCKETS = 1000
# Query types a simulated cluster knows; anything else fails to parse like an unknown query.
QUERY_TYPES = {"match_all", "match_none", "match", "match_phrase", "match_phrase_prefix", "multi_match", "term",
               "terms", "range", "exists", "prefix", "wildcard", "regexp", "fuzzy", "ids", "bool", "boosting",
               "constant_score", "dis_max", "function_score", "script", "script_score", "query_string",
               "simple_query_string", "nested", "has_child", "has_parent", "geo_bounding_box", "geo_distance",
               "geo_shape", "terms_set", "intervals", "distance_feature", "combined_fields", "pinned"}
_RENDER_ORDER = ("datafeed_id", "job_id", "authorization", "query_delay", "chunking_config", "indices_options",
                 "query", "frequency", "indices", "aggregations", "script_fields", "scroll_size",
                 "delayed_data_check_config", "max_empty_searches", "runtime_mappings")
_UNIT_MS = {"nanos": 1e-6, "micros": 1e-3, "ms": 1, "s": 1000, "m": 60000, "h": 3600000, "d": 86400000}
_INTERVAL = re.compile(r"(\d+)(nanos|micros|ms|s|m|h|d)\Z")


def default_query_delay(job_id):
    """DatafeedConfig.defaultRandomQueryDelay: Random(jobId.hashCode()) between 60 s and 120 s, as `NNNNNms`."""
    return "%dms" % JavaRandom(string_hash(job_id)).bounded_long(MIN_QUERY_DELAY_MS, MAX_QUERY_DELAY_MS)


def put_fields(features):
    return PUT_FIELDS if features.indices_options else PUT_FIELDS - {"indices_options"}


def update_fields(features):
    return UPDATE_FIELDS if features.indices_options else UPDATE_FIELDS - {"indices_options"}


def _wildcard_states(value):
    """WildcardStates.parseParameter: a list, or a comma-separated string; `all` and `none` as ES reads them."""
    names = [str(v) for v in value] if isinstance(value, list) else [v for v in str(value).split(",") if v]
    states = set()
    for name in names:
        if name == "all":
            states.update(_WILDCARD_STATES)
        elif name == "none":
            states.clear()
        elif name in _WILDCARD_STATES:
            states.add(name)
        else:
            raise errors.bad_request("No valid expand wildcard value [%s]" % name)
    return [state for state in _WILDCARD_STATES if state in states]


def _option_bool(name, value, default):
    """XContentMapValues.nodeBooleanValue: true/false (or their strings); empty or null keeps the default."""
    if isinstance(value, bool):
        return value
    if value is None or value == "":
        return default
    if value in ("true", "false"):
        return value == "true"
    cause = errors.bad_request("Failed to parse value [%s] as only [true] or [false] are allowed." % value)
    raise errors.EsError(400, "illegal_argument_exception", "Could not convert [%s] to boolean" % name,
                         caused_by=cause, es_exception=False)


def indices_options(given):
    """IndicesOptions.fromMap/fromParameters over SearchRequest.DEFAULT_INDICES_OPTIONS: a key not given keeps
    its default (a partial object is not merged with the stored one); unknown keys are ignored."""
    options = dict(DEFAULT_INDICES_OPTIONS)
    for key in INDICES_OPTION_PARAMS:
        value = given.get(key) if key in given else given.get(_CAMEL[key])
        if value is None:
            continue
        if key == "expand_wildcards":
            options[key] = _wildcard_states(value)
        else:
            options[key] = _option_bool(key, value, options[key])
    return options


def indices_options_from_params(query):
    """The PUT/update query parameters as an indices_options object, or None when none was given."""
    given = {k: query[k] for k in INDICES_OPTION_PARAMS if k in query}
    return indices_options(given) if given else None


def _body_indices_options(raw, value, parser_name):
    """The body's indices_options object, parsed inside the datafeed's ObjectParser (errors wrapped in its 400)."""
    location = field_location(raw, "indices_options")
    if not isinstance(value, dict):
        kind = "START_ARRAY" if isinstance(value, list) else "VALUE_STRING" if isinstance(value, str) else \
            "VALUE_BOOLEAN" if isinstance(value, bool) else "VALUE_NULL" if value is None else "VALUE_NUMBER"
        raise errors.parse_error("%s [%s] indices_options doesn't support values of type: %s"
                                 % (location, parser_name, kind))
    try:
        return indices_options(value)
    except errors.EsError as cause:
        raise errors.EsError(400, "x_content_parse_exception", "%s [%s] failed to parse field [indices_options]"
                             % (location, parser_name), caused_by=cause, es_exception=False) from None


def _interval_ms(histogram):
    value = histogram.get("fixed_interval") or histogram.get("interval") or histogram.get("calendar_interval")
    if isinstance(value, (int, float)):
        return int(value)
    match = _INTERVAL.match(str(value or "").strip())
    return int(int(match.group(1)) * _UNIT_MS[match.group(2)]) if match else 0


def default_chunking(aggregations):
    """defaultChunkingConfig: auto; manual at 1000 histogram intervals with aggregations; off for composite."""
    for agg in (aggregations or {}).values():
        if not isinstance(agg, dict):
            continue
        if "composite" in agg:
            return {"mode": "off"}
        for kind in ("date_histogram", "histogram"):
            if kind in agg:
                return {"mode": "manual", "time_span": "%dms" % (DEFAULT_CHUNKING_BUCKETS * _interval_ms(agg[kind]))}
    return {"mode": "auto"}


def _invalid_option(name, value):
    shown = "[" + ", ".join(str(v) for v in value) + "]" if isinstance(value, list) else value
    return errors.status_bad_request("Invalid %s value '%s' in datafeed configuration" % (name, shown))


def _check_query(raw, query, parser_name):
    if isinstance(query, dict) and len(query) == 1 and next(iter(query)) in QUERY_TYPES:
        return
    name = next(iter(query)) if isinstance(query, dict) and query else query
    cause = errors.EsError(400, "parsing_exception", "unknown query [%s]" % name, es_exception=False)
    raise errors.EsError(400, "x_content_parse_exception", "%s [%s] failed to parse field [query]"
                         % (field_location(raw, "query"), parser_name), caused_by=cause, es_exception=False)


def _aggregations(body):
    return body.get("aggregations", body.get("aggs"))


def _check_values(config):
    """DatafeedConfig.Builder.build's value checks (400 status_exception)."""
    if not config["indices"] or any(not i for i in config["indices"]):
        raise _invalid_option("indices", config["indices"])
    if config["scroll_size"] < 0:
        raise _invalid_option("scroll_size", config["scroll_size"])
    empty = config.get("max_empty_searches")
    if empty is not None and empty <= 0:
        raise _invalid_option("max_empty_searches", empty)
    if config.get("aggregations") and config.get("script_fields"):
        raise errors.status_bad_request("script_fields cannot be used in combination with aggregations")


def _apply_fields(config, raw, body, parser_name):
    """Copy the body's settable fields onto a config (shared by PUT and update)."""
    indices = string_list(body.get("indices", body.get("indexes")))
    if indices is not None:
        config["indices"] = list(indices)
    for key in ("query", "frequency", "query_delay", "scroll_size", "chunking_config", "delayed_data_check_config",
                "script_fields", "runtime_mappings"):
        if key in body:
            config[key] = copy.deepcopy(body[key])
    if "indices_options" in body:
        config["indices_options"] = _body_indices_options(raw, body["indices_options"], parser_name)
    if _aggregations(body) is not None:
        config["aggregations"] = copy.deepcopy(_aggregations(body))
    if "max_empty_searches" in body:
        # -1 unsets it (DatafeedConfig.Builder.setMaxEmptySearches)
        config["max_empty_searches"] = None if body["max_empty_searches"] == -1 else body["max_empty_searches"]
    if config.get("max_empty_searches") is None:
        config.pop("max_empty_searches", None)


def build_datafeed(datafeed_id, raw, body, params_options, authorization, features):
    """Validate a PUT datafeed body (request checks, before the job is looked at) and return the config."""
    check_fields(raw, body, put_fields(features), "datafeed_config")
    if "query" in body:
        _check_query(raw, body["query"], "datafeed_config")
    if body.get("datafeed_id") not in (None, datafeed_id):
        raise errors.bad_request("Inconsistent datafeed_id; '%s' specified in the body differs from '%s' "
                                 "specified as a URL argument" % (body["datafeed_id"], datafeed_id))
    if not body.get("job_id"):
        raise errors.bad_request("[job_id] must not be null.")
    ids.validate_id("datafeed", datafeed_id)
    config = {"datafeed_id": datafeed_id, "job_id": body["job_id"], "indices": [], "query": {"match_all": {}},
              "scroll_size": 1000, "delayed_data_check_config": {"enabled": True}}
    _apply_fields(config, raw, body, "datafeed_config")
    _check_values(config)
    config.setdefault("query_delay", default_query_delay(config["job_id"]))
    config.setdefault("chunking_config", default_chunking(config.get("aggregations")))
    if features.indices_options:
        # PutDatafeedAction.Request.parseRequest: the query parameters (or their defaults) only when the body has none.
        config.setdefault("indices_options", params_options or dict(DEFAULT_INDICES_OPTIONS))
    if authorization is not None:
        config["authorization"] = authorization
    return config


def apply_update(config, raw, body, params_options, authorization):
    """DatafeedUpdate.apply: the merged config; the caller's credentials replace the stored ones."""
    if body.get("job_id") not in (None, config["job_id"]):
        raise errors.status_bad_request("Datafeed's job_id cannot be changed.")
    updated = copy.deepcopy(config)
    _apply_fields(updated, raw, body, "datafeed_update")
    if params_options is not None:
        # UpdateDatafeedAction.Request.parseRequest: query parameters replace the body's indices_options.
        updated["indices_options"] = params_options
    _check_values(updated)
    updated.pop("authorization", None)
    if authorization is not None:
        updated["authorization"] = authorization
    return updated


def parse_update(raw, body, features):
    check_fields(raw, body, update_fields(features), "datafeed_update")
    if "query" in body:
        _check_query(raw, body["query"], "datafeed_update")
    if "indices_options" in body:
        _body_indices_options(raw, body["indices_options"], "datafeed_update")


def render(config, exclude_generated):
    """DatafeedConfig.toXContent: export (exclude_generated) drops authorization and defaults."""
    out = {}
    for key in _RENDER_ORDER:
        if key in config:
            out[key] = copy.deepcopy(config[key])
    if exclude_generated:
        out.pop("authorization", None)
        if out.get("query_delay") == default_query_delay(config["job_id"]):
            del out["query_delay"]
        if out.get("indices_options") == DEFAULT_INDICES_OPTIONS:
            del out["indices_options"]
        if out.get("chunking_config") == default_chunking(config.get("aggregations")):
            del out["chunking_config"]
    return out


def seed_datafeed(datafeed_id, job_id, features):
    return build_datafeed(datafeed_id, b"", {"job_id": job_id, "indices": ["logs-*"]}, None, None, features)
