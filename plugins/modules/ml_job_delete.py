#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ml_job_delete
short_description: Delete Elasticsearch machine learning anomaly detection jobs
version_added: 1.0.0
description:
  - Deletes anomaly detection jobs with C(DELETE _ml/anomaly_detectors/<id>), one request per job.
  - The jobs are read first. A job that does not exist is reported as V(already_absent) (ok); a job
    being deleted is waited for (ok); a closed job is deleted (changed).
  - A job that is not closed is closed first with O(close_first=true) (gracefully, as
    M(mlops.elasticsearch.ml_job_close) does, in one request for all of them), or deleted while it runs with
    O(force=true); without either the module fails before deleting anything, with Elasticsearch's reason and
    a hint. A job that is V(closing) is waited for until it is closed, then deleted.
  - On SIGINT or SIGTERM (Ctrl-C) no new delete is sent; the deletes already sent finish and are reported,
    the others are reported as V(interrupted). Running the task again finishes the work.
  - From Elasticsearch 7.15 the server deletes a job's datafeed with it; on older servers the module
    deletes the datafeed first.
  - Like the delete API, O(job_id) takes explicit ids only, unless O(resolve_patterns=true).
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
      - Reads only, and reports the deletes it would send, including the failures it would meet.
  diff_mode:
    support: full
  idempotent:
    support: full
options:
  job_id:
    description:
      - Ids of the jobs to delete. A string may hold a comma-separated list.
      - Wildcards, V(_all) and group names are refused (the delete API refuses them too) unless
        O(resolve_patterns=true).
    type: list
    elements: str
    required: true
  resolve_patterns:
    description:
      - Resolve wildcards, V(_all) and group names in O(job_id) through the get-jobs API first, then delete
        each job they match. Use O(max_jobs) and O(exclude) to bound what that can reach.
    type: bool
    default: false
  exclude:
    description:
      - Job ids, groups or patterns never to delete, even when O(job_id) matches them.
    type: list
    elements: str
    default: []
  max_jobs:
    description:
      - A guard - when the targets match more jobs than this, nothing is deleted and the task fails,
        listing the matches. V(0) allows none; unset, there is no limit.
      - Required when O(job_id) names every job of the cluster (V(_all) or V(*), with O(resolve_patterns=true)).
    type: int
  close_first:
    description:
      - Close the jobs that are not closed before deleting them, as
        M(mlops.elasticsearch.ml_job_close) would (stopping their datafeeds; a V(failed) job needs O(force)).
        In check mode both steps are planned and reported.
      - The close is bounded by O(close_timeout); a job that does not close in time is not deleted, and is
        reported as V(timed_out).
    type: bool
    default: false
    version_added: 1.1.0
  force:
    description:
      - Delete jobs that are not closed (and their started datafeeds) without closing them first.
      - With O(close_first=true), close them forcibly instead (needed for V(failed) jobs).
    type: bool
    default: false
  wait_for_completion:
    description:
      - Wait until each delete has finished. When V(false), the server answers at once and RV(tasks)
        holds the task ids to follow with C(GET _tasks/<id>).
      - To wait for deletes started with V(false), run the module again on the same jobs with V(true) - Elasticsearch
        makes a repeated delete of a job wait for the one that runs, so the task ends when they are done, reporting
        those jobs as V(being_deleted) and gone (RV(jobs[].state) null), or V(already_absent) when they had ended.
    type: bool
    default: true
  delete_user_annotations:
    description:
      - Also delete the annotations users added to the jobs' results. Needs Elasticsearch 8.7 or later;
        the task fails on older servers rather than ignoring it.
    type: bool
    default: false
  timeout:
    description:
      - How long the server may take for each delete, as an Elasticsearch time value such as V(5m).
        The server default applies when not set.
      - Also bounds the close of O(close_first=true) and the wait for a V(closing) job, unless O(close_timeout)
        is set (V(30m) when neither is).
    type: str
  close_timeout:
    description:
      - How long the close of O(close_first=true), and the wait for a V(closing) job, may take, as an
        Elasticsearch time value such as V(30m). When not set, O(timeout) applies, else V(30m).
    type: str
    version_added: 1.1.0
  backup_dir:
    description:
      - Before deleting, save each job's configuration and its datafeed's, as C(GET ...?exclude_generated=true)
        returns them, to C(<backup_dir>/<job_id>.json) on the host that runs the module, so the jobs can be
        recreated. The directory is created when missing. Nothing is written in check mode.
    type: path
  concurrency:
    description:
      - How many deletes run at once against the cluster.
    type: int
    default: 4
seealso:
  - module: mlops.elasticsearch.ml_job_close
  - module: mlops.elasticsearch.ml_job_info
  - name: Delete anomaly detection jobs API
    description: The Elasticsearch API this module calls.
    link: https://www.elastic.co/guide/en/elasticsearch/reference/current/ml-delete-job.html
"""

EXAMPLES = r"""
- name: Close, then delete two jobs (check mode plans both steps)
  mlops.elasticsearch.ml_job_delete:
    hosts: https://es.example.com:9200
    api_key: "{{ vault_es_api_key }}"
    job_id: [web-errors, web-latency]
    close_first: true

- name: Delete every job of a group, at most 20, keeping one
  mlops.elasticsearch.ml_job_delete:
    job_id: retired
    resolve_patterns: true
    exclude: [retired-keep]
    max_jobs: 20

- name: Delete a running job and its datafeed at once, without waiting
  mlops.elasticsearch.ml_job_delete:
    job_id: scratch-job
    force: true
    wait_for_completion: false
  register: deletion

- name: Show the delete tasks
  ansible.builtin.debug:
    var: deletion.tasks

- name: Later, the same delete waits for it to finish (reported being_deleted, or already_absent if it ended)
  mlops.elasticsearch.ml_job_delete:
    job_id: scratch-job
    force: true
    timeout: 10m
  register: finished
"""

RETURN = r"""
jobs:
  description: One entry per job named or matched, sorted by job id after the absent ones.
  returned: success, and on failures found while planning or deleting
  type: list
  elements: dict
  contains:
    job_id:
      description: The job's id.
      type: str
      sample: web-errors
    state_before:
      description: The job's state when it was read; null when it did not exist.
      type: str
      sample: closed
    state:
      description: The job's state afterwards; null once deleted.
      type: str
      sample: null
    action:
      description:
        - V(deleted) (this task deleted it), V(already_absent), V(being_deleted) (another delete was running;
          waited for), V(refused) (with RV(jobs[].error)), V(skipped) (not deleted because another job
          was refused), V(timed_out) (still not closed when the close or the wait ran out; not deleted), or
          V(interrupted) (not sent, the task was interrupted).
      type: str
      sample: deleted
    closed_first:
      description: Whether the job was closed (in check mode - would be closed) before it was deleted.
      type: bool
      returned: when O(close_first=true) closed the job
      sample: true
    datafeed_id:
      description: The job's datafeed, or null.
      type: str
      sample: datafeed-web-errors
    datafeed_state_before:
      description: The datafeed's state when read (only read on servers older than 7.15, else null).
      type: str
      sample: null
    task:
      description: The delete task id, with O(wait_for_completion=false).
      type: str
      returned: when O(wait_for_completion=false)
      sample: oTUltX4IQMOUUVeiohTt8A:39
    error:
      description: Why this job was not deleted.
      type: str
      returned: when the job could not be deleted
deleted:
  description: Ids of the jobs this task deleted (would delete, in check mode).
  returned: success
  type: list
  elements: str
  sample: [web-errors]
closed:
  description: Ids of the jobs this task closed before deleting them, with O(close_first=true).
  returned: success
  type: list
  elements: str
  sample: [web-errors]
  version_added: 1.1.0
already_absent:
  description: Ids that did not exist.
  returned: success
  type: list
  elements: str
  sample: [web-latency]
being_deleted:
  description:
    - Ids of the jobs another delete was already removing; this task's delete waited for it to end (not in check
      mode), so they are gone.
  returned: success
  type: list
  elements: str
  sample: []
backups:
  description: Job id to the file its configuration was saved to, with O(backup_dir).
  returned: always; empty unless O(backup_dir) is set and jobs were deleted
  type: dict
  sample: {web-errors: /var/backups/ml/web-errors.json}
tasks:
  description: Job id to delete task id, with O(wait_for_completion=false); empty otherwise.
  returned: success
  type: dict
  sample: {web-errors: "oTUltX4IQMOUUVeiohTt8A:39"}
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
from ansible_collections.mlops.elasticsearch.plugins.module_utils._job_requests import DeleteRequest
from ansible_collections.mlops.elasticsearch.plugins.module_utils._operations import delete_jobs
from ansible_collections.mlops.elasticsearch.plugins.module_utils._plans import plan_diff

ARGUMENT_SPEC = dict(
    job_id=dict(type="list", elements="str", required=True),
    resolve_patterns=dict(type="bool", default=False),
    exclude=dict(type="list", elements="str", default=[]),
    max_jobs=dict(type="int"),
    close_first=dict(type="bool", default=False),
    force=dict(type="bool", default=False),
    wait_for_completion=dict(type="bool", default=True),
    delete_user_annotations=dict(type="bool", default=False),
    timeout=dict(type="str"),
    close_timeout=dict(type="str"),
    concurrency=dict(type="int", default=4),
    backup_dir=dict(type="path"),
)


def delete(api, request, check_mode, diff):
    plan, result = delete_jobs(api, request, check_mode=check_mode)
    if diff:
        result["diff"] = plan_diff(plan)
    return result


DEFINITION = _ansible_module.Definition(ARGUMENT_SPEC, DeleteRequest, delete, "Failed to delete jobs")


def main():
    _ansible_module.main(DEFINITION)


if __name__ == "__main__":
    main()
