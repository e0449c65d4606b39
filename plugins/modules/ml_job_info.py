#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ml_job_info
short_description: Read Elasticsearch machine learning anomaly detection jobs and their states
version_added: 1.0.0
description:
  - Lists the anomaly detection jobs that ids, groups, patterns or V(_all) match, with each job's state,
    groups, datafeed and datafeed state, whether it is being deleted, its node and its model memory.
  - Reads only; never changes anything. The M(mlops.elasticsearch.ml_job_close) and
    M(mlops.elasticsearch.ml_job_delete) modules read the same way before they act.
author:
  - MLOps Elasticsearch maintainers (@mlops-elasticsearch)
extends_documentation_fragment:
  - mlops.elasticsearch._connection
  - mlops.elasticsearch._attributes
  - mlops.elasticsearch._attributes.INFO_MODULE
  - mlops.elasticsearch._attributes.ACTIONGROUP_ELASTICSEARCH
options:
  job_id:
    description:
      - Job ids, group names, wildcard patterns or V(_all). A string may hold a comma-separated list.
      - Explicit ids that match nothing are listed in RV(missing), not an error.
    type: list
    elements: str
    default: [_all]
  exclude:
    description:
      - Job ids, groups or patterns to leave out of the result.
    type: list
    elements: str
    default: []
  include_cluster:
    description:
      - Also return RV(cluster) - the cluster's name and version, whether machine learning is enabled, whether
        ML upgrade mode is on, and whether the user holds the C(manage_ml) cluster privilege. A pre-flight
        before closing or deleting jobs.
    type: bool
    default: false
  include_config:
    description:
      - Also return each job's configuration and its datafeed's, as C(GET ...?exclude_generated=true) gives them
        (what is needed to recreate the job).
    type: bool
    default: false
  plan:
    description:
      - Also return RV(plan) - what closing, then deleting, the matched jobs would do now (or closing only),
        decided by the same rules as M(mlops.elasticsearch.ml_job_close) and M(mlops.elasticsearch.ml_job_delete)
        (with O(mlops.elasticsearch.ml_job_delete#module:close_first=true)). Nothing is changed.
      - With O(include_cluster=true), the cluster's pre-flight problems are among the plan's problems.
    type: dict
    version_added: 1.1.0
    suboptions:
      delete:
        description: Plan the delete after the close; V(false) plans the close only.
        type: bool
        default: true
      force:
        description: As O(mlops.elasticsearch.ml_job_delete#module:force) - a V(failed) job is refused without it.
        type: bool
        default: false
      max_jobs:
        description:
          - As O(mlops.elasticsearch.ml_job_delete#module:max_jobs) - more matches than this is a problem.
          - Required when O(job_id) names every job of the cluster (V(_all), the default, or V(*)).
        type: int
      delete_user_annotations:
        description: As O(mlops.elasticsearch.ml_job_delete#module:delete_user_annotations) (checks the release).
        type: bool
        default: false
seealso:
  - module: mlops.elasticsearch.ml_job_close
  - module: mlops.elasticsearch.ml_job_delete
"""

EXAMPLES = r"""
- name: Read every job of a cluster
  mlops.elasticsearch.ml_job_info:
    hosts: https://es.example.com:9200
    api_key: "{{ vault_es_api_key }}"
  register: ml

- name: List the jobs that still run
  ansible.builtin.debug:
    msg: "{{ ml.jobs | selectattr('state', 'ne', 'closed') | map(attribute='job_id') }}"

- name: Read one group and one pattern
  mlops.elasticsearch.ml_job_info:
    job_id: [retired, "batch-*"]
  register: targets

- name: Plan closing, then deleting, a group, and stop on any problem
  mlops.elasticsearch.ml_job_info:
    job_id: retired
    include_cluster: true
    plan:
      max_jobs: 20
  register: retirement

- name: Refuse the run when the plan says so
  ansible.builtin.assert:
    that: retirement.plan.problems | length == 0
    fail_msg: "{{ retirement.plan.problems | join('; ') }}"
    quiet: true
"""

RETURN = r"""
jobs:
  description: The matching jobs, sorted by job id.
  returned: always
  type: list
  elements: dict
  contains:
    job_id:
      description: The job's id.
      type: str
      sample: web-errors
    state:
      description: V(opening), V(opened), V(closing), V(closed) or V(failed).
      type: str
      sample: opened
    groups:
      description: The job's groups.
      type: list
      elements: str
      sample: [web]
    datafeed_id:
      description: The job's datafeed, or null.
      type: str
      sample: datafeed-web-errors
    datafeed_state:
      description: V(started), V(starting), V(stopping) or V(stopped); null without a datafeed.
      type: str
      sample: started
    deleting:
      description: Whether a delete of the job is in progress (or was left unfinished).
      type: bool
      sample: false
    blocked:
      description: The job's C(blocked) object (reason and task id) from Elasticsearch 7.14 on, when set.
      type: dict
      sample: {reason: delete, task_id: "oTUltX4IQMOUUVeiohTt8A:39"}
    node:
      description: Name of the node the job runs on, or null.
      type: str
      sample: es-ml-1
    memory_bytes:
      description: The job's model memory in bytes, when the server reports it.
      type: int
      sample: 1048576
    config:
      description: The job's configuration without generated fields.
      type: dict
      returned: when O(include_config=true)
    datafeed_config:
      description: The job's datafeed configuration without generated fields, or null.
      type: dict
      returned: when O(include_config=true)
cluster:
  description: Pre-flight facts of the cluster.
  returned: when O(include_cluster=true)
  type: dict
  contains:
    name:
      description: The cluster name.
      type: str
      sample: prod-eu
    uuid:
      description: The cluster UUID.
      type: str
    version:
      description: The Elasticsearch version.
      type: str
      sample: 8.15.0
    ml_enabled:
      description: Whether the ML APIs answer. When V(false), no jobs are read.
      type: bool
    upgrade_mode:
      description: Whether ML upgrade mode is enabled (ML write actions are refused meanwhile).
      type: bool
    security_enabled:
      description: Whether the cluster runs with security (the privileges API answered).
      type: bool
    username:
      description: The authenticated user, when security is enabled.
      type: str
    privileges:
      description: Cluster privilege name to whether the user holds it.
      type: dict
      sample: {manage_ml: true}
    problems:
      description: Why jobs should not be closed or deleted on this cluster now; empty when ready.
      type: list
      elements: str
      sample: []
plan:
  description: What closing, then deleting (or closing only), the matched jobs would do now.
  returned: when O(plan) is set
  type: dict
  version_added: 1.1.0
  contains:
    changed:
      description: Whether a run would change anything.
      type: bool
    targeted:
      description: Ids of every matched job.
      type: list
      elements: str
      sample: [web-errors, web-latency]
    close:
      description: Ids of the jobs that would be closed.
      type: list
      elements: str
      sample: [web-errors]
    wait_close:
      description: Ids of the jobs that are V(closing) already and would be waited for.
      type: list
      elements: str
      sample: []
    delete:
      description: Ids of the jobs that would be deleted (empty with O(plan.delete=false)).
      type: list
      elements: str
      sample: [web-errors, web-latency]
    already_closed:
      description: Ids of the matched jobs that are closed already.
      type: list
      elements: str
      sample: [web-latency]
    being_deleted:
      description: Ids of the jobs another delete is already removing.
      type: list
      elements: str
      sample: []
    pending:
      description:
        - Ids of the matched jobs not in the end state yet - not gone (or not closed, with O(plan.delete=false)).
          Empty after a run that did everything.
      type: list
      elements: str
      sample: [web-errors]
    refused:
      description: The jobs the run would refuse, each with its reason (a V(failed) job without force).
      type: list
      elements: dict
      sample: [{job_id: batch-7, reason: "job [batch-7] has state failed; ..."}]
    unmatched:
      description: Targets (ids, groups, patterns) that matched no job; never counted as jobs.
      type: list
      elements: str
      sample: [retired-old]
    problems:
      description:
        - Why the run must not start, each in one line - the cluster's pre-flight problems (with
          O(include_cluster=true)), the O(plan.max_jobs) guard, refused jobs. Empty when the run can go ahead.
      type: list
      elements: str
      sample: []
    jobs:
      description: Per job, as M(mlops.elasticsearch.ml_job_delete) (or M(mlops.elasticsearch.ml_job_close))
        reports it in check mode.
      type: list
      elements: dict
missing:
  description: Explicit ids or groups in O(job_id) that matched no job.
  returned: always
  type: list
  elements: str
  sample: []
exists:
  description: Whether any job matched.
  returned: always
  type: bool
  sample: true
server_version:
  description: The Elasticsearch version the cluster reported.
  returned: always
  type: str
  sample: 8.15.0
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
from ansible_collections.mlops.elasticsearch.plugins.module_utils._job_requests import DescribeRequest
from ansible_collections.mlops.elasticsearch.plugins.module_utils._operations import describe_jobs

ARGUMENT_SPEC = dict(
    job_id=dict(type="list", elements="str", default=["_all"]),
    exclude=dict(type="list", elements="str", default=[]),
    include_cluster=dict(type="bool", default=False),
    include_config=dict(type="bool", default=False),
    plan=dict(type="dict", options=dict(
        delete=dict(type="bool", default=True),
        force=dict(type="bool", default=False),
        max_jobs=dict(type="int"),
        delete_user_annotations=dict(type="bool", default=False),
    )),
)


def describe(api, request, check_mode, diff):
    return dict(describe_jobs(api, request), changed=False)


DEFINITION = _ansible_module.Definition(ARGUMENT_SPEC, DescribeRequest, describe, "Failed to read jobs")


def main():
    _ansible_module.main(DEFINITION)


if __name__ == "__main__":
    main()
