# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""Configuration backups: before a job is deleted, its configuration and its datafeed's (in the
form the create APIs take back) and their states are saved to ``<directory>/<job_id>.json``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

from ansible_collections.mlops.elasticsearch.plugins.module_utils._endpoints import chunk_ids
from ansible_collections.mlops.elasticsearch.plugins.module_utils._errors import JobsFailed
from ansible_collections.mlops.elasticsearch.plugins.module_utils._files import write_file_atomically

# Owner-only: a configuration may name indices and queries that are not everyone's business.
BACKUP_FILE_MODE = 0o600


def read_configs(api, jobs):
    """job_id -> {"job": config, "datafeed": config or None}, as they could be PUT back; a job
    deleted meanwhile by someone else is left out.

    Jobs are read as prefixes (``web-1*``), which never answer 404. The datafeeds are read on
    their own: exclude_generated drops the job's embedded datafeed_config."""
    wanted = set(job.job_id for job in jobs)
    configs = {}
    for chunk in chunk_ids([job.job_id + "*" for job in jobs]):
        for doc in api.get_jobs(",".join(chunk), exclude_generated=True):
            if doc["job_id"] in wanted:
                doc.pop("datafeed_config", None)
                configs[doc["job_id"]] = {"job": doc, "datafeed": None}
    datafeed_ids = [job.datafeed_id for job in jobs if job.datafeed_id and job.job_id in configs]
    if datafeed_ids:
        for datafeed in api.get_datafeeds(datafeed_ids, exclude_generated=True):
            if datafeed.get("job_id") in configs:
                configs[datafeed["job_id"]]["datafeed"] = datafeed
    return configs


def backup_document(config, job):
    """What a backup file holds: the configurations, and the states before this run."""
    return dict(config, state={"job": job.state, "datafeed": job.datafeed_state})


def save_configs(api, jobs, directory):
    """Write each job's backup before it is deleted, so it can be recreated as it was; returns
    job_id -> file."""
    if not jobs:
        return {}
    configs = read_configs(api, jobs)
    files = {}
    try:
        if not os.path.isdir(directory):
            os.makedirs(directory)
        for job in sorted(jobs, key=lambda j: j.job_id):
            if job.job_id in configs:
                document = backup_document(configs[job.job_id], job)
                files[job.job_id] = write_file_atomically(os.path.join(directory, job.job_id + ".json"),
                                                          json.dumps(document, indent=2, sort_keys=True),
                                                          BACKUP_FILE_MODE)
    except (IOError, OSError) as exc:
        raise JobsFailed("cannot write the configuration backups to backup_dir %s (%s); no job was deleted"
                         % (directory, exc))
    return files
