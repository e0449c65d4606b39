"""Anomaly-detection job configurations as Elasticsearch builds them: the PUT body checks in
Elasticsearch's order (Job.Builder.validateInputFields and friends, x-pack/plugin/core/.../ml/job/config/Job.java),
the defaults and normalisation the server applies, JobUpdate merging, and the GET rendering
(Job.doXContentBody). Docs: https://www.elastic.co/guide/en/elasticsearch/reference/current/ml-put-job.html
"""
import copy
import re

from . import errors, ids
from .params import check_fields, field_location, string_list

# Job.createParser (strict, named job_details); later fields per the release that added them.
_PUT_FIELDS = {"job_id", "job_type", "job_version", "groups", "description", "create_time", "finished_time",
               "analysis_config", "analysis_limits", "data_description", "model_plot_config",
               "renormalization_window_days", "background_persist_interval", "results_retention_days",
               "model_snapshot_retention_days", "custom_settings", "model_snapshot_id", "model_snapshot_min_version",
               "results_index_name", "deleting"}
# JobUpdate.EXTERNAL_PARSER (strict, named job_update).
_UPDATE_FIELDS = {"job_id", "groups", "description", "detectors", "model_plot_config", "analysis_limits",
                  "background_persist_interval", "renormalization_window_days", "results_retention_days",
                  "model_snapshot_retention_days", "categorization_filters", "custom_settings"}
CREATE_ONLY = ("model_snapshot_id", "finished_time", "create_time")
# Rendered only without exclude_generated (Job.doXContentBody).
GENERATED = ("job_type", "job_version", "create_time", "finished_time", "model_snapshot_id", "deleting",
             "model_snapshot_min_version", "datafeed_config")
_RENDER_ORDER = ("job_id", "job_type", "job_version", "create_time", "finished_time", "model_snapshot_id", "deleting",
                 "model_snapshot_min_version", "custom_settings", "datafeed_config", "groups", "description",
                 "analysis_config", "analysis_limits", "data_description", "model_plot_config",
                 "renormalization_window_days", "background_persist_interval", "model_snapshot_retention_days",
                 "daily_model_snapshot_retention_after_days", "results_retention_days",
                 "system_annotations_retention_days", "results_index_name", "allow_lazy_open", "blocked")

# DetectorFunction: full names and the shortcuts fromString accepts.
FUNCTIONS = {"count", "low_count", "high_count", "non_zero_count", "low_non_zero_count", "high_non_zero_count",
             "distinct_count", "low_distinct_count", "high_distinct_count", "rare", "freq_rare", "info_content",
             "low_info_content", "high_info_content", "metric", "mean", "low_mean", "high_mean", "avg", "low_avg",
             "high_avg", "median", "low_median", "high_median", "min", "max", "sum", "low_sum", "high_sum",
             "non_null_sum", "low_non_null_sum", "high_non_null_sum", "varp", "low_varp", "high_varp",
             "time_of_day", "time_of_week", "lat_long"}
SHORTCUTS = {"nzc": "non_zero_count", "low_nzc": "low_non_zero_count", "high_nzc": "high_non_zero_count",
             "dc": "distinct_count", "low_dc": "low_distinct_count", "high_dc": "high_distinct_count"}
_DETECTOR_FIELDS = ("field_name", "by_field_name", "over_field_name", "partition_field_name")
DEFAULT_MODEL_MEMORY_MB = 1024
_BYTE_UNITS = {"b": 1, "k": 1 << 10, "kb": 1 << 10, "m": 1 << 20, "mb": 1 << 20, "g": 1 << 30, "gb": 1 << 30,
               "t": 1 << 40, "tb": 1 << 40, "p": 1 << 50, "pb": 1 << 50}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*\Z")
# CategorizationAnalyzerConfig.addDateWordsTokenFilter
_DATE_WORDS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Mon", "Tue", "Wed",
               "Thu", "Fri", "Sat", "Sun", "January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
               "Sep", "Oct", "Nov", "Dec", "GMT", "UTC"]
_UNQUOTED = re.compile(r"[a-zA-Z0-9_]+\Z")


def put_fields(features):
    fields = set(_PUT_FIELDS)
    gated = (("allow_lazy_open", features.allow_lazy_open), ("blocked", features.blocked_field),
             ("daily_model_snapshot_retention_after_days", features.daily_retention),
             ("system_annotations_retention_days", features.annotations_retention),
             ("datafeed_config", features.put_job_with_datafeed))
    return fields | {name for name, present in gated if present}


def update_fields(features):
    fields = set(_UPDATE_FIELDS)
    gated = (("allow_lazy_open", features.allow_lazy_open),
             ("daily_model_snapshot_retention_after_days", features.daily_retention),
             ("per_partition_categorization", features.per_partition),
             ("system_annotations_retention_days", features.annotations_retention),
             ("model_prune_window", features.model_prune_window))
    return fields | {name for name, present in gated if present}


# ---- pure helpers ---------------------------------------------------------------------------------

def memory_mb(value):
    """AnalysisLimits: a number is MB; a string is a byte size (ByteSizeValue) truncated to MB."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise errors.parse_error("[model_memory_limit] unsupported value %r" % (value,))
    if not isinstance(value, str):
        return int(value)
    match = _SIZE.match(value.lower())
    if not match or match.group(2) not in _BYTE_UNITS:
        raise errors.EsError(400, "parse_exception", "failed to parse setting [model_memory_limit] with value [%s] "
                             "as a size in bytes: unit is missing or unrecognized" % value)
    return int(float(match.group(1)) * _BYTE_UNITS[match.group(2)]) // (1 << 20)


def render_mb(mb):
    return "%dmb" % mb


def expand_function(name):
    """DetectorFunction.fromString: the full name of a function or shortcut."""
    if name in FUNCTIONS:
        return name
    if name in SHORTCUTS:
        return SHORTCUTS[name]
    raise errors.bad_request("Unknown function '%s'" % name)


def _quote(field):
    # MlStrings.doubleQuoteIfNotAlphaNumeric
    return field if _UNQUOTED.match(field) else '"%s"' % field.replace("\\", "\\\\").replace('"', '\\"')


def default_detector_description(detector):
    """DefaultDetectorDescription: `function(field) by b over o partitionfield=p ...`."""
    text = detector["function"]
    if detector.get("field_name"):
        text += "(%s)" % _quote(detector["field_name"])
    for key, token in (("by_field_name", " by "), ("over_field_name", " over "),
                       ("partition_field_name", " partitionfield=")):
        if detector.get(key):
            text += token + _quote(detector[key])
    if detector.get("use_null"):
        text += " usenull=true"
    if detector.get("exclude_frequent"):
        text += " excludefrequent=" + str(detector["exclude_frequent"])
    return text


def normalise_rule(rule):
    """DetectionRule defaults: actions [skip_result] (a single string is a list of one), scope filter_type include."""
    rule = copy.deepcopy(rule)
    rule.setdefault("actions", ["skip_result"])
    rule["actions"] = string_list(rule["actions"])
    for scope in (rule.get("scope") or {}).values():
        if isinstance(scope, dict):
            scope.setdefault("filter_type", "include")
    return rule


def normalise_detector(detector, index):
    out = {"detector_description": detector.get("detector_description"),
           "function": expand_function(detector.get("function") or "metric")}
    for key in _DETECTOR_FIELDS + ("use_null", "exclude_frequent"):
        if detector.get(key) is not None:
            out[key] = detector[key]
    if out["detector_description"] is None:
        out["detector_description"] = default_detector_description(out)
    if detector.get("custom_rules"):
        out["custom_rules"] = [normalise_rule(r) for r in detector["custom_rules"]]
    out["detector_index"] = index
    return out


def standard_categorization_analyzer(filters):
    """CategorizationAnalyzerConfig.buildStandardCategorizationAnalyzer (7.14+)."""
    char_filter = ["first_non_blank_line"] + [{"type": "pattern_replace", "pattern": f} for f in filters or []]
    return {"char_filter": char_filter, "tokenizer": "ml_standard",
            "filter": [{"type": "stop", "stopwords": list(_DATE_WORDS)}]}


def analysis_fields(analysis):
    """AnalysisConfig.analysisFields: every field the analysis reads."""
    fields = set(analysis.get("influencers") or [])
    for key in ("summary_count_field_name", "categorization_field_name"):
        if analysis.get(key):
            fields.add(analysis[key])
    for detector in analysis.get("detectors") or []:
        fields.update(detector[k] for k in _DETECTOR_FIELDS if detector.get(k))
    return fields


def _parse_wrapped(raw, outer_field, inner_field, cause):
    """An ObjectParser failing inside a nested object: two wrapping parse errors around the cause."""
    inner = errors.EsError(400, "x_content_parse_exception", "%s [%s] failed to parse field [%s]"
                           % (field_location(raw, inner_field), outer_field, inner_field),
                           caused_by=cause, es_exception=False)
    return errors.EsError(400, "x_content_parse_exception", "%s [job_details] failed to parse field [%s]"
                          % (field_location(raw, outer_field), outer_field), caused_by=inner, es_exception=False)


def string_arrays(body):
    """A PUT job body with its string-array fields (groups, analysis_config influencers and
    categorization_filters) as the parser reads them; an embedded datafeed's indices are read by datafeedconfig."""
    body = dict(body)
    if "groups" in body:
        body["groups"] = string_list(body["groups"])
    analysis = body.get("analysis_config")
    if isinstance(analysis, dict):
        analysis = dict(analysis)
        for key in ("influencers", "categorization_filters"):
            if key in analysis:
                analysis[key] = string_list(analysis[key])
        body["analysis_config"] = analysis
    return body


def model_plot_fields(features):
    """ModelPlotConfig's strict parser: enabled (required), terms, annotations_enabled (7.9+)."""
    return {"enabled", "terms", "annotations_enabled"} if features.annotations_enabled else {"enabled", "terms"}


def check_model_plot(raw, body, parser_name, features):
    """Unknown fields inside model_plot_config fail its strict parser, wrapped by the outer one."""
    value = body.get("model_plot_config")
    if not isinstance(value, dict):
        return
    for field in value:
        if field not in model_plot_fields(features):
            cause = errors.EsError(400, "x_content_parse_exception", "%s [model_plot_config] unknown field [%s]"
                                   % (field_location(raw, field), field), es_exception=False)
            raise errors.EsError(400, "x_content_parse_exception", "%s [%s] failed to parse field [model_plot_config]"
                                 % (field_location(raw, "model_plot_config"), parser_name), caused_by=cause,
                                 es_exception=False)


def model_plot_config(value, features):
    """ModelPlotConfig as toXContent renders it: enabled, terms if set, and from 7.9 annotations_enabled,
    which defaults to `enabled` and is always rendered (PUT, GET and _update answers alike)."""
    if not isinstance(value, dict) or not isinstance(value.get("enabled"), bool):
        return copy.deepcopy(value)
    out = {"enabled": value["enabled"]}
    if value.get("terms") is not None:
        out["terms"] = value["terms"]
    if features.annotations_enabled:
        annotations = value.get("annotations_enabled")
        out["annotations_enabled"] = annotations if isinstance(annotations, bool) else value["enabled"]
    return out


# ---- PUT --------------------------------------------------------------------------------------------

def parse_put_body(raw, body, features):
    """Step 1 of PUT: the strict parser, which also builds the nested objects (detectors, limits)."""
    check_fields(raw, body, put_fields(features), "job_details")
    check_model_plot(raw, body, "job_details", features)
    analysis = body.get("analysis_config")
    if isinstance(analysis, dict):
        detectors = analysis.get("detectors") or []
        if not detectors:
            raise _parse_wrapped(raw, "analysis_config", "detectors", errors.bad_request("No detectors configured"))
        try:
            analysis = dict(analysis, detectors=[normalise_detector(d, i) for i, d in enumerate(detectors)])
        except errors.EsError as cause:
            raise _parse_wrapped(raw, "analysis_config", "detectors", cause) from None
        try:
            # Job.Builder.setAnalysisConfig builds the parsed AnalysisConfig inside the job_details parser.
            check_categorization_filters(analysis)
        except errors.EsError as cause:
            raise errors.EsError(400, "x_content_parse_exception", "%s [job_details] failed to parse field "
                                 "[analysis_config]" % field_location(raw, "analysis_config"), caused_by=cause,
                                 es_exception=False) from None
    limits = body.get("analysis_limits") or {}
    mml = memory_mb(limits["model_memory_limit"]) if "model_memory_limit" in limits else None
    if mml is not None and mml < 1:
        raise errors.status_bad_request("model_memory_limit must be at least 1 MiB. Value = %d" % mml)
    return analysis, mml


def _too_low(name, minimum, value):
    if value is not None and value < minimum:
        raise errors.bad_request("%s cannot be less than %d. Value = %d" % (name, minimum, value))


def check_retention(model_days, daily_days):
    _too_low("model_snapshot_retention_days", 0, model_days)
    _too_low("daily_model_snapshot_retention_after_days", 0, daily_days)
    if model_days is not None and daily_days is not None and daily_days > model_days:
        raise errors.bad_request("The value of daily_model_snapshot_retention_after_days [%d] cannot be greater than "
                                 "model_snapshot_retention_days [%d]" % (daily_days, model_days))


def check_groups(job_id, groups):
    for group in groups:
        if not isinstance(group, str) or not ids.is_valid_id(group):
            raise errors.bad_request("Invalid group id '%s'; must be non-empty string and may contain lowercase "
                                     "alphanumeric (a-z and 0-9), hyphens or underscores; must start and end with "
                                     "alphanumeric" % group)
        if group == job_id:
            raise group_clash(group)


def group_clash(name):
    return errors.EsError(400, "resource_already_exists_exception",
                          "job and group names must be unique but job [%s] and group [%s] have the same name"
                          % (name, name))


def _validate_input_fields(job_id, body, analysis):
    """Job.Builder.validateInputFields, in its order."""
    if not isinstance(analysis, dict):
        raise errors.bad_request("An analysis_config must be set")
    if not isinstance(body.get("data_description"), dict):
        raise errors.bad_request("A data_description must be set")
    if body["data_description"].get("time_field", "time") in analysis_fields(analysis):
        raise errors.bad_request("data_description.time_field may not be used in the analysis_config")
    _too_low("renormalization_window_days", 0, body.get("renormalization_window_days"))
    _too_low("results_retention_days", 0, body.get("results_retention_days"))
    ids.validate_id("job", job_id)
    check_retention(body.get("model_snapshot_retention_days"), body.get("daily_model_snapshot_retention_after_days"))
    check_groups(job_id, body.get("groups") or [])
    index_name = body.get("results_index_name")
    if index_name and not ids.is_valid_id(index_name):
        raise errors.bad_request("Invalid results_index_name; '%s' can contain lowercase alphanumeric (a-z and 0-9), "
                                 "hyphens or underscores; must start and end with alphanumeric" % index_name)


def _check_detectors_unique(analysis):
    seen = []
    for detector in analysis["detectors"]:
        canonical = dict(detector, detector_index=0)
        if canonical in seen:
            raise errors.bad_request("Duplicate detectors are not allowed: [%s]" % detector["detector_description"])
        seen.append(canonical)


def _reject_create_only(body):
    present = [f for f in CREATE_ONLY if f in body]
    if present:
        raise errors.bad_request("The job is configured with fields [%s] that are illegal to set at job creation"
                                 % ",".join(present))


def check_memory_limit(mml, max_mml):
    """JobManager: the limit against xpack.ml.max_model_memory_limit (`max_mml` in MB, None = unlimited)."""
    if max_mml is not None and mml > max_mml:
        raise errors.status_bad_request("model_memory_limit [%s] must be less than the value of the "
                                        "xpack.ml.max_model_memory_limit setting [%s]"
                                        % (render_mb(mml), render_mb(max_mml)))


def validate_put(job_id, raw, body, features):
    """Steps 1-5 of PUT job (the request's own checks); returns (analysis_config, model memory MB or None)."""
    analysis, mml = parse_put_body(raw, body, features)
    if body.get("job_id") not in (None, job_id):
        raise errors.bad_request("Inconsistent job_id; '%s' specified in the body differs from '%s' "
                                 "specified as a URL argument" % (body["job_id"], job_id))
    _validate_input_fields(job_id, body, analysis)
    _check_detectors_unique(analysis)
    _reject_create_only(body)
    return analysis, mml


def per_partition_config(value):
    """PerPartitionCategorizationConfig as toXContent writes it: enabled always, stop_on_warn (default
    false) only when enabled; stop_on_warn without enabled is refused by its constructor."""
    enabled = bool(value.get("enabled"))
    stop_on_warn = bool(value.get("stop_on_warn"))
    if stop_on_warn and not enabled:
        raise errors.status_bad_request("stop_on_warn cannot be true in per_partition_categorization when enabled is false")
    return {"enabled": True, "stop_on_warn": stop_on_warn} if enabled else {"enabled": False}


def _analysis_defaults(analysis, features):
    analysis = copy.deepcopy(analysis)
    analysis.setdefault("bucket_span", "5m")
    analysis.setdefault("influencers", [])
    if analysis.get("categorization_field_name") and "categorization_analyzer" not in analysis \
            and features.standard_analyzer:
        analysis["categorization_analyzer"] = standard_categorization_analyzer(analysis.pop("categorization_filters",
                                                                                            None))
    # AnalysisConfig.toXContent writes per_partition_categorization (never null on the server side)
    # only with categorization, from 7.9 (wire gate V_7_9_0).
    partition = analysis.pop("per_partition_categorization", None) or {}
    if features.per_partition and analysis.get("categorization_field_name"):
        analysis["per_partition_categorization"] = per_partition_config(partition)
    return analysis


def build_job(job_id, body, analysis, mml, features, now_ms, max_mml):
    """The stored job after PUT's checks: Job.Builder.build defaults and normalisation."""
    default_mml = DEFAULT_MODEL_MEMORY_MB if max_mml is None else min(DEFAULT_MODEL_MEMORY_MB, max_mml)
    limits = dict(body.get("analysis_limits") or {})
    limits["model_memory_limit"] = render_mb(default_mml if mml is None else mml)
    limits.setdefault("categorization_examples_limit", 4)
    data_description = dict(body["data_description"])
    data_description.setdefault("time_field", "time")
    data_description.setdefault("time_format", "epoch_ms")
    job = {"job_id": job_id, "job_type": "anomaly_detector", "job_version": features.job_version,
           "create_time": now_ms, "analysis_config": _analysis_defaults(analysis, features),
           "analysis_limits": {"model_memory_limit": limits.pop("model_memory_limit"), **limits},
           "data_description": data_description,
           "model_snapshot_retention_days": body.get("model_snapshot_retention_days",
                                                     features.snapshot_retention_default),
           "results_index_name": results_index_name(body.get("results_index_name"))}
    daily = body.get("daily_model_snapshot_retention_after_days")
    if daily is None and features.daily_retention and job["model_snapshot_retention_days"] > 1:
        daily = 1   # validateModelSnapshotRetentionSettingsAndSetDefaults: only at creation
    if daily is not None:
        job["daily_model_snapshot_retention_after_days"] = daily
    if features.allow_lazy_open:
        job["allow_lazy_open"] = bool(body.get("allow_lazy_open", False))
    for optional in ("description", "custom_settings", "background_persist_interval",
                     "renormalization_window_days", "results_retention_days", "system_annotations_retention_days"):
        if body.get(optional) is not None:
            job[optional] = copy.deepcopy(body[optional])
    if body.get("model_plot_config") is not None:
        job["model_plot_config"] = model_plot_config(body["model_plot_config"], features)
    if body.get("groups"):
        job["groups"] = list(body["groups"])
    return job


def results_index_name(name):
    """Job.Builder.build: `shared` by default, else `custom-<name>` without a double prefix."""
    if not name or name == "shared":
        return "shared"
    return name if name.startswith("custom-") else "custom-" + name


def render(job, exclude_generated):
    """A stored job (plus deleting/blocked/datafeed_config) in Job.doXContentBody's order."""
    out = {}
    for key in _RENDER_ORDER:
        if key not in job or (exclude_generated and key in GENERATED):
            continue
        value = copy.deepcopy(job[key])
        if key == "custom_settings" and exclude_generated and isinstance(value, dict):
            value.pop("created_by", None)
        out[key] = value
    return out


# ---- update -----------------------------------------------------------------------------------------

def _apply_detector_updates(analysis, updates):
    count = len(analysis["detectors"])
    for update in updates:
        index = update.get("detector_index")
        if not isinstance(index, int) or index >= count or index < 0:
            raise errors.status_bad_request("Supplied detector_index [%s] is >= the number of detectors [%d]"
                                            % (index, count))
        detector = analysis["detectors"][index]
        if "description" in update:
            detector["detector_description"] = update["description"]
        if "custom_rules" in update:
            detector["custom_rules"] = [normalise_rule(r) for r in update["custom_rules"] or []]
            if not detector["custom_rules"]:
                del detector["custom_rules"]


def _apply_memory_limit(job, limits, state, model_bytes, max_mml):
    if "model_memory_limit" not in limits:
        return
    if state == "opened":
        raise errors.status_bad_request("Cannot update analysis_limits while the job is open")
    mml = memory_mb(limits["model_memory_limit"])
    usage_mb = -(-model_bytes // (1 << 20))
    if model_bytes and mml < usage_mb:
        raise errors.status_bad_request(
            "Invalid update value for analysis_limits: model_memory_limit cannot be decreased below current usage; "
            "current usage [%s], update had [%s]" % (render_mb(usage_mb), render_mb(mml)))
    check_memory_limit(mml, max_mml)
    job["analysis_limits"]["model_memory_limit"] = render_mb(mml)


def _apply_per_partition(analysis, update):
    current = analysis.get("per_partition_categorization") or {"enabled": False}
    if bool(update.get("enabled", current.get("enabled"))) != bool(current.get("enabled")):
        raise errors.status_bad_request("analysis_config.per_partition_categorization.enabled cannot be updated")
    merged = per_partition_config(dict(current, **update))
    if analysis.get("categorization_field_name"):
        analysis["per_partition_categorization"] = merged


_SIMPLE_UPDATES = ("description", "model_plot_config", "background_persist_interval", "renormalization_window_days",
                   "results_retention_days", "model_snapshot_retention_days", "custom_settings", "allow_lazy_open",
                   "daily_model_snapshot_retention_after_days", "system_annotations_retention_days")


def parse_update(raw, body, features):
    """The strict job_update parser; returns the update with its string arrays read as lists."""
    check_fields(raw, body, update_fields(features), "job_update")
    check_model_plot(raw, body, "job_update", features)
    body = dict(body)
    for key in ("groups", "categorization_filters"):
        if key in body:
            body[key] = string_list(body[key])
    return body


def check_categorization_filters(analysis):
    """AnalysisConfig.Builder.verifyCategorizationFilters, run when mergeWithJob builds the new analysis_config
    (400 status_exception, ExceptionsHelper.badRequestException). Java regex validity is not checked."""
    filters = analysis.get("categorization_filters") or []
    if not filters:
        return
    if analysis.get("categorization_analyzer") is not None:
        raise errors.status_bad_request("categorization_filters cannot be used with categorization_analyzer - "
                                        "instead specify them as pattern_replace char_filters in the analyzer")
    if not analysis.get("categorization_field_name"):
        raise errors.status_bad_request("categorization_filters require setting categorization_field_name")
    if len(set(filters)) != len(filters):
        raise errors.status_bad_request("categorization_filters contain duplicates")
    if any(f == "" for f in filters):
        raise errors.status_bad_request("categorization_filters are not allowed to contain empty strings")


def apply_update(job, update, state, model_bytes, max_mml, features):
    """JobUpdate.mergeWithJob plus JobManager's checks; returns the merged job. `job_id` in the update
    is overwritten by the path id, so it is ignored here."""
    job = copy.deepcopy(job)
    analysis = job["analysis_config"]
    _apply_memory_limit(job, update.get("analysis_limits") or {}, state, model_bytes, max_mml)
    _apply_detector_updates(analysis, update.get("detectors") or [])
    if "per_partition_categorization" in update:
        _apply_per_partition(analysis, update["per_partition_categorization"] or {})
    if "categorization_filters" in update:
        analysis["categorization_filters"] = list(update["categorization_filters"] or [])
    if "model_prune_window" in update:
        analysis["model_prune_window"] = update["model_prune_window"]
    for key in _SIMPLE_UPDATES:
        if key in update:
            if update[key] is None:
                job.pop(key, None)
            elif key == "model_plot_config":
                job[key] = model_plot_config(update[key], features)
            else:
                job[key] = copy.deepcopy(update[key])
    if "groups" in update:
        check_groups(job["job_id"], update["groups"] or [])
        job.pop("groups", None)
        if update["groups"]:
            job["groups"] = list(update["groups"])
    # Job.Builder.setAnalysisConfig builds the merged analysis_config before Job.Builder.build's checks.
    check_categorization_filters(analysis)
    check_retention(job.get("model_snapshot_retention_days"), job.get("daily_model_snapshot_retention_after_days"))
    return job


# ---- seeding ----------------------------------------------------------------------------------------

def seed_job(job_id, groups, features, now_ms):
    """A job config for `/_sim/load`: what a PUT with a typical body would have stored."""
    body = {"description": "seeded job %s" % job_id,
            "analysis_config": {"bucket_span": "15m", "detectors": [{"function": "count"}], "influencers": []},
            "data_description": {"time_field": "@timestamp"}}
    if groups:
        body["groups"] = list(groups)
    analysis = dict(body["analysis_config"], detectors=[normalise_detector({"function": "count"}, 0)])
    return build_job(job_id, body, analysis, None, features, now_ms, None)
