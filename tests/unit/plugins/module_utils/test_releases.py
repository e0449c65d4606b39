# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What each release supports. Plain Python: no Ansible, no HTTP."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _releases
from ansible_collections.mlops.elasticsearch.tests.unit.utils.releases import V6, V7_9, V8_15


# --- releases ------------------------------------------------------------------------------

@pytest.mark.parametrize("feature, last_without, first_with", [
    ("ml_prefix", (6, 8, 23), (7, 0, 0)),
    ("allow_no_match", (7, 9, 3), (7, 10, 0)),
    ("close_stops_datafeeds", (7, 13, 4), (7, 14, 0)),
    ("blocked", (7, 13, 4), (7, 14, 0)),
    ("delete_removes_datafeed", (7, 14, 2), (7, 15, 0)),
    ("jobs_embed_datafeed", (7, 17, 24), (8, 0, 0)),
    ("delete_user_annotations", (8, 6, 2), (8, 7, 0)),
    ("allow_lazy_open", (7, 4, 2), (7, 5, 0)),
    ("open_answers_node", (7, 7, 1), (7, 8, 0)),
    ("daily_model_snapshot_retention", (7, 7, 1), (7, 8, 0)),
    ("per_partition_categorization", (7, 8, 1), (7, 9, 0)),
    ("put_job_with_datafeed", (7, 10, 2), (7, 11, 0)),
    ("system_annotations_retention", (7, 14, 2), (7, 15, 0)),
    ("model_prune_window", (7, 17, 24), (8, 0, 0)),
])
def test_release_supports_per_version(feature, last_without, first_with):
    assert not _releases.Release(last_without).supports(feature)
    assert _releases.Release(first_with).supports(feature)
    assert _releases.Release((9, 0, 0)).supports(feature)


def test_release_paths_and_params():
    assert (V6.ml_prefix, V6.no_match_param) == ("_xpack/ml", "allow_no_jobs")
    assert (V7_9.ml_prefix, V7_9.no_match_param) == ("_ml", "allow_no_jobs")
    assert (V8_15.ml_prefix, V8_15.no_match_param) == ("_ml", "allow_no_match")
    assert V8_15.number == "8.15.0"


def test_release_unknown_feature_is_a_bug_not_a_false():
    with pytest.raises(KeyError):
        V8_15.supports("no-such-feature")
