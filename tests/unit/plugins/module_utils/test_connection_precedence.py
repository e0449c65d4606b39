# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How connection settings are decided: explicit settings over the environment per method as a
whole, hosts and Cloud IDs, headers, and the TLS files checked before any request."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import os

import pytest
import trustme

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _connection_options as options
from ansible_collections.mlops.elasticsearch.plugins.module_utils._errors import InvalidInput

USER, PASSWORD = "ml_admin", "pw-precedence-Zq8"
API_KEY = "key-precedence-Xw5"
TOKEN = "tok-precedence-Vb3"
ENV_BASIC = {"ELASTICSEARCH_USERNAME": "env-user", "ELASTICSEARCH_PASSWORD": "env-pw"}
ENV_KEY = {"ELASTICSEARCH_API_KEY": "env-key"}
ENV_TOKEN = {"ELASTICSEARCH_BEARER_TOKEN": "env-token"}


def params(**given):
    """Module parameters as AnsibleModule leaves them: every option present, unset ones None."""
    out = dict((name, spec.get("default")) for name, spec in options.CONNECTION_ARGSPEC.items())
    out.update(given)
    return out


def resolve(environ=None, **given):
    return options.resolve(params(**given), dict(environ or {}))


def auth_of(settings):
    return dict((name, settings[name]) for name in ("username", "password", "api_key", "bearer_token")
                if settings[name] is not None)


# ---- authentication: per method as a whole -------------------------------------------------------

@pytest.mark.parametrize("given, environ, expected", [
    pytest.param(dict(username=USER, password=PASSWORD), dict(ENV_KEY, **ENV_TOKEN),
                 dict(username=USER, password=PASSWORD), id="explicit-basic-ignores-env-key-and-token"),
    pytest.param(dict(api_key=API_KEY), dict(ENV_BASIC, **ENV_TOKEN), dict(api_key=API_KEY),
                 id="explicit-key-ignores-env-basic-and-token"),
    pytest.param(dict(bearer_token=TOKEN), dict(ENV_BASIC, **ENV_KEY), dict(bearer_token=TOKEN),
                 id="explicit-token-ignores-env-basic-and-key"),
    pytest.param(dict(username=USER), dict(ENV_BASIC, **ENV_KEY), dict(username=USER, password="env-pw"),
                 id="explicit-username-takes-its-password-from-env-not-the-key"),
    pytest.param(dict(password=PASSWORD), ENV_BASIC, dict(username="env-user", password=PASSWORD),
                 id="explicit-password-takes-its-username-from-env"),
    pytest.param({}, ENV_KEY, dict(api_key="env-key"), id="env-only-key"),
    pytest.param({}, ENV_BASIC, dict(username="env-user", password="env-pw"), id="env-only-basic"),
    pytest.param({}, dict(ENV_TOKEN, ELASTICSEARCH_API_KEY=""), dict(bearer_token="env-token"),
                 id="empty-variable-is-unset"),
    pytest.param({}, {}, {}, id="nothing"),
])
def test_explicit_methods_win_over_the_environment_as_a_whole(given, environ, expected):
    settings, secrets = resolve(environ, **given)
    assert auth_of(settings) == expected
    env_secrets = [value for name, value in expected.items()
                   if name in options.SECRETS and name not in given]
    assert secrets == env_secrets


@pytest.mark.parametrize("environ, named", [
    (dict(ENV_BASIC, **ENV_KEY), "ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD and ELASTICSEARCH_API_KEY"),
    (dict(ENV_KEY, **ENV_TOKEN), "ELASTICSEARCH_API_KEY and ELASTICSEARCH_BEARER_TOKEN"),
    (dict(ELASTICSEARCH_PASSWORD="x", **ENV_TOKEN),
     "ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD and ELASTICSEARCH_BEARER_TOKEN"),
])
def test_two_methods_from_the_environment_only_fail_naming_the_variables(environ, named):
    with pytest.raises(InvalidInput) as exc:
        resolve(environ)
    assert "the environment sets more than one authentication method: %s" % named in exc.value.msg
    assert "set the one to use as a task argument" in exc.value.msg
    for value in environ.values():
        if value != "x":
            assert value not in exc.value.msg


@pytest.mark.parametrize("given, environ, missing", [
    (dict(username=USER), {}, "password is not set (as an option or ELASTICSEARCH_PASSWORD)"),
    (dict(password=PASSWORD), ENV_KEY, "username is not set (as an option or ELASTICSEARCH_USERNAME)"),
    ({}, {"ELASTICSEARCH_USERNAME": "u"}, "password is not set"),
])
def test_half_a_basic_method_fails_naming_the_missing_half(given, environ, missing):
    with pytest.raises(InvalidInput, match="username and password go together: " + missing.replace("(", r"\(")
                       .replace(")", r"\)")):
        resolve(environ, **given)


def test_an_authorization_header_is_a_method_of_its_own():
    settings, secrets = resolve(ENV_KEY, headers={"Authorization": "Negotiate abc"})
    assert auth_of(settings) == {} and secrets == []
    with pytest.raises(InvalidInput) as exc:
        resolve({}, api_key=API_KEY, headers={"authorization": "Negotiate abc"})
    assert exc.value.msg.startswith("api_key and headers.Authorization are mutually exclusive: each is one "
                                    "authentication method")
    assert API_KEY not in exc.value.msg


# ---- hosts and cloud_id -----------------------------------------------------------------------------

def cloud_id(name, decoded):
    return "%s:%s" % (name, base64.b64encode(decoded.encode()).decode())


@pytest.mark.parametrize("decoded, url", [
    ("us-east-1.aws.found.io$abc123$def456", "https://abc123.us-east-1.aws.found.io:443"),
    ("eu-west-1.aws.found.io:9243$abc123$def456", "https://abc123.eu-west-1.aws.found.io:9243"),
    ("westeurope.azure.elastic-cloud.com:443$e1$k1", "https://e1.westeurope.azure.elastic-cloud.com:443"),
    ("gcp.cloud.es.io$es-only", "https://es-only.gcp.cloud.es.io:443"),
])
def test_cloud_id_is_decoded_as_the_official_clients_do(decoded, url):
    assert options.decode_cloud_id(cloud_id("prod:eu", decoded)) == url
    settings, dummy = resolve({}, cloud_id=cloud_id("prod", decoded))
    assert settings["hosts"] == [url]


def test_cloud_id_matches_elastic_transport():
    parse_cloud_id = pytest.importorskip("elastic_transport.client_utils").parse_cloud_id
    for decoded in ("a.b.c$x$y", "a.b.c:9243$x$y", "a.b.c:443$x"):
        host, port = parse_cloud_id(cloud_id("n", decoded)).es_address
        assert options.decode_cloud_id(cloud_id("n", decoded)) == "https://%s:%d" % (host, port)


@pytest.mark.parametrize("value", [
    "no-colon-at-all", "name:!!!not-base64", cloud_id("n", "host-only"), cloud_id("n", "$es$kb"),
    cloud_id("n", "host:port$es"), cloud_id("n", "host$$kb"),
])
def test_a_cloud_id_that_is_not_one_is_refused_saying_the_form(value):
    with pytest.raises(InvalidInput, match="is not an Elastic Cloud ID: expected <deployment name>:<base64 of"):
        resolve({}, cloud_id=value)


def test_cloud_id_and_hosts_both_explicit_fail_clearly():
    with pytest.raises(InvalidInput) as exc:
        resolve({}, hosts=["http://es:9200"], cloud_id=cloud_id("n", "h$e$k"))
    assert exc.value.msg == ("hosts and cloud_id are mutually exclusive: each is one way to name the cluster; set "
                             "one of them (module_defaults count too)")


def test_explicit_cloud_id_wins_over_elasticsearch_hosts_and_explicit_hosts_too():
    environ = {"ELASTICSEARCH_HOSTS": "http://env:9200"}
    assert resolve(environ, cloud_id=cloud_id("n", "h.io$e$k"))[0]["hosts"] == ["https://e.h.io:443"]
    assert resolve(environ, hosts=["http://explicit:9200"])[0]["hosts"] == ["http://explicit:9200"]
    assert resolve({})[0]["hosts"] == ["http://localhost:9200"]


def test_elasticsearch_hosts_entries_are_trimmed():
    settings, dummy = resolve({"ELASTICSEARCH_HOSTS": "http://a:9200, http://b:9200 ,https://gw/es/"})
    assert settings["hosts"] == ["http://a:9200", "http://b:9200", "https://gw/es"]


def test_a_bad_environment_host_names_the_variable():
    with pytest.raises(InvalidInput, match="ELASTICSEARCH_HOSTS entry 'a:9200' must start with http://"):
        resolve({"ELASTICSEARCH_HOSTS": "a:9200"})


def test_headers_values_become_strings_and_line_breaks_are_refused():
    assert resolve({}, headers={"X-Opaque-Id": 42})[0]["headers"] == {"X-Opaque-Id": "42"}
    with pytest.raises(InvalidInput, match="line break"):
        resolve({}, headers={"X-A": "a\r\nX-Injected: 1"})


def test_connection_params_are_what_the_transport_takes():
    settings, dummy = resolve({}, cloud_id=cloud_id("n", "h.io$e$k"))
    assert "cloud_id" not in options.connection_params(settings)
    assert options.connection_params(settings)["hosts"] == ["https://e.h.io:443"]


# ---- TLS files, checked before any request ------------------------------------------------------------

@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    from cryptography.hazmat.primitives import serialization

    folder = tmp_path_factory.mktemp("pki")
    ca = trustme.CA()
    client = ca.issue_cert("client")
    other = ca.issue_cert("other")
    paths = dict((name, str(folder / (name + ".pem"))) for name in (
        "ca", "client", "client_key", "other_key", "encrypted_key", "combined", "text"))
    ca.cert_pem.write_to_path(paths["ca"])
    client.cert_chain_pems[0].write_to_path(paths["client"])
    client.private_key_pem.write_to_path(paths["client_key"])
    other.private_key_pem.write_to_path(paths["other_key"])
    client.private_key_and_cert_chain_pem.write_to_path(paths["combined"])
    key = serialization.load_pem_private_key(client.private_key_pem.bytes(), None)
    with open(paths["encrypted_key"], "wb") as stream:
        stream.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.BestAvailableEncryption(b"secret")))
    with open(paths["text"], "w") as stream:
        stream.write("not a certificate\n")
    paths["dir"] = str(folder)
    return paths


def test_usable_tls_files_pass(pki):
    resolve({}, ca_path=pki["ca"], client_cert=pki["client"], client_key=pki["client_key"])
    resolve({}, ca_path=pki["dir"], client_cert=pki["combined"])


@pytest.mark.parametrize("given, message", [
    (dict(ca_path="/nonexistent/ca.pem"), "ca_path /nonexistent/ca.pem does not exist"),
    (dict(ca_path="{text}"), "ca_path {text} holds no PEM certificate"),
    (dict(client_cert="/nonexistent/c.pem"), "client_cert /nonexistent/c.pem does not exist"),
    (dict(client_cert="{client}", client_key="/nonexistent/k.pem"), "client_key /nonexistent/k.pem does not exist"),
    (dict(client_cert="{dir}"), "client_cert {dir} is a directory, not a PEM file"),
    (dict(client_cert="{text}", client_key="{client_key}"), "client_cert {text} holds no PEM certificate"),
    (dict(client_cert="{client}", client_key="{other_key}"),
     "client_key {other_key} is not the private key of client_cert {client}"),
    (dict(client_cert="{client}", client_key="{encrypted_key}"),
     "client_key {encrypted_key} is an encrypted private key, which requests cannot use"),
    (dict(client_cert="{client}", client_key="{text}"), "client_key {text} holds no PEM private key"),
    (dict(client_cert="{client}"), "client_cert {client} (no client_key given) holds no PEM private key"),
])
def test_a_bad_tls_file_names_the_option_and_the_path(pki, given, message):
    given = dict((name, value.format(**pki)) for name, value in given.items())
    with pytest.raises(InvalidInput) as exc:
        resolve({}, **given)
    assert exc.value.msg.startswith(message.format(**pki))


def test_an_unreadable_file_says_so(pki, monkeypatch):
    # Root reads any file, so the permission check is what is faked.
    monkeypatch.setattr(os, "access", lambda path, mode: path != pki["client_key"])
    with pytest.raises(InvalidInput) as exc:
        resolve({}, client_cert=pki["client"], client_key=pki["client_key"])
    assert exc.value.msg == "client_key %s cannot be read by the user running the module" % pki["client_key"]


def test_ca_path_is_not_checked_when_certificates_are_not_verified():
    resolve({}, ca_path="/nonexistent/ca.pem", validate_certs=False)
