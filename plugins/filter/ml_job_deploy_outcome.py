# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ml_job_deploy_outcome filter; its documentation is in the .yml file beside it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._deploy_report import cluster_outcome
from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._reports import outcome_filter

ml_job_deploy_outcome = outcome_filter(
    "ml_job_deploy_outcome", ("cluster", "run_id", "definitions", "started_ts", "recorded_ts"), cluster_outcome)


class FilterModule(object):
    def filters(self):
        return {"ml_job_deploy_outcome": ml_job_deploy_outcome}
