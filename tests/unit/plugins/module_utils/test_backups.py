# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Configuration backups against an in-memory cluster: what is read per release, what a file
holds, its mode and where it goes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat

import pytest

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _backups as backups
from ansible_collections.mlops.elasticsearch.plugins.module_utils._endpoints import MAX_IDS_IN_PATH
from ansible_collections.mlops.elasticsearch.plugins.module_utils._jobs import Job
from ansible_collections.mlops.elasticsearch.tests.unit.utils.fake_endpoints import FakeEndpoints, FakeJob as J


def job(job_id, state="closed", datafeed_id=None, datafeed_state=None):
    """A job as read before the run (what save_configs records as the state before)."""
    return Job(job_id, state=state, datafeed_id=datafeed_id, datafeed_state=datafeed_state)


def load(path):
    with open(path) as stream:
        return json.load(stream)


# --- read_configs -----------------------------------------------------------------------------------

@pytest.mark.parametrize("version", ["6.8.23", "7.10.2", "7.17.24", "8.15.0", "9.1.0"])
def test_read_configs_reads_jobs_then_their_datafeeds_by_id_on_every_release(version):
    api = FakeEndpoints(version, [J("a", datafeed_id="df-a"), J("b"), J("b2"), J("other", datafeed_id="df-other")])
    configs = backups.read_configs(api, [job("a", datafeed_id="df-a"), job("b")])
    # Prefix expressions never answer 404; b2, which b* matches too, is left out.
    assert api.calls == [("get_jobs", "a*,b*", True), ("get_datafeeds", ["df-a"], True)]
    assert configs == {"a": {"job": J("a").config(), "datafeed": J("a", datafeed_id="df-a").datafeed_config()},
                       "b": {"job": J("b").config(), "datafeed": None}}


def test_read_configs_never_keeps_an_embedded_datafeed_in_the_job():
    api = FakeEndpoints("8.15.0", [J("a", datafeed_id="df-a")])
    api.get_jobs = lambda expression, exclude_generated=False: [dict(J("a").config(), datafeed_config={"x": 1})]
    configs = backups.read_configs(api, [job("a", datafeed_id="df-a")])
    assert "datafeed_config" not in configs["a"]["job"]
    assert configs["a"]["datafeed"] == J("a", datafeed_id="df-a").datafeed_config()


def test_read_configs_without_datafeeds_reads_the_jobs_only():
    api = FakeEndpoints("7.17.24", [J("a"), J("b")])
    assert sorted(backups.read_configs(api, [job("a"), job("b")])) == ["a", "b"]
    assert api.names() == ["get_jobs"]


def test_read_configs_splits_long_id_lists():
    ids = ["job-%060d" % number for number in range(120)]
    api = FakeEndpoints("8.15.0", [J(job_id) for job_id in ids])
    configs = backups.read_configs(api, [job(job_id) for job_id in ids])
    reads = api.sent("get_jobs")
    assert len(reads) > 1 and all(len(expression) <= MAX_IDS_IN_PATH for expression, generated in reads)
    assert sorted(configs) == ids


# --- save_configs -----------------------------------------------------------------------------------

def test_save_configs_writes_one_file_per_job_with_configs_and_states_before(tmp_path):
    api = FakeEndpoints("8.15.0", [J("a", "opened", datafeed_id="df-a", datafeed_state="started"), J("b")])
    files = backups.save_configs(api, [job("b"), job("a", "opened", "df-a", "started")], str(tmp_path))
    assert files == {"a": str(tmp_path / "a.json"), "b": str(tmp_path / "b.json")}
    assert load(files["a"]) == {"job": J("a").config(), "datafeed": J("a", datafeed_id="df-a").datafeed_config(),
                                "state": {"job": "opened", "datafeed": "started"}}
    assert load(files["b"]) == {"job": J("b").config(), "datafeed": None, "state": {"job": "closed", "datafeed": None}}
    assert sorted(os.listdir(str(tmp_path))) == ["a.json", "b.json"]


def test_save_configs_writes_owner_only_files(tmp_path):
    api = FakeEndpoints("8.15.0", [J("a")])
    path = backups.save_configs(api, [job("a")], str(tmp_path))["a"]
    assert stat.S_IMODE(os.stat(path).st_mode) == backups.BACKUP_FILE_MODE == 0o600


def test_save_configs_writes_sorted_indented_json(tmp_path):
    api = FakeEndpoints("8.15.0", [J("a")])
    path = backups.save_configs(api, [job("a")], str(tmp_path))["a"]
    with open(path) as stream:
        text = stream.read()
    assert text == json.dumps(load(path), indent=2, sort_keys=True)


def test_save_configs_creates_the_directory(tmp_path):
    directory = tmp_path / "backups" / "cluster-1"
    api = FakeEndpoints("8.15.0", [J("a")])
    assert backups.save_configs(api, [job("a")], str(directory)) == {"a": str(directory / "a.json")}
    assert directory.is_dir()


def test_save_configs_replaces_an_older_backup(tmp_path):
    (tmp_path / "a.json").write_text("old")
    api = FakeEndpoints("8.15.0", [J("a")])
    backups.save_configs(api, [job("a")], str(tmp_path))
    assert load(str(tmp_path / "a.json"))["job"] == J("a").config()


def test_save_configs_of_no_job_reads_and_writes_nothing(tmp_path):
    api = FakeEndpoints("8.15.0", [J("a")])
    assert backups.save_configs(api, [], str(tmp_path / "bk")) == {}
    assert api.calls == [] and not (tmp_path / "bk").exists()


def test_save_configs_skips_a_job_the_read_did_not_return(tmp_path):
    api = FakeEndpoints("8.15.0", [J("a")])
    api.get_jobs = lambda expression, exclude_generated=False: [J("a").config()]
    assert backups.save_configs(api, [job("a"), job("gone")], str(tmp_path)) == {"a": str(tmp_path / "a.json")}
    assert os.listdir(str(tmp_path)) == ["a.json"]


def test_save_configs_skips_a_job_whose_config_vanished(tmp_path):
    api = FakeEndpoints("8.15.0", [J("a"), J("gone")])
    del api.jobs["gone"]
    assert backups.save_configs(api, [job("a"), job("gone")], str(tmp_path)) == {"a": str(tmp_path / "a.json")}


def test_backup_document_holds_the_configs_and_the_states_before():
    config = {"job": {"job_id": "a"}, "datafeed": {"datafeed_id": "df-a"}}
    assert backups.backup_document(config, job("a", "opened", "df-a", "started")) == {
        "job": {"job_id": "a"}, "datafeed": {"datafeed_id": "df-a"},
        "state": {"job": "opened", "datafeed": "started"}}
    assert "state" not in config
