# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""Connection options shared by every module, and the exceptions all layers raise."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import os

from ansible.module_utils.basic import env_fallback

DEFAULT_HOSTS = ["http://localhost:9200"]

# One source for the connection options; plugins/doc_fragments/_connection.py documents them.
CONNECTION_ARGSPEC = dict(
    hosts=dict(type="list", elements="str", default=DEFAULT_HOSTS,
               fallback=(env_fallback, ["ELASTICSEARCH_HOSTS"])),
    username=dict(type="str", fallback=(env_fallback, ["ELASTICSEARCH_USERNAME"])),
    password=dict(type="str", no_log=True, fallback=(env_fallback, ["ELASTICSEARCH_PASSWORD"])),
    api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["ELASTICSEARCH_API_KEY"])),
    bearer_token=dict(type="str", no_log=True, fallback=(env_fallback, ["ELASTICSEARCH_BEARER_TOKEN"])),
    ca_path=dict(type="path"),
    client_cert=dict(type="path"),
    client_key=dict(type="path", no_log=False),
    validate_certs=dict(type="bool", default=True),
    request_timeout=dict(type="float", default=30.0),
    retries=dict(type="int", default=3),
)

CONNECTION_MUTUALLY_EXCLUSIVE = [
    ("username", "api_key"),
    ("username", "bearer_token"),
    ("api_key", "bearer_token"),
    ("password", "api_key"),
    ("password", "bearer_token"),
]

CONNECTION_REQUIRED_TOGETHER = [
    ("username", "password"),
]

CONNECTION_REQUIRED_BY = {
    "client_key": "client_cert",
}


def module_argument_spec(**module_options):
    """Merge a module's own options with the connection options."""
    spec = copy.deepcopy(CONNECTION_ARGSPEC)
    spec.update(module_options)
    return spec


def connection_params(params):
    """The subset of module params the transport needs."""
    return dict((name, params.get(name)) for name in CONNECTION_ARGSPEC)


class ElasticsearchError(Exception):
    """Base of every error the module_utils raise; ``msg`` is what the user reads."""

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
    """The server could not be reached or answered something that is not Elasticsearch JSON."""


class ApiError(ElasticsearchError):
    """Elasticsearch answered with an error status."""


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
    """A wait for jobs to reach a state ran out; carries what was last seen."""

    def __init__(self, msg, last_seen=None, **kwargs):
        super(WaitTimeout, self).__init__(msg, **kwargs)
        self.last_seen = last_seen or {}


class JobsFailed(ElasticsearchError):
    """Some jobs could not be handled; ``result`` is what the module reports beside the message."""

    def __init__(self, msg, result=None, **kwargs):
        super(JobsFailed, self).__init__(msg, **kwargs)
        self.result = result or {}


def write_file_atomically(path, text, mode):
    """Replace ``path`` whole: a reader never sees half a file, and a failure leaves the old one."""
    import tempfile  # here, not at the top: only backups and reports write files (module start-up)

    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
        os.chmod(temporary, mode)
        os.rename(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return path
