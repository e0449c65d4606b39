# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Job definitions read from a folder: the backup form and its YAML twin, what a definition's state
asks of the run states, per-host subfolders, and every refusal in one line naming the file."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._definitions import (
    DefinitionError,
    definitions_folder,
    read_definition,
    read_definitions,
)

JOB = {"analysis_config": {"bucket_span": "15m", "detectors": [{"function": "count"}]},
       "data_description": {"time_field": "ts"}}
DATAFEED = {"datafeed_id": "datafeed-web", "job_id": "web", "indices": ["logs"]}


def write(path, document):
    """A file: a document as JSON, a string as it is (YAML, or broken JSON)."""
    path = str(path)
    if not os.path.isdir(os.path.dirname(path)):
        os.makedirs(os.path.dirname(path))
    with open(path, "w") as stream:
        stream.write(document if isinstance(document, str) else json.dumps(document))
    return path


def backup(job_id="web", job_state="opened", datafeed_state="started", datafeed=True):
    """A backup as ml_job_delete writes it."""
    return {"job": dict(JOB, job_id=job_id), "datafeed": dict(DATAFEED, job_id=job_id) if datafeed else None,
            "state": {"job": job_state, "datafeed": datafeed_state if datafeed else None}}


def flags(definition):
    return dict((key, definition[key]) for key in ("open", "start", "close", "stop"))


# one file


def test_a_backup_becomes_the_config_of_ml_job_with_its_datafeed(tmp_path):
    path = write(tmp_path / "web.json", backup())
    definition = read_definition(path)
    assert definition == {"job_id": "web", "file": path, "datafeed": True,
                          "config": dict(JOB, job_id="web", datafeed_config=DATAFEED),
                          "open": True, "start": True, "close": False, "stop": False}


def test_a_yaml_definition_without_job_id_is_named_after_its_file(tmp_path):
    path = write(tmp_path / "web-traffic.yml",
                 "job:\n  analysis_config: {bucket_span: 15m}\ndatafeed:\n  indices: [web-logs]\n")
    definition = read_definition(path)
    assert definition["job_id"] == "web-traffic"
    assert definition["config"] == {"analysis_config": {"bucket_span": "15m"}, "datafeed_config": {"indices": ["web-logs"]}}
    assert flags(definition) == {"open": True, "start": True, "close": False, "stop": False}


def test_a_datafeed_given_as_datafeed_config_is_the_datafeed(tmp_path):
    path = write(tmp_path / "web.json", {"job": dict(JOB, datafeed_config=DATAFEED)})
    definition = read_definition(path)
    assert definition["datafeed"] is True and definition["config"]["datafeed_config"] == DATAFEED


def test_a_job_without_datafeed_is_opened_and_starts_nothing(tmp_path):
    definition = read_definition(write(tmp_path / "web.yaml", "job: {description: x}\n"))
    assert definition["config"] == {"description": "x"} and definition["datafeed"] is False
    assert flags(definition) == {"open": True, "start": False, "close": False, "stop": False}


@pytest.mark.parametrize("job_state, datafeed_state, expected", [
    ("opened", "started", (True, True)),
    ("opening", "starting", (True, True)),
    ("opened", "stopped", (True, False)),
    ("opened", "stopping", (True, False)),
    ("closed", "stopped", (False, False)),
    ("closing", "stopped", (False, False)),
    # a failed job neither runs nor is opened; its datafeed, which a backup may show started, is not started
    ("failed", "started", (False, False)),
    ("failed", "stopped", (False, False)),
])
def test_a_backups_states_open_and_start_what_ran(tmp_path, job_state, datafeed_state, expected):
    definition = read_definition(write(tmp_path / "web.json", backup(job_state=job_state, datafeed_state=datafeed_state)))
    assert (definition["open"], definition["start"]) == expected
    assert (definition["close"], definition["stop"]) == (False, False)


@pytest.mark.parametrize("state, expected", [
    ({"job": "closed"}, (False, False)),
    ({"datafeed": "stopped"}, (True, False)),
    ({"job": None, "datafeed": None}, (True, True)),
    ({}, (True, True)),
], ids=["job-closed", "datafeed-stopped", "nulls", "empty"])
def test_what_a_state_leaves_out_is_opened_and_started(tmp_path, state, expected):
    definition = read_definition(write(tmp_path / "web.json", dict(backup(), state=state)))
    assert (definition["open"], definition["start"]) == expected


def test_a_backup_of_a_job_without_datafeed_records_no_datafeed_state(tmp_path):
    definition = read_definition(write(tmp_path / "web.json", backup(datafeed=False)))
    assert flags(definition) == {"open": True, "start": False, "close": False, "stop": False}


@pytest.mark.parametrize("state, expected", [
    ({"job": "closed", "datafeed": "stopped", "enforce": True},
     {"open": False, "start": False, "close": True, "stop": False}),
    ({"job": "opened", "datafeed": "stopped", "enforce": True},
     {"open": True, "start": False, "close": False, "stop": True}),
    ({"job": "opened", "datafeed": "started", "enforce": True},
     {"open": True, "start": True, "close": False, "stop": False}),
    ({"job": "closed", "datafeed": "stopped", "enforce": False},
     {"open": False, "start": False, "close": False, "stop": False}),
], ids=["close", "stop", "nothing-to-enforce", "enforce-false"])
def test_enforce_closes_or_stops_what_runs_against_the_state(tmp_path, state, expected):
    assert flags(read_definition(write(tmp_path / "web.json", dict(backup(), state=state)))) == expected


def test_enforce_never_stops_a_datafeed_the_definition_does_not_have(tmp_path):
    document = dict(backup(datafeed=False), state={"datafeed": "stopped", "enforce": True})
    assert flags(read_definition(write(tmp_path / "web.json", document)))["stop"] is False


# refusals of one file


@pytest.mark.parametrize("name, content, message", [
    ("web.json", "{not json", "web.json: not valid JSON ("),
    ("web.yml", "job: [unclosed\n", "web.yml: not valid YAML ("),
    ("web.yml", "- a list\n", "web.yml: not a job definition; it must be a mapping whose key job holds"),
    ("web.yml", "datafeed: {}\n", "web.yml: not a job definition"),
    ("web.yml", "job: a string\n", "web.yml: not a job definition"),
    ("web.yml", "job: {}\njobs: {}\n", "web.yml: unknown key jobs; a definition holds job, datafeed and state"),
    ("Web.yml", "job: {}\n", "Web.yml: Invalid job_id; 'Web' can contain lowercase alphanumeric"),
    ("web.yml", "job: {job_id: _all}\n", "web.yml: job_id '_all' is not a job id"),
    ("web.yml", "job: {datafeed_config: {}}\ndatafeed: {}\n",
     "web.yml: two datafeeds (job.datafeed_config and datafeed); give one"),
    ("web.yml", "job: {}\ndatafeed: [logs]\n", "web.yml: datafeed must be a mapping"),
    ("web.yml", "job: {}\ndatafeed: {job_id: other}\n", "web.yml: the datafeed's job_id other is not the job's (web)"),
    ("web.yml", "job: {}\nstate: opened\n", "web.yml: state must be a mapping with job, datafeed and enforce"),
    ("web.yml", "job: {}\nstate: {jobs: opened}\n", "web.yml: unknown key state.jobs; state holds job, datafeed"),
    ("web.yml", "job: {}\nstate: {job: running}\n",
     "web.yml: state.job 'running' is none of closed, closing, failed, opened, opening"),
    ("web.yml", "job: {}\ndatafeed: {}\nstate: {datafeed: on}\n", "web.yml: state.datafeed True is none of started,"),
    ("web.yml", "job: {}\nstate: {datafeed: started}\n",
     "web.yml: state.datafeed is started but the definition has no datafeed"),
    ("web.yml", "job: {}\ndatafeed: {}\nstate: {job: closed, datafeed: started}\n",
     "web.yml: state.datafeed is started but state.job is closed; a datafeed runs only while its job is opened"),
    ("web.yml", "job: {}\nstate: {enforce: 'yes'}\n", "web.yml: state.enforce must be true or false, got 'yes'"),
])
def test_a_bad_file_fails_in_one_line_naming_it(tmp_path, name, content, message):
    path = write(tmp_path / name, content)
    with pytest.raises(DefinitionError) as caught:
        read_definition(path)
    assert str(caught.value).startswith(str(tmp_path / message.split(":")[0]) + ":")
    assert message.split(": ", 1)[1] in str(caught.value)
    assert "\n" not in str(caught.value)


# folders


def test_a_folder_of_files_applies_to_every_host(tmp_path):
    write(tmp_path / "b.json", backup("b"))
    write(tmp_path / "a.yml", "job: {}\n")
    for host in ("es-1", "es-2"):
        assert [d["job_id"] for d in read_definitions(str(tmp_path), host, ["es-1", "es-2"])] == ["a", "b"]


def test_hidden_files_and_other_extensions_are_not_definitions(tmp_path):
    write(tmp_path / "a.json", backup("a"))
    write(tmp_path / ".b.json.tmp", "half a backup")
    write(tmp_path / "README.md", "# jobs")
    write(tmp_path / ".c.json", backup("c"))
    assert [d["job_id"] for d in read_definitions(str(tmp_path), "es-1", ["es-1"])] == ["a"]


def test_per_host_subfolders_give_each_host_its_own(tmp_path):
    write(tmp_path / "es-1" / "a.json", backup("a"))
    write(tmp_path / "es-2" / "b.json", backup("b"))
    hosts = ["es-1", "es-2", "es-3"]
    assert [d["job_id"] for d in read_definitions(str(tmp_path), "es-1", hosts)] == ["a"]
    assert [d["file"] for d in read_definitions(str(tmp_path), "es-2", hosts)] == [str(tmp_path / "es-2" / "b.json")]
    assert definitions_folder(str(tmp_path), "es-3", hosts) is None
    assert read_definitions(str(tmp_path), "es-3", hosts) == []


def test_an_empty_folder_has_no_definitions(tmp_path):
    assert read_definitions(str(tmp_path), "es-1", ["es-1"]) == []


@pytest.mark.parametrize("layout, message", [
    ({"a.json": backup("a"), "es-1/b.json": backup("b")},
     "{dir} holds both definition files (a.json) and subfolders (es-1): either one set of definitions for every "
     "cluster, or one subfolder per inventory host"),
    ({"team-a/b.json": backup("b")}, "{dir} has subfolders (team-a) but none is named after an inventory host"),
    ({"report.json": {"report": "mlops.elasticsearch.ml_job_decommission"}, "report.md": "x",
      "backups/es-1/a.json": backup("a")},
     "{dir} is a report directory: point at its backups folder, {dir}/backups"),
    ({"es-1/x/a.json": backup("a")}, "{dir}/es-1: a cluster's folder holds definition files only, not subfolders (x)"),
    ({"a.json": backup("web"), "b.yml": "job: {job_id: web}\n"}, "{dir}/a.json and {dir}/b.yml both define job web"),
], ids=["files-and-folders", "no-host-folder", "report-directory", "nested", "duplicate"])
def test_a_bad_folder_fails_in_one_line_naming_it(tmp_path, layout, message):
    for relative, content in layout.items():
        write(tmp_path / relative, content)
    with pytest.raises(DefinitionError, match="^%s$" % message.format(dir=str(tmp_path)).replace("(", r"\(").replace(
            ")", r"\)").replace(".", r"\.")):
        read_definitions(str(tmp_path), "es-1", ["es-1"])


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(DefinitionError, match="^%s: no such directory$" % (tmp_path / "missing")):
        read_definitions(str(tmp_path / "missing"), "es-1", ["es-1"])


def test_the_first_bad_file_stops_the_read(tmp_path):
    write(tmp_path / "a.json", backup("a"))
    write(tmp_path / "b.json", {"job": "x"})
    with pytest.raises(DefinitionError, match="b.json: not a job definition"):
        read_definitions(str(tmp_path), "es-1", ["es-1"])
