#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# The work is done by the action plugin of the same name, on the controller.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ml_job_decommission_report
short_description: Write the fleet report of the ml_job_decommission role
version_added: 1.0.0
description:
  - Builds the fleet report of a decommissioning run from every cluster's outcome and writes it to
    O(path) on the controller as C(report.json) and C(report.md), each replaced atomically.
  - The P(mlops.elasticsearch.ml_job_decommission#role) role runs it once per batch of clusters, with
    cluster outcomes built by the P(mlops.elasticsearch.ml_job_decommission_outcome#filter) filter. It
    talks to no cluster.
author:
  - MLOps Elasticsearch maintainers (@mlops-elasticsearch)
extends_documentation_fragment:
  - mlops.elasticsearch._attributes
options:
  path:
    description:
      - Directory on the controller for C(report.json) and C(report.md); created (mode C(0750)) when missing.
    type: path
    required: true
  run:
    description:
      - The run record. C(id), C(mode) (V(run) or V(plan)), C(started) (ISO 8601, UTC), C(started_ts) (Unix
        time) and C(previous), the previous run's report or an empty dictionary.
    type: dict
    required: true
  settings:
    description:
      - The run's settings, reported as given (the role passes its targets, exclusions and switches).
    type: dict
    required: true
  clusters:
    description:
      - Cluster outcomes, as the P(mlops.elasticsearch.ml_job_decommission_outcome#filter) filter builds
        them. Outcomes of another run than O(run) are left out.
    type: list
    elements: dict
    required: true
  hosts:
    description:
      - How many clusters the play holds; those without an outcome yet are counted as pending.
    type: int
    required: true
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
  async:
    description: Supports being used with the C(async) keyword.
    support: none
  check_mode:
    support: full
    details:
      - In check mode the report is built and returned, not written. The role runs this task with
        C(check_mode=false), so that a plan leaves its report too.
  diff_mode:
    support: none
  idempotent:
    support: N/A
    details:
      - The report records a run; it never reports a change.
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    details:
      - It runs on the controller, whatever the host.
    platforms: posix
notes:
  - Runs on the controller whatever the connection of the host.
seealso:
  - module: mlops.elasticsearch.ml_job_close
  - module: mlops.elasticsearch.ml_job_delete
"""

EXAMPLES = r"""
- name: Write the fleet report of this run from the outcomes recorded so far
  mlops.elasticsearch.ml_job_decommission_report:
    path: /var/lib/decommission/report
    run: "{{ run_record }}"
    settings:
      jobs: [retired-*]
      exclude: []
    clusters: "{{ ansible_play_hosts_all | map('extract', hostvars) | selectattr('outcome', 'defined') | map(attribute='outcome') }}"
    hosts: "{{ ansible_play_hosts_all | length }}"
  run_once: true
"""

RETURN = r"""
report:
  description:
    - The fleet report, as written to C(report.json).
    - C(totals) counts clusters by status (V(changed), V(ok), V(planned), V(failed), V(pending)) and jobs
      (C(targeted), C(would_close), C(would_delete), C(closed), C(deleted), C(already_gone),
      C(deleted_in_earlier_runs)); C(clusters) holds each cluster's outcome, sorted by cluster.
  returned: success
  type: dict
  sample:
    report: mlops.elasticsearch.ml_job_decommission
    mode: run
    run_id: 20261201T101500Z-48213
    started: "2026-12-01T10:15:00Z"
    updated: "2026-12-01T10:15:09Z"
    duration_s: 9.2
    previous_run: null
    settings: {jobs: [retired-*], exclude: []}
    totals: {clusters: 1, pending: 0, changed: 1, ok: 0, planned: 0, failed: 0, targeted: 2, would_close: 0,
             would_delete: 0, closed: 2, deleted: 2, already_gone: 0, deleted_in_earlier_runs: 0}
    clusters: []
files:
  description: Where the report is (or, in check mode, would be) written.
  returned: success
  type: dict
  contains:
    json:
      description: Path of C(report.json).
      type: str
      returned: success
      sample: /var/lib/decommission/report/report.json
    markdown:
      description: Path of C(report.md).
      type: str
      returned: success
      sample: /var/lib/decommission/report/report.md
"""
