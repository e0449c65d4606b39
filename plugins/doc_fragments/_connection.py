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
      - Elasticsearch node URLs, such as V(https://es1.example.com:9200). Blanks around an entry are ignored.
      - A URL may have a path, when Elasticsearch is reached through a proxy under a prefix
        (V(https://gw.example.com/es/)); every request then goes under that prefix. A URL must not hold
        credentials, a query or a fragment.
      - When a node cannot be reached (unknown host, connection refused, connect timeout), the next one is
        tried and the node that answers is used for the rest of the task. Each skipped node is reported
        once as a warning (with several nodes) and in the result's C(skipped_nodes).
      - "Precedence: this option (as a task argument or through C(module_defaults)); else O(cloud_id);
        else the environment variable E(ELASTICSEARCH_HOSTS) (comma-separated URLs); else
        V(http://localhost:9200). E(ELASTICSEARCH_HOSTS) is ignored when O(cloud_id) is set."
      - Mutually exclusive with O(cloud_id).
    type: list
    elements: str
  cloud_id:
    description:
      - The Cloud ID of an Elastic Cloud deployment, as its console shows it
        (V(name:base64 of host$es-id$kibana-id)); decoded as the official Elasticsearch clients do, into
        V(https://<es-id>.<host>:443) (or the port the host part names).
      - Mutually exclusive with O(hosts). It has no environment variable (no official client reads one), and
        when it is set E(ELASTICSEARCH_HOSTS) is ignored.
    type: str
    version_added: 1.1.0
  username:
    description:
      - User name for HTTP basic authentication, with O(password).
      - O(username) and O(password) are one authentication method, as are O(api_key), O(bearer_token) and an
        C(Authorization) entry in O(headers); only one may be set.
      - "Precedence, per method as a whole: a method set explicitly (task argument or C(module_defaults)) is
        used, and the environment variables of the other methods are ignored; its own options that are not set
        come from their variables (E(ELASTICSEARCH_USERNAME) and E(ELASTICSEARCH_PASSWORD) for this one). When
        no method is set explicitly, the one whose variables are set is used: E(ELASTICSEARCH_USERNAME) with
        E(ELASTICSEARCH_PASSWORD), E(ELASTICSEARCH_API_KEY) or E(ELASTICSEARCH_BEARER_TOKEN). Variables of two
        methods at once are an error naming them. An empty variable counts as unset."
    type: str
  password:
    description:
      - Password for O(username); both are needed.
      - If not set, the environment variable E(ELASTICSEARCH_PASSWORD) is used, as O(username) explains.
    type: str
  api_key:
    description:
      - "An Elasticsearch API key, either the V(encoded) value that C(POST /_security/api_key) returns
        or V(id:api_key); sent as C(Authorization: ApiKey ...)."
      - If no authentication method is set explicitly, the environment variable E(ELASTICSEARCH_API_KEY) is used,
        as O(username) explains.
      - Mutually exclusive with O(username), O(password) and O(bearer_token).
    type: str
  bearer_token:
    description:
      - "A bearer token (for example from C(POST /_security/oauth2/token) or a service account),
        sent as C(Authorization: Bearer ...)."
      - If no authentication method is set explicitly, the environment variable E(ELASTICSEARCH_BEARER_TOKEN) is
        used, as O(username) explains.
      - Mutually exclusive with O(username), O(password) and O(api_key).
    type: str
  headers:
    description:
      - Extra HTTP headers sent with every request, such as a token a proxy in front of the cluster wants, or
        C(X-Opaque-Id) to trace the requests in Elasticsearch's logs.
      - They replace the collection's C(Content-Type) and C(Accept) headers when they name them.
      - "An C(Authorization) entry is an authentication method of its own, as in the official clients: it is
        refused together with O(username), O(password), O(api_key) or O(bearer_token) (it never silently
        replaces them, nor they it), and the environment's credentials are then ignored."
      - The values are treated as secrets - hidden in the task's output and logs.
    type: dict
    version_added: 1.1.0
  ca_path:
    description:
      - PEM file of the certificate authority that signed the cluster's HTTPS certificate (or a directory of
        them, prepared with C(openssl rehash)).
      - Without it, the system's trusted authorities are used.
      - Checked before any request - a missing, unreadable or non-PEM file fails the task naming this option.
    type: path
  client_cert:
    description:
      - PEM client certificate for clusters that require TLS client authentication.
      - May hold the private key too; otherwise set O(client_key).
      - Checked before any request, with its key - a missing or unreadable file, a key that is encrypted or
        does not belong to the certificate fails the task naming the option.
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
