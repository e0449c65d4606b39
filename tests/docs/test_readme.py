# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make test-readme`: what README.md and the guides in docs/ tell a user to type works as written.

Every fenced block of README.md and docs/*.md is either run here or skipped with its reason
(SKIPPED_COMMANDS, and `skip_reason` below); a block this file does not know fails
test_every_block_is_known, so a new block in the docs must be taught here.

How blocks run, against simulated clusters (es-ml-simulator, built with hacking/demo.py's code):
- shell blocks: each command (backslash continuations joined, comments dropped) in a work directory,
  with the venv's bin first on PATH. The only changes made to a command: `--ask-vault-pass` becomes
  `--vault-password-file vault-pass`, and `ansible-vault create` gets that option, `--skip-tty-check` and an EDITOR
  writing the commented lines that follow it (no terminal here to prompt on);
- YAML blocks that start with `# <path>` are files (inventory, group_vars, targets.yml): written to
  that path in the work directory first, then the commands run in document order;
- YAML plays run with ansible-playbook; a YAML task list runs wrapped in a play on localhost whose
  `module_defaults` point the collection's action group at a simulated cluster;
- JSON seed documents are loaded into a simulator; Python blocks run with the venv's Python.
Example values are replaced the same way everywhere (`substitute`): `https://<name>.example.com:9200`
URLs by simulated clusters, `/etc/pki/...` and `/var/lib/...` paths by paths in the work directory,
vault variables by extra vars or an encrypted vault file. The README's `clusters.yml` is an
inventory fixture written here: one host per simulated cluster with its API key.
README commands run against the collection installed from the tarball, as the README installs it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import os
import re
import shlex
import ssl
import subprocess
import sys
import urllib.request

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "hacking"))

from demo import job, post, start_situations  # noqa: E402  pylint: disable=wrong-import-position

BIN = os.path.dirname(sys.executable)
COLLECTIONS = os.environ.get("ANSIBLE_COLLECTIONS_PATH") or os.path.join(ROOT, "build", "collections")
DOCUMENTS = ["README.md"] + sorted("docs/" + name for name in os.listdir(os.path.join(ROOT, "docs")) if name.endswith(".md"))
VERSION = yaml.safe_load(open(os.path.join(ROOT, "galaxy.yml")))["version"]

# Commands not run, and why.
SKIPPED_COMMANDS = {
    "make test": "it runs this test (recursion)",
    "make demo": "its own target, run by hand: hacking/demo.py against the same simulator and playbook",
    "make docs": "make test-docs, in the same make test, builds it (and lints it): building it here again would "
                 "race it over build/docs",
    "make bench": "the benchmarks take minutes and rewrite docs/benchmarks.md; make test runs its own checks",
}


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

def blocks_of(doc):
    """Fenced blocks of a Markdown file: [{lang, text, line}], indentation of list items removed."""
    found = []
    lines = open(os.path.join(ROOT, doc)).read().splitlines()
    index = 0
    while index < len(lines):
        match = re.match(r"^(\s*)```(\w*)\s*$", lines[index])
        if match:
            indent, lang, start = match.group(1), match.group(2), index
            body = []
            index += 1
            while not re.match(r"^%s```\s*$" % indent, lines[index]):
                body.append(lines[index][len(indent):])
                index += 1
            found.append({"lang": lang, "text": "\n".join(body) + "\n", "line": start + 1})
        index += 1
    return found


def commands_of(text):
    """Shell commands of a block: continuations joined, comment lines and trailing comments dropped,
    and the comment lines right after a command kept as its `notes` (what to type into an editor)."""
    commands = []
    for line in re.sub(r"\\\n\s*", " ", text).splitlines():
        if line.lstrip().startswith("#"):
            if commands:
                commands[-1]["notes"].append(line.lstrip()[1:].strip())
            continue
        line = re.sub(r"\s+#\s.*$", "", line).strip()
        if line:
            commands.append({"command": line, "notes": []})
    return commands


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


def files_of(text):
    """A block of `# path` comments each followed by that file's content."""
    files = {}
    current = None
    for line in text.splitlines():
        match = re.match(r"^# ([\w./-]+\.ya?ml)$", line)
        if match:
            current = match.group(1)
            files[current] = []
        elif current:
            files[current].append(line)
    return dict((path, "\n".join(body).strip() + "\n") for path, body in files.items())


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


# ---------------------------------------------------------------------------------------------
# Running

class Workspace:
    """A work directory, the environment commands run in, and the substitutions of example values."""

    def __init__(self, path, collections, urls, extra_env=None):
        self.path = path
        self.urls = urls  # example host name (without a/b node suffix) -> simulated cluster URL
        self.replacements = []
        self.env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", ""), ANSIBLE_NOCOLOR="1",
                        ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_RETRY_FILES_ENABLED="0")
        self.env.update(extra_env or {})
        self.log = []

    def substitute(self, text):
        def url(match):
            name = match.group(1)
            key = name if name in self.urls else re.sub(r"[a-z]$", "", name)
            assert key in self.urls, "no simulated cluster stands for %s" % match.group(0)
            return self.urls[key]
        text = re.sub(r"https://([\w-]+)\.example\.com:9200", url, text)
        for old, new in self.replacements:
            text = text.replace(old, new)
        return text

    def write(self, relative, content, mode=0o644):
        path = os.path.join(self.path, relative)
        if not os.path.isdir(os.path.dirname(path)):
            os.makedirs(os.path.dirname(path))
        with open(path, "w") as handle:
            handle.write(content)
        os.chmod(path, mode)
        return path

    def run(self, command, cwd=None, env=None, check=True):
        done = subprocess.run(command, shell=True, cwd=cwd or self.path, env=env or self.env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=300,
                              check=False)
        self.log.append((command, done.returncode, done.stdout))
        if check:
            assert done.returncode == 0, "`%s` exited %d:\n%s" % (command, done.returncode, done.stdout[-4000:])
        assert "[WARNING]: " not in done.stdout or "was not found" not in done.stdout, done.stdout[-4000:]
        return done


def run_command(ws, item, doc):
    command = ws.substitute(item["command"])
    words = shlex.split(command)
    skipped = SKIPPED_COMMANDS.get(" ".join(words[:2]))
    if skipped:
        return "skipped: " + skipped
    if "--ask-vault-pass" in words:
        command = command.replace("--ask-vault-pass", "--vault-password-file vault-pass")
    if words[:2] == ["ansible-vault", "create"]:
        # The lines commented under the command are what the user types into the editor.
        content = "\n".join(ws.substitute(note) for note in item["notes"]) + "\n"
        editor = ws.write("write-vault-content", "#!/bin/sh\ncat > \"$1\" <<'EOF'\n%sEOF\n" % content, 0o755)
        env = dict(ws.env, EDITOR=editor)
        ws.run(command + " --vault-password-file vault-pass --skip-tty-check", env=env)
        path = os.path.join(ws.path, words[2])
        assert open(path).read().startswith("$ANSIBLE_VAULT;"), "not encrypted: %s" % path
        return "ran (vault)"
    cwd = None
    if words[0] == "jq":
        cwd = ws.report_dir
    ws.run(command, cwd=cwd)
    return "ran"


def jobs_on(url, ca_path=None):
    context = ssl.create_default_context(cafile=ca_path) if ca_path else None
    with urllib.request.urlopen(url + "/_sim/state", timeout=10, context=context) as answer:
        return sorted(j["job_id"] for j in json.load(answer)["jobs"])


def api_key(url, ca_path=None):
    """An API key of the simulator's user elastic, encoded as Elasticsearch returns it."""
    request = urllib.request.Request(url + "/_security/api_key", data=json.dumps({"name": "docs-test"}).encode(),
                                     method="POST", headers={"Content-Type": "application/json", "Authorization": "Basic "
                                                             + base64.b64encode(b"elastic:changeme").decode()})
    context = ssl.create_default_context(cafile=ca_path) if ca_path else None
    with urllib.request.urlopen(request, timeout=10, context=context) as answer:
        return json.load(answer)["encoded"]


# ---------------------------------------------------------------------------------------------
# README.md

README_SITUATIONS = [
    ("es", "the README's single cluster", [job("web-errors", "opened", ["web", "retired"], "started"),
                                           job("web-latency", "opened", ["web"], "started"), job("web-keep", "opened", ["web"])], {}),
    ("eu", "clusters.yml", [job("old-1", "opened", ["retired"], "started"), job("keep", "opened")], {}),
    ("us", "clusters.yml", [job("old-2", "closed", ["retired"]), job("keep", "opened")], {}),
]


@pytest.fixture(scope="module")
def readme_fleet():
    fleet, urls = start_situations(README_SITUATIONS, security=True)
    try:
        yield urls
    finally:
        fleet.stop()


def test_readme(readme_fleet, tmp_path):
    installed = str(tmp_path / "installed")
    ws = Workspace(str(tmp_path / "work"), installed, readme_fleet)
    os.makedirs(ws.path)
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
            for item in commands_of(block["text"]):
                done.append((item["command"], run_command(ws, item, "README.md")))
                if item["command"].startswith("ansible-galaxy collection install"):
                    assert os.path.exists(os.path.join(installed, "ansible_collections", "mlops", "elasticsearch", "MANIFEST.json"))
        elif kind == "play":
            ws.write("play.yml", ws.substitute(block["text"]))
            ws.run("ansible-playbook play.yml -e vault_es_api_key=%s" % key)
            done.append((block["text"].splitlines()[0], "ran"))
        elif kind == "tasks":
            play = [{"name": "README task block", "hosts": "localhost", "gather_facts": False,
                     "module_defaults": {"group/mlops.elasticsearch.elasticsearch": {
                         "hosts": readme_fleet["es"], "api_key": key}},
                     "tasks": yaml.safe_load(block["text"]) + [{"name": "Show", "ansible.builtin.debug": {"var": "web_jobs"}}]}]
            ws.write("tasks.yml", yaml.safe_dump(play, sort_keys=False))
            out = ws.run("ansible-playbook tasks.yml").stdout
            assert '"web-keep"' in out, out
            done.append((block["text"].splitlines()[0], "ran"))
        else:
            assert kind == "skip", (block, kind)
    # The examples did what they say: the play retired its two jobs; clusters.yml's targets are gone.
    assert jobs_on(readme_fleet["es"]) == ["web-keep"]
    assert jobs_on(readme_fleet["eu"]) == ["keep"] and jobs_on(readme_fleet["us"]) == ["keep"]
    ran = [c for c, what in done if what.startswith("ran")]
    assert any(c.startswith("ansible-playbook mlops.elasticsearch.decommission") for c in ran), done
    assert sum(1 for c in ran if c.startswith("ansible-doc")) == 2, done


# ---------------------------------------------------------------------------------------------
# docs/decommissioning.md

GUIDE_USERS = {"elastic": {"password": "changeme", "roles": ["superuser"]},
               "ml_decommission": {"password": "guide-password", "roles": ["machine_learning_admin"]}}
GUIDE_SEED = [job("web-errors", "opened", ["retired"], "started"), job("web-latency", "opened", [], "started"),
              job("web-keep", "opened", [], "started"), job("legacy-fraud-score", "closed"), job("fraud-score", "opened")]
GUIDE_LEFT = ["fraud-score", "web-keep"]


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
        ws = Workspace(str(tmp_path / "work"), COLLECTIONS, urls)
        ws.replacements = [("/etc/pki/elasticsearch/ca.pem", ca),
                           ("/var/lib/ml-decommission", os.path.join(ws.path, "var-lib-ml-decommission")),
                           ("vault_elasticsearch_password: ...", "vault_elasticsearch_password: guide-password"),
                           ('es-us-1: "<encoded API key>"', 'es-us-1: "%s"' % api_key(urls["es-us-1"], ca))]
        ws.report_dir = ws.substitute("/var/lib/ml-decommission/2026-11-retire-web")
        os.makedirs(ws.path)
        ws.write("vault-pass", "guide-vault-password\n", 0o600)
        blocks = blocks_of(doc)
        for block in blocks:  # the files first: the commands of section 2 use targets.yml of section 3
            if kind_of(doc, block) == "files":
                for path, content in files_of(block["text"]).items():
                    ws.write(path, ws.substitute(content))
        ran = []
        for block in blocks:
            kind = kind_of(doc, block)
            if kind == "shell":
                for item in commands_of(block["text"]):
                    playbook = item["command"].startswith("ansible-playbook")
                    if playbook:
                        for url in urls.values():
                            post(url + "/_sim/reset", {}, ca)
                            post(url + "/_sim/load", {"jobs": GUIDE_SEED}, ca)
                    ran.append((item["command"], run_command(ws, item, doc)))
                    if playbook:
                        report = json.load(open(os.path.join(ws.report_dir, "report.json")))
                        check = "--check" in item["command"]
                        assert report["mode"] == ("plan" if check else "run"), report["mode"]
                        assert sorted(c["cluster"] for c in report["clusters"]) == names
                        assert all(c["status"] == ("planned" if check else "changed") for c in report["clusters"]), report["clusters"]
                        for url in urls.values():
                            assert jobs_on(url, ca) == (sorted(j["job_id"] for j in GUIDE_SEED) if check else GUIDE_LEFT)
                        # The fields the guide's jq example reads are the report's.
                        assert all("status" in c and "cluster" in c and "failed" in c for c in report["clusters"])
            elif kind == "project-playbook":
                ws.write("decommission.yml", block["text"])
                for url in urls.values():
                    post(url + "/_sim/load", {"jobs": GUIDE_SEED}, ca)
                ws.run("ansible-playbook decommission.yml -i clusters/ -e @targets.yml --vault-password-file vault-pass")
                for url in urls.values():
                    assert jobs_on(url, ca) == GUIDE_LEFT
                ran.append(("AWX project playbook", "ran"))
            else:
                assert kind in ("files", "skip"), (block, kind)
    finally:
        fleet.stop()
    commands = [c for c, what in ran if what.startswith("ran")]
    assert len([c for c in commands if c.startswith("ansible-playbook")]) == 3, ran
    assert any(c.startswith("ansible-vault create") for c in commands) and any(c.startswith("jq") for c in commands)


# ---------------------------------------------------------------------------------------------
# docs/simulator.md (and any other guide's blocks)

def test_other_guides(tmp_path):
    for doc in DOCUMENTS:
        if doc in ("README.md", "docs/decommissioning.md"):
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
                for item in commands_of(block["text"]):
                    run_command(ws, item, doc)
            else:
                assert kind == "skip", "%s:%d: %s" % (doc, block["line"], kind)
