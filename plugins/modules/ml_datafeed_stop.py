#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ml_datafeed_stop
short_description: Stop Elasticsearch machine learning datafeeds
version_added: 1.1.0
description:
  - Stops datafeeds with C(POST _ml/datafeeds/<ids>/_stop), naming in one request exactly the datafeeds that are
    not stopped yet; the server answers once they have stopped, within O(timeout).
  - The datafeeds are named by O(datafeed_id), or by their jobs with O(job_id) (job ids, groups, patterns). Their
    jobs stay open; M(mlops.elasticsearch.ml_job_close) closes jobs (and stops their datafeeds).
  - The states are read first, so the module reports C(changed) only when it stopped a datafeed. A V(stopping)
    datafeed is waited for.
author:
  - MLOps Elasticsearch maintainers (@mlops-elasticsearch)
extends_documentation_fragment:
  - mlops.elasticsearch._connection
  - mlops.elasticsearch._datafeed_targets
  - mlops.elasticsearch._attributes
  - mlops.elasticsearch._attributes.ACTIONGROUP_ELASTICSEARCH
attributes:
  check_mode:
    support: full
    details:
      - Reads only, and reports the stop it would send.
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  force:
    description:
      - Stop forcibly, without waiting for the datafeeds to finish their current search.
    type: bool
    default: false
  timeout:
    description:
      - How long the server may take to stop the datafeeds, as an Elasticsearch time value such as V(5m).
    type: str
    default: 5m
seealso:
  - module: mlops.elasticsearch.ml_datafeed_start
  - module: mlops.elasticsearch.ml_job_close
  - name: Stop datafeeds API
    description: The Elasticsearch API this module calls.
    link: https://www.elastic.co/guide/en/elasticsearch/reference/current/ml-stop-datafeed.html
"""

EXAMPLES = r"""
- name: Stop the datafeed of one job
  mlops.elasticsearch.ml_datafeed_stop:
    job_id: web-bytes
    ignore_missing: true

- name: Stop the datafeeds of the jobs web-*, keeping one running
  mlops.elasticsearch.ml_datafeed_stop:
    job_id: "web-*"
    exclude: [web-keep]

- name: Stop datafeeds by id pattern, forcibly
  mlops.elasticsearch.ml_datafeed_stop:
    datafeed_id: "datafeed-nightly-*"
    force: true
    timeout: 1m
"""

RETURN = r"""
datafeeds:
  description: One entry per datafeed the targets matched, sorted by datafeed id (by job id with O(job_id)).
  returned: success, and on failures found while planning or stopping
  type: list
  elements: dict
  contains:
    datafeed_id:
      description: The datafeed's id.
      type: str
      sample: datafeed-web-bytes
    job_id:
      description: Its job.
      type: str
      sample: web-bytes
    job_state:
      description: The job's state when it was read.
      type: str
      sample: opened
    state_before:
      description: The datafeed's state when it was read.
      type: str
      sample: started
    state:
      description: The datafeed's state afterwards (predicted in check mode).
      type: str
      sample: stopped
    action:
      description:
        - V(stopped) (this task stopped it), V(already_stopped), V(waited_for_stop) (it was stopping), V(refused),
          V(skipped), or V(timed_out) (still running when O(timeout) ran out).
      type: str
      sample: stopped
    error:
      description: Why this datafeed was not stopped.
      type: str
      returned: when the datafeed timed out
stopped:
  description: Ids of the datafeeds this task stopped (would stop, in check mode).
  returned: success
  type: list
  elements: str
  sample: [datafeed-web-bytes]
already_stopped:
  description: Ids of the datafeeds that were stopped, or stopping, already.
  returned: success
  type: list
  elements: str
  sample: []
missing:
  description: Explicit ids that matched nothing (only with O(ignore_missing=true)).
  returned: success
  type: list
  elements: str
  sample: []
without_datafeed:
  description: Ids of the jobs O(job_id) matched that have no datafeed.
  returned: success
  type: list
  elements: str
  sample: []
skipped_nodes:
  description:
    - The nodes of O(hosts) that could not be reached during the task (unknown host, connection refused,
      connect timeout) and were passed over, each once, with why. With several nodes each is also a warning.
    - Returned on failure too. Empty when every node that was tried answered.
  returned: always
  type: list
  elements: dict
  sample: [{host: "https://es1.example.com:9200", reason: "es1.example.com:9200 refused the connection (nothing
      listens on that port); check the port in hosts and that Elasticsearch runs there"}]
  contains:
    host:
      description: The node's URL, as in O(hosts).
      type: str
    reason:
      description: Why it could not be reached, and what to check.
      type: str
"""

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _ansible_module
from ansible_collections.mlops.elasticsearch.plugins.module_utils._config_requests import DATAFEED_TARGET_OPTIONS, DatafeedsRequest
from ansible_collections.mlops.elasticsearch.plugins.module_utils._lifecycle_operations import stop_datafeeds
from ansible_collections.mlops.elasticsearch.plugins.module_utils._lifecycle_plans import states_diff

ARGUMENT_SPEC = dict(
    DATAFEED_TARGET_OPTIONS,
    force=dict(type="bool", default=False),
    timeout=dict(type="str", default="5m"),
)


def stop(api, request, check_mode, diff):
    result = stop_datafeeds(api, request, check_mode=check_mode)
    if diff:
        result["diff"] = states_diff(result["datafeeds"], "datafeed_id")
    return result


DEFINITION = _ansible_module.Definition(ARGUMENT_SPEC, DatafeedsRequest, stop, "Failed to stop datafeeds")


def main():
    _ansible_module.main(DEFINITION)


if __name__ == "__main__":
    main()
