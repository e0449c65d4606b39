# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""The Elasticsearch REST calls the collection makes, one method per call, shaped for the
server's release (path prefix, parameter names). Each method declares what a 404 means for it.
No I/O in a constructor: :func:`connect` reads the release once, then builds the endpoints."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools

from ansible_collections.mlops.elasticsearch.plugins.module_utils._errors import (
    ApiError,
    Forbidden,
    JobsFailed,
    NotFound,
    TransportError,
)
from ansible_collections.mlops.elasticsearch.plugins.module_utils._releases import Release
from ansible_collections.mlops.elasticsearch.plugins.module_utils._transport import path

# Elasticsearch refuses request lines over 4 KB (http.max_initial_line_length); keep id lists under it.
MAX_IDS_IN_PATH = 3000
# A delete racing a finishing close gets 409 version_conflict_engine_exception; it is retried.
DELETE_CONFLICT_RETRIES = 5


def chunk_ids(ids, limit=MAX_IDS_IN_PATH):
    """Split ids into comma lists whose length stays under ``limit``."""
    chunk = []
    size = 0
    for job_id in ids:
        if chunk and size + len(job_id) + 1 > limit:
            yield chunk
            chunk, size = [], 0
        chunk.append(job_id)
        size += len(job_id) + 1
    if chunk:
        yield chunk


class Absent:
    """What a call whose 404 means "already gone" returns instead of raising.

    ``after_lost_reply``: an earlier try of this call got no answer, so the cluster may have
    carried it out: a delete is then this run's, not someone else's."""

    def __init__(self, error):
        self.reason = error.msg
        self.after_lost_reply = error.after_lost_reply


def absent_when_not_found(call):
    """Declares a call's not-found policy: the resource being absent is an answer, not an error."""
    @functools.wraps(call)
    def wrapper(*args, **kwargs):
        try:
            return call(*args, **kwargs)
        except NotFound as exc:
            return Absent(exc)
    return wrapper


class Unavailable:
    """What a call returns instead of raising when Elasticsearch answers, in its own words, that
    the feature is off (security disabled, ML disabled or not licensed); ``reason`` is that answer.
    Any other failure is raised: it says nothing about the feature."""

    def __init__(self, error):
        self.reason = error.msg


# 6.8-7.x without xpack.security.enabled on a basic licence: SecurityBaseRestHandler.checkFeatureAvailable.
SECURITY_NOT_ENABLED = "Security must be explicitly enabled when using a ["
# LicenseUtils.newComplianceException(ml): the licence does not cover ML.
ML_NOT_LICENSED = "current license is non-compliant for [ml]"


def no_handler(error, url_path):
    """Elasticsearch's RestController answer for a URL no REST handler serves, as when the plugin
    or feature that would register it is disabled: 400 ``{"error": "no handler found for uri [...]"}``."""
    body = error.body if isinstance(error.body, dict) else {}
    text = body.get("error")
    return (error.status == 400 and isinstance(text, str)
            and text.startswith("no handler found for uri [%s" % url_path))


def connect(transport):
    """Read the server's release once (``GET /``) and build its endpoints."""
    root = read_root(transport)
    return MlEndpoints(transport, Release.from_number(root["version"]["number"]), root)


def read_root(transport):
    """The ``GET /`` document (name, cluster_name, version); a user without ``monitor`` (an ML-only
    user with ``manage_ml``) gets the version from the ML info API, which that privilege covers."""
    try:
        body = transport.request("GET", "/").body
    except Forbidden:
        body = _root_from_ml_info(transport)
    version = body.get("version") if isinstance(body, dict) else None
    number = version.get("number") if isinstance(version, dict) else None
    if not number:
        raise TransportError("GET / did not return an Elasticsearch version; is %s an Elasticsearch node?"
                             % transport.hosts[0])
    return body


def _root_from_ml_info(transport):
    for ml_prefix in ("/_ml", "/_xpack/ml"):
        try:
            info = transport.request("GET", ml_prefix + "/info").body
        except ApiError as exc:
            if exc.status not in (400, 404):
                raise
            continue
        number = ((info or {}).get("native_code") or {}).get("version")
        if number:
            return {"version": {"number": number}}
    raise TransportError("GET / was forbidden and the ML info API gave no version; "
                         "grant the user the monitor cluster privilege")


def _flags(**values):
    """Query parameters, leaving out the ones at their server default."""
    params = {}
    for name, value in values.items():
        if value is True:
            params[name] = "true"
        elif value not in (None, False):
            params[name] = str(value)
    return params


class MlEndpoints:
    """The ML REST calls of one cluster, shaped by its release."""

    def __init__(self, transport, release, root=None):
        self.transport = transport
        self.release = release
        self.root = root or {}

    def _path(self, template, *segments):
        return path(self.release.ml_prefix + "/" + template, *segments)

    def _no_match(self):
        return {self.release.no_match_param: "true"}

    def _hold_timeout(self, timeout):
        """Read timeout for a call the server holds open up to ``timeout`` (a TimeValue)."""
        return None if timeout is None else timeout.seconds + self.transport.request_timeout

    def _exclude_generated(self, exclude_generated):
        if exclude_generated and self.release.supports("exclude_generated"):
            return {"exclude_generated": "true"}
        return None

    # ---- reads -----------------------------------------------------------------------------

    def get_jobs(self, expression, exclude_generated=False):
        """GET anomaly_detectors/<expression>; an explicit id that matches nothing is a 404."""
        params = dict(self._no_match(), **(self._exclude_generated(exclude_generated) or {}))
        return self.transport.request("GET", self._path("anomaly_detectors/{}", expression),
                                      params=params).body.get("jobs", [])

    def get_job_stats(self, expression):
        """GET anomaly_detectors/<expression>/_stats; a job being deleted is a 404 for its explicit id."""
        return self.transport.request("GET", self._path("anomaly_detectors/{}/_stats", expression),
                                      params=self._no_match()).body.get("jobs", [])

    def get_datafeeds(self, datafeed_ids=None, exclude_generated=False):
        """GET datafeeds[/<ids>]: every datafeed of the cluster, or those named (a chunk of ids each)."""
        params = self._exclude_generated(exclude_generated)
        if datafeed_ids is None:
            return self.transport.request("GET", self._path("datafeeds"), params=params).body.get("datafeeds", [])
        datafeeds = []
        for chunk in chunk_ids(datafeed_ids):
            datafeeds.extend(self.transport.request("GET", self._path("datafeeds/{}", ",".join(chunk)),
                                                    params=params).body.get("datafeeds", []))
        return datafeeds

    @absent_when_not_found
    def get_job(self, job_id, exclude_generated=False):
        """GET anomaly_detectors/<job_id>: the job's document, or Absent. A group of that name is
        not the job."""
        for doc in self.get_jobs(job_id, exclude_generated):
            if doc.get("job_id") == job_id:
                return doc
        raise NotFound("No known job with id '%s'" % job_id, status=404)

    @absent_when_not_found
    def get_datafeed(self, datafeed_id):
        """GET datafeeds/<datafeed_id>: its configuration with every default rendered, or Absent."""
        return self.get_datafeeds([datafeed_id])[0]

    def get_datafeed_stats(self, datafeed_ids):
        stats = []
        for chunk in chunk_ids(datafeed_ids):
            stats.extend(self.transport.request(
                "GET", self._path("datafeeds/{}/_stats", ",".join(chunk))).body.get("datafeeds", []))
        return stats

    def ml_info(self):
        """The ML info document, or Unavailable when ML is disabled (its handlers are not
        registered) or the licence does not cover it."""
        url_path = self._path("info")
        try:
            return self.transport.request("GET", url_path).body
        except ApiError as exc:
            if no_handler(exc, url_path) or (exc.status == 403 and exc.reason == ML_NOT_LICENSED):
                return Unavailable(exc)
            raise

    def has_privileges(self, cluster_privileges):
        """The user's privileges, or Unavailable when security is off: 6.8-7.x refuse the security
        APIs with a 500, 8.x and later do not register them (400 no handler)."""
        url_path = path("_security/user/_has_privileges")
        try:
            # GET with a body: read-only calls stay GETs, so check mode can run them.
            return self.transport.request("GET", url_path, body={"cluster": list(cluster_privileges)}).body
        except ApiError as exc:
            if no_handler(exc, url_path) or (
                    exc.status == 500 and exc.error_type == "exception"
                    and (exc.reason or "").startswith(SECURITY_NOT_ENABLED)):
                return Unavailable(exc)
            raise

    def get_task(self, task_id, wait_for_completion=False, timeout=None):
        params = _flags(wait_for_completion=wait_for_completion, timeout=timeout and timeout.text)
        return self.transport.request("GET", path("_tasks/{}", task_id), params=params,
                                      timeout=self._hold_timeout(timeout) if wait_for_completion else None).body

    # ---- writes ----------------------------------------------------------------------------

    def stop_datafeeds(self, datafeed_ids, force, timeout):
        for chunk in chunk_ids(datafeed_ids):
            self.transport.request("POST", self._path("datafeeds/{}/_stop", ",".join(chunk)),
                                   params=_flags(force=force, timeout=timeout.text),
                                   timeout=self._hold_timeout(timeout))

    def close_jobs(self, job_ids, force, timeout):
        """One close for the ids (a chunk each); the server answers once every job is closed."""
        for chunk in chunk_ids(job_ids):
            body = self.transport.request("POST", self._path("anomaly_detectors/{}/_close", ",".join(chunk)),
                                          params=_flags(force=force, timeout=timeout.text),
                                          timeout=self._hold_timeout(timeout)).body
            if body.get("closed") is not True:
                raise JobsFailed("close of [%s] answered %s instead of closed: true" % (",".join(chunk), body))

    @absent_when_not_found
    def delete_datafeed(self, datafeed_id, force):
        return self.transport.request("DELETE", self._path("datafeeds/{}", datafeed_id),
                                      params=_flags(force=force)).body

    @absent_when_not_found
    def delete_job(self, job_id, force, wait_for_completion, delete_user_annotations, timeout):
        """The delete's answer (``acknowledged``, or the ``task`` when not waiting), or Absent."""
        params = _flags(force=force, delete_user_annotations=delete_user_annotations,
                        timeout=timeout and timeout.text)
        if not wait_for_completion:
            params["wait_for_completion"] = "false"
        body = self.transport.request("DELETE", self._path("anomaly_detectors/{}", job_id), params=params,
                                      timeout=self._hold_timeout(timeout),
                                      retry_conflicts=DELETE_CONFLICT_RETRIES).body
        if wait_for_completion and body.get("acknowledged") is not True:
            raise JobsFailed("delete of job [%s] answered %s instead of acknowledged: true" % (job_id, body))
        return body

    def put_job(self, job_id, body):
        """PUT anomaly_detectors/<job_id>: create the job (a second PUT is a 400, never a no-op)."""
        return self.transport.request("PUT", self._path("anomaly_detectors/{}", job_id), body=body).body

    def update_job(self, job_id, body):
        """POST anomaly_detectors/<job_id>/_update; answers the whole updated job."""
        return self.transport.request("POST", self._path("anomaly_detectors/{}/_update", job_id), body=body).body

    def open_job(self, job_id, timeout):
        """POST anomaly_detectors/<job_id>/_open; the server answers once the job is opened (or waits
        lazily for a node: ``node`` is then empty), within ``timeout``."""
        return self.transport.request("POST", self._path("anomaly_detectors/{}/_open", job_id),
                                      params=_flags(timeout=timeout.text), timeout=self._hold_timeout(timeout)).body

    def put_datafeed(self, datafeed_id, body):
        """PUT datafeeds/<datafeed_id>: create the datafeed (a second PUT is a 409, never a no-op)."""
        return self.transport.request("PUT", self._path("datafeeds/{}", datafeed_id), body=body).body

    def update_datafeed(self, datafeed_id, body):
        """POST datafeeds/<datafeed_id>/_update (refused with 409 while the datafeed runs)."""
        return self.transport.request("POST", self._path("datafeeds/{}/_update", datafeed_id), body=body).body

    def start_datafeed(self, datafeed_id, timeout, start=None, end=None):
        """POST datafeeds/<datafeed_id>/_start; the server answers once it has started, within ``timeout``."""
        return self.transport.request("POST", self._path("datafeeds/{}/_start", datafeed_id),
                                      params=_flags(start=start, end=end, timeout=timeout.text),
                                      timeout=self._hold_timeout(timeout)).body
