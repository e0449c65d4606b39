# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""One job as read from the cluster: its state, groups, datafeed and whether it is being
deleted, merged from the documents of the read APIs. Plain Python."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

CLOSED = "closed"
CLOSING = "closing"
OPENED = "opened"
OPENING = "opening"
FAILED = "failed"
JOB_STATES = (CLOSED, CLOSING, OPENED, OPENING, FAILED)
DATAFEED_STOPPED = "stopped"


class Job:
    """What is known of one job at the time it was read."""

    def __init__(self, job_id, state=CLOSED, groups=(), datafeed_id=None, datafeed_state=None,
                 deleting=False, blocked=None, node=None, memory_bytes=None):
        self.job_id = job_id
        self.state = state
        self.groups = list(groups)
        self.datafeed_id = datafeed_id
        self.datafeed_state = datafeed_state
        self.deleting = deleting
        self.blocked = blocked
        self.node = node
        self.memory_bytes = memory_bytes

    @property
    def datafeed_running(self):
        return self.datafeed_id is not None and self.datafeed_state not in (None, DATAFEED_STOPPED)

    def to_dict(self):
        return dict(job_id=self.job_id, state=self.state, groups=self.groups,
                    datafeed_id=self.datafeed_id, datafeed_state=self.datafeed_state,
                    deleting=self.deleting, blocked=self.blocked, node=self.node,
                    memory_bytes=self.memory_bytes)


def job_from_documents(job_doc, stats_doc=None, datafeed_doc=None, datafeed_stats_doc=None):
    """Merge what GET anomaly_detectors, its _stats and the datafeed APIs say of one job."""
    stats_doc = stats_doc or {}
    blocked = job_doc.get("blocked")
    deleting = bool(job_doc.get("deleting")) or bool(blocked and blocked.get("reason") == "delete")
    node = stats_doc.get("node") or {}
    model_size = stats_doc.get("model_size_stats") or {}
    datafeed_id = (datafeed_doc or {}).get("datafeed_id")
    datafeed_state = None
    if datafeed_id is not None and datafeed_stats_doc is not None:
        # A datafeed without stats has no task: stopped.
        datafeed_state = datafeed_stats_doc.get("state", DATAFEED_STOPPED)
    return Job(
        job_id=job_doc["job_id"],
        # A job absent from _stats has no persistent task, which Elasticsearch reports as closed.
        state=stats_doc.get("state", CLOSED),
        groups=job_doc.get("groups") or [],
        datafeed_id=datafeed_id,
        datafeed_state=datafeed_state,
        deleting=deleting,
        blocked=blocked,
        node=node.get("name"),
        memory_bytes=model_size.get("model_bytes"),
    )
