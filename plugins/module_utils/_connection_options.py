# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""The connection options every module takes, in one place; plugins/doc_fragments/_connection.py
documents them, and no module declares one of its own."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible.module_utils.basic import env_fallback

DEFAULT_HOSTS = ["http://localhost:9200"]

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


def argument_spec(**module_options):
    """A module's whole argument spec: its own options plus the connection options."""
    spec = copy.deepcopy(CONNECTION_ARGSPEC)
    spec.update(module_options)
    return spec


def argument_constraints():
    """The keyword arguments of AnsibleModule (and ArgumentSpecValidator) for the connection options."""
    return dict(mutually_exclusive=CONNECTION_MUTUALLY_EXCLUSIVE,
                required_together=CONNECTION_REQUIRED_TOGETHER,
                required_by=CONNECTION_REQUIRED_BY)


def connection_params(params):
    """The subset of validated parameters the transport takes."""
    return dict((name, params.get(name)) for name in CONNECTION_ARGSPEC)
