# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""What each Elasticsearch release does differently, as data; the one place where versions are
compared. Plain Python."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# feature -> (first version with it, what it means). The versions come from Elastic's release
# notes and the ML API pages of https://www.elastic.co/guide/en/elasticsearch/reference/.
RELEASE_FEATURES = {
    "ml_prefix": ((7, 0, 0), "ML APIs live under /_ml (before: /_xpack/ml)"),
    "allow_no_match": ((7, 10, 0), "the no-match parameter is allow_no_match (before: allow_no_jobs)"),
    "exclude_generated": ((7, 11, 0), "GET jobs and datafeeds take exclude_generated"),
    "close_stops_datafeeds": ((7, 14, 0), "close stops the job's started datafeed itself"),
    "blocked": ((7, 14, 0), "jobs report 'blocked' beside 'deleting'"),
    "delete_removes_datafeed": ((7, 15, 0), "deleting a job deletes its datafeed"),
    "jobs_embed_datafeed": ((8, 0, 0), "GET anomaly_detectors embeds datafeed_config"),
    "delete_user_annotations": ((8, 7, 0), "delete accepts delete_user_annotations"),
    # Creating, updating, opening and starting (ml_job, ml_datafeed, ml_job_open, ml_datafeed_start).
    "allow_lazy_open": ((7, 5, 0), "jobs take allow_lazy_open (create and _update)"),
    "open_answers_node": ((7, 8, 0), "open and start datafeed answer the node; an empty one is a lazy open"),
    "daily_model_snapshot_retention": ((7, 8, 0), "jobs take daily_model_snapshot_retention_after_days"),
    "per_partition_categorization": ((7, 9, 0), "jobs take per_partition_categorization (stop_on_warn updatable)"),
    "put_job_with_datafeed": ((7, 11, 0), "create job takes an embedded datafeed_config"),
    "system_annotations_retention": ((7, 15, 0), "jobs take system_annotations_retention_days"),
    "model_prune_window": ((8, 0, 0), "job _update takes model_prune_window"),
}


def parse_version(number):
    """``8.15.0`` or ``8.15.0-SNAPSHOT`` -> (8, 15, 0)."""
    parts = []
    for piece in number.split("-")[0].split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    while len(parts) < 3:
        parts.append(0)
    return tuple(parts)


class Release:
    """What the server's version supports."""

    def __init__(self, version):
        self.version = tuple(version)

    @classmethod
    def from_number(cls, number):
        return cls(parse_version(number))

    def supports(self, feature):
        return self.version >= RELEASE_FEATURES[feature][0]

    @property
    def number(self):
        return ".".join(str(part) for part in self.version)

    @property
    def ml_prefix(self):
        return "_ml" if self.supports("ml_prefix") else "_xpack/ml"

    @property
    def no_match_param(self):
        return "allow_no_match" if self.supports("allow_no_match") else "allow_no_jobs"
