#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ml_datafeed
short_description: Create, update or delete an Elasticsearch machine learning datafeed from its declared configuration
version_added: 1.1.0
description:
  - Declares one datafeed of an anomaly detection job. With O(state=present) the datafeed is created from O(config)
    with C(PUT _ml/datafeeds/<datafeed_id>) when it does not exist; when it exists, only the keys O(config) gives are
    compared with the datafeed, and C(POST _ml/datafeeds/<datafeed_id>/_update) is sent with the changed ones.
    A second run with the same O(config) reports V(ok).
  - Both sides are normalised as Elasticsearch stores them - time values (V(90s) equals V(90000ms)), C(indexes)
    and C(aggs) as C(indices) and C(aggregations), a single index as a list, the wildcard states of
    C(indices_options), V(-1) as an unset C(max_empty_searches), script fields with their language and
    C(ignore_failure) defaults. What the server fills in when O(config) leaves
    it out - the random per-job C(query_delay), C(chunking_config), C(indices_options), C(scroll_size),
    C(delayed_data_check_config) - is never a difference. C(query), C(aggregations), C(script_fields),
    C(runtime_mappings) and C(chunking_config) are compared as whole values; other objects key by key.
  - The datafeed's C(job_id) cannot change; a different one fails, naming it, unless O(recreate=true).
  - Elasticsearch refuses to update a datafeed that is started; the task fails, naming the state, unless
    O(allow_restart=true), which stops the datafeed, updates it and starts it again.
  - With O(state=absent) the datafeed is deleted (stopped first when it runs). Its job is left as it is.
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
      - Reads only (GET requests), and reports the create, update, restart or delete it would send, including the
        refusals it would meet.
  diff_mode:
    support: full
    details:
      - The managed keys (those O(config) gives), normalised, before and after.
  idempotent:
    support: full
options:
  datafeed_id:
    description:
      - The datafeed's id (by convention C(datafeed-<job_id>)). Same rules as job ids; checked before any request.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the datafeed; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  config:
    description:
      - The datafeed's configuration, as the body of the create datafeeds API takes it (and as the backups of
        M(mlops.elasticsearch.ml_job_delete) and C(GET _ml/datafeeds/<datafeed_id>?exclude_generated=true) hold
        it); C(job_id) is required. Required with O(state=present).
      - C(datafeed_id), when given, must equal O(datafeed_id). C(authorization) is ignored (the server derives it
        from the credentials of the request).
    type: dict
  allow_restart:
    description:
      - Stop a started datafeed to update it, then start it again.
    type: bool
    default: false
  recreate:
    description:
      - When C(job_id) in O(config) names another job, delete the datafeed and create it for that job.
    type: bool
    default: false
  force:
    description:
      - With O(state=absent), stop a running datafeed forcibly before deleting it.
    type: bool
    default: false
  timeout:
    description:
      - How long each stop and start of a restart, or the stop before a delete, may take, as an Elasticsearch time
        value such as V(5m).
    type: str
    default: 5m
seealso:
  - module: mlops.elasticsearch.ml_job
  - module: mlops.elasticsearch.ml_datafeed_start
  - module: mlops.elasticsearch.ml_datafeed_stop
  - name: Create datafeeds API
    description: The body O(config) holds, and its defaults.
    link: https://www.elastic.co/guide/en/elasticsearch/reference/current/ml-put-datafeed.html
  - name: Update datafeeds API
    description: What Elasticsearch can update, and when.
    link: https://www.elastic.co/guide/en/elasticsearch/reference/current/ml-update-datafeed.html
"""

EXAMPLES = r"""
- name: The job the datafeed feeds
  mlops.elasticsearch.ml_job:
    job_id: web-response
    config:
      analysis_config:
        bucket_span: 15m
        detectors: [{function: mean, field_name: took_ms}]
      data_description: {time_field: timestamp}

- name: Declare its datafeed
  mlops.elasticsearch.ml_datafeed:
    datafeed_id: datafeed-web-response
    config:
      job_id: web-response
      indices: [web-logs]
      query:
        term: {service: checkout}
      scroll_size: 500

- name: Change its query, restarting it if it runs
  mlops.elasticsearch.ml_datafeed:
    datafeed_id: datafeed-web-response
    allow_restart: true
    config:
      job_id: web-response
      indices: [web-logs]
      query:
        terms: {service: [checkout, cart]}

- name: Remove it
  mlops.elasticsearch.ml_datafeed:
    datafeed_id: datafeed-web-response
    state: absent
"""

RETURN = r"""
datafeed_id:
  description: The datafeed's id.
  returned: always
  type: str
  sample: datafeed-web-response
job_id:
  description: The job the datafeed feeds (before the task, when it existed; null when it did not).
  returned: always
  type: str
  sample: web-response
action:
  description:
    - V(created), V(updated), V(unchanged), V(recreated), V(deleted), V(already_absent), or V(refused) (on a
      failure the module foresaw, before any change). In check mode, what would be done.
  returned: always
  type: str
  sample: updated
changed_keys:
  description: The declared keys whose values differ from the datafeed's (dotted paths).
  returned: always
  type: list
  elements: str
  sample: [query]
not_updatable:
  description: The changed keys that Elasticsearch cannot update (C(job_id); a recreate changes it).
  returned: always
  type: list
  elements: str
  sample: []
update_body:
  description: The body of the C(_update) request sent (would be sent, in check mode); empty when none is.
  returned: always
  type: dict
  sample: {query: {terms: {service: [checkout, cart]}}}
restarted:
  description: Whether the datafeed was stopped and started again for the change.
  returned: always
  type: bool
  sample: false
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
from ansible_collections.mlops.elasticsearch.plugins.module_utils._config_requests import DatafeedRequest
from ansible_collections.mlops.elasticsearch.plugins.module_utils._declare_operations import declare_datafeed

ARGUMENT_SPEC = dict(
    datafeed_id=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    config=dict(type="dict"),
    allow_restart=dict(type="bool", default=False),
    recreate=dict(type="bool", default=False),
    force=dict(type="bool", default=False),
    timeout=dict(type="str", default="5m"),
)


def declare(api, request, check_mode, diff):
    result, changes = declare_datafeed(api, request, check_mode=check_mode)
    if diff:
        result["diff"] = changes
    return result


DEFINITION = _ansible_module.Definition(ARGUMENT_SPEC, DatafeedRequest, declare, "Failed to declare the datafeed")


def main():
    _ansible_module.main(DEFINITION)


if __name__ == "__main__":
    main()
