# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The deploy-side modules' requests: checked before any request is sent."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _config_requests as R
from ansible_collections.mlops.elasticsearch.plugins.module_utils._errors import InvalidInput

CONFIG = {"analysis_config": {"detectors": [{"function": "count"}]}, "data_description": {"time_field": "t"}}


def job(**params):
    return R.JobRequest(dict(dict(job_id="web", config=CONFIG), **params))


def test_a_job_request_with_its_defaults():
    request = job()
    assert (request.job_id, request.state, request.recreate, request.allow_restart, request.force) == (
        "web", "present", False, False, False)
    assert request.timeout.seconds == 1800 and request.datafeed is None and request.backup_dir is None


@pytest.mark.parametrize("params, message", [
    (dict(job_id="Web"), "Invalid job_id; 'Web'"),
    (dict(config=None), "config is required with state=present"),
    (dict(config=["x"]), "config must be a dictionary"),
    (dict(config=dict(CONFIG, job_id="other")), "config.job_id 'other' differs from job_id 'web'"),
    (dict(config=dict(CONFIG, create_time=1, model_snapshot_id="s")), "config holds model_snapshot_id, create_time"),
    (dict(config=dict(CONFIG, datafeed_config="x")), "config.datafeed_config must be a dictionary"),
    (dict(config=dict(CONFIG, datafeed_config={"job_id": "other", "indices": ["x"]})),
     "config.job_id 'other' differs from job_id 'web'"),
    (dict(recreate=True), "recreate=true needs backup_dir"),
    (dict(timeout="soon"), "timeout 'soon' is not an Elasticsearch time value"),
])
def test_job_requests_elasticsearch_would_refuse(params, message):
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace("[", r"\[")):
        job(**params)


def test_absent_needs_no_config():
    assert job(state="absent", config=None).config is None


def test_the_create_body_leaves_out_what_the_server_generates():
    request = job(config=dict(CONFIG, job_type="anomaly_detector", job_version="8.15.0", blocked={"reason": "revert"},
                              deleting=False, model_snapshot_min_version="7.0.0"))
    assert request.create_body == CONFIG


def test_an_embedded_datafeed_is_a_datafeed_request_of_the_job():
    request = job(config=dict(CONFIG, datafeed_config={"indices": ["logs"]}), allow_restart=True, timeout="2m")
    datafeed = request.datafeed
    assert (datafeed.datafeed_id, datafeed.job_id, datafeed.allow_restart, datafeed.timeout.text) == (
        "web", "web", True, "2m")
    named = job(config=dict(CONFIG, datafeed_config={"datafeed_id": "datafeed-web", "indices": ["logs"]})).datafeed
    assert named.datafeed_id == "datafeed-web" and named.config["job_id"] == "web"


def datafeed(**params):
    return R.DatafeedRequest(dict(dict(datafeed_id="datafeed-web", config={"job_id": "web", "indices": ["x"]}),
                                  **params))


def test_a_datafeed_request_with_its_defaults():
    request = datafeed()
    assert (request.datafeed_id, request.job_id, request.state, request.timeout.text) == (
        "datafeed-web", "web", "present", "5m")


@pytest.mark.parametrize("params, message", [
    (dict(datafeed_id="bad id"), "Invalid datafeed_id"),
    (dict(config={"indices": ["x"]}), "config.job_id must be a non-empty string"),
    (dict(config={"job_id": "web", "datafeed_id": "other"}), "config.datafeed_id 'other' differs"),
])
def test_datafeed_requests_elasticsearch_would_refuse(params, message):
    with pytest.raises(InvalidInput, match=message):
        datafeed(**params)


def test_open_request():
    request = R.OpenRequest(dict(job_id=["web-*", "db"], exclude=["web-keep"], max_jobs=3))
    assert [t.text for t in request.targets] == ["web-*", "db"] and [t.text for t in request.exclude] == ["web-keep"]
    assert (request.max_jobs, request.allow_no_match, request.ignore_missing, request.timeout.text) == (
        3, True, False, "30m")


@pytest.mark.parametrize("params, by_datafeed, option", [
    (dict(datafeed_id=["datafeed-*"]), True, "datafeed_id"),
    (dict(job_id=["web"]), False, "job_id"),
])
def test_datafeeds_are_named_by_id_or_by_job(params, by_datafeed, option):
    request = R.DatafeedsRequest(dict(params, timeout="20s", force=True, start="now-1d"))
    assert request.by_datafeed is by_datafeed and request.targets[0].text == params[option][0]
    assert (request.force, request.start, request.end, request.timeout.text) == (True, "now-1d", None, "20s")


@pytest.mark.parametrize("params", [dict(), dict(datafeed_id=["a"], job_id=["b"])])
def test_datafeeds_are_named_one_way(params):
    with pytest.raises(InvalidInput, match="by datafeed_id or by their jobs' job_id"):
        R.DatafeedsRequest(params)


def test_a_negative_guard_is_refused():
    with pytest.raises(InvalidInput, match="max_jobs must be 0 or more"):
        R.OpenRequest(dict(job_id=["a"], max_jobs=-1))
