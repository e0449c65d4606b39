# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets never appear (task arguments and environment fallbacks, success and failure, ``-vvv``);
401 and 403 are reported as what they are and never retried."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json

import pytest

from es_ml_simulator import start_fleet

from harness import Batch, Sim, opened

ADMIN_PW = "pw-admin-Q7xK2mZ9c"
VIEWER_PW = "pw-viewer-R4tY8nB3d"
WRONG_PW = "pw-wrong-H5jL1cV6e"
WRONG_KEY_ID, WRONG_KEY = "fakeKeyId01", "fake-key-secret-P0o9"
WRONG_TOKEN = "tok-wrong-J2k4M6n8"
MASK = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
CLOSE = r"/_ml/anomaly_detectors/web-1/_close$"
CLOSE_2 = r"/_ml/anomaly_detectors/web-2/_close$"


def b64(text):
    return base64.b64encode(text.encode()).decode()


class Secrets:
    """Every secret of the run, with the forms it travels in (Basic and ApiKey headers)."""

    def __init__(self):
        self.forms = {}

    def add(self, label, value):
        self.forms[value] = label
        return value

    def basic(self, user, password):
        self.add("password of " + user, password)
        self.add("Basic header of " + user, b64("%s:%s" % (user, password)))

    def api_key(self, label, key_id, key):
        self.add(label + " (key)", key)
        self.add(label + " (id:key)", "%s:%s" % (key_id, key))
        return self.add(label + " (encoded)", b64("%s:%s" % (key_id, key)))

    def found_in(self, text):
        return sorted(label for value, label in self.forms.items() if value in text)


def issue_api_key(sim):
    answer = sim.api("POST", "/_security/api_key", {"name": "reliability"}, auth=("ml_admin", ADMIN_PW))
    return answer["id"], answer["api_key"]


def issue_token(sim):
    return sim.api("POST", "/_security/oauth2/token",
                   {"grant_type": "password", "username": "ml_admin", "password": ADMIN_PW})["access_token"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    users_dir = tmp_path_factory.mktemp("users")
    users = users_dir / "users.json"
    users.write_text(json.dumps({
        "ml_admin": {"password": ADMIN_PW, "roles": ["machine_learning_admin"]},
        "ml_viewer": {"password": VIEWER_PW, "roles": ["machine_learning_user"]},
    }))
    secrets = Secrets()
    secrets.basic("ml_admin", ADMIN_PW)
    secrets.basic("ml_viewer", VIEWER_PW)
    secrets.basic("ml_admin", WRONG_PW)
    wrong_key = secrets.api_key("made-up API key", WRONG_KEY_ID, WRONG_KEY)
    secrets.add("made-up bearer token", WRONG_TOKEN)
    jobs = [opened("web-1")]
    with start_fleet(clusters=13, security=True, users=str(users)) as fleet:
        clusters = list(fleet.clusters)
        sims = [Sim(c.url) for c in clusters]
        keys = []
        for index in (2, 3, 9, 11):
            key_id, key = issue_api_key(sims[index])
            keys.append((key_id, key, secrets.api_key("API key", key_id, key)))
        tokens = [secrets.add("bearer token", issue_token(sims[i])) for i in (5, 12)]
        admin = {"username": "ml_admin", "password": ADMIN_PW}
        args_specs = [
            ("password-ok", dict(module="ml_job_close", args=dict(admin, job_id="web-1"), jobs=jobs)),
            ("password-wrong", dict(module="ml_job_close", args=dict(admin, password=WRONG_PW, job_id="web-1"),
                                    jobs=jobs)),
            ("api-key-ok", dict(module="ml_job_close", args={"api_key": keys[0][2], "job_id": "web-1"}, jobs=jobs)),
            ("api-key-id-colon-key", dict(module="ml_job_delete", args={
                "api_key": "%s:%s" % keys[1][:2], "job_id": "web-1", "force": True}, jobs=jobs)),
            ("api-key-wrong", dict(module="ml_job_close", args={"api_key": wrong_key, "job_id": "web-1"}, jobs=jobs)),
            ("bearer-ok", dict(module="ml_job_info", args={"bearer_token": tokens[0], "job_id": "web-1"}, jobs=jobs)),
            ("bearer-wrong", dict(module="ml_job_close", args={"bearer_token": WRONG_TOKEN, "job_id": "web-1"},
                                  jobs=jobs)),
            ("viewer-403", dict(module="ml_job_close", args={"username": "ml_viewer", "password": VIEWER_PW,
                                                             "job_id": "web-1"}, jobs=jobs)),
            ("password-retried", dict(module="ml_job_close", args=dict(admin, job_id="web-1"), jobs=jobs,
                                      faults=[dict(method="POST", path=CLOSE, status=503)])),
            ("api-key-missing-job", dict(module="ml_job_close", args={"api_key": keys[2][2], "job_id": "web-9"},
                                         jobs=jobs)),
        ]
        env_runs = [
            ("env-password", {"ELASTICSEARCH_USERNAME": "ml_admin", "ELASTICSEARCH_PASSWORD": ADMIN_PW}, 10),
            ("env-api-key", {"ELASTICSEARCH_API_KEY": keys[3][2]}, 11),
            ("env-bearer", {"ELASTICSEARCH_BEARER_TOKEN": tokens[1]}, 12),
        ]
        root = str(tmp_path_factory.mktemp("security"))
        batches = {"args": Batch(root + "/args", clusters[:10], args_specs).start("security-args", verbosity=3)}
        for name, env, first in env_runs:
            # Success and failure on one cluster (an API key or token is valid on its own cluster):
            # web-1 closes; web-2's close answers 503 until `retries: 1` is spent.
            specs = [
                (name + "-ok", dict(module="ml_job_close", args={"job_id": "web-1"}, log_filter=r"^/$|/_ml/info|web-1",
                                    jobs=[opened("web-1"), opened("web-2")])),
                (name + "-fails", dict(module="ml_job_close", args={"job_id": "web-2", "retries": 1},
                                       same_cluster_as=name + "-ok", log_filter=r"^/$|/_ml/info|web-2",
                                       faults=[dict(method="POST", path=CLOSE_2, status=503, count=2)])),
            ]
            batches[name] = Batch("%s/%s" % (root, name), clusters[first:first + 1], specs).start(
                name, verbosity=3, env=env)
        for batch in batches.values():
            batch.finish()
        cases, env_of = {}, {}
        for batch in batches.values():
            cases.update(batch.cases)
        for name, env, first in env_runs:
            env_of.update(((case_id, env) for case_id in batches[name].cases))
        yield dict(cases=cases, batches=batches, secrets=secrets, env_of=env_of)


def _given_auth(case):
    args = case.spec["args"]
    for key in ("password", "api_key", "bearer_token"):
        if key in args:
            return "`%s` as a task argument" % key
    return "environment of ansible-playbook"


ENV_OPTIONS = {"ELASTICSEARCH_PASSWORD": "password", "ELASTICSEARCH_API_KEY": "api_key",
               "ELASTICSEARCH_BEARER_TOKEN": "bearer_token"}


def assert_masked(runs, case):
    """The task's result as ``-vvv`` printed it echoes its arguments (``invocation``): each secret
    given, as an argument or through its environment fallback, shows as the no_log mask."""
    assert len(case.printed) == 1, "no -vvv result printed for %s" % case.id
    invocation = case.printed[0]["invocation"]["module_args"]
    given = [key for key in ENV_OPTIONS.values() if key in case.spec["args"]]
    given += [ENV_OPTIONS[name] for name in runs["env_of"].get(case.id, {}) if name in ENV_OPTIONS]
    assert given
    for key in ENV_OPTIONS.values():
        assert invocation.get(key) == (MASK if key in given else None), (key, invocation.get(key))


def _no_secret(runs, case):
    found = runs["secrets"].found_in(json.dumps([case.result, case.printed]))
    assert found == [], "secret in the registered result: %s" % found


@pytest.mark.parametrize("case_id, title", [
    pytest.param("password-ok", "password: success", id="password-ok"),
    pytest.param("api-key-ok", "API key (encoded): success", id="api-key-ok"),
    pytest.param("api-key-id-colon-key", "API key (`id:key`): delete succeeds", id="api-key-id-colon-key"),
    pytest.param("bearer-ok", "bearer token: success", id="bearer-ok"),
    pytest.param("password-retried", "password, 503 retried: warning", id="password-retried"),
    pytest.param("env-password-ok", "ELASTICSEARCH_USERNAME/PASSWORD: success", id="env-password-ok"),
    pytest.param("env-api-key-ok", "ELASTICSEARCH_API_KEY: success", id="env-api-key-ok"),
    pytest.param("env-bearer-ok", "ELASTICSEARCH_BEARER_TOKEN: success", id="env-bearer-ok"),
])
def test_authenticated_runs_succeed_with_their_secrets_masked(runs, record, case_id, title):
    case = runs["cases"][case_id]
    record(title, "%s; `-vvv`" % _given_auth(case), case.did("closed", "deleted", "exists") + "; `invocation` "
           "echo shows the secret as %s" % MASK,
           " / ".join(case.result.get("warnings", [])) or case.msg, case.seen())
    assert not case.failed, case.msg
    # GET / needs `monitor`, which machine_learning_admin lacks: its 403 leads to the ML info API.
    assert case.requests and all(e["status"] not in (401, 403) for e in case.requests if e["path"] != "/")
    assert all(e["status"] in (200, 403) for e in case.requests if e["path"] == "/")
    assert_masked(runs, case)
    _no_secret(runs, case)


@pytest.mark.parametrize("case_id, title, reason", [
    pytest.param("password-wrong", "wrong password → 401", "unable to authenticate user [ml_admin]",
                 id="password-wrong"),
    pytest.param("api-key-wrong", "unknown API key → 401", "unable to authenticate with provided credentials",
                 id="api-key-wrong"),
    pytest.param("bearer-wrong", "unknown bearer token → 401", "unable to authenticate with provided credentials",
                 id="bearer-wrong"),
])
def test_bad_credentials_are_reported_and_not_retried(runs, record, case_id, title, reason):
    case = runs["cases"][case_id]
    record(title, "%s; `-vvv`" % _given_auth(case), case.did(), case.msg, case.seen())
    assert case.failed
    assert "HTTP 401" in case.msg and reason in case.msg
    assert [e["status"] for e in case.requests] == [401]
    assert not case.result.get("warnings")
    assert_masked(runs, case)
    _no_secret(runs, case)
    case.assert_no_traceback()


def test_a_missing_privilege_is_reported_naming_the_action_and_not_retried(runs, record):
    case = runs["cases"]["viewer-403"]
    record("user without manage_ml → 403", "`ml_viewer` (monitor_ml) closes a job; `-vvv`", case.did(), case.msg,
           case.seen("POST", CLOSE))
    assert case.failed
    assert "HTTP 403" in case.msg
    assert "cluster:admin/xpack/ml/job/close" in case.msg and "manage_ml" in case.msg and "ml_viewer" in case.msg
    assert case.statuses("POST", CLOSE) == [403]
    assert not case.result.get("warnings")
    assert_masked(runs, case)
    _no_secret(runs, case)


@pytest.mark.parametrize("case_id, title", [
    pytest.param("api-key-missing-job", "API key, job missing: failure", id="api-key-missing-job"),
    pytest.param("env-password-fails", "ELASTICSEARCH_USERNAME/PASSWORD, 503 exhausted: failure",
                 id="env-password-fails"),
    pytest.param("env-api-key-fails", "ELASTICSEARCH_API_KEY, 503 exhausted: failure", id="env-api-key-fails"),
    pytest.param("env-bearer-fails", "ELASTICSEARCH_BEARER_TOKEN, 503 exhausted: failure", id="env-bearer-fails"),
])
def test_failures_with_valid_secrets_keep_them_masked(runs, record, case_id, title):
    case = runs["cases"][case_id]
    record(title, "%s; `-vvv`" % _given_auth(case), case.did(), case.msg, case.seen("POST", r"/_close$"))
    assert case.failed
    if case_id.startswith("env-"):
        assert "HTTP 503" in case.msg and case.statuses("POST", CLOSE_2) == [503, 503]
    else:
        assert "No known job with id 'web-9'" in case.msg
    assert_masked(runs, case)
    _no_secret(runs, case)
    case.assert_no_traceback()


def test_no_secret_anywhere_in_the_vvv_output(runs, record):
    outputs = dict((name, batch.result.output) for name, batch in runs["batches"].items())
    size = sum(len(text) for text in outputs.values())
    found = dict((name, runs["secrets"].found_in(text)) for name, text in outputs.items())
    leaks = dict((name, labels) for name, labels in found.items() if labels)
    record("whole `-vvv` output", "%d `ansible-playbook -vvv` runs (task arguments; ELASTICSEARCH_* fallbacks), "
           "%d secret values and encoded forms searched" % (len(outputs), len(runs["secrets"].forms)),
           "no secret found in %d characters of stdout+stderr" % size if not leaks else "found: %s" % leaks, "",
           ["%s: rc %s" % (name, batch.result.rc) for name, batch in runs["batches"].items()])
    assert size > 10000  # the -vvv output is there
    assert all("<127.0.0.1>" in text or "ESTABLISH LOCAL CONNECTION" in text for text in outputs.values())
    assert leaks == {}
