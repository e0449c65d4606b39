# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""ml_job and ml_datafeed: make one job's or datafeed's declared configuration true. Read it
(GETs only), compare the declared keys after normalising both sides (the config modules), refuse
what Elasticsearch would refuse, stop in check mode, else create, update, restart or recreate, and
report what was done and the diff of the managed keys. State absent reuses the delete operation.
No AnsibleModule here."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _datafeed_config as datafeed_config
from ansible_collections.mlops.elasticsearch.plugins.module_utils import _job_config as job_config
from ansible_collections.mlops.elasticsearch.plugins.module_utils._backups import read_configs
from ansible_collections.mlops.elasticsearch.plugins.module_utils._config_requests import ABSENT
from ansible_collections.mlops.elasticsearch.plugins.module_utils._declared import dotted, managed
from ansible_collections.mlops.elasticsearch.plugins.module_utils._endpoints import Absent
from ansible_collections.mlops.elasticsearch.plugins.module_utils._errors import JobsFailed
from ansible_collections.mlops.elasticsearch.plugins.module_utils._job_requests import CloseRequest, DeleteRequest
from ansible_collections.mlops.elasticsearch.plugins.module_utils._jobs import DATAFEED_STOPPED, OPENED, OPENING
from ansible_collections.mlops.elasticsearch.plugins.module_utils._lifecycle_operations import (
    datafeed_states,
    open_job,
    start_datafeed,
)
from ansible_collections.mlops.elasticsearch.plugins.module_utils._lifecycle_plans import (
    DATAFEED_STARTED,
    DATAFEED_STARTING,
)
from ansible_collections.mlops.elasticsearch.plugins.module_utils._operations import (
    close_jobs,
    delete_jobs,
    job_states,
    select_jobs,
)
from ansible_collections.mlops.elasticsearch.plugins.module_utils._targets import parse_targets

CREATED = "created"
UPDATED = "updated"
RECREATED = "recreated"
UNCHANGED = "unchanged"
DELETED = "deleted"
ALREADY_ABSENT = "already_absent"
REFUSED = "refused"
CHANGES = (CREATED, UPDATED, RECREATED, DELETED)
RUNNING_DATAFEED = (DATAFEED_STARTED, DATAFEED_STARTING)


def _result(action, update=None, **extra):
    """What ml_job and ml_datafeed return: the action, the changed keys and the _update body
    (update_body: a result key named update would read as the dict method in Jinja). A change
    _update cannot make is refused or recreated: no _update is sent then."""
    result = dict(changed=action in CHANGES, action=action, restarted=False,
                  changed_keys=[dotted(path) for path in update.changed] if update else [],
                  not_updatable=[dotted(path) for path in update.not_updatable] if update else [],
                  update_body=update.body if update and not update.not_updatable else {})
    result.update(extra)
    return result


def _refuse(result, msg):
    result.update(changed=False, action=REFUSED)
    raise JobsFailed(msg, result=result)


def _read_job(api, job_id):
    """The job with its state and its datafeed's."""
    selection, dummy = select_jobs(api, parse_targets([job_id]))
    if not selection.jobs:
        # Deleted by someone else since it was read a moment ago.
        raise JobsFailed("job [%s] was deleted while this task read it; run the task again" % job_id)
    return selection.jobs[0]


def _restore_running(api, job, datafeed_id, timeout):
    """Open the job again if it was open, and start its datafeed if it was running."""
    if job.state not in (OPENED, OPENING):
        return
    dummy, state = open_job(api, job.job_id, timeout)
    if datafeed_id and job.datafeed_state in RUNNING_DATAFEED:
        start_datafeed(api, datafeed_id, timeout, job_awaits_node=state == OPENING)


# ---- jobs ----------------------------------------------------------------------------------------

def declare_job(api, request, check_mode=False):
    """ml_job: returns (result, diff); raises JobsFailed carrying the result."""
    if request.state == ABSENT:
        return _remove_job(api, request, check_mode)
    declared = job_config.normalise(request.config)
    document = api.get_job(request.job_id, exclude_generated=True)
    if isinstance(document, Absent):
        return _create_job(api, request, declared, check_mode)
    blocked = (document.get("blocked") or {}).get("reason")
    if blocked and blocked != "none":
        _refuse(_result(REFUSED, job_id=request.job_id),
                "job [%s] is executing [%s]; run the task again once that has finished" % (request.job_id, blocked))
    current = job_config.current_config(document, declared)
    update = job_config.plan_update(declared, current, api.release)
    result = _result(UPDATED if update.changed else UNCHANGED, update, job_id=request.job_id, backup=None)
    diff = dict(before=managed(current, declared, job_config.SHAPE), after=declared)
    if update.not_updatable:
        _recreate_job(api, request, result, check_mode)
    elif update.changed:
        _update_job(api, request, update, result, check_mode)
    if request.datafeed is not None:
        _declare_embedded_datafeed(api, request, result, diff, check_mode)
    return result, diff


def _create_job(api, request, declared, check_mode):
    result = _result(CREATED, job_id=request.job_id, backup=None)
    after = dict(declared)
    if request.datafeed is not None:
        _created_with_job(request, result, after)
    if not check_mode:
        _put_job(api, request)
    return result, dict(before={}, after=after)


def _put_job(api, request, datafeed_to_restore=None):
    """Create the job, with its declared datafeed (embedded where the release takes it), or else
    with the datafeed it had before a recreate."""
    body = request.create_body
    embedded = request.datafeed is not None and api.release.supports("put_job_with_datafeed")
    if request.datafeed is not None and not embedded:
        body = dict((key, value) for key, value in body.items() if key != "datafeed_config")
    api.put_job(request.job_id, body)
    if request.datafeed is not None and not embedded:
        api.put_datafeed(request.datafeed.datafeed_id, request.datafeed.config)
    elif request.datafeed is None and datafeed_to_restore:
        api.put_datafeed(datafeed_to_restore["datafeed_id"], datafeed_to_restore)


def _update_job(api, request, update, result, check_mode):
    job = None
    if update.needs_closed:
        job = _read_job(api, request.job_id)
        if job.state == OPENED:
            if not request.allow_restart:
                _refuse(result, "%s can be updated only while the job is not opened, and job [%s] is opened "
                        "(Cannot update analysis_limits while the job is open); set allow_restart=true to close it, "
                        "update it and open it again" % (", ".join(dotted(p) for p in update.needs_closed),
                                                         request.job_id))
            result["restarted"] = True
    if check_mode or not update.body:
        return
    if result["restarted"]:
        close_jobs(api, CloseRequest(dict(job_id=[request.job_id], timeout=request.timeout.text)))
    api.update_job(request.job_id, update.body)
    if result["restarted"]:
        _restore_running(api, job, job.datafeed_id, request.timeout)


def _recreate_job(api, request, result, check_mode):
    """Back the job up, close and delete it, create it from the declaration, put back its datafeed
    (unless the declaration has one) and restart what ran."""
    if not request.recreate:
        _refuse(result, "%s cannot be updated (Elasticsearch's _update does not take them); set recreate=true to "
                "back the job up, delete it and create it again (its results and model state are lost)"
                % ", ".join(result["not_updatable"]))
    result.update(action=RECREATED, changed=True)
    job = _read_job(api, request.job_id)
    result["restarted"] = job.state in (OPENED, OPENING)
    if check_mode:
        return
    old_datafeed = read_configs(api, [job]).get(request.job_id, {}).get("datafeed")
    dummy, deleted = delete_jobs(api, DeleteRequest(dict(
        job_id=[request.job_id], close_first=True, force=request.force, backup_dir=request.backup_dir,
        close_timeout=request.timeout.text)))
    result["backup"] = deleted["backups"].get(request.job_id)
    _put_job(api, request, datafeed_to_restore=old_datafeed)
    datafeed_id = request.datafeed.datafeed_id if request.datafeed is not None else job.datafeed_id
    _restore_running(api, job, datafeed_id, request.timeout)


def _declare_embedded_datafeed(api, request, result, diff, check_mode):
    """The job's declared datafeed_config, as ml_datafeed would declare it."""
    if result["action"] == RECREATED:
        _created_with_job(request, result, diff["after"])
        return
    datafeed_result, datafeed_diff = declare_datafeed(api, request.datafeed, check_mode)
    result["datafeed"] = datafeed_result
    result["changed"] = result["changed"] or datafeed_result["changed"]
    if datafeed_diff["before"]:
        diff["before"]["datafeed_config"] = datafeed_diff["before"]
    diff["after"]["datafeed_config"] = datafeed_diff["after"]


def _created_with_job(request, result, after):
    """The declared datafeed, created with its job."""
    result["datafeed"] = _result(CREATED, datafeed_id=request.datafeed.datafeed_id, job_id=request.job_id)
    after["datafeed_config"] = datafeed_config.normalise(request.datafeed.config)


def _remove_job(api, request, check_mode):
    """Delete the job as ml_job_delete with close_first does (backed up with backup_dir)."""
    document = api.get_job(request.job_id, exclude_generated=True)
    if isinstance(document, Absent):
        return _result(ALREADY_ABSENT, job_id=request.job_id, backup=None), dict(before={}, after={})
    dummy, deleted = delete_jobs(api, DeleteRequest(dict(
        job_id=[request.job_id], close_first=True, force=request.force, backup_dir=request.backup_dir,
        close_timeout=request.timeout.text)), check_mode=check_mode)
    entry = deleted["jobs"][0]
    result = _result(DELETED if entry["action"] == "deleted" else ALREADY_ABSENT, job_id=request.job_id,
                     backup=deleted["backups"].get(request.job_id), closed_first=bool(entry.get("closed_first")))
    return result, dict(before=job_config.normalise(document), after={})


# ---- datafeeds -----------------------------------------------------------------------------------

def declare_datafeed(api, request, check_mode=False):
    """ml_datafeed: returns (result, diff); raises JobsFailed carrying the result."""
    document = api.get_datafeed(request.datafeed_id)
    if request.state == ABSENT:
        return _remove_datafeed(api, request, document, check_mode)
    declared = datafeed_config.normalise(request.config)
    if isinstance(document, Absent):
        if not check_mode:
            api.put_datafeed(request.datafeed_id, request.config)
        return (_result(CREATED, datafeed_id=request.datafeed_id, job_id=request.job_id),
                dict(before={}, after=declared))
    current = datafeed_config.current_config(document)
    update = datafeed_config.plan_update(declared, current)
    result = _result(UPDATED if update.changed else UNCHANGED, update, datafeed_id=request.datafeed_id,
                     job_id=current.get("job_id"))
    diff = dict(before=managed(current, declared, datafeed_config.SHAPE), after=declared)
    if update.not_updatable and not request.recreate:
        _refuse(result, "job_id cannot be changed: datafeed [%s] feeds job [%s] and the configuration names job [%s] "
                "(Datafeed's job_id cannot be changed.); set recreate=true to delete the datafeed and create it "
                "for job [%s]" % (request.datafeed_id, current.get("job_id"), request.job_id, request.job_id))
    if update.changed:
        _change_datafeed(api, request, update, result, check_mode)
    return result, diff


def _change_datafeed(api, request, update, result, check_mode):
    """Update the datafeed, or recreate it for another job; a running datafeed is stopped first
    and started again, with allow_restart (Elasticsearch refuses to update it while it runs)."""
    recreate = bool(update.not_updatable)
    if recreate:
        result["action"] = RECREATED
    state = datafeed_states(api, [request.datafeed_id]).get(request.datafeed_id, DATAFEED_STOPPED)
    job_state = None
    if state != DATAFEED_STOPPED:
        if not request.allow_restart:
            _refuse(result, "datafeed [%s] is %s, and Elasticsearch refuses to change a datafeed while it runs "
                    "(Cannot update datafeed [%s] while its status is started); set allow_restart=true to stop "
                    "it, change it and start it again" % (request.datafeed_id, state, request.datafeed_id))
        job_state = job_states(api, [request.job_id]).get(request.job_id)
        if job_state not in (OPENED, OPENING):
            # Its new job could not run it: refused before anything is stopped.
            _refuse(result, "datafeed [%s] is %s, and job [%s] it would feed is %s, so it could not be started "
                    "again; open the job first (mlops.elasticsearch.ml_job_open), or stop the datafeed"
                    % (request.datafeed_id, state, request.job_id, job_state or "missing"))
        result["restarted"] = True
    if check_mode:
        return
    if result["restarted"]:
        api.stop_datafeeds([request.datafeed_id], False, request.timeout)
    if recreate:
        api.delete_datafeed(request.datafeed_id, False)
        api.put_datafeed(request.datafeed_id, request.config)
    else:
        api.update_datafeed(request.datafeed_id, update.body)
    if result["restarted"]:
        start_datafeed(api, request.datafeed_id, request.timeout, job_awaits_node=job_state == OPENING)


def _remove_datafeed(api, request, document, check_mode):
    """Delete the datafeed; a running one is stopped first (forcibly with force)."""
    if isinstance(document, Absent):
        return _result(ALREADY_ABSENT, datafeed_id=request.datafeed_id, job_id=None), dict(before={}, after={})
    current = datafeed_config.current_config(document)
    result = _result(DELETED, datafeed_id=request.datafeed_id, job_id=current.get("job_id"))
    if not check_mode:
        state = datafeed_states(api, [request.datafeed_id]).get(request.datafeed_id, DATAFEED_STOPPED)
        if state != DATAFEED_STOPPED:
            api.stop_datafeeds([request.datafeed_id], request.force, request.timeout)
        if isinstance(api.delete_datafeed(request.datafeed_id, False), Absent):
            result.update(action=ALREADY_ABSENT, changed=False)
    return result, dict(before=current, after={})
