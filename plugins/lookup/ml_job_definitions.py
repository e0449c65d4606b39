# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: ml_job_definitions
short_description: Read a folder of Elasticsearch ML job definitions for one cluster
version_added: 1.1.0
author:
  - MLOps Elasticsearch maintainers (@mlops-elasticsearch)
description:
  - Reads the job definitions that apply to one inventory host (one Elasticsearch cluster) from a folder on the
    controller, checks each one, and returns them sorted by job id, ready for M(mlops.elasticsearch.ml_job),
    M(mlops.elasticsearch.ml_job_open) and M(mlops.elasticsearch.ml_datafeed_start). The
    P(mlops.elasticsearch.ml_job_deploy#role) role reads its definitions with it.
  - "A definition is one file per job, in the form of the configuration backups of
    M(mlops.elasticsearch.ml_job_delete) - a mapping with C(job) (the body of the create anomaly detection jobs
    API; its C(job_id) defaults to the file's name without extension), C(datafeed) (the body of the create
    datafeeds API, or null; it may also be given as C(datafeed_config) inside C(job)) and C(state) (optional)."
  - Files ending in C(.json) are read as JSON, C(.yml) and C(.yaml) as YAML; other files and hidden ones
    (such as the temporary files of an interrupted backup) are ignored.
  - "C(state) says what the run states should be - C(job) (V(opened), V(opening), V(closed), V(closing) or
    V(failed), as a backup records them) and C(datafeed) (V(started), V(starting), V(stopped) or V(stopping)).
    Without C(state), or without one of its keys, the job is opened and its datafeed started. A job recorded
    as not running is not opened, a datafeed recorded as not running is not started; a failed job is not
    opened and its datafeed not started. With C(enforce: true), a job that runs although its state says
    closed is closed, and a datafeed that runs although its state says stopped is stopped; without it, a run
    leaves them running."
  - A folder whose entries are subfolders holds one subfolder per inventory host (as a decommissioning
    campaign's C(backups) folder does) - the host reads its own, and a host without one has no definitions. A
    folder of files applies to every host.
  - Any problem fails the lookup in one line naming the file or folder - a file that is not valid JSON or
    YAML, not a definition, with an unknown key, an invalid job id, two datafeeds, a datafeed of another job,
    an unknown state, a started datafeed of a closed job; two files of one job; a folder holding both files
    and subfolders, subfolders none of which names an inventory host, or a decommissioning report directory
    instead of its C(backups) folder.
options:
  _terms:
    description: The definitions folder. A relative path is relative to the directory C(ansible-playbook) runs in.
    required: true
    type: path
  host:
    description: The inventory host whose definitions are read. Defaults to the host the lookup runs for.
    type: str
  hosts:
    description:
      - Every inventory host. Per-host subfolders are recognised by their names; a folder of subfolders none of
        which is named after one of these is refused. Defaults to the inventory's C(all) group.
    type: list
    elements: str
notes:
  - Use it with C(query) (or O(ignore:wantlist=true)) to get a list whatever the number of definitions.
seealso:
  - module: mlops.elasticsearch.ml_job
  - module: mlops.elasticsearch.ml_job_delete
"""

EXAMPLES = r"""
- name: Declare this cluster's jobs from the folder jobs/
  mlops.elasticsearch.ml_job:
    job_id: "{{ item.job_id }}"
    config: "{{ item.config }}"
  loop: "{{ query('mlops.elasticsearch.ml_job_definitions', 'jobs') }}"
  loop_control:
    label: "{{ item.job_id }}"

- name: Open the jobs a campaign's backups say were running on this cluster
  mlops.elasticsearch.ml_job_open:
    job_id: >-
      {{ query('mlops.elasticsearch.ml_job_definitions', '/var/lib/ml-decommission/2026-11/backups')
         | selectattr('open') | map(attribute='job_id') }}
"""

RETURN = r"""
_list:
  description: The host's definitions, sorted by job id; empty when a per-host folder has no subfolder for it.
  type: list
  elements: dict
  contains:
    job_id:
      description: The job's id.
      type: str
      sample: web-errors
    file:
      description: The file it was read from.
      type: str
      sample: /var/lib/ml-decommission/2026-11/backups/prod-eu/web-errors.json
    config:
      description:
        - The job's configuration, with its datafeed as C(datafeed_config) - the O(mlops.elasticsearch.ml_job#module:config)
          of M(mlops.elasticsearch.ml_job).
      type: dict
    datafeed:
      description: Whether the definition has a datafeed.
      type: bool
    open:
      description: Whether the job is to be opened.
      type: bool
    start:
      description: Whether its datafeed is to be started.
      type: bool
    close:
      description: Whether the job is to be closed if it runs (C(enforce)).
      type: bool
    stop:
      description: Whether its datafeed is to be stopped if it runs while the job stays opened (C(enforce)).
      type: bool
"""

import os

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._definitions import DefinitionError, read_definitions


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        variables = variables or {}
        if len(terms) != 1:
            raise AnsibleLookupError("ml_job_definitions takes one definitions folder, got %d" % len(terms))
        host = self.get_option("host") or variables.get("inventory_hostname")
        hosts = self.get_option("hosts")
        if hosts is None:
            hosts = (variables.get("groups") or {}).get("all") or []
        if not host:
            raise AnsibleLookupError("ml_job_definitions: no host given, and it does not run for an inventory host")
        try:
            return read_definitions(os.path.abspath(os.path.expanduser(terms[0])), host, hosts)
        except DefinitionError as exc:
            raise AnsibleLookupError(str(exc))
