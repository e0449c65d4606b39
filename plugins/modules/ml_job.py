#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ml_job
short_description: Create, update or delete an Elasticsearch anomaly detection job from its declared configuration
version_added: 1.1.0
description:
  - Declares one anomaly detection job. With O(state=present) the job is created from O(config) with
    C(PUT _ml/anomaly_detectors/<job_id>) when it does not exist; when it exists, only the keys O(config) gives are
    compared with the job (read with C(exclude_generated=true)), and C(POST _ml/anomaly_detectors/<job_id>/_update)
    is sent with the changed fields that Elasticsearch can update. A second run with the same O(config) reports
    V(ok).
  - Both sides are normalised as Elasticsearch stores them before they are compared - model memory limits in MB
    (V(2gb), V(2048) and V(2048mb) are equal), time values (V(1h) equals V(3600s)), detector function short names
    (V(nzc) is V(non_zero_count)), the defaults of custom rules, V(custom-) in C(results_index_name), groups in any
    order, the categorization filters Elasticsearch moves into the analyzer it generates. What the server adds
    (C(detector_index), C(detector_description), defaults of keys O(config) leaves out) is never a difference.
    Objects are compared key by key, except C(custom_settings) and C(categorization_analyzer), which are values
    as a whole; a changed object that the server replaces whole is sent with its undeclared keys as they are.
  - A change to a field Elasticsearch cannot update (C(analysis_config) but detector descriptions and custom rules,
    categorization filters without a generated analyzer and C(per_partition_categorization.stop_on_warn);
    C(data_description); C(results_index_name); C(analysis_limits.categorization_examples_limit)) fails, naming the
    fields, unless O(recreate=true).
  - Elasticsearch updates C(analysis_limits.model_memory_limit) only while the job is not opened; with an opened job
    the task fails, naming the state, unless O(allow_restart=true).
  - C(datafeed_config) in O(config), when given, declares the job's datafeed too, as M(mlops.elasticsearch.ml_datafeed)
    does (created with the job in one request where the release allows it).
  - With O(state=absent) the job is deleted as M(mlops.elasticsearch.ml_job_delete) with
    O(mlops.elasticsearch.ml_job_delete#module:close_first=true) deletes it (closed first, its datafeed with it,
    backed up to O(backup_dir) when set).
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
      - Reads only (GET requests), and reports the create, update, restart, recreate or delete it would send,
        including the refusals it would meet.
  diff_mode:
    support: full
    details:
      - The managed keys (those O(config) gives), normalised, before and after.
  idempotent:
    support: full
options:
  job_id:
    description:
      - The job's id. Lowercase alphanumerics, V(-), V(_) and V(.), starting and ending alphanumeric, at most 64
        characters; checked before any request.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the job; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  config:
    description:
      - The job's configuration, as the body of the create anomaly detection jobs API takes it - as Elastic's
        documentation shows it, and as the backups of M(mlops.elasticsearch.ml_job_delete) and
        C(GET _ml/anomaly_detectors/<job_id>?exclude_generated=true) hold it. Required with O(state=present).
      - C(job_id), when given, must equal O(job_id). C(create_time), C(finished_time) and C(model_snapshot_id) are
        refused, as Elasticsearch refuses them at creation. What the server generates (C(job_type), C(job_version),
        C(model_snapshot_min_version), C(blocked), C(deleting)) is ignored.
      - C(datafeed_config) declares the job's datafeed (its C(datafeed_id) defaults to O(job_id), its C(job_id) is
        O(job_id)).
    type: dict
  recreate:
    description:
      - When a changed field cannot be updated, back the job up to O(backup_dir), close it, delete it (its datafeed
        with it) and create it from O(config), with its datafeed (the declared one, else the one it had); then open
        it and start its datafeed if they were running. The job's results and model state are lost.
    type: bool
    default: false
  allow_restart:
    description:
      - Let the module close an opened job to change what Elasticsearch changes only while the job is not opened
        (C(analysis_limits.model_memory_limit)), then open it again and restart its datafeed; and stop and restart
        the declared datafeed to update it.
    type: bool
    default: false
  backup_dir:
    description:
      - Directory on the host that runs the module where the job's configuration (and its datafeed's, and their
        states) is saved as C(<job_id>.json) before a recreate or a delete; created when missing. Required with
        O(recreate=true). Nothing is written in check mode.
    type: path
  force:
    description:
      - With O(state=absent) or a recreate, close the job forcibly (needed for a V(failed) job).
    type: bool
    default: false
  timeout:
    description:
      - How long each close, open and datafeed start or stop of a restart, recreate or delete may take, as an
        Elasticsearch time value such as V(30m).
    type: str
    default: 30m
seealso:
  - module: mlops.elasticsearch.ml_datafeed
  - module: mlops.elasticsearch.ml_job_open
  - module: mlops.elasticsearch.ml_job_delete
  - name: Create anomaly detection jobs API
    description: The body O(config) holds, and its defaults.
    link: https://www.elastic.co/guide/en/elasticsearch/reference/current/ml-put-job.html
  - name: Update anomaly detection jobs API
    description: What Elasticsearch can update, and when.
    link: https://www.elastic.co/guide/en/elasticsearch/reference/current/ml-update-job.html
"""

EXAMPLES = r"""
- name: Declare a job (created when missing, updated when its declared keys differ)
  mlops.elasticsearch.ml_job:
    job_id: web-traffic
    config:
      description: Requests per host
      groups: [web]
      analysis_config:
        bucket_span: 15m
        detectors:
          - function: count
            partition_field_name: host
        influencers: [host]
      analysis_limits:
        model_memory_limit: 64mb
      data_description:
        time_field: timestamp

- name: Raise its memory limit while it runs (closed, updated and opened again)
  mlops.elasticsearch.ml_job:
    job_id: web-traffic
    allow_restart: true
    config:
      analysis_limits:
        model_memory_limit: 128mb

- name: Declare a job with its datafeed, from a backup written by ml_job_delete
  vars:
    backup:
      job:
        job_id: web-status
        analysis_config:
          bucket_span: 5m
          detectors: [{function: count}]
        data_description: {time_field: timestamp}
      datafeed:
        datafeed_id: datafeed-web-status
        job_id: web-status
        indices: [web-logs]
  mlops.elasticsearch.ml_job:
    job_id: "{{ backup.job.job_id }}"
    config: "{{ backup.job | combine({'datafeed_config': backup.datafeed}) }}"

- name: Change the bucket span, which needs a new job (backed up, deleted and created again)
  mlops.elasticsearch.ml_job:
    job_id: web-status
    recreate: true
    backup_dir: /var/lib/ml-backups
    config:
      analysis_config:
        bucket_span: 15m
        detectors: [{function: count}]
      data_description: {time_field: timestamp}

- name: Remove a job (closed first; its datafeed goes with it)
  mlops.elasticsearch.ml_job:
    job_id: web-status
    state: absent
"""

RETURN = r"""
job_id:
  description: The job's id.
  returned: always
  type: str
  sample: web-traffic
action:
  description:
    - V(created), V(updated), V(unchanged), V(recreated), V(deleted), V(already_absent), or V(refused) (on a
      failure the module foresaw, before any change). In check mode, what would be done.
  returned: always
  type: str
  sample: updated
changed_keys:
  description: The declared keys whose values differ from the job's (dotted paths).
  returned: always
  type: list
  elements: str
  sample: [analysis_limits.model_memory_limit, description]
not_updatable:
  description: The changed keys that Elasticsearch cannot update (a recreate changes them).
  returned: always
  type: list
  elements: str
  sample: []
update_body:
  description: The body of the C(_update) request sent (would be sent, in check mode); empty when none is.
  returned: always
  type: dict
  sample: {analysis_limits: {model_memory_limit: 128mb}, description: Requests per host}
restarted:
  description: Whether the job was closed and opened again (and its datafeed stopped and started) for the change.
  returned: always
  type: bool
  sample: false
backup:
  description: The file the job's configuration was saved to before a recreate or a delete.
  returned: always; null unless a backup was written
  type: str
  sample: /var/lib/ml-backups/web-status.json
closed_first:
  description: Whether the job was closed before it was deleted.
  returned: with O(state=absent) when the job existed
  type: bool
  sample: true
datafeed:
  description:
    - What was done to the datafeed that C(datafeed_config) in O(config) declares, with the keys of
      M(mlops.elasticsearch.ml_datafeed)'s result (C(datafeed_id), C(job_id), C(action), C(changed_keys),
      C(update_body), C(restarted)).
  returned: when O(config) has a C(datafeed_config)
  type: dict
  sample: {datafeed_id: datafeed-web-status, action: unchanged, changed: false, changed_keys: []}
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
from ansible_collections.mlops.elasticsearch.plugins.module_utils._config_requests import JobRequest
from ansible_collections.mlops.elasticsearch.plugins.module_utils._declare_operations import declare_job

ARGUMENT_SPEC = dict(
    job_id=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    config=dict(type="dict"),
    recreate=dict(type="bool", default=False),
    allow_restart=dict(type="bool", default=False),
    backup_dir=dict(type="path"),
    force=dict(type="bool", default=False),
    timeout=dict(type="str", default="30m"),
)


def declare(api, request, check_mode, diff):
    result, changes = declare_job(api, request, check_mode=check_mode)
    if diff:
        result["diff"] = changes
    return result


DEFINITION = _ansible_module.Definition(ARGUMENT_SPEC, JobRequest, declare, "Failed to declare the job")


def main():
    _ansible_module.main(DEFINITION)


if __name__ == "__main__":
    main()
