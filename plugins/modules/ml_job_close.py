#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ml_job_close
short_description: Close Elasticsearch machine learning anomaly detection jobs
version_added: 1.0.0
description:
  - Closes anomaly detection jobs with C(POST _ml/anomaly_detectors/<ids>/_close), naming in one
    request exactly the jobs that are not closed yet.
  - The jobs' states are read first, so the module reports C(changed) only when it closed a job,
    and patterns are resolved by that read (a job created afterwards is never closed by surprise).
  - A job that is V(closing) is waited for; a job being deleted is left alone.
  - A V(failed) job is closed only with O(force=true); without it the module fails before closing anything,
    as Elasticsearch does.
  - From Elasticsearch 7.14 the server stops a job's started datafeed as part of the close; on older
    servers the module stops the datafeeds first (with the same O(force) and O(timeout)).
author:
  - MLOps Elasticsearch maintainers (@mlops-elasticsearch)
extends_documentation_fragment:
  - mlops.elasticsearch._connection
  - mlops.elasticsearch._attributes
  - mlops.elasticsearch._attributes.ACTIONGROUP_ELASTICSEARCH
attributes:
  check_mode:
    support: full
    details:
      - Reads only, and reports the close it would send, including the failures it would meet.
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  job_id:
    description:
      - The jobs to close, as the close API takes them - job ids, group names, wildcard patterns such as
        V(web-*), or V(_all). A string may hold a comma-separated list.
      - Every entry is checked against Elasticsearch's id rules before any request.
    type: list
    elements: str
    required: true
  exclude:
    description:
      - Job ids, groups or patterns never to close, even when O(job_id) matches them.
    type: list
    elements: str
    default: []
  force:
    description:
      - Close forcibly - the job's process is killed without persisting its state. Needed for V(failed) jobs.
    type: bool
    default: false
  timeout:
    description:
      - How long the server may take to close the jobs, as an Elasticsearch time value such as V(30m) or V(90s).
    type: str
    default: 30m
  allow_no_match:
    description:
      - When V(false), a pattern (or V(_all)) that matches no job is an error.
    type: bool
    default: true
  ignore_missing:
    description:
      - When V(false), an explicit job id or group that does not exist fails the task with Elasticsearch's
        message, so a typo is never silently ok.
      - When V(true), such ids are reported under RV(missing) and the task succeeds.
    type: bool
    default: false
  max_jobs:
    description:
      - A guard - when the targets (ids, groups, patterns, V(_all)) match more jobs than this, nothing is
        closed and the task fails, listing the matches. V(0) allows none; unset, there is no limit.
      - Required when O(job_id) names every job of the cluster (V(_all) or V(*)).
      - The same guard as O(mlops.elasticsearch.ml_job_delete#module:max_jobs).
    type: int
    version_added: 1.1.0
seealso:
  - module: mlops.elasticsearch.ml_job_delete
  - module: mlops.elasticsearch.ml_job_info
  - name: Close anomaly detection jobs API
    description: The Elasticsearch API this module calls.
    link: https://www.elastic.co/guide/en/elasticsearch/reference/current/ml-close-job.html
"""

EXAMPLES = r"""
- name: Close two jobs
  mlops.elasticsearch.ml_job_close:
    hosts: https://es.example.com:9200
    api_key: "{{ vault_es_api_key }}"
    job_id:
      - web-errors
      - web-latency

- name: Close every job of the group "retired", except one
  mlops.elasticsearch.ml_job_close:
    job_id: retired
    exclude: retired-keep

- name: Force-close failed jobs matching a pattern
  mlops.elasticsearch.ml_job_close:
    job_id: "batch-*"
    force: true
    timeout: 5m

- name: Set the connection once for every module of the collection
  module_defaults:
    group/mlops.elasticsearch.elasticsearch:
      hosts: "{{ es_hosts }}"
      username: ml_admin
      password: "{{ vault_es_password }}"
      ca_path: /etc/pki/es-ca.pem
  block:
    - name: Close what is named, accept ids that are already gone
      mlops.elasticsearch.ml_job_close:
        job_id: "{{ retired_jobs }}"
        ignore_missing: true
"""

RETURN = r"""
jobs:
  description: One entry per job the targets matched, sorted by job id.
  returned: success, and on failures found while planning or closing
  type: list
  elements: dict
  contains:
    job_id:
      description: The job's id.
      type: str
      sample: web-errors
    state_before:
      description: The job's state when it was read.
      type: str
      sample: opened
    state:
      description: The job's state afterwards (predicted in check mode).
      type: str
      sample: closed
    action:
      description:
        - V(closed) (this task closed it), V(already_closed), V(waited_for_close) (it was closing),
          V(being_deleted) (left alone), V(refused) (a failed job without O(force)),
          V(skipped) (not closed because another job was refused), or V(timed_out) (still not closed
          when O(timeout) ran out; RV(jobs[].state) is its state then).
      type: str
      sample: closed
    datafeed_id:
      description: The job's datafeed, or null.
      type: str
      sample: datafeed-web-errors
    datafeed_state_before:
      description: The datafeed's state when it was read, or null without a datafeed. The close stops it.
      type: str
      sample: started
    error:
      description: Why this job was not closed.
      type: str
      returned: when the job was refused or timed out
closed:
  description: Ids of the jobs this task closed (would close, in check mode).
  returned: success
  type: list
  elements: str
  sample: [web-errors]
already_closed:
  description: Ids of the jobs that were closed, or closing, already.
  returned: success
  type: list
  elements: str
  sample: [web-latency]
missing:
  description: Explicit ids or groups that matched no job (only with O(ignore_missing=true)).
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
  version_added: 1.1.0
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
from ansible_collections.mlops.elasticsearch.plugins.module_utils._job_requests import CloseRequest
from ansible_collections.mlops.elasticsearch.plugins.module_utils._operations import close_jobs
from ansible_collections.mlops.elasticsearch.plugins.module_utils._plans import plan_diff

ARGUMENT_SPEC = dict(
    job_id=dict(type="list", elements="str", required=True),
    exclude=dict(type="list", elements="str", default=[]),
    force=dict(type="bool", default=False),
    timeout=dict(type="str", default="30m"),
    allow_no_match=dict(type="bool", default=True),
    ignore_missing=dict(type="bool", default=False),
    max_jobs=dict(type="int"),
)


def close(api, request, check_mode, diff):
    plan, result = close_jobs(api, request, check_mode=check_mode)
    if diff:
        result["diff"] = plan_diff(plan)
    return result


DEFINITION = _ansible_module.Definition(ARGUMENT_SPEC, CloseRequest, close, "Failed to close jobs")


def main():
    _ansible_module.main(DEFINITION)


if __name__ == "__main__":
    main()
