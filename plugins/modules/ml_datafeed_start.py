#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ml_datafeed_start
short_description: Start Elasticsearch machine learning datafeeds
version_added: 1.1.0
description:
  - Starts datafeeds with C(POST _ml/datafeeds/<datafeed_id>/_start), one request per datafeed that is not started
    yet; each waits, on the server, until the datafeed has started, within O(timeout).
  - The datafeeds are named by O(datafeed_id), or by their jobs with O(job_id) (job ids, groups, patterns).
  - The states are read first, so the module reports C(changed) only when it started a datafeed - Elasticsearch
    answers 409 to a start of a started datafeed, so the read is what makes the module idempotent.
  - A datafeed whose job is not opened (or opening) is refused - open the job first with
    M(mlops.elasticsearch.ml_job_open); the module then fails before starting anything. A V(stopping) datafeed is
    waited for, then started.
  - A datafeed whose job waits for an ML node (lazy open) is started and reported as V(starting); it runs once its
    job has a node.
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
      - Reads only, and reports the starts it would send, including the refusals it would meet.
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  start:
    description:
      - Where the datafeeds start reading - epoch milliseconds, an ISO 8601 date, or date math such as V(now-1d).
        Unset, a datafeed goes on from where its job's data ends (from the beginning for a new job).
    type: str
  end:
    description:
      - Where the datafeeds stop reading (same forms as O(start)); unset, they run in real time.
    type: str
  timeout:
    description:
      - How long the server may take to start each datafeed (and how long a V(stopping) one is waited for), as an
        Elasticsearch time value such as V(20s).
    type: str
    default: 20s
seealso:
  - module: mlops.elasticsearch.ml_datafeed_stop
  - module: mlops.elasticsearch.ml_job_open
  - module: mlops.elasticsearch.ml_datafeed
  - name: Start datafeeds API
    description: The Elasticsearch API this module calls.
    link: https://www.elastic.co/guide/en/elasticsearch/reference/current/ml-start-datafeed.html
"""

EXAMPLES = r"""
- name: Start a datafeed in real time (its job is opened; ok when it runs already)
  mlops.elasticsearch.ml_datafeed_start:
    datafeed_id: datafeed-web-bytes

- name: Start the datafeeds of every job of the group web, reading the last day first
  mlops.elasticsearch.ml_datafeed_start:
    job_id: web
    start: now-1d
    max_jobs: 20
"""

RETURN = r"""
datafeeds:
  description: One entry per datafeed the targets matched, sorted by datafeed id (by job id with O(job_id)).
  returned: success, and on failures found while planning or starting
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
      sample: stopped
    state:
      description: The datafeed's state afterwards (predicted in check mode); V(starting) while its job waits for a
        node.
      type: str
      sample: started
    action:
      description:
        - V(started) (this task started it), V(started_lazily) (this task started it; its job waits for an ML node,
          and so does it), V(already_started), V(refused) (with RV(datafeeds[].error)), V(skipped) (not started
          because another was refused), or V(timed_out) (not started within O(timeout)).
      type: str
      sample: started
    error:
      description: Why this datafeed was not started.
      type: str
      returned: when the datafeed was refused or timed out
started:
  description: Ids of the datafeeds this task started (would start, in check mode).
  returned: success
  type: list
  elements: str
  sample: [datafeed-web-bytes]
starting:
  description: Ids of the datafeeds this task started that wait for their job's ML node.
  returned: success
  type: list
  elements: str
  sample: []
already_started:
  description: Ids of the datafeeds that were started, or starting, already.
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
from ansible_collections.mlops.elasticsearch.plugins.module_utils._lifecycle_operations import start_datafeeds
from ansible_collections.mlops.elasticsearch.plugins.module_utils._lifecycle_plans import states_diff

ARGUMENT_SPEC = dict(
    DATAFEED_TARGET_OPTIONS,
    start=dict(type="str"),
    end=dict(type="str"),
    timeout=dict(type="str", default="20s"),
)


def start(api, request, check_mode, diff):
    result = start_datafeeds(api, request, check_mode=check_mode)
    if diff:
        result["diff"] = states_diff(result["datafeeds"], "datafeed_id")
    return result


DEFINITION = _ansible_module.Definition(ARGUMENT_SPEC, DatafeedsRequest, start, "Failed to start datafeeds")


def main():
    _ansible_module.main(DEFINITION)


if __name__ == "__main__":
    main()
