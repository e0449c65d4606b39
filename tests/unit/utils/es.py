# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Canned Elasticsearch answers, shaped as Elasticsearch gives them (see Elastic's ML API reference).

Each builder returns ``Call`` keyword arguments or a body, so a script reads like the HTTP
exchange it stands for."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mlops.elasticsearch.tests.unit.utils.scripted_http import Call

NODE = {"id": "n1AbCdEfGhIjKlMnOpQrSt", "name": "es-ml-1", "ephemeral_id": "e1", "transport_address": "10.0.0.1:9300",
        "attributes": {"ml.machine_memory": "8589934592"}}


def root(version="8.15.0"):
    """GET / (reference 1.3)."""
    return {
        "name": "es-ml-1",
        "cluster_name": "sim",
        "cluster_uuid": "Xc7nQ1rQTpWm3T2VYLh7bg",
        "version": {
            "number": version,
            "build_flavor": "default",
            "build_type": "docker",
            "build_hash": "1a77947f34deddb41af25e6f0ddb8e830159c179",
            "build_date": "2024-08-05T10:05:34.233336849Z",
            "build_snapshot": False,
            "lucene_version": "9.11.1",
            "minimum_wire_compatibility_version": "7.17.0",
            "minimum_index_compatibility_version": "7.0.0",
        },
        "tagline": "You Know, for Search",
    }


def job_doc(job_id, groups=None, datafeed_id=None, deleting=False, blocked=None, version="8.15.0"):
    """One entry of GET _ml/anomaly_detectors (reference 2.5); 8.x embeds datafeed_config."""
    doc = {
        "job_id": job_id,
        "job_type": "anomaly_detector",
        "job_version": version,
        "create_time": 1700000000000,
        "analysis_config": {"bucket_span": "15m", "detectors": [{"function": "count", "detector_index": 0}]},
        "data_description": {"time_field": "@timestamp", "time_format": "epoch_ms"},
        "model_snapshot_retention_days": 10,
        "results_index_name": "shared",
        "allow_lazy_open": False,
    }
    if groups:
        doc["groups"] = list(groups)
    if deleting:
        doc["deleting"] = True
    if blocked:
        doc["blocked"] = blocked
    if datafeed_id:
        doc["datafeed_config"] = datafeed_doc(datafeed_id, job_id)
    return doc


def datafeed_doc(datafeed_id, job_id):
    """One entry of GET _ml/datafeeds."""
    return {"datafeed_id": datafeed_id, "job_id": job_id, "query_delay": "60s",
            "indices": ["logs-*"], "query": {"match_all": {}}, "scroll_size": 1000,
            "chunking_config": {"mode": "auto"}}


def jobs_page(*docs):
    return {"count": len(docs), "jobs": list(docs)}


def job_stats(job_id, state, node=True, model_bytes=None):
    """One entry of GET _ml/anomaly_detectors/<expr>/_stats (reference 2.5)."""
    doc = {
        "job_id": job_id,
        "data_counts": {"job_id": job_id, "processed_record_count": 0, "input_record_count": 0},
        "model_size_stats": {"job_id": job_id, "result_type": "model_size_stats",
                             "model_bytes": model_bytes or 0},
        "forecasts_stats": {"total": 0, "forecasted_jobs": 0},
        "state": state,
        "timing_stats": {"job_id": job_id, "bucket_count": 0},
    }
    if node and state != "closed":
        doc["node"] = dict(NODE)
        doc["assignment_explanation"] = ""
        doc["open_time"] = "120s"
    return doc


def stats_page(*docs):
    return {"count": len(docs), "jobs": sorted(docs, key=lambda d: d["job_id"])}


def datafeed_stats(datafeed_id, state):
    return {"datafeed_id": datafeed_id, "state": state, "assignment_explanation": "",
            "timing_stats": {"job_id": "x", "search_count": 0}}


def datafeed_stats_page(*docs):
    return {"count": len(docs), "datafeeds": list(docs)}


def datafeeds_page(*docs):
    return {"count": len(docs), "datafeeds": list(docs)}


def error(status, error_type, reason, caused_by=None, header=None):
    """The REST error envelope (reference 1.1)."""
    root_cause = caused_by or {"type": error_type, "reason": reason}
    err = {"root_cause": [dict(root_cause)], "type": error_type, "reason": reason}
    if caused_by:
        err["caused_by"] = dict(caused_by)
    if header:
        err["header"] = header
    return {"error": err, "status": status}


def no_job(expr):
    return error(404, "resource_not_found_exception", "No known job with id '%s'" % expr)


CLOSED_TRUE = {"closed": True}
ACK = {"acknowledged": True}
STOPPED_TRUE = {"stopped": True}


def get_root(version="8.15.0", host=None):
    return Call("GET", "/", reply=root(version), host=host)


def read_calls(expr, docs, stats, prefix="_ml", no_match="allow_no_match"):
    """The two reads every module starts with: GET jobs, then (when any) their stats."""
    params = {no_match: "true"}
    calls = [Call("GET", "/%s/anomaly_detectors/%s" % (prefix, expr), params=params, reply=jobs_page(*docs))]
    if docs:
        calls.append(Call("GET", "/%s/anomaly_detectors/%s/_stats" % (prefix, expr), params=params,
                          reply=stats_page(*stats)))
    return calls
