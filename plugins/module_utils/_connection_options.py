# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""The connection options every module takes, in one place, and how their values are decided;
plugins/doc_fragments/_connection.py documents them, and no module declares one of its own.

Precedence, per method as a whole: a method set explicitly (task arguments and module_defaults,
which both arrive as module parameters) wins, and the environment variables of the other methods
are ignored; only when no method is set explicitly does the environment choose one. The argspec
therefore has no ``env_fallback`` for these options: a fallback fills each option on its own, so
a stray variable of another method would conflict with the explicit one."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import copy
import os
import ssl

from ansible.module_utils.six.moves.urllib.parse import urlsplit

from ansible_collections.mlops.elasticsearch.plugins.module_utils._errors import InvalidInput

DEFAULT_HOSTS = ["http://localhost:9200"]
CLOUD_DEFAULT_PORT = 443

CONNECTION_ARGSPEC = dict(
    hosts=dict(type="list", elements="str"),
    cloud_id=dict(type="str"),
    username=dict(type="str"),
    password=dict(type="str", no_log=True),
    api_key=dict(type="str", no_log=True),
    bearer_token=dict(type="str", no_log=True),
    # Headers may carry a proxy's token or an Authorization value: secrets, as Terraform's provider treats them.
    headers=dict(type="dict", no_log=True),
    ca_path=dict(type="path"),
    client_cert=dict(type="path"),
    client_key=dict(type="path", no_log=False),
    validate_certs=dict(type="bool", default=True),
    request_timeout=dict(type="float", default=30.0),
    retries=dict(type="int", default=3),
)

# The variables the Terraform elasticstack provider and the other Elastic tools read; the official
# clients read none, and nothing names a variable for a Cloud ID or for headers.
ENVIRONMENT = dict(
    hosts="ELASTICSEARCH_HOSTS",
    username="ELASTICSEARCH_USERNAME",
    password="ELASTICSEARCH_PASSWORD",
    api_key="ELASTICSEARCH_API_KEY",
    bearer_token="ELASTICSEARCH_BEARER_TOKEN",
)
SECRETS = ("password", "api_key", "bearer_token")
# Each method is the options that make it up. An Authorization header in ``headers`` is a method
# of its own, without a variable.
AUTH_METHODS = (("username", "password"), ("api_key",), ("bearer_token",))
AUTHORIZATION_HEADER = "headers.Authorization"
ENDPOINT_METHODS = (("hosts",), ("cloud_id",))

# Explicit methods that conflict; the argspec says so, naming both options, before anything runs.
CONNECTION_MUTUALLY_EXCLUSIVE = [
    ("username", "api_key"),
    ("username", "bearer_token"),
    ("api_key", "bearer_token"),
    ("password", "api_key"),
    ("password", "bearer_token"),
]

CONNECTION_REQUIRED_BY = {
    "client_key": "client_cert",
}


def argument_spec(**module_options):
    """A module's whole argument spec: its own options plus the connection options, copied, so
    that nothing that validates with it can change a module's ARGUMENT_SPEC or the shared one."""
    spec = copy.deepcopy(CONNECTION_ARGSPEC)
    spec.update(copy.deepcopy(module_options))
    return spec


def argument_constraints():
    """The keyword arguments of AnsibleModule (and ArgumentSpecValidator) for the connection options."""
    return dict(mutually_exclusive=CONNECTION_MUTUALLY_EXCLUSIVE, required_by=CONNECTION_REQUIRED_BY)


def connection_params(params):
    """The subset of resolved parameters (see :func:`resolve`) the transport takes."""
    return dict((name, params.get(name)) for name in CONNECTION_ARGSPEC if name != "cloud_id")


# ---- resolving: explicit settings, then the environment, then the defaults ---------------------

def resolve(params, environ=None):
    """``(settings, secrets)``: the connection options as the transport takes them, and the secret
    values taken from the environment (the caller hides them as it hides ``no_log`` options).

    Raises InvalidInput naming the options, or the variables, that conflict or are wrong."""
    environ = os.environ if environ is None else environ
    settings = dict((name, params.get(name)) for name in CONNECTION_ARGSPEC)
    settings["headers"] = _headers(settings["headers"])
    explicit_header = any(name.lower() == "authorization" for name in settings["headers"])
    from_env = _choose("authentication method", AUTH_METHODS, settings, environ,
                       extra_explicit=[(AUTHORIZATION_HEADER,)] if explicit_header else [])
    from_env += _choose("way to name the cluster", ENDPOINT_METHODS, settings, environ)
    if (settings["username"] is None) != (settings["password"] is None):
        missing = "password" if settings["password"] is None else "username"
        raise InvalidInput("username and password go together: %s is not set (as an option or %s)"
                           % (missing, ENVIRONMENT[missing]))
    if settings["cloud_id"] is not None:
        settings["hosts"] = [decode_cloud_id(settings["cloud_id"])]
    elif settings["hosts"] is None:
        settings["hosts"] = list(DEFAULT_HOSTS)
    else:
        settings["hosts"] = node_urls(settings["hosts"], ENVIRONMENT["hosts"] if "hosts" in from_env else "hosts")
    check_tls_files(settings)
    return settings, [settings[name] for name in SECRETS if name in from_env]


def _env(environ, option):
    """An option's variable, or None when unset or empty (``export VAR=`` unsets it in effect)."""
    value = environ.get(ENVIRONMENT.get(option, ""), "")
    return value if value.strip() else None


def _choose(what, methods, settings, environ, extra_explicit=()):
    """Settle one family of methods in ``settings``: the explicit one, else the only one the
    environment sets (its options filled from their variables). Returns the options taken from
    the environment."""
    explicit = [method for method in methods if any(settings[name] is not None for name in method)]
    explicit += list(extra_explicit)
    if len(explicit) > 1:
        names = ["/".join(method) for method in explicit]
        raise InvalidInput("%s are mutually exclusive: each is one %s; set one of them (module_defaults count too)"
                           % (" and ".join(names), what))
    chosen = explicit
    if not chosen:
        chosen = [method for method in methods if any(_env(environ, name) for name in method)]
        if len(chosen) > 1:
            names = ["/".join(ENVIRONMENT[name] for name in method if name in ENVIRONMENT) for method in chosen]
            raise InvalidInput(
                "the environment sets more than one %s: %s; unset all but one of them, or set the one to use as a "
                "task argument (explicit settings win over the environment)" % (what, " and ".join(names)))
    taken = []
    for method in chosen:
        for name in method:
            if settings.get(name) is None and _env(environ, name):
                value = _env(environ, name)
                settings[name] = value.split(",") if name == "hosts" else value
                taken.append(name)
    return taken


def _headers(headers):
    """Header names and values as strings; a value spanning lines would end the header block."""
    out = {}
    for name, value in (headers or {}).items():
        value = "" if value is None else str(value)
        if any(char in str(name) + value for char in "\r\n") or not str(name).strip():
            raise InvalidInput("headers: %r is not a valid header (an empty name, or a line break)" % name)
        out[str(name)] = value
    return out


def node_urls(entries, source="hosts"):
    """Node URLs without surrounding blanks or a trailing slash; each names the scheme, carries no
    credentials (they would show in every message) and no query. A path is the prefix of a proxy
    (``https://gw.example.com/es/``): every request goes under it."""
    if not entries:
        raise InvalidInput("%s must name at least one Elasticsearch URL" % source)
    urls = []
    for entry in entries:
        url = str(entry).strip().rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise InvalidInput("%s entry '%s' must start with http:// or https://" % (source, entry))
        parts = urlsplit(url)
        if not parts.hostname:
            raise InvalidInput("%s entry '%s' names no host" % (source, entry))
        if parts.username is not None or parts.password is not None:
            raise InvalidInput("%s entry '%s' holds credentials; set username and password instead"
                               % (source, parts.hostname))
        if parts.query or parts.fragment:
            raise InvalidInput("%s entry '%s' has a query or fragment; give the node's URL only" % (source, entry))
        try:
            parts.port
        except ValueError:
            raise InvalidInput("%s entry '%s' has a port that is not a number from 0 to 65535" % (source, entry))
        urls.append(url)
    return urls


def decode_cloud_id(cloud_id):
    """The Elasticsearch URL of an Elastic Cloud ID, decoded as the official clients decode it
    (elastic-transport's ``parse_cloud_id``): ``<name>:<base64 of host[:port]$es_uuid[$kibana_uuid]>``,
    https, port 443 unless the host part names one."""
    # The last colon: base64 has none, so a deployment name may (Beats and Kibana split there too;
    # elastic-transport splits at the first, the same for every name without a colon).
    dummy, dummy, encoded = cloud_id.strip().rpartition(":")
    try:
        decoded = binascii.a2b_base64(encoded.encode("ascii")).decode("ascii")
        parts = decoded.split("$")
        domain, es_uuid = parts[0], parts[1] if len(parts) > 1 else ""
        port = CLOUD_DEFAULT_PORT
        if ":" in domain:
            domain, dummy, text = domain.rpartition(":")
            port = int(text)
    except (ValueError, UnicodeError, binascii.Error):
        domain = es_uuid = ""
    if not domain or not es_uuid or not 0 < port < 65536:
        raise InvalidInput("cloud_id '%s' is not an Elastic Cloud ID: expected <deployment name>:<base64 of "
                           "host$elasticsearch id$kibana id>, as the Elastic Cloud console shows it" % cloud_id)
    return "https://%s.%s:%d" % (es_uuid, domain, port)


# ---- TLS files: checked before any request, naming the option ---------------------------------

def check_tls_files(settings):
    """Each TLS file the connection will use exists, can be read and holds what it should; the
    same loads urllib3 does at the first request, so their errors name the option and the path."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ca_path = settings.get("ca_path")
    if ca_path and settings.get("validate_certs", True):
        _check_readable("ca_path", ca_path, directory_ok=True)
        if not os.path.isdir(ca_path):
            try:
                context.load_verify_locations(cafile=ca_path)
            except ssl.SSLError as exc:
                raise InvalidInput("ca_path %s holds no PEM certificate (%s)" % (ca_path, exc))
    cert, key = settings.get("client_cert"), settings.get("client_key")
    if cert:
        _check_readable("client_cert", cert)
        if key:
            _check_readable("client_key", key)
        try:
            context.load_verify_locations(cafile=cert)
        except ssl.SSLError as exc:
            raise InvalidInput("client_cert %s holds no PEM certificate (%s)" % (cert, exc))
        _check_key(context, cert, key)


class _Encrypted(Exception):
    pass


def _ask_password():
    # OpenSSL would prompt on the terminal; requests cannot pass a password at all.
    raise _Encrypted()


def _check_key(context, cert, key):
    where = ("client_key %s" % key) if key else ("client_cert %s (no client_key given)" % cert)
    try:
        context.load_cert_chain(cert, key, password=_ask_password)
    except _Encrypted:
        raise InvalidInput("%s is an encrypted private key, which requests cannot use; decrypt it (openssl pkey -in "
                           "KEY -out PLAIN_KEY) and keep the copy as private as the key" % where)
    except ssl.SSLError as exc:
        if getattr(exc, "reason", None) == "KEY_VALUES_MISMATCH":
            raise InvalidInput("client_key %s is not the private key of client_cert %s" % (key or cert, cert))
        raise InvalidInput("%s holds no PEM private key (%s)" % (where, exc))


def _check_readable(option, path, directory_ok=False):
    if not os.path.exists(path):
        raise InvalidInput("%s %s does not exist" % (option, path))
    if os.path.isdir(path) and not directory_ok:
        raise InvalidInput("%s %s is a directory, not a PEM file" % (option, path))
    if not os.access(path, os.R_OK):
        raise InvalidInput("%s %s cannot be read by the user running the module" % (option, path))
