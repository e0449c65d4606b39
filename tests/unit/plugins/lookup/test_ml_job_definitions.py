# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ml_job_definitions lookup as Ansible calls it: the host and the inventory from the variables
unless given, one folder, and every problem as an AnsibleLookupError naming the file (the reading
itself: test_definitions.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

import yaml

from ansible import constants as C
from ansible.errors import AnsibleLookupError

from ansible_collections.mlops.elasticsearch.plugins.lookup import ml_job_definitions

NAME = "mlops.elasticsearch.ml_job_definitions"
VARIABLES = {"inventory_hostname": "es-1", "groups": {"all": ["es-1", "es-2"]}}


@pytest.fixture(scope="module")
def lookup():
    """The lookup as the plugin loader makes it: named, its documented options registered."""
    options = yaml.safe_load(ml_job_definitions.DOCUMENTATION)["options"]
    C.config.initialize_plugin_configuration_definitions("lookup", NAME, options)
    plugin = ml_job_definitions.LookupModule()
    plugin._load_name = NAME
    return plugin


def backup(job_id):
    return {"job": {"job_id": job_id}, "datafeed": None, "state": {"job": "closed", "datafeed": None}}


def write(path, document):
    if not path.parent.is_dir():
        path.parent.mkdir(parents=True)
    path.write_text(u"%s\n" % json.dumps(document))


def test_the_host_it_runs_for_reads_its_own_subfolder(lookup, tmp_path):
    write(tmp_path / "es-1" / "a.json", backup("a"))
    write(tmp_path / "es-2" / "b.json", backup("b"))
    found = lookup.run([str(tmp_path)], variables=VARIABLES)
    assert [d["job_id"] for d in found] == ["a"]
    assert found[0]["open"] is False and found[0]["file"] == str(tmp_path / "es-1" / "a.json")


def test_host_and_hosts_may_be_given(lookup, tmp_path):
    write(tmp_path / "prod" / "b.json", backup("b"))
    found = lookup.run([str(tmp_path)], variables=VARIABLES, host="prod", hosts=["prod"])
    assert [d["job_id"] for d in found] == ["b"]


def test_a_relative_folder_is_relative_to_the_working_directory(lookup, tmp_path, monkeypatch):
    write(tmp_path / "jobs" / "a.json", backup("a"))
    monkeypatch.chdir(str(tmp_path))
    found = lookup.run(["jobs"], variables=VARIABLES)
    assert [d["file"] for d in found] == [os.path.join(str(tmp_path), "jobs", "a.json")]


def test_a_bad_file_is_a_lookup_error_naming_it(lookup, tmp_path):
    write(tmp_path / "a.json", {"job": "x"})
    with pytest.raises(AnsibleLookupError, match="^%s: not a job definition" % (tmp_path / "a.json")):
        lookup.run([str(tmp_path)], variables=VARIABLES)


@pytest.mark.parametrize("terms", [[], ["a", "b"]])
def test_one_folder_is_read(lookup, tmp_path, terms):
    with pytest.raises(AnsibleLookupError, match="^ml_job_definitions takes one definitions folder, got %d$" % len(terms)):
        lookup.run(terms, variables=VARIABLES)


def test_without_an_inventory_host_the_host_must_be_given(lookup, tmp_path):
    with pytest.raises(AnsibleLookupError, match="no host given"):
        lookup.run([str(tmp_path)], variables={})
