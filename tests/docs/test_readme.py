# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make test-readme`: what README.md, the guides in docs/ and the roles' READMEs tell a user to type works
as written, and every playbook of them works under `--check` too (the module EXAMPLES:
test_module_examples.py).

Every fenced block of README.md, docs/*.md and roles/*/README.md is either run here or skipped with
its reason (SKIPPED_COMMANDS in docs_support.py, and `skip_reason` below); a block this file does not
know fails test_every_block_is_known, so a new block in the docs must be taught here.

How blocks run, against simulated clusters (es-ml-simulator, built with hacking/demo.py's code):
- shell blocks: each command (backslash continuations joined, comments dropped) in a work directory,
  with the venv's bin first on PATH. The only changes made to a command: `--ask-vault-pass` becomes
  `--vault-password-file vault-pass`, and `ansible-vault create` gets that option, `--skip-tty-check` and an EDITOR
  writing the commented lines that follow it (no terminal here to prompt on); a command whose comment
  says `then without --check` is run again without it;
- YAML blocks that start with `# <path>` are files (inventory, group_vars, targets.yml): written to
  that path in the work directory first, then the commands run in document order;
- YAML plays run with ansible-playbook; a YAML task list runs wrapped in a play on localhost whose
  `module_defaults` point the collection's action group at a simulated cluster;
- JSON seed documents are loaded into a simulator; Python blocks run with the venv's Python.
Both ways: each play, task list and playbook command runs first with `--check --diff` against the
cluster state the real run meets, and must succeed, change nothing and send GET requests only (the
simulator's request log), then as written. A shell block that has its own `--check` command gets no
second dry run; its `--check` commands are held to the same GET-only rule.
Example values are replaced the same way everywhere (`substitute`): `https://<name>.example.com:9200`
URLs by simulated clusters, `/etc/pki/...` and `/var/lib/...` paths by paths in the work directory,
vault variables by extra vars or an encrypted vault file. The README's `clusters.yml` and the role
README's `clusters/` are inventory fixtures written here: one host per simulated cluster with its API key.
README commands run against the collection installed from the tarball, as the README installs it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
import json
import os
import re
import shlex
import subprocess
import sys

import pytest
import yaml

from docs_support import (COLLECTIONS, DOCUMENTS, GALAXY, ROLE_READMES, ROOT, VERSION, Workspace, api_key, blocks_of,
                          files_of, job, jobs_on, post, reseed, run_shell_block, sim, start_situations, states_on)


def skip_reason(doc, block):
    """Why a block that is not a command, a file, a play, a task list, a seed or Python is not run."""
    if doc == "docs/architecture.md" and block["lang"] == "text":
        return "a diagram of the code's layers for contributors, not something to type"
    if block["lang"] == "text" and "├──" in block["text"]:
        return "a directory tree: the YAML file blocks of the same guide create those files, and the commands use them"
    if doc == "docs/simulator.md" and block["text"].startswith("es-ml-simulator ["):
        return "a synopsis of the options (brackets are optional parts), not a command; tests/simulator runs them"
    if doc == "docs/benchmarks.md" and block["lang"] in ("", "text", "json"):
        return "figures of the last benchmark run (a table, its JSON line), written by make bench: output, not input"
    if block["lang"] == "json" and '"<regex' in block["text"]:
        return "the shape of a fault, with placeholders for each field's values; tests/simulator loads real faults"
    return None


# ---------------------------------------------------------------------------------------------
# Markdown

def kind_of(doc, block):
    if skip_reason(doc, block):
        return "skip"
    if block["lang"] in ("sh", "bash", "console", "shell"):
        return "shell"
    if block["lang"] == "yaml":
        first = block["text"].split("\n", 1)[0]
        if re.match(r"^# [\w./-]+\.ya?ml$", first):
            return "files"
        if re.match(r"^# [\w./-]+\.ya?ml in your project$", first):
            return "project-playbook"
        data = yaml.safe_load(block["text"])
        if isinstance(data, list) and data and all(isinstance(p, dict) and "hosts" in p for p in data):
            return "play"
        if isinstance(data, list) and data and all(isinstance(t, dict) and "name" in t for t in data):
            return "tasks"
    if block["lang"] == "json" and '"jobs"' in block["text"]:
        return "seed"
    if block["lang"] == "python":
        return "python"
    return None


def test_every_block_is_known():
    unknown = ["%s:%d (%s)" % (doc, b["line"], b["lang"] or "no language")
               for doc in DOCUMENTS for b in blocks_of(doc) if kind_of(doc, b) is None]
    assert not unknown, ("fenced blocks that tests/docs/test_readme.py neither runs nor skips with a reason: %s"
                         % ", ".join(unknown))


def test_relative_links_exist():
    missing = []
    for doc in DOCUMENTS:
        text = open(os.path.join(ROOT, doc)).read()
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if "://" in target:
                continue
            if not os.path.exists(os.path.normpath(os.path.join(ROOT, os.path.dirname(doc), target))):
                missing.append("%s -> %s" % (doc, target))
    assert not missing, missing


def shipped(path):
    """Whether the tarball carries a file of the repository (galaxy.yml's build_ignore: paths, folders, patterns)."""
    return not any(fnmatch.fnmatch(path, pattern) or path.startswith(pattern + "/")
                   or fnmatch.fnmatch(os.path.basename(path), pattern) for pattern in GALAXY["build_ignore"])


def test_unshipped_documents_are_linked_in_the_repository():
    """A shipped document links a file the tarball leaves out by its address in the repository
    (galaxy.yml's `repository` + /blob/main/), and such addresses name files that exist."""
    base = GALAXY["repository"].rstrip("/") + "/blob/main/"
    wrong = []
    for doc in DOCUMENTS:
        if not shipped(doc):
            continue
        text = open(os.path.join(ROOT, doc)).read()
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if target.startswith(base):
                if not os.path.exists(os.path.join(ROOT, target[len(base):])):
                    wrong.append("%s -> %s: no such file in the repository" % (doc, target))
            elif "://" not in target:
                path = os.path.relpath(os.path.normpath(os.path.join(ROOT, os.path.dirname(doc), target)), ROOT)
                if not shipped(path):
                    wrong.append("%s -> %s: not in the tarball; link %s%s" % (doc, target, base, path))
    assert not wrong, wrong


# ---------------------------------------------------------------------------------------------
# README.md

README_SITUATIONS = [
    ("es", "the README's single cluster", [job("web-errors", "opened", ["web", "retired"], "started"),
                                           job("web-latency", "opened", ["web"], "started"), job("web-keep", "opened", ["web"])], {}),
    ("eu", "clusters.yml", [job("old-1", "opened", ["retired"], "started"), job("keep", "opened")], {}),
    ("us", "clusters.yml", [job("old-2", "closed", ["retired"]), job("keep", "opened")], {}),
]
# What a registered variable of a README task list shows once the task list ran.
README_REGISTERED = {"web_jobs": '"web-keep"'}


@pytest.fixture(scope="module")
def readme_fleet():
    fleet, urls = start_situations(README_SITUATIONS, security=True)
    try:
        yield urls
    finally:
        fleet.stop()


def registered(tasks):
    found = []
    for task in tasks:
        found.extend([task["register"]] if "register" in task else [])
        for key in ("block", "rescue", "always"):
            found.extend(registered(task.get(key) or []))
    return found


def test_readme(readme_fleet, tmp_path):
    installed = str(tmp_path / "installed")
    ws = Workspace(str(tmp_path / "work"), installed, readme_fleet)
    # The tarball the Install block installs, "built by `ansible-galaxy collection build`".
    ws.run("ansible-galaxy collection build --force %s" % shlex.quote(ROOT))
    assert os.path.exists(os.path.join(ws.path, "mlops-elasticsearch-%s.tar.gz" % VERSION))
    key = api_key(readme_fleet["es"])
    # clusters.yml, named as in the README: one host per cluster, its URL and API key as host variables.
    ws.write("clusters.yml", json.dumps({"clusters": {"hosts": dict(
        (name, {"elasticsearch_hosts": readme_fleet[name], "elasticsearch_api_key": api_key(readme_fleet[name])})
        for name in ("eu", "us"))}}, indent=2))
    done = []
    for block in blocks_of("README.md"):
        kind = kind_of("README.md", block)
        if kind == "shell":
            for command, outcome in run_shell_block(ws, block):
                done.append((command, outcome))
                if command.startswith("ansible-galaxy collection install"):
                    assert os.path.exists(os.path.join(installed, "ansible_collections", "mlops", "elasticsearch", "MANIFEST.json"))
        elif kind == "play":
            ws.write("play.yml", ws.substitute(block["text"]))
            ws.check_then_run("ansible-playbook play.yml -e vault_es_api_key=%s" % key)
            done.append((block["text"].splitlines()[0], "ran (dry run, then as written)"))
        elif kind == "tasks":
            tasks = yaml.safe_load(ws.substitute(block["text"]))
            names = registered(tasks)
            play = [{"name": "README task block", "hosts": "localhost", "gather_facts": False,
                     "module_defaults": {"group/mlops.elasticsearch.elasticsearch": {
                         "hosts": readme_fleet["es"], "api_key": key}},
                     "tasks": tasks + [{"name": "Show %s" % name, "ansible.builtin.debug": {"var": name}} for name in names]}]
            ws.write("tasks.yml", yaml.safe_dump(play, sort_keys=False))
            out = ws.check_then_run("ansible-playbook tasks.yml").stdout
            for name in names:
                assert name in README_REGISTERED, "README registers %s: add what it shows to README_REGISTERED" % name
                assert README_REGISTERED[name] in out, out
            done.append((block["text"].splitlines()[0], "ran (dry run, then as written)"))
        else:
            assert kind == "skip", (block, kind)
    # The examples did what they say: two jobs retired, one closed and kept; clusters.yml's targets were
    # deleted, then restored from the campaign's backups as they were (old-1 running, old-2 closed).
    assert states_on(readme_fleet["es"]) == {"web-keep": "closed"}
    assert states_on(readme_fleet["eu"]) == {"keep": "opened", "old-1": "opened"}
    assert states_on(readme_fleet["us"]) == {"keep": "opened", "old-2": "closed"}
    assert [j["datafeed"]["state"] for j in sim(readme_fleet["eu"], "/_sim/state")["jobs"] if j["job_id"] == "old-1"] == [
        "started"]
    ran = [c for c, what in done if what.startswith("ran")]
    assert any(c.startswith("ansible-playbook mlops.elasticsearch.decommission") for c in ran), done
    assert any(c.startswith("ansible-playbook mlops.elasticsearch.deploy") for c in ran), done
    assert sum(1 for c in ran if c.startswith("ansible-doc")) == 2, done
    # the play, the two task lists and the restore command (its block has no --check of its own)
    assert sum(1 for c, what in done if "dry run" in what) == 4, done


# ---------------------------------------------------------------------------------------------
# docs/decommissioning.md

GUIDE_USERS = {"elastic": {"password": "changeme", "roles": ["superuser"]},
               "ml_decommission": {"password": "guide-password", "roles": ["machine_learning_admin"]}}
GUIDE_SEED = [job("web-errors", "opened", ["retired"], "started"), job("web-latency", "opened", [], "started"),
              job("web-keep", "opened", [], "started"), job("legacy-fraud-score", "closed"), job("fraud-score", "opened")]
GUIDE_LEFT = ["fraud-score", "web-keep"]
GUIDE_RESTORE_REPORT = "/var/lib/ml-decommission/2026-11-retire-web-restore"


def test_decommissioning_guide(tmp_path):
    doc = "docs/decommissioning.md"
    tls = str(tmp_path / "tls")
    ca = os.path.join(tls, "ca.pem")
    users = str(tmp_path / "users.json")
    with open(users, "w") as handle:
        json.dump(GUIDE_USERS, handle)
    example_hosts = re.findall(r"https://([\w-]+)\.example\.com:9200", open(os.path.join(ROOT, doc)).read())
    names = sorted(set(re.sub(r"[a-z]$", "", n) for n in example_hosts))
    assert names == ["es-eu-1", "es-eu-2", "es-us-1"], names
    situations = [(name, "guide", GUIDE_SEED, {}) for name in names]
    fleet, urls = start_situations(situations, security=True, users=users, tls_dir=tls)
    try:
        ws = Workspace(str(tmp_path / "work"), COLLECTIONS, urls, ca_path=ca)
        ws.replacements = [("/etc/pki/elasticsearch/ca.pem", ca),
                           ("/var/lib/ml-decommission", os.path.join(ws.path, "var-lib-ml-decommission")),
                           ("vault_elasticsearch_password: ...", "vault_elasticsearch_password: guide-password"),
                           ('es-us-1: "<encoded API key>"', 'es-us-1: "%s"' % api_key(urls["es-us-1"], ca))]
        ws.report_dir = ws.substitute("/var/lib/ml-decommission/2026-11-retire-web")
        ws.write("vault-pass", "guide-vault-password\n", 0o600)

        def seed():
            for url in urls.values():
                reseed(url, GUIDE_SEED, ca)

        def restored(command):
            """After the restore (or its plan): every seeded job back as it was, or nothing changed."""
            report = json.load(open(os.path.join(ws.substitute(GUIDE_RESTORE_REPORT), "report.json")))
            check = "--check" in command
            assert report["report"] == "mlops.elasticsearch.ml_job_deploy"
            assert report["mode"] == ("plan" if check else "run"), report["mode"]
            assert all(c["status"] == ("planned" if check else "changed") for c in report["clusters"]), report["clusters"]
            for url in urls.values():
                assert states_on(url, ca) == (dict((j["job_id"], j["state"]) for j in GUIDE_SEED if j["job_id"] in GUIDE_LEFT)
                                              if check else dict((j["job_id"], j["state"]) for j in GUIDE_SEED))

        def report_of(command):
            report = json.load(open(os.path.join(ws.report_dir, "report.json")))
            check = "--check" in command
            assert report["mode"] == ("plan" if check else "run"), report["mode"]
            assert sorted(c["cluster"] for c in report["clusters"]) == names
            assert all(c["status"] == ("planned" if check else "changed") for c in report["clusters"]), report["clusters"]
            for url in urls.values():
                assert jobs_on(url, ca) == (sorted(j["job_id"] for j in GUIDE_SEED) if check else GUIDE_LEFT)
            # The fields the guide's jq example reads are the report's.
            assert all("status" in c and "cluster" in c and "failed" in c for c in report["clusters"])

        blocks = blocks_of(doc)
        for block in blocks:  # the files first: the commands of section 2 use targets.yml of section 3
            if kind_of(doc, block) == "files":
                for path, content in files_of(block["text"]).items():
                    ws.write(path, ws.substitute(content))
        ran = []
        for block in blocks:
            kind = kind_of(doc, block)
            if kind == "shell" and "mlops.elasticsearch.deploy" in block["text"]:
                # Restoring the campaign: on what the real run of section 5 left, no reseed.
                ran.extend(run_shell_block(ws, block, after_playbook=restored))
            elif kind == "shell":
                ran.extend(run_shell_block(ws, block, before_playbook=seed, after_playbook=report_of))
            elif kind == "project-playbook":
                ws.write("decommission.yml", block["text"])
                seed()
                ws.check_then_run("ansible-playbook decommission.yml -i clusters/ -e @targets.yml --vault-password-file vault-pass")
                for url in urls.values():
                    assert jobs_on(url, ca) == GUIDE_LEFT
                ran.append(("AWX project playbook", "ran (dry run, then as written)"))
            else:
                assert kind in ("files", "skip"), (block, kind)
    finally:
        fleet.stop()
    commands = [c for c, what in ran if what.startswith("ran")]
    as_written = [c for c, what in ran if what.startswith("ran") and what != "ran (dry run)"]
    assert len([c for c in as_written if c.startswith("ansible-playbook mlops.elasticsearch.decommission")]) == 3, ran
    assert len([c for c in as_written if c.startswith("ansible-playbook mlops.elasticsearch.deploy")]) == 2, ran
    # Section 5's real run has no --check of its own: its dry run ran first.
    assert len([c for c, what in ran if what == "ran (dry run)"]) == 1, ran
    assert any(c.startswith("ansible-vault create") for c in commands) and any(c.startswith("jq") for c in commands)


# ---------------------------------------------------------------------------------------------
# roles/*/README.md

ROLE_README_SITUATIONS = [
    ("prod-eu", "es_eu", [job("web-errors", "opened", ["retired"], "started"), job("web-latency", "opened", [], "started"),
                          job("web-keep", "opened", []), job("batch-nightly", "closed"), job("fraud-score", "opened", ["prod"], "started")], {}),
    ("prod-us", "es_us", [job("web-errors", "opened", ["retired"], "started"), job("batch-hourly", "opened", [], "started"),
                          job("fraud-score", "opened", ["prod"], "started")], {}),
]


def write_role_clusters(ws, urls):
    """clusters/, the roles' READMEs' inventory: one host per cluster, in the groups es_eu and es_us the plays name."""
    ws.write("clusters/hosts.yml", json.dumps(dict(
        (group, {"hosts": {name: {"elasticsearch_hosts": urls[name], "elasticsearch_api_key": api_key(urls[name])}}})
        for name, group, dummy_seed, dummy_extra in ROLE_README_SITUATIONS), indent=2))


def found_states(url):
    return dict((j["job_id"], j["state"] + ("/" + j["datafeed"]["state"] if j["datafeed"] else ""))
                for j in sim(url, "/_sim/state")["jobs"])


def run_role_block(ws, doc, block):
    """A role README's shell block, or its play on clusters/ (dry run, then as written): [(what, outcome)];
    [] for the blocks that are files or skipped."""
    kind = kind_of(doc, block)
    if kind == "shell":
        return run_shell_block(ws, block)
    if kind == "play":
        ws.write("play.yml", ws.substitute(block["text"]))
        ws.check_then_run("ansible-playbook play.yml -i clusters/")
        return [(block["text"].splitlines()[0], "ran (dry run, then as written)")]
    assert kind in ("files", "skip"), (block, kind)
    return []


def test_role_readmes_are_known():
    assert ROLE_READMES == ["roles/ml_job_decommission/README.md", "roles/ml_job_deploy/README.md"], (
        "a new role's README: teach test_readme.py a test of its own, as test_role_readme")


def test_role_readme(tmp_path):
    """The decommission role's README: the playbook's plan then its run on an inventory `clusters/` (a fixture:
    one host per cluster, in the groups es_eu and es_us the play names), the restore of the campaign with the
    deploy playbook, and the play that uses the role."""
    doc = "roles/ml_job_decommission/README.md"
    fleet, urls = start_situations(ROLE_README_SITUATIONS, security=True)
    try:
        ws = Workspace(str(tmp_path / "work"), COLLECTIONS, urls)
        ws.replacements = [("/var/lib/ml-decommission", os.path.join(ws.path, "var-lib-ml-decommission"))]
        ws.report_dir = os.path.join(ws.path, "ml_job_decommission_report")  # the role's default, relative to the run
        write_role_clusters(ws, urls)
        # What each block leaves, in the README's order: the plan then the run of retired and batch-*, the
        # restore (every deleted job back in the states it had), the play (web-errors and web-latency retired).
        left = [{"prod-eu": {"fraud-score": "opened/started", "web-keep": "opened", "web-latency": "opened/started"},
                 "prod-us": {"fraud-score": "opened/started"}},
                {"prod-eu": {"batch-nightly": "closed", "fraud-score": "opened/started", "web-errors": "opened/started",
                             "web-keep": "opened", "web-latency": "opened/started"},
                 "prod-us": {"batch-hourly": "opened/started", "fraud-score": "opened/started",
                             "web-errors": "opened/started"}},
                {"prod-eu": {"batch-nightly": "closed", "fraud-score": "opened/started", "web-keep": "opened"}}]
        ran = []
        for block in blocks_of(doc):
            done = run_role_block(ws, doc, block)
            if not done:
                continue
            ran.extend(done)
            for name, states in left.pop(0).items():
                found = found_states(urls[name])
                assert found == states, "%s:%d left on %s: %s" % (doc, block["line"], name, found)
    finally:
        fleet.stop()
    assert [what for c, what in ran] == ["ran (check)", "ran (as its comment says, without --check)", "ran (dry run)",
                                         "ran", "ran (dry run, then as written)"], ran


DEPLOY_README_SITUATIONS = [
    ("prod-eu", "es_eu", [job("retired", "opened")], {}),
    ("prod-us", "es_us", [], {}),
]


def test_deploy_role_readme(tmp_path):
    """The deploy role's README: its definition files written to jobs/ first, then the playbook's plan and run on
    `clusters/` (retired runs on prod-eu: its definition enforces closed), then the play that uses the role
    (nothing left to do) with its report."""
    doc = "roles/ml_job_deploy/README.md"
    fleet, urls = start_situations(DEPLOY_README_SITUATIONS, security=True)
    try:
        ws = Workspace(str(tmp_path / "work"), COLLECTIONS, urls)
        ws.replacements = [("/var/lib/ml-deploy", os.path.join(ws.path, "var-lib-ml-deploy"))]
        write_role_clusters(ws, urls)
        blocks = blocks_of(doc)
        written = []
        for block in blocks:  # the definition files first: the command before them reads them
            if kind_of(doc, block) == "files":
                for path, content in files_of(block["text"]).items():
                    written.append(ws.write(path, ws.substitute(content)))
        deployed = {"batch-nightly": "closed", "retired": "closed", "web-errors": "opened/started"}
        ran = []
        for block in blocks:
            done = run_role_block(ws, doc, block)
            ran.extend(done)
            for name in urls if done else []:
                assert found_states(urls[name]) == deployed, "%s:%d left on %s" % (doc, block["line"], name)
        # The command's run closed retired where it ran; the play found nothing left to do.
        report = json.load(open(os.path.join(ws.path, "ml_job_deploy_report", "report.json")))
        assert dict((c["cluster"], c["closed"]) for c in report["clusters"]) == {"prod-eu": ["retired"], "prod-us": []}
        report = json.load(open(os.path.join(ws.path, "var-lib-ml-deploy", "eu", "report.json")))
        assert [(c["cluster"], c["status"]) for c in report["clusters"]] == [("prod-eu", "ok")], report
    finally:
        fleet.stop()
    assert len(written) == 3, written
    assert [what for c, what in ran] == ["ran (check)", "ran (as its comment says, without --check)",
                                         "ran (dry run, then as written)"], ran


# ---------------------------------------------------------------------------------------------
# docs/simulator.md (and any other guide's blocks)

def test_other_guides(tmp_path):
    for doc in DOCUMENTS:
        if doc in ("README.md", "docs/decommissioning.md") or doc in ROLE_READMES:
            continue
        for block in blocks_of(doc):
            kind = kind_of(doc, block)
            if kind == "python":
                path = str(tmp_path / "block.py")
                with open(path, "w") as handle:
                    handle.write(block["text"])
                subprocess.run([sys.executable, path], check=True, timeout=60)
            elif kind == "seed":
                fleet, urls = start_situations([("one", "", [], {})])
                try:
                    post(urls["one"] + "/_sim/load", json.loads(block["text"]))
                    assert jobs_on(urls["one"]) == sorted(j["job_id"] for j in json.loads(block["text"])["jobs"])
                finally:
                    fleet.stop()
            elif kind == "shell":
                ws = Workspace(str(tmp_path), COLLECTIONS, {})
                run_shell_block(ws, block)
            else:
                assert kind == "skip", "%s:%d: %s" % (doc, block["line"], kind)
