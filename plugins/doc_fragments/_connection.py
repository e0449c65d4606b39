# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Matches CONNECTION_ARGSPEC in plugins/module_utils/_connection_options.py.
    DOCUMENTATION = r"""
options:
  hosts:
    description:
      - Elasticsearch node URLs, such as V(https://es1.example.com:9200).
      - When a node cannot be reached (connection refused, unknown host, connect timeout),
        the next one is tried; the node that answers is used for the rest of the task.
      - If not set, the environment variable E(ELASTICSEARCH_HOSTS) is used (a comma-separated list).
    type: list
    elements: str
    default: [http://localhost:9200]
  username:
    description:
      - User name for HTTP basic authentication. Requires O(password).
      - If not set, the environment variable E(ELASTICSEARCH_USERNAME) is used.
      - Mutually exclusive with O(api_key) and O(bearer_token).
    type: str
  password:
    description:
      - Password for O(username).
      - If not set, the environment variable E(ELASTICSEARCH_PASSWORD) is used.
    type: str
  api_key:
    description:
      - "An Elasticsearch API key, either the V(encoded) value that C(POST /_security/api_key) returns
        or V(id:api_key); sent as C(Authorization: ApiKey ...)."
      - If not set, the environment variable E(ELASTICSEARCH_API_KEY) is used.
      - Mutually exclusive with O(username) and O(bearer_token).
    type: str
  bearer_token:
    description:
      - "A bearer token (for example from C(POST /_security/oauth2/token) or a service account),
        sent as C(Authorization: Bearer ...)."
      - If not set, the environment variable E(ELASTICSEARCH_BEARER_TOKEN) is used.
      - Mutually exclusive with O(username) and O(api_key).
    type: str
  ca_path:
    description:
      - PEM file of the certificate authority that signed the cluster's HTTPS certificate.
      - Without it, the system's trusted authorities are used.
    type: path
  client_cert:
    description:
      - PEM client certificate for clusters that require TLS client authentication.
      - May hold the private key too; otherwise set O(client_key).
    type: path
  client_key:
    description:
      - PEM private key of O(client_cert). Requires O(client_cert).
    type: path
  validate_certs:
    description:
      - Verify the server's TLS certificate and host name.
      - Set to V(false) only for throw-away test clusters.
    type: bool
    default: true
  request_timeout:
    description:
      - Seconds to wait for a connection and for each answer.
      - Calls that the server holds open on purpose (a close or delete waiting for its jobs) wait
        their own O(ignore:timeout) on top of this.
    type: float
    default: 30
  retries:
    description:
      - How many times a request is retried after HTTP 429, 502, 503 or 504, or a dropped connection,
        with exponential backoff and jitter, honouring C(Retry-After).
      - Other errors are never retried.
    type: int
    default: 3
requirements:
  - requests
"""
