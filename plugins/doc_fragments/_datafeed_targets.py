# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Matches DATAFEED_TARGET_OPTIONS in plugins/module_utils/_config_requests.py
    # (ml_datafeed_start and ml_datafeed_stop).
    DOCUMENTATION = r"""
options:
  datafeed_id:
    description:
      - The datafeeds, by id - datafeed ids, wildcard patterns such as V(datafeed-web-*), or V(_all). A string may
        hold a comma-separated list. Mutually exclusive with O(job_id); one of them is required.
    type: list
    elements: str
  job_id:
    description:
      - The datafeeds, by their jobs - job ids, group names, wildcard patterns, or V(_all). Jobs without a
        datafeed are listed in C(without_datafeed). Mutually exclusive with O(datafeed_id).
    type: list
    elements: str
  exclude:
    description:
      - Ids, groups or patterns never to act on - datafeed ids with O(datafeed_id), jobs with O(job_id).
    type: list
    elements: str
    default: []
  allow_no_match:
    description:
      - When V(false), a pattern (or V(_all)) that matches nothing is an error.
    type: bool
    default: true
  ignore_missing:
    description:
      - When V(false), an explicit id (or group) that does not exist fails the task with Elasticsearch's message.
      - When V(true), such ids are reported under C(missing) and the task succeeds.
    type: bool
    default: false
  max_jobs:
    description:
      - A guard - when the targets match more datafeeds than this, none is acted on and the task fails, listing
        the matches. V(0) allows none; unset, there is no limit.
      - The same guard as O(mlops.elasticsearch.ml_job_close#module:max_jobs).
    type: int
"""
