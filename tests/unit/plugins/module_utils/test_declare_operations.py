# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ml_job and ml_datafeed's operations end to end against an in-process simulator (7.x, 8.x,
9.x): the restart and recreate sequences leave the job and its datafeed configured as declared
and running as they were; check mode changes nothing. (The exact requests are pinned by the
module tests; the simulator is skipped where it is not installed.)"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json

import pytest

from ansible_collections.mlops.elasticsearch.plugins.module_utils._config_requests import DatafeedRequest, JobRequest
from ansible_collections.mlops.elasticsearch.plugins.module_utils._declare_operations import (
    declare_datafeed,
    declare_job,
)
from ansible_collections.mlops.elasticsearch.plugins.module_utils._endpoints import connect
from ansible_collections.mlops.elasticsearch.plugins.module_utils._errors import JobsFailed
from ansible_collections.mlops.elasticsearch.plugins.module_utils._lifecycle_operations import (
    datafeed_states,
    open_job,
    start_datafeed,
)
from ansible_collections.mlops.elasticsearch.plugins.module_utils._operations import job_states
from ansible_collections.mlops.elasticsearch.plugins.module_utils._transport import Transport

CONFIG = {
    "analysis_config": {"bucket_span": "15m", "detectors": [{"function": "count"}]},
    "analysis_limits": {"model_memory_limit": "64mb"},
    "data_description": {"time_field": "timestamp"},
    "datafeed_config": {"datafeed_id": "datafeed-web", "indices": ["web-logs"]},
}


@pytest.fixture(params=["7.13.4", "8.15.0", "9.0.0"])
def cluster(request):
    simulator = pytest.importorskip("es_ml_simulator")
    fleet = simulator.start_fleet(clusters=1, host="127.0.0.1", port=0, es_version=request.param)
    url = fleet.clusters[0].url

    def endpoints(check_mode=False):
        return connect(Transport([url], check_mode=check_mode, retries=0))
    yield endpoints
    fleet.stop()


def job(config=None, **params):
    return JobRequest(dict(dict(job_id="web", config=copy.deepcopy(config or CONFIG), timeout="1m"), **params))


def running(cluster):
    """The job web, opened, with its datafeed started."""
    declare_job(cluster(), job())
    open_job(cluster(), "web", job().timeout)
    start_datafeed(cluster(), "datafeed-web", job().timeout)


def states(api):
    return job_states(api, ["web"]).get("web"), datafeed_states(api, ["datafeed-web"]).get("datafeed-web")


def test_allow_restart_updates_the_memory_limit_and_leaves_it_running(cluster):
    running(cluster)
    config = dict(CONFIG, analysis_limits={"model_memory_limit": "128mb"})
    with pytest.raises(JobsFailed, match="job \\[web\\] is opened"):
        declare_job(cluster(), job(config))
    result, dummy = declare_job(cluster(), job(config, allow_restart=True))
    assert (result["action"], result["restarted"]) == ("updated", True)
    api = cluster()
    assert api.get_job("web")["analysis_limits"]["model_memory_limit"] == "128mb"
    assert states(api) == ("opened", "started")
    assert declare_job(api, job(config))[0]["changed"] is False


def test_recreate_changes_what_update_cannot_and_restores_the_running_job(cluster, tmp_path):
    running(cluster)
    config = copy.deepcopy(CONFIG)
    config["analysis_config"]["bucket_span"] = "30m"
    del config["datafeed_config"]
    result, diff = declare_job(cluster(), job(config, recreate=True, backup_dir=str(tmp_path)))
    assert (result["action"], result["restarted"], result["not_updatable"]) == (
        "recreated", True, ["analysis_config.bucket_span"])
    assert (diff["before"]["analysis_config"]["bucket_span"], diff["after"]["analysis_config"]["bucket_span"]) == (
        "15m", "30m")
    api = cluster()
    assert api.get_job("web")["analysis_config"]["bucket_span"] == "30m"
    # The datafeed it had is put back, and both run again.
    assert api.get_datafeed("datafeed-web")["indices"] == ["web-logs"]
    assert states(api) == ("opened", "started")
    backup = json.loads((tmp_path / "web.json").read_text())
    assert backup["job"]["analysis_config"]["bucket_span"] == "15m"
    assert backup["state"] == {"job": "opened", "datafeed": "started"}
    assert declare_job(api, job(config))[0]["changed"] is False


def test_check_mode_changes_nothing(cluster, tmp_path):
    declare_job(cluster(), job())
    config = copy.deepcopy(CONFIG)
    config["analysis_config"]["bucket_span"] = "30m"
    config["datafeed_config"]["scroll_size"] = 10
    result, dummy = declare_job(cluster(check_mode=True), job(config, recreate=True, backup_dir=str(tmp_path)),
                                check_mode=True)
    assert (result["action"], result["changed"], result["backup"]) == ("recreated", True, None)
    api = cluster()
    assert api.get_job("web")["analysis_config"]["bucket_span"] == "15m" and list(tmp_path.iterdir()) == []


def test_the_datafeed_is_stopped_updated_and_started_with_allow_restart(cluster):
    running(cluster)
    request = DatafeedRequest(dict(datafeed_id="datafeed-web", allow_restart=True, timeout="1m",
                                   config={"job_id": "web", "indices": ["web-logs", "api-logs"]}))
    result, dummy = declare_datafeed(cluster(), request)
    assert (result["action"], result["restarted"], result["update_body"]) == (
        "updated", True, {"indices": ["web-logs", "api-logs"]})
    api = cluster()
    assert api.get_datafeed("datafeed-web")["indices"] == ["web-logs", "api-logs"]
    assert states(api) == ("opened", "started")


def test_a_datafeed_is_recreated_for_another_job(cluster):
    declare_job(cluster(), job())
    without_datafeed = dict((key, value) for key, value in CONFIG.items() if key != "datafeed_config")
    declare_job(cluster(), JobRequest(dict(job_id="api", config=without_datafeed)))
    request = DatafeedRequest(dict(datafeed_id="datafeed-web", recreate=True,
                                   config={"job_id": "api", "indices": ["web-logs"]}))
    result, dummy = declare_datafeed(cluster(), request)
    assert (result["action"], result["job_id"]) == ("recreated", "web")
    assert cluster().get_datafeed("datafeed-web")["job_id"] == "api"
