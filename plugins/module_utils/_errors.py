# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""The exceptions every layer raises. No Ansible import: the job domain depends on nothing
Ansible, and only the AnsibleModule adapter turns these into ``fail_json``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ElasticsearchError(Exception):
    """Base of every error the module_utils raise; ``msg`` is what the user reads.

    ``after_lost_reply`` is set by the transport when an earlier try of the same request got
    no answer that can be trusted: the cluster may have carried that try out."""

    after_lost_reply = False

    def __init__(self, msg, status=None, error_type=None, reason=None, url=None, body=None):
        super(ElasticsearchError, self).__init__(msg)
        self.msg = msg
        self.status = status
        self.error_type = error_type
        self.reason = reason
        self.url = url
        self.body = body

    def details(self):
        """Extra result keys for fail_json, never holding credentials."""
        out = {}
        for key in ("status", "error_type", "reason", "url"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


class TransportError(ElasticsearchError):
    """The server could not be reached or answered something that is not Elasticsearch JSON.

    ``unreachable``: no connection was made, so the next node may be tried; ``retryable``: the
    same request may be sent again; ``retry_after``: what the server asked to wait, in seconds;
    ``maybe_acted``: the request may have reached the cluster, which may have carried it out."""

    def __init__(self, msg, unreachable=False, retryable=False, retry_after=None, maybe_acted=False, **kwargs):
        super(TransportError, self).__init__(msg, **kwargs)
        self.unreachable = unreachable
        self.retryable = retryable
        self.retry_after = retry_after
        self.maybe_acted = maybe_acted


class ApiError(ElasticsearchError):
    """Elasticsearch answered with an error status."""

    def __init__(self, msg, retry_after=None, **kwargs):
        super(ApiError, self).__init__(msg, **kwargs)
        self.retry_after = retry_after


class NotFound(ApiError):
    """404: the job, datafeed or task does not exist."""


class Conflict(ApiError):
    """409: the resource is in a state that forbids the action."""


class AuthenticationFailed(ApiError):
    """401: missing or wrong credentials."""


class Forbidden(ApiError):
    """403: authenticated, but missing a privilege (or the licence lacks ML)."""


class InvalidInput(ElasticsearchError):
    """Refused before any request: the user's input is wrong."""


class CheckModeViolation(ElasticsearchError):
    """A mutating request was about to be sent in check mode; a bug guard."""


class WaitTimeout(ElasticsearchError):
    """A wait for jobs to reach a state ran out; carries what was last seen and for how long."""

    def __init__(self, msg, last_seen=None, waited_s=None, **kwargs):
        super(WaitTimeout, self).__init__(msg, **kwargs)
        self.last_seen = last_seen
        self.waited_s = waited_s


class Interrupted(ElasticsearchError):
    """SIGINT or SIGTERM arrived: no new mutating request is sent after it."""


class JobsFailed(ElasticsearchError):
    """Some jobs could not be handled; ``result`` is what the module reports beside the message."""

    def __init__(self, msg, result=None, **kwargs):
        super(JobsFailed, self).__init__(msg, **kwargs)
        self.result = result or {}

    @classmethod
    def wrapping(cls, error, result):
        """The same failure, carrying the per-job result of what was done before it."""
        return cls(error.msg, result=result, status=error.status, error_type=error.error_type,
                   reason=error.reason, url=error.url)
