#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ml_job_open
short_description: Open Elasticsearch machine learning anomaly detection jobs
version_added: 1.1.0
description:
  - Opens anomaly detection jobs with C(POST _ml/anomaly_detectors/<job_id>/_open), one request per job that is not
    open yet; each waits, on the server, until the job is opened, within O(timeout).
  - The jobs' states are read first, so the module reports C(changed) only when it opened a job - Elasticsearch
    answers 409 to an open of a job that is opened already, so the read is what makes the module idempotent.
    Patterns and groups are resolved by that read.
  - A job that is V(opening) on a node is waited for; a V(closing) job is waited for, then opened.
  - A job that Elasticsearch opens lazily (it has C(allow_lazy_open), and no ML node has room for it yet) is
    reported as V(opening) - not an error, not a timeout; it opens when a node has room.
  - A V(failed) job is refused (it must be closed with force first), as is a job being deleted, reset or
    reverted; the module then fails before opening anything.
  - Its datafeeds are left as they are; M(mlops.elasticsearch.ml_datafeed_start) starts them.
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
      - Reads only, and reports the opens it would send, including the refusals it would meet.
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  job_id:
    description:
      - The jobs to open - job ids, group names, wildcard patterns such as V(web-*), or V(_all). A string may hold
        a comma-separated list. Checked against Elasticsearch's id rules before any request.
    type: list
    elements: str
    required: true
  exclude:
    description:
      - Job ids, groups or patterns never to open, even when O(job_id) matches them.
    type: list
    elements: str
    default: []
  timeout:
    description:
      - How long the server may take to open each job (and how long a V(closing) or V(opening) job is waited
        for), as an Elasticsearch time value such as V(30m).
    type: str
    default: 30m
  allow_no_match:
    description:
      - When V(false), a pattern (or V(_all)) that matches no job is an error.
    type: bool
    default: true
  ignore_missing:
    description:
      - When V(false), an explicit job id or group that does not exist fails the task with Elasticsearch's message.
      - When V(true), such ids are reported under RV(missing) and the task succeeds.
    type: bool
    default: false
  max_jobs:
    description:
      - A guard - when the targets match more jobs than this, nothing is opened and the task fails, listing the
        matches. V(0) allows none; unset, there is no limit.
      - The same guard as O(mlops.elasticsearch.ml_job_close#module:max_jobs).
    type: int
seealso:
  - module: mlops.elasticsearch.ml_job_close
  - module: mlops.elasticsearch.ml_datafeed_start
  - module: mlops.elasticsearch.ml_job
  - name: Open anomaly detection jobs API
    description: The Elasticsearch API this module calls.
    link: https://www.elastic.co/guide/en/elasticsearch/reference/current/ml-open-job.html
"""

EXAMPLES = r"""
- name: Open a job (ok when it is opened already)
  mlops.elasticsearch.ml_job_open:
    job_id: web-requests

- name: Open every job of the group web, at most 20, within 10 minutes each
  mlops.elasticsearch.ml_job_open:
    job_id: web
    max_jobs: 20
    timeout: 10m
  register: opened

- name: Show the jobs that wait for an ML node with room
  ansible.builtin.debug:
    var: opened.opening
"""

RETURN = r"""
jobs:
  description: One entry per job the targets matched, sorted by job id.
  returned: success, and on failures found while planning or opening
  type: list
  elements: dict
  contains:
    job_id:
      description: The job's id.
      type: str
      sample: web-requests
    state_before:
      description: The job's state when it was read.
      type: str
      sample: closed
    state:
      description: The job's state afterwards (predicted in check mode); V(opening) for a lazily opened job.
      type: str
      sample: opened
    action:
      description:
        - V(opened) (this task opened it), V(opened_lazily) (this task opened it; it waits for an ML node with
          room), V(already_opened), V(waited_for_open) (it was opening on a node), V(awaiting_node) (it was
          opening lazily already), V(refused) (with RV(jobs[].error)), V(skipped) (not opened because another job
          was refused), or V(timed_out) (not opened within O(timeout); the server may still open it).
      type: str
      sample: opened
    error:
      description: Why this job was not opened.
      type: str
      returned: when the job was refused or timed out
opened:
  description: Ids of the jobs this task opened (would open, in check mode) that are opened.
  returned: success
  type: list
  elements: str
  sample: [web-requests]
opening:
  description: Ids of the jobs that wait for an ML node with room (lazy open), opened by this task or before.
  returned: success
  type: list
  elements: str
  sample: []
already_opened:
  description: Ids of the jobs that were opened, or opening on a node, already.
  returned: success
  type: list
  elements: str
  sample: []
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
from ansible_collections.mlops.elasticsearch.plugins.module_utils._config_requests import OpenRequest
from ansible_collections.mlops.elasticsearch.plugins.module_utils._lifecycle_operations import open_jobs
from ansible_collections.mlops.elasticsearch.plugins.module_utils._lifecycle_plans import states_diff

ARGUMENT_SPEC = dict(
    job_id=dict(type="list", elements="str", required=True),
    exclude=dict(type="list", elements="str", default=[]),
    timeout=dict(type="str", default="30m"),
    allow_no_match=dict(type="bool", default=True),
    ignore_missing=dict(type="bool", default=False),
    max_jobs=dict(type="int"),
)


def open_(api, request, check_mode, diff):
    result = open_jobs(api, request, check_mode=check_mode)
    if diff:
        result["diff"] = states_diff(result["jobs"], "job_id")
    return result


DEFINITION = _ansible_module.Definition(ARGUMENT_SPEC, OpenRequest, open_, "Failed to open jobs")


def main():
    _ansible_module.main(DEFINITION)


if __name__ == "__main__":
    main()
