# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection options: one argspec merged into every module's, its constraints, what reaches
the transport, and the documentation fragment that describes them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest
import yaml

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.mlops.elasticsearch.plugins.doc_fragments._connection import ModuleDocFragment
from ansible_collections.mlops.elasticsearch.plugins.module_utils import _connection_options as options
from ansible_collections.mlops.elasticsearch.plugins.module_utils._errors import InvalidInput
from ansible_collections.mlops.elasticsearch.plugins.module_utils._transport import Transport
from ansible_collections.mlops.elasticsearch.tests.unit.utils.scripted_http import ScriptedSession

MODULE_OPTIONS = dict(job_id=dict(type="list", elements="str", required=True), force=dict(type="bool", default=False))
# What an option's documentation and its argspec entry must agree on, and the value when unsaid.
COMPARED = dict(type="str", elements=None, default=None, required=False, choices=None)


def documented():
    return yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]


def validate(params):
    validator = ArgumentSpecValidator(options.argument_spec(**MODULE_OPTIONS), **options.argument_constraints())
    return validator.validate(dict(params, job_id=["a"]))


# --- argument_spec ----------------------------------------------------------------------------------

def test_argument_spec_is_the_connection_options_plus_the_modules_own():
    spec = options.argument_spec(**MODULE_OPTIONS)
    assert sorted(spec) == sorted(list(options.CONNECTION_ARGSPEC) + list(MODULE_OPTIONS))
    assert dict((name, spec[name]) for name in options.CONNECTION_ARGSPEC) == options.CONNECTION_ARGSPEC
    assert dict((name, spec[name]) for name in MODULE_OPTIONS) == MODULE_OPTIONS


def test_argument_spec_never_changes_the_shared_connection_options():
    before = copy.deepcopy(options.CONNECTION_ARGSPEC)
    spec = options.argument_spec(**MODULE_OPTIONS)
    for entry in spec.values():
        entry["type"] = "raw"
        entry.pop("default", None)
    spec["extra"] = dict(type="str")
    assert options.CONNECTION_ARGSPEC == before
    assert options.argument_spec() == before


def test_argument_spec_without_module_options_is_a_copy():
    first = options.argument_spec()
    assert first == options.CONNECTION_ARGSPEC and first is not options.CONNECTION_ARGSPEC
    assert all(first[name] is not options.CONNECTION_ARGSPEC[name] for name in first)


# --- constraints ------------------------------------------------------------------------------------

@pytest.mark.parametrize("pair", options.CONNECTION_MUTUALLY_EXCLUSIVE, ids="|".join)
def test_each_pair_of_authentication_options_is_refused(pair):
    result = validate(dict((name, "x") for name in pair))
    assert result.error_messages == ["parameters are mutually exclusive: %s|%s" % pair]


def test_the_exclusive_pairs_are_every_pair_of_methods():
    assert sorted(options.CONNECTION_MUTUALLY_EXCLUSIVE) == [
        ("api_key", "bearer_token"), ("password", "api_key"), ("password", "bearer_token"),
        ("username", "api_key"), ("username", "bearer_token")]


def test_client_key_needs_client_cert():
    assert validate(dict(client_key="/k.pem")).error_messages == [
        "missing parameter(s) required by 'client_key': client_cert"]
    assert validate(dict(client_key="/k.pem", client_cert="/c.pem")).error_messages == []


@pytest.mark.parametrize("params", [
    {}, dict(username="u", password="p"), dict(api_key="id:key"), dict(bearer_token="t"),
    dict(client_cert="/c.pem"), dict(hosts=["https://a:9200", "https://b:9200"], validate_certs=False),
])
def test_valid_combinations_pass(params):
    assert validate(params).error_messages == []


def test_defaults_and_types_after_validation():
    validated = validate(dict(request_timeout="5", retries="1")).validated_parameters
    assert (validated["request_timeout"], validated["retries"], validated["validate_certs"]) == (5.0, 1, True)


def test_secrets_are_no_log():
    no_log = sorted(name for name, entry in options.CONNECTION_ARGSPEC.items() if entry.get("no_log"))
    assert set(no_log) >= {"password", "api_key", "bearer_token"}
    assert options.CONNECTION_ARGSPEC["client_key"].get("no_log") is False, "a path, not a secret"


# --- connection_params --------------------------------------------------------------------------------

def test_connection_params_keep_connection_options_only():
    params = dict((name, "v-" + name) for name in options.CONNECTION_ARGSPEC)
    params.update(job_id=["a"], force=True)
    taken = options.connection_params(params)
    assert "job_id" not in taken and "force" not in taken
    assert all(taken[name] == "v-" + name for name in taken)
    assert set(taken) <= set(options.CONNECTION_ARGSPEC)


def test_connection_params_fill_unset_options_with_none():
    taken = options.connection_params({"hosts": ["http://es:9200"]})
    assert taken["hosts"] == ["http://es:9200"]
    assert all(value is None for name, value in taken.items() if name != "hosts")


def test_connection_params_are_keywords_the_transport_takes():
    params = validate(dict(hosts=["http://es:9200"], username="u", password="p")).validated_parameters
    client = Transport(session=ScriptedSession(), **options.connection_params(params))
    assert (client.hosts, client.session.auth, client.retries) == (["http://es:9200"], ("u", "p"), 3)


@pytest.mark.parametrize("url", ["http://elastic:s3cr3t-Zq8@es:9200", "https://:s3cr3t-Zq8@es:9200/"])
def test_a_host_url_holding_credentials_is_refused_without_showing_them(url):
    with pytest.raises(InvalidInput) as exc:
        options.node_urls([url])
    assert exc.value.msg == "hosts entry 'es' holds credentials; set username and password instead"


# --- the documentation fragment -----------------------------------------------------------------------

def test_every_connection_option_is_documented_and_every_documented_option_exists():
    assert sorted(documented()) == sorted(options.CONNECTION_ARGSPEC)


@pytest.mark.parametrize("name", sorted(options.CONNECTION_ARGSPEC))
def test_documentation_agrees_with_the_argspec(name):
    doc = documented()[name]
    spec = options.CONNECTION_ARGSPEC[name]
    for key, unsaid in COMPARED.items():
        assert doc.get(key, unsaid) == spec.get(key, unsaid), "%s: %s differs" % (name, key)
    assert doc.get("description"), "%s has no description" % name


@pytest.mark.parametrize("name, variable", sorted(options.ENVIRONMENT.items()))
def test_each_environment_variable_is_documented_on_its_option(name, variable):
    assert "E(%s)" % variable in " ".join(documented()[name]["description"])
