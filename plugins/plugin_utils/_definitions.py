# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""Job definitions on the controller: a folder of files, one job (and its datafeed) per file, in the
form the configuration backups of ml_job_delete have - ``{"job": <create body>, "datafeed": <body or
null>, "state": {"job": ..., "datafeed": ...}}`` - as JSON or YAML. The ml_job_deploy role applies
them (the lookup ml_job_definitions reads them); a campaign's backups folder is such a folder, with
one subfolder per inventory host.

Reading decides what each definition asks of the run states, so that the role's tasks only pass
lists on: a job is opened unless its state says it was not running, a datafeed started likewise;
nothing is closed or stopped unless the definition says ``enforce: true``. Every problem is one
DefinitionError naming the file. Free of Ansible."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import yaml

from ansible_collections.mlops.elasticsearch.plugins.module_utils._errors import InvalidInput
from ansible_collections.mlops.elasticsearch.plugins.module_utils._targets import validate_job_id

EXTENSIONS = (".json", ".yml", ".yaml")
KEYS = ("job", "datafeed", "state")
STATE_KEYS = ("job", "datafeed", "enforce")
# Elasticsearch's job and datafeed states (what a backup records), and whether each one runs.
JOB_STATES = {"opened": True, "opening": True, "closed": False, "closing": False, "failed": False}
DATAFEED_STATES = {"started": True, "starting": True, "stopped": False, "stopping": False}


class DefinitionError(Exception):
    """A definitions folder or file that cannot be applied; the message names it."""


def _load(path):
    """The file's document: JSON for .json, YAML (one document) otherwise."""
    try:
        with open(path) as stream:
            if path.endswith(".json"):
                return json.load(stream)
            return yaml.safe_load(stream)
    except ValueError as exc:  # json.JSONDecodeError
        raise DefinitionError("%s: not valid JSON (%s)" % (path, exc))
    except yaml.YAMLError as exc:
        raise DefinitionError("%s: not valid YAML (%s)" % (path, " ".join(str(exc).split())))
    except (IOError, OSError) as exc:
        raise DefinitionError("%s: cannot be read (%s)" % (path, exc.strerror or exc))


def _job_id(path, job):
    """The job's id: the body's job_id, else the file's name (the create API takes the id in its URL)."""
    stem = os.path.splitext(os.path.basename(path))[0]
    job_id = job.get("job_id", stem)
    try:
        validate_job_id(job_id)
    except InvalidInput as exc:
        raise DefinitionError("%s: %s" % (path, exc))
    return job_id


def _datafeed(path, job_id, job, document):
    """The datafeed body, given beside the job or as the job's datafeed_config; None without one."""
    embedded = job.pop("datafeed_config", None)
    datafeed = document.get("datafeed")
    if embedded is not None and datafeed is not None:
        raise DefinitionError("%s: two datafeeds (job.datafeed_config and datafeed); give one" % path)
    datafeed = datafeed if datafeed is not None else embedded
    if datafeed is None:
        return None
    if not isinstance(datafeed, dict):
        raise DefinitionError("%s: datafeed must be a mapping (the create datafeed API's body) or null" % path)
    if datafeed.get("job_id", job_id) != job_id:
        raise DefinitionError("%s: the datafeed's job_id %s is not the job's (%s)" % (path, datafeed["job_id"], job_id))
    return datafeed


def _state_value(path, state, key, choices, default):
    value = state.get(key)
    if value is None:
        return default
    if value not in choices:
        raise DefinitionError("%s: state.%s %r is none of %s" % (path, key, value, ", ".join(sorted(choices))))
    return value


def _run_states(path, document, has_datafeed):
    """What the run should make of the job's and the datafeed's states: open, start, close, stop.

    Without ``state``, or without one of its keys: the job is opened and its datafeed started (a
    closed job's datafeed stays stopped: it could not run). A backup's state is what ran before:
    opened or opening opens, started or starting starts, anything else does not; a failed job is
    not opened, and its datafeed, which a backup may show started, is not started. Closing and
    stopping what runs takes ``enforce: true``."""
    state = document.get("state")
    if state is None:
        state = {}
    if not isinstance(state, dict):
        raise DefinitionError("%s: state must be a mapping with job, datafeed and enforce" % path)
    unknown = sorted(set(state) - set(STATE_KEYS))
    if unknown:
        raise DefinitionError("%s: unknown key state.%s; state holds job, datafeed and enforce" % (path, unknown[0]))
    job_state = _state_value(path, state, "job", JOB_STATES, "opened")
    opened = JOB_STATES[job_state]
    datafeed_state = _state_value(path, state, "datafeed", DATAFEED_STATES, None)
    running = opened if datafeed_state is None else DATAFEED_STATES[datafeed_state]
    if running and datafeed_state is not None and not has_datafeed:
        raise DefinitionError("%s: state.datafeed is %s but the definition has no datafeed" % (path, datafeed_state))
    if running and not opened and job_state != "failed":
        raise DefinitionError("%s: state.datafeed is %s but state.job is %s; a datafeed runs only while its job is "
                              "opened" % (path, datafeed_state, job_state))
    enforce = state.get("enforce", False)
    if not isinstance(enforce, bool):
        raise DefinitionError("%s: state.enforce must be true or false, got %r" % (path, enforce))
    started = has_datafeed and opened and running
    return dict(open=opened, start=started, close=enforce and not opened,
                stop=enforce and has_datafeed and opened and not started)


def read_definition(path):
    """One file: {job_id, file, config (the job's create body with its datafeed as datafeed_config,
    as ml_job takes it), datafeed (bool), open, start, close, stop}."""
    document = _load(path)
    if not isinstance(document, dict) or not isinstance(document.get("job"), dict):
        raise DefinitionError("%s: not a job definition; it must be a mapping whose key job holds the job's "
                              "configuration (with datafeed and state beside it)" % path)
    unknown = sorted(set(document) - set(KEYS))
    if unknown:
        raise DefinitionError("%s: unknown key %s; a definition holds job, datafeed and state" % (path, unknown[0]))
    job = dict(document["job"])
    job_id = _job_id(path, job)
    datafeed = _datafeed(path, job_id, job, document)
    config = dict(job, datafeed_config=datafeed) if datafeed is not None else job
    definition = dict(job_id=job_id, file=path, config=config, datafeed=datafeed is not None)
    definition.update(_run_states(path, document, datafeed is not None))
    return definition


def _entries(directory):
    """(definition files, subfolders) of a folder, hidden ones left out."""
    files, folders = [], []
    for name in sorted(os.listdir(directory)):
        if name.startswith("."):
            continue
        path = os.path.join(directory, name)
        if os.path.isdir(path):
            folders.append(name)
        elif name.endswith(EXTENSIONS):
            files.append(path)
    return files, folders


def definitions_folder(directory, host, hosts):
    """The folder whose files apply to ``host``: ``directory/<host>`` when the folder has a subfolder
    per inventory host, else ``directory`` itself; None when it has per-host subfolders but none for
    ``host``. ``hosts``: every inventory host, to tell per-host subfolders from a mistake."""
    if not os.path.isdir(directory):
        raise DefinitionError("%s: no such directory" % directory)
    files, folders = _entries(directory)
    if not folders:
        return directory
    if "backups" in folders and os.path.exists(os.path.join(directory, "report.json")):
        raise DefinitionError("%s is a report directory: point at its backups folder, %s"
                              % (directory, os.path.join(directory, "backups")))
    if files:
        raise DefinitionError("%s holds both definition files (%s) and subfolders (%s): either one set of "
                              "definitions for every cluster, or one subfolder per inventory host"
                              % (directory, os.path.basename(files[0]), folders[0]))
    if not set(folders) & set(hosts):
        raise DefinitionError("%s has subfolders (%s) but none is named after an inventory host"
                              % (directory, ", ".join(folders)))
    return os.path.join(directory, host) if host in folders else None


def read_definitions(directory, host, hosts):
    """The definitions of ``host``, sorted by job id; two files of one job fail."""
    folder = definitions_folder(directory, host, hosts)
    if folder is None:
        return []
    files, folders = _entries(folder)
    if folders and folder != directory:
        raise DefinitionError("%s: a cluster's folder holds definition files only, not subfolders (%s)"
                              % (folder, folders[0]))
    found = {}
    for path in files:
        definition = read_definition(path)
        job_id = definition["job_id"]
        if job_id in found:
            raise DefinitionError("%s and %s both define job %s" % (found[job_id]["file"], path, job_id))
        found[job_id] = definition
    return [found[job_id] for job_id in sorted(found)]
