# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Jobs from the read APIs' documents. Plain Python: no Ansible, no HTTP."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _jobs


# --- documents -> Job ------------------------------------------------------------------------

def test_job_from_documents_merges_stats_and_datafeed():
    job = _jobs.job_from_documents(
        {"job_id": "j", "groups": ["g"]},
        {"job_id": "j", "state": "opened", "node": {"name": "es-ml-1"}, "model_size_stats": {"model_bytes": 42}},
        {"datafeed_id": "df", "job_id": "j"},
        {"datafeed_id": "df", "state": "started"})
    assert job.to_dict() == dict(job_id="j", state="opened", groups=["g"], datafeed_id="df",
                                 datafeed_state="started", deleting=False, blocked=None,
                                 node="es-ml-1", memory_bytes=42)
    assert job.datafeed_running


def test_job_without_stats_is_closed_and_datafeed_without_stats_is_stopped():
    job = _jobs.job_from_documents({"job_id": "j"}, None, {"datafeed_id": "df"}, {})
    assert (job.state, job.datafeed_state, job.datafeed_running) == ("closed", "stopped", False)


def test_datafeed_state_is_unknown_when_its_stats_were_not_read():
    job = _jobs.job_from_documents({"job_id": "j"}, None, {"datafeed_id": "df"}, None)
    assert (job.datafeed_id, job.datafeed_state, job.datafeed_running) == ("df", None, False)


@pytest.mark.parametrize("doc", [
    {"job_id": "j", "deleting": True},
    {"job_id": "j", "deleting": True, "blocked": {"reason": "delete", "task_id": "n:1"}},
    {"job_id": "j", "blocked": {"reason": "delete"}},
])
def test_deleting_is_read_from_either_field(doc):
    assert _jobs.job_from_documents(doc).deleting


@pytest.mark.parametrize("reason", ["reset", "revert"])
def test_other_blocks_are_not_deleting(reason):
    job = _jobs.job_from_documents({"job_id": "j", "blocked": {"reason": reason, "task_id": "n:2"}})
    assert not job.deleting and job.blocked == {"reason": reason, "task_id": "n:2"}


@pytest.mark.parametrize("state, running", [
    ("started", True), ("starting", True), ("stopping", True), ("stopped", False), (None, False),
])
def test_datafeed_running(state, running):
    assert _jobs.Job("j", datafeed_id="df", datafeed_state=state).datafeed_running is running


def test_no_datafeed_is_not_running():
    assert not _jobs.Job("j", datafeed_state="started").datafeed_running
