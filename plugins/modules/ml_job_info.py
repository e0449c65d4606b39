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
"""

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _ml_api as ml_api
from ansible_collections.mlops.elasticsearch.plugins.module_utils import _ml_jobs as jobs_domain
from ansible_collections.mlops.elasticsearch.plugins.module_utils import _module


def main():
    module = _module.new_module(
        job_id=dict(type="list", elements="str", default=["_all"]),
        exclude=dict(type="list", elements="str", default=[]),
        include_cluster=dict(type="bool", default=False),
        include_config=dict(type="bool", default=False),
    )
    params = module.params

    def describe(client):
        targets = jobs_domain.parse_targets(params["job_id"])
        exclude = jobs_domain.parse_exclude(params["exclude"])
        result = ml_api.describe_jobs(
            ml_api.MlApi(client), targets, exclude=exclude,
            include_cluster=params["include_cluster"], include_config=params["include_config"])
        result["changed"] = False
        return result

    _module.run(module, describe, "Failed to read jobs")


if __name__ == "__main__":
    main()
