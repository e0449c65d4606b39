# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ml_job_decommission_outcome filter; its documentation is in the .yml file beside it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._decommission_report import cluster_outcome

REQUIRED = ("cluster", "run_id", "targets", "started_ts", "recorded_ts")


def ml_job_decommission_outcome(record):
    if not isinstance(record, dict):
        raise AnsibleFilterError("ml_job_decommission_outcome expects a dictionary, got %s" % type(record).__name__)
    missing = [key for key in REQUIRED if key not in record]
    if missing:
        raise AnsibleFilterError("ml_job_decommission_outcome: the record lacks %s" % ", ".join(missing))
    return cluster_outcome(record)


class FilterModule(object):
    def filters(self):
        return {"ml_job_decommission_outcome": ml_job_decommission_outcome}
