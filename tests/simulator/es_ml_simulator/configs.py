"""Full job and datafeed configurations as ES stores and returns them.

Kept realistic so that `GET ...?exclude_generated=true` yields a body that can be PUT back.
"""
import copy

from . import errors

JOB_FIELDS = {"job_id", "job_type", "job_version", "description", "groups", "analysis_config",
              "analysis_limits", "data_description", "model_plot_config", "model_snapshot_retention_days",
              "daily_model_snapshot_retention_after_days", "results_index_name", "allow_lazy_open",
              "custom_settings", "background_persist_interval", "renormalization_window_days",
              "results_retention_days", "datafeed_config", "create_time", "model_snapshot_id",
              "finished_time", "deleting", "blocked", "model_snapshot_min_version"}
# Fields ES computes itself; `exclude_generated=true` leaves them out.
GENERATED_JOB_FIELDS = ("job_version", "create_time", "finished_time", "model_snapshot_id",
                        "model_snapshot_min_version", "deleting", "blocked")
DATAFEED_FIELDS = {"datafeed_id", "job_id", "indices", "query", "query_delay", "frequency", "scroll_size",
                   "chunking_config", "delayed_data_check_config", "aggregations", "aggs", "script_fields",
                   "max_empty_searches", "runtime_mappings", "indices_options", "authorization"}


def default_analysis_config():
    return {"bucket_span": "15m",
            "detectors": [{"detector_description": "count", "function": "count", "detector_index": 0}],
            "influencers": []}


def build_job(job_id, body, version_number, now_ms):
    """Validate a PUT job body the way Job.Builder does, and return the stored config."""
    if body.get("job_id") not in (None, job_id):
        raise errors.bad_request("Inconsistent job_id; '%s' specified in the body differs from '%s' "
                                 "specified as a URL argument" % (body["job_id"], job_id))
    analysis = body.get("analysis_config")
    if not isinstance(analysis, dict):
        raise errors.status_bad_request("An analysis_config must be set")
    if not analysis.get("detectors"):
        raise errors.status_bad_request("No detectors configured")
    if not isinstance(body.get("data_description"), dict):
        raise errors.status_bad_request("A data_description must be set")
    analysis = copy.deepcopy(analysis)
    analysis.setdefault("bucket_span", "5m")
    analysis.setdefault("influencers", [])
    for index, detector in enumerate(analysis["detectors"]):
        detector.setdefault("detector_description", detector.get("function", "count"))
        detector["detector_index"] = index
    data_description = dict(body["data_description"])
    data_description.setdefault("time_field", "time")
    data_description.setdefault("time_format", "epoch_ms")
    job = {
        "job_id": job_id,
        "job_type": "anomaly_detector",
        "job_version": version_number,
        "create_time": now_ms,
        "analysis_config": analysis,
        "analysis_limits": dict({"model_memory_limit": "1024mb", "categorization_examples_limit": 4},
                                **body.get("analysis_limits", {})),
        "data_description": data_description,
        "model_snapshot_retention_days": body.get("model_snapshot_retention_days", 10),
        "daily_model_snapshot_retention_after_days": body.get("daily_model_snapshot_retention_after_days", 1),
        "results_index_name": body.get("results_index_name", "shared"),
        "allow_lazy_open": body.get("allow_lazy_open", False),
    }
    for optional in ("description", "groups", "model_plot_config", "custom_settings",
                     "background_persist_interval", "renormalization_window_days", "results_retention_days"):
        if optional in body:
            job[optional] = copy.deepcopy(body[optional])
    return job


def seed_job(job_id, groups, version_number, now_ms):
    """A job config for `/_sim/load`: what a PUT with a typical body would have stored."""
    body = {"description": "seeded job %s" % job_id,
            "analysis_config": default_analysis_config(),
            "data_description": {"time_field": "@timestamp"}}
    if groups:
        body["groups"] = list(groups)
    return build_job(job_id, body, version_number, now_ms)


def build_datafeed(datafeed_id, body):
    """Validate a PUT datafeed body as DatafeedConfig.Builder.build does, and return the config."""
    if body.get("datafeed_id") not in (None, datafeed_id):
        raise errors.bad_request("Inconsistent datafeed_id; '%s' specified in the body differs from '%s' "
                                 "specified as a URL argument" % (body["datafeed_id"], datafeed_id))
    if not body.get("job_id"):
        raise errors.bad_request("[job_id] must not be null.")
    indices = body.get("indices", body.get("indexes"))
    if not indices or any(not i for i in indices):
        raise errors.bad_request("Invalid indices value '%s' in datafeed configuration"
                                 % ("null" if indices is None else "[" + ", ".join(indices or []) + "]"))
    datafeed = {
        "datafeed_id": datafeed_id,
        "job_id": body["job_id"],
        "query_delay": body.get("query_delay", "60000ms"),
        "indices": list(indices),
        "query": copy.deepcopy(body.get("query", {"match_all": {}})),
        "scroll_size": body.get("scroll_size", 1000),
        "chunking_config": copy.deepcopy(body.get("chunking_config", {"mode": "auto"})),
        "delayed_data_check_config": copy.deepcopy(body.get("delayed_data_check_config", {"enabled": True})),
    }
    for optional in ("frequency", "aggregations", "script_fields", "max_empty_searches", "runtime_mappings"):
        if optional in body:
            datafeed[optional] = copy.deepcopy(body[optional])
    return datafeed


def seed_datafeed(datafeed_id, job_id):
    return build_datafeed(datafeed_id, {"job_id": job_id, "indices": ["logs-*"]})


def public_job(config, exclude_generated):
    job = copy.deepcopy(config)
    if exclude_generated:
        for field in GENERATED_JOB_FIELDS:
            job.pop(field, None)
    return job
