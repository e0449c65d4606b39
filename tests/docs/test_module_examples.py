# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make test-readme`, part two: the EXAMPLES of every module in plugins/modules run, each task both ways.

Every task of a module's EXAMPLES (read from the module file, parsed as YAML) runs in a play on
localhost against a simulated cluster of its own (TLS, security; es-ml-simulator, built with
hacking/demo.py's code), seeded so that the example has something to do: first under
`--check --diff`, where it must succeed, change nothing and send GET requests only (the simulator's
request log), then for real, against the same seeded state; in both, a task of a module that changes
things must report `changed` (an example that would change nothing shows nothing).

The table MODULE_EXAMPLES says, per module, what each example meets: the jobs seeded (`seed`), the
values of the variables the examples use (`vars`; es_hosts, vault_es_api_key and vault_es_password
are always set), the simulator's `delays` when an example needs a slow close or delete, whether the
examples build on each other (`story`: each runs after the ones before it, as a reader follows them;
the earlier ones run for real first, in the same play, so their registered variables exist) and, per
example task (by its name): `after` (the examples it builds on, instead of all the earlier ones),
`prepare` (tasks run for real before it, to put its cluster in the state it is about), `seed`
(instead of the module's), `changed` (False, with `why`: the example has nothing to change by
design) and `skip` (why it cannot run here; never for convenience). A module without an entry, or
an example that fails, fails the test with what to add. The same substitutions as test_readme:
`https://<name>.example.com:9200` -> the example's cluster, `{{ vault_... }}` -> values,
`/etc/pki/...ca...pem` -> the simulator's CA, `/var/lib/...` -> a directory of the run. Examples
that name no credentials get them from `module_defaults` (with the cluster's URL and its CA: an API
key of the user elastic); those that name their own get only the URL and the CA there.

One ansible-playbook per module and mode, all modules at once; one play per example task; each
example in a block whose rescue records its failure, and the results read back from a small callback
(tests/docs/plugins/callback/docs_results.py) and the docs_sim action (the simulator's request log and
state, read from the play). A simulated cluster per example (~35, in one process per set of delays), reset
and reseeded between the modes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import copy
import json
import os
import re
import subprocess

import pytest
import yaml

from docs_support import BIN, COLLECTIONS, HERE, ROOT, api_key, changes, job, reseed, start_situations

MODULES_DIR = os.path.join(ROOT, "plugins", "modules")
GROUP = "group/mlops.elasticsearch.elasticsearch"
COLLECTION = "mlops.elasticsearch."
AUTH_OPTIONS = ("username", "password", "api_key", "bearer_token", "headers", "cloud_id")
VAULT_ES_PASSWORD = "changeme"  # the simulator's users' password (ml_admin holds manage_ml)


MODULE_EXAMPLES = {
    "ml_job_close": {
        "seed": [job("web-errors", "opened", ["web"], "started"), job("web-latency", "opened", ["web"]),
                 job("retired-1", "opened", ["retired"], "started"), job("retired-2", "closed", ["retired"]),
                 job("retired-3", "opened", ["retired"]), job("retired-keep", "opened", ["retired"]),
                 job("batch-nightly", "failed", [], "stopped"), job("batch-hourly", "failed"),
                 job("old-scoring", "opened", [], "started")],
        "vars": {"retired_jobs": ["old-scoring", "old-scoring-v0"]},  # the second is already gone
    },
    "ml_job_delete": {
        # Deletes last a second, so that the example waiting for a delete finds it running.
        "delays": {"delete": 1.0},
        "seed": [job("web-errors", "opened", ["web"], "started"), job("web-latency", "opened", ["web"]),
                 job("retired-1", "closed", ["retired"]), job("retired-2", "closed", ["retired"], "stopped"),
                 job("retired-keep", "closed", ["retired"]), job("scratch-job", "opened", [], "started")],
        "tasks": {
            "Show the delete tasks": {"after": ["Delete a running job and its datafeed at once, without waiting"]},
            "Later, the same delete waits for it to finish (reported being_deleted, or already_absent if it ended)": {
                "after": ["Delete a running job and its datafeed at once, without waiting"],
                "changed": False, "why": "the delete it waits for was sent by the example before it (being_deleted)"},
        },
    },
    "ml_job_info": {
        "seed": [job("web-errors", "opened", ["retired"], "started"), job("web-latency", "closed", ["retired"]),
                 job("batch-nightly", "closed"), job("fraud-score", "opened", [], "started")],
        "tasks": {
            "List the jobs that still run": {"after": ["Read every job of a cluster"]},
            "Refuse the run when the plan says so": {"after": ["Plan closing, then deleting, a group, and stop on any problem"]},
        },
    },
    "ml_job": {
        "seed": [],
        "story": True,
        "tasks": {
            "Raise its memory limit while it runs (closed, updated and opened again)": {
                "prepare": [{"mlops.elasticsearch.ml_job_open": {"job_id": "web-traffic"}}]},
        },
    },
    "ml_datafeed": {
        "seed": [],
        "story": True,
        "tasks": {
            "Change its query, restarting it if it runs": {
                "prepare": [{"mlops.elasticsearch.ml_job_open": {"job_id": "web-response"}},
                            {"mlops.elasticsearch.ml_datafeed_start": {"datafeed_id": "datafeed-web-response"}}]},
        },
    },
    "ml_job_open": {
        # The job the first example opens, and another job of the group web for the one that opens the group.
        "seed": [job("web-requests", "closed", ["web"]), job("web-latency", "closed", ["web"])],
        "story": True,
    },
    "ml_datafeed_start": {
        # Jobs of the group web, opened, their datafeeds stopped: the first example starts one, the next the group's.
        "seed": [job("web-bytes", "opened", ["web"], "stopped"), job("web-latency", "opened", ["web"], "stopped")],
        "story": True,
    },
    "ml_datafeed_stop": {
        "seed": [job("web-bytes", "opened", ["web"], "started"), job("web-errors", "opened", ["web"], "started"),
                 job("web-keep", "opened", ["web"], "started"), job("nightly-sales", "opened", [], "started"),
                 job("nightly-stock", "opened", [], "started")],
    },
}
ENTRY_KEYS = {"seed", "vars", "story", "tasks", "delays"}
TASK_KEYS = {"after", "prepare", "seed", "changed", "why", "skip"}


def modules():
    return sorted(name[:-3] for name in os.listdir(MODULES_DIR) if name.endswith(".py") and not name.startswith("_"))


def examples_of(module):
    """The tasks of the module's EXAMPLES string (read from the file, not imported)."""
    tree = ast.parse(open(os.path.join(MODULES_DIR, module + ".py")).read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "EXAMPLES" for t in node.targets):
            return yaml.safe_load(ast.literal_eval(node.value)) or []
    return []


def where(module):
    return "MODULE_EXAMPLES[%r] in tests/docs/test_module_examples.py" % module


def test_every_module_example_is_covered():
    """Each module has an entry, and each entry names only examples that exist (a renamed example
    would silently lose its seed)."""
    problems = []
    for module in modules():
        examples = examples_of(module)
        names = [task.get("name") for task in examples]
        if not examples:
            continue
        if module not in MODULE_EXAMPLES:
            problems.append("%s has EXAMPLES (%s) and no entry: add %s = {\"seed\": [job(...) for the jobs its examples "
                            "name, in the states they act on], \"story\": True if each example builds on the ones before it, "
                            "\"vars\": {...} for the variables they use}" % (module, ", ".join(repr(n) for n in names), where(module)))
            continue
        entry = MODULE_EXAMPLES[module]
        problems.extend("%s: unknown key %r" % (where(module), key) for key in set(entry) - ENTRY_KEYS)
        if None in names or len(set(names)) != len(names):
            problems.append("%s EXAMPLES: every task needs a name of its own (the table refers to them)" % module)
        for name, spec in entry.get("tasks", {}).items():
            if name not in names:
                problems.append("%s names the example %r, which %s's EXAMPLES no longer has" % (where(module), name, module))
            problems.extend("%s[%r]: unknown key %r" % (where(module), name, key) for key in set(spec) - TASK_KEYS)
            problems.extend("%s[%r]: after names %r, not an earlier example" % (where(module), name, other)
                            for other in spec.get("after", []) if other not in names[:names.index(name)] if name in names)
            if spec.get("changed") is False and not spec.get("why"):
                problems.append("%s[%r]: changed False needs its why" % (where(module), name))
    problems.extend("%s: no module %s in plugins/modules" % (where(module), module) for module in set(MODULE_EXAMPLES) - set(modules()))
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------------------------
# Plays

def actions_of(tasks):
    """(action, arguments) of every task, blocks included, and the module_defaults they set."""
    found = []
    for task in tasks:
        for key, value in task.items():
            if key in ("block", "rescue", "always"):
                found.extend(actions_of(value))
            elif key == "module_defaults":
                found.extend(("module_defaults", args) for args in value.values())
            elif "." in key or key in ("debug", "assert", "set_fact"):
                found.append((key, value if isinstance(value, dict) else {}))
    return found


def names_credentials(tasks):
    return any(option in args for dummy, args in actions_of(tasks) for option in AUTH_OPTIONS)


def changes_things(action):
    """A task of the collection's modules that is not an _info module: it must report changed."""
    return action.startswith(COLLECTION) and not action.endswith("_info")


class Cluster:
    """A simulated cluster an example runs against: its URL, an API key of the user elastic, its CA."""

    def __init__(self, url, key, ca_path):
        self.url, self.key, self.ca_path = url, key, ca_path
        self.workdir = None  # where /var/lib/... paths go

    def substitute(self, tasks):
        text = yaml.safe_dump(tasks, sort_keys=False, width=1000)
        text = re.sub(r"https://[\w-]+\.example\.com:9200", self.url, text)

        def pki(match):
            assert re.search(r"(^|[/_.-])ca([/_.-]|$)", match.group(0)), "no generated file stands for %s" % match.group(0)
            return self.ca_path
        text = re.sub(r"/etc/pki/[\w./-]+", pki, text)
        text = re.sub(r"/var/lib/([\w./-]+)", lambda m: os.path.join(self.workdir, "var-lib-" + m.group(1).replace("/", "-")), text)
        return yaml.safe_load(text)

    def connected(self, tasks):
        """The tasks in a block whose module_defaults give the connection they do not name themselves."""
        defaults = {"hosts": self.url, "ca_path": self.ca_path}
        if not names_credentials(tasks):
            defaults["api_key"] = self.key
        return {"module_defaults": {GROUP: defaults}, "block": self.substitute(tasks)}


def example_play(module, index, examples, entry, cluster):
    task = examples[index]
    name = task["name"]
    spec = entry.get("tasks", {}).get(name, {})
    if "after" in spec:
        before = [t for t in examples if t["name"] in spec["after"]]
    else:
        before = examples[:index] if entry.get("story") else []
    setup = [dict(cluster.connected([t]), name="before: " + t["name"]) for t in before]
    setup.extend(dict(cluster.connected([t]), name="prepare") for t in spec.get("prepare", []))
    sim = {"url": cluster.url, "ca_path": cluster.ca_path}
    variables = {"es_hosts": cluster.url, "vault_es_api_key": cluster.key, "vault_es_password": VAULT_ES_PASSWORD}
    variables.update(entry.get("vars", {}))
    body = []
    if setup:
        body.append({"name": "setup", "check_mode": False, "block": setup})
    body.append({"name": "docs_sim mark", "docs_sim": dict(sim, op="mark")})
    body.append(dict(cluster.connected([task]), name="the example"))
    body.append({"name": "docs_sim read", "docs_sim": dict(sim, op="read")})
    return {"name": "%s %d" % (module, index + 1), "hosts": "localhost", "gather_facts": False, "vars": variables,
            "tasks": [{"name": "example", "block": body,
                       "rescue": [{"name": "docs example failed", "ansible.builtin.debug": {"msg": "rescued"}}]}]}


# ---------------------------------------------------------------------------------------------
# Running

@pytest.fixture(scope="module")
def examples_fleet(tmp_path_factory):
    """One simulated cluster per example task to run (TLS and security, as a production cluster), in one
    fleet per set of `delays` the modules ask for: {(module, index): (url, API key)}."""
    runs = []
    for module in modules():
        entry = MODULE_EXAMPLES.get(module, {})
        examples = examples_of(module)
        for index, task in enumerate(examples):
            if "skip" not in entry.get("tasks", {}).get(task.get("name"), {}):
                runs.append((module, index))
    fleets, clusters = [], {}
    try:
        by_delays = {}
        for run in runs:
            by_delays.setdefault(json.dumps(MODULE_EXAMPLES.get(run[0], {}).get("delays"), sort_keys=True), []).append(run)
        for delays, group in sorted(by_delays.items()):
            tls = str(tmp_path_factory.mktemp("examples-tls"))
            ca = os.path.join(tls, "ca.pem")
            fleet, urls = start_situations([("%s %d" % run, "", [], {}) for run in group], security=True, tls_dir=tls,
                                           delays=json.loads(delays))
            fleets.append(fleet)
            clusters.update((run, Cluster(urls["%s %d" % run], api_key(urls["%s %d" % run], ca), ca)) for run in group)
        yield runs, clusters
    finally:
        for fleet in fleets:
            fleet.stop()


def seed_all(runs, clusters):
    for module, index in runs:
        entry = MODULE_EXAMPLES[module]
        spec = entry.get("tasks", {}).get(examples_of(module)[index]["name"], {})
        reseed(clusters[(module, index)].url, copy.deepcopy(spec.get("seed", entry.get("seed", []))),
               clusters[(module, index)].ca_path)


def run_modules(workdir, playbooks, check):
    """ansible-playbook for every module at once: {module: (exit code, output, [result lines])}."""
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", ""), ANSIBLE_NOCOLOR="1",
               ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_RETRY_FILES_ENABLED="0",
               ANSIBLE_ACTION_PLUGINS=os.path.join(HERE, "plugins", "action"),
               ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, "plugins", "callback"), ANSIBLE_CALLBACKS_ENABLED="docs_results")
    mode = "check" if check else "run"
    running = {}
    for module, path in playbooks.items():
        results = os.path.join(workdir, "%s-%s.jsonl" % (module, mode))
        log = open(os.path.join(workdir, "%s-%s.log" % (module, mode)), "w")
        command = [os.path.join(BIN, "ansible-playbook"), path] + (["--check", "--diff"] if check else [])
        running[module] = (subprocess.Popen(command, cwd=workdir, env=dict(env, DOCS_RESULTS=results), stdout=log,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL), log, results)
    done = {}
    for module, (process, log, results) in running.items():
        code = process.wait(timeout=300)
        log.close()
        lines = [json.loads(line) for line in open(results)] if os.path.exists(results) else []
        done[module] = (code, open(log.name).read(), lines)
    return done


def judge(module, index, task, spec, lines, check):
    """What is wrong with one example's run, as sentences for the next developer (empty when all is well)."""
    mode = "--check --diff" if check else "the real run"
    label = "%s EXAMPLES, task %r (%s)" % (module, task["name"], mode)
    advice = ("Seed what it needs in %s (\"seed\", or per task \"after\", \"prepare\", \"seed\"), give its variables "
              "values (\"vars\"), or, if it truly cannot run here, \"skip\" it there with the reason; if the example "
              "is wrong, fix the EXAMPLES; if the module is, the module." % where(module))
    if not lines:
        return ["%s: did not run (see the log)" % label]
    names = [line["task"] for line in lines]
    failed = [line for line in lines if line["status"] == "failed"]
    if failed:
        marked = "docs_sim mark" in names
        return ["%s failed at %r%s: %s\n  %s" % (
            label, line["task"], "" if marked else ", before it ran (an earlier example it builds on, or a \"prepare\" task)",
            line["msg"], advice) for line in failed]
    if "docs_sim mark" not in names or "docs_sim read" not in names:
        return ["%s: incomplete run: %s" % (label, names)]
    mark, read = lines[names.index("docs_sim mark")], lines[names.index("docs_sim read")]
    ran = lines[names.index("docs_sim mark") + 1:names.index("docs_sim read")]
    problems = []
    if check:
        writes = [r for r in read["result"]["requests"] if not r.startswith("GET ")]
        if writes:
            problems.append("%s sent requests other than GET: %s" % (label, writes))
        changed = changes(mark["result"]["state"], read["result"]["state"])
        if changed:
            problems.append("%s changed the cluster:\n  %s" % (label, "\n  ".join(changed)))
    expected = spec.get("changed", True)
    for line in ran:
        if changes_things(line["action"]) and line["status"] == "ok" and line["changed"] != expected:
            problems.append("%s: %r reported changed=%s, expected %s. %s" % (
                label, line["task"], line["changed"], expected,
                "Its cluster gives it nothing to do: seed the jobs it names in the states it acts on (%s), or, when "
                "the example changes nothing by design, set \"changed\": False with \"why\" for it there." % where(module)
                if expected else "Remove \"changed\": False from %s, or make the example change nothing." % where(module)))
    if not any(line["status"] == "ok" for line in ran):
        problems.append("%s: nothing ran (%s)" % (label, [(line["task"], line["status"]) for line in ran]))
    return problems


def test_module_examples(examples_fleet, tmp_path):
    runs, clusters = examples_fleet
    assert all(module in MODULE_EXAMPLES for module, dummy in runs), "see test_every_module_example_is_covered"
    workdir = str(tmp_path)
    playbooks = {}
    for module in sorted(set(module for module, dummy in runs)):
        examples = examples_of(module)
        plays = []
        for dummy, index in [r for r in runs if r[0] == module]:
            clusters[(module, index)].workdir = workdir
            plays.append(example_play(module, index, examples, MODULE_EXAMPLES[module], clusters[(module, index)]))
        playbooks[module] = os.path.join(workdir, "examples-%s.yml" % module)
        with open(playbooks[module], "w") as handle:
            yaml.safe_dump(plays, handle, sort_keys=False, width=1000)
    problems = []
    for check in (True, False):
        seed_all(runs, clusters)
        for module, (code, output, lines) in sorted(run_modules(workdir, playbooks, check).items()):
            if code != 0:
                problems.append("ansible-playbook of %s's examples%s exited %d:\n%s" % (
                    module, " --check" if check else "", code, output[-3000:]))
                continue
            examples = examples_of(module)
            for dummy, index in [r for r in runs if r[0] == module]:
                task = examples[index]
                spec = MODULE_EXAMPLES[module].get("tasks", {}).get(task["name"], {})
                mine = [line for line in lines if line["play"] == "%s %d" % (module, index + 1)]
                problems.extend(judge(module, index, task, spec, mine, check))
    skipped = ["%s %r: %s" % (module, name, spec["skip"]) for module, entry in sorted(MODULE_EXAMPLES.items())
               for name, spec in entry.get("tasks", {}).items() if "skip" in spec]
    print("module examples run both ways: %d; skipped: %s" % (len(runs), skipped or "none"))
    assert not problems, "\n\n".join(problems)
