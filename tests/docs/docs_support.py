# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What tests/docs shares: the documents' fenced blocks, a work directory that runs commands with the
examples' values substituted, the simulator's admin API, and the dry run every documented playbook gets.

A dry run (`check_run`): the command with `--check --diff`, against the cluster state the real run
will meet. It must succeed, leave every simulated cluster as it was and send GET requests only (the
simulator's request log, `GET /_sim/requests`, says so; `/_sim/` calls are not logged).
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

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.dirname(sys.executable)
COLLECTIONS = os.environ.get("ANSIBLE_COLLECTIONS_PATH") or os.path.join(ROOT, "build", "collections")
GALAXY = yaml.safe_load(open(os.path.join(ROOT, "galaxy.yml")))
VERSION = GALAXY["version"]
ROLE_READMES = sorted(os.path.join("roles", name, "README.md") for name in os.listdir(os.path.join(ROOT, "roles"))
                      if os.path.exists(os.path.join(ROOT, "roles", name, "README.md")))
DOCUMENTS = (["README.md"] + sorted("docs/" + name for name in os.listdir(os.path.join(ROOT, "docs")) if name.endswith(".md"))
             + ROLE_READMES)

sys.path.insert(0, os.path.join(ROOT, "hacking"))

from demo import job, post, start_situations  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import


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
        comment = re.search(r"\s+#\s(.*)$", line)
        line = re.sub(r"\s+#\s.*$", "", line).strip()
        if line:
            commands.append({"command": line, "notes": [], "comment": comment.group(1).strip() if comment else ""})
    return commands


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


def is_playbook(command):
    return command.split(None, 1)[0] == "ansible-playbook"


def is_check(command):
    return is_playbook(command) and "--check" in shlex.split(command)


# ---------------------------------------------------------------------------------------------
# The simulator's admin API

def sim(url, path, method="GET", document=None, ca_path=None):
    data = None if document is None else json.dumps(document).encode()
    request = urllib.request.Request(url + path, data=data, method=method, headers={"Content-Type": "application/json"})
    context = ssl.create_default_context(cafile=ca_path) if ca_path else None
    with urllib.request.urlopen(request, timeout=10, context=context) as answer:
        return json.load(answer)


def reseed(url, jobs, ca_path=None):
    """The cluster emptied, then loaded with `jobs` (seed documents, see demo.job)."""
    sim(url, "/_sim/reset", "POST", {}, ca_path)
    sim(url, "/_sim/load", "POST", {"jobs": jobs}, ca_path)


def jobs_on(url, ca_path=None):
    return sorted(j["job_id"] for j in sim(url, "/_sim/state", ca_path=ca_path)["jobs"])


def states_on(url, ca_path=None):
    return dict((j["job_id"], j["state"]) for j in sim(url, "/_sim/state", ca_path=ca_path)["jobs"])


def api_key(url, ca_path=None):
    """An API key of the simulator's user elastic, encoded as Elasticsearch returns it."""
    request = urllib.request.Request(url + "/_security/api_key", data=json.dumps({"name": "docs-test"}).encode(),
                                     method="POST", headers={"Content-Type": "application/json", "Authorization": "Basic "
                                                             + base64.b64encode(b"elastic:changeme").decode()})
    context = ssl.create_default_context(cafile=ca_path) if ca_path else None
    with urllib.request.urlopen(request, timeout=10, context=context) as answer:
        return json.load(answer)["encoded"]


def in_flight(job_state):
    """A job whose state was already changing (a delete, close or open under way) when it was read."""
    return job_state["deleting"] or job_state["state"] in ("closing", "opening")


def changes(before, after):
    """What differs between two `GET /_sim/state` answers, one line per job or setting; a job that was in
    flight before may have arrived without anyone's doing (the request log says who sent what)."""
    jobs = [dict((j["job_id"], j) for j in state["jobs"]) for state in (before, after)]
    found = ["%s: %s -> %s" % (job_id, json.dumps(jobs[0].get(job_id)), json.dumps(jobs[1].get(job_id)))
             for job_id in sorted(set(jobs[0]) | set(jobs[1]))
             if jobs[0].get(job_id) != jobs[1].get(job_id) and not (job_id in jobs[0] and in_flight(jobs[0][job_id]))]
    found.extend("%s: %s -> %s" % (key, before.get(key), after.get(key))
                 for key in sorted(set(before) | set(after)) if key != "jobs" and before.get(key) != after.get(key))
    return found


class ReadOnly:
    """Around a dry run: each cluster's request log cleared and its state read before; after, the log
    must hold GET requests only and the state must be the same (`verify` fails naming what differs)."""

    def __init__(self, urls, ca_path=None):
        self.urls = sorted(set(urls))
        self.ca_path = ca_path
        self.before = {}
        for url in self.urls:
            sim(url, "/_sim/requests", "DELETE", ca_path=ca_path)
            self.before[url] = sim(url, "/_sim/state", ca_path=ca_path)

    def verify(self, what):
        sent = []
        for url in self.urls:
            for request in sim(url, "/_sim/requests", ca_path=self.ca_path)["requests"]:
                sent.append("%s %s" % (request["method"], request["path"]))
            changed = changes(self.before[url], sim(url, "/_sim/state", ca_path=self.ca_path))
            assert not changed, "%s under --check changed the cluster at %s:\n  %s" % (what, url, "\n  ".join(changed))
        writes = [r for r in sent if not r.startswith("GET ")]
        assert not writes, "%s under --check sent requests other than GET: %s" % (what, ", ".join(writes))
        return sent


# ---------------------------------------------------------------------------------------------
# Running

class Workspace:
    """A work directory, the environment commands run in, and the substitutions of example values."""

    def __init__(self, path, collections, urls, extra_env=None, ca_path=None):
        self.path = path
        self.urls = urls  # example host name (without a/b node suffix) -> simulated cluster URL
        self.ca_path = ca_path  # the simulated clusters' CA, when they speak TLS
        self.replacements = []
        self.report_dir = path
        self.env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get("PATH", ""), ANSIBLE_NOCOLOR="1",
                        ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_RETRY_FILES_ENABLED="0")
        self.env.update(extra_env or {})
        self.log = []
        if not os.path.isdir(path):
            os.makedirs(path)

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

    def playbook(self, command, cwd=None):
        """An ansible-playbook command; with --check it must send GET requests only and change nothing."""
        if not is_check(command):
            return self.run(command, cwd=cwd)
        guard = ReadOnly(self.urls.values(), self.ca_path)
        done = self.run(command, cwd=cwd)
        guard.verify("`%s`" % command)
        return done

    def check_then_run(self, command, cwd=None):
        """The dry run of a playbook command first (with --check --diff, same cluster state), then the command."""
        assert not is_check(command), command
        self.playbook(command + " --check --diff", cwd=cwd)
        return self.playbook(command, cwd=cwd)


# Commands not run, and why.
SKIPPED_COMMANDS = {
    "make test": "it runs this test (recursion)",
    "make demo": "its own target, run by hand: hacking/demo.py against the same simulator and playbook",
    "make docs": "make test-docs, in the same make test, builds it (and lints it): building it here again would "
                 "race it over build/docs",
    "make bench": "the benchmarks take minutes and rewrite docs/benchmarks.md; make test runs its own checks",
}


def prepare_command(ws, item):
    """(the command as it runs here, None) or (None, why it is not run)."""
    command = ws.substitute(item["command"])
    words = shlex.split(command)
    skipped = SKIPPED_COMMANDS.get(" ".join(words[:2]))
    if skipped:
        return None, skipped
    if "--ask-vault-pass" in words:
        command = command.replace("--ask-vault-pass", "--vault-password-file vault-pass")
    return command, None


def run_command(ws, item):
    command, skipped = prepare_command(ws, item)
    if skipped:
        return "skipped: " + skipped
    words = shlex.split(command)
    if words[:2] == ["ansible-vault", "create"]:
        # The lines commented under the command are what the user types into the editor.
        content = "\n".join(ws.substitute(note) for note in item["notes"]) + "\n"
        editor = ws.write("write-vault-content", "#!/bin/sh\ncat > \"$1\" <<'EOF'\n%sEOF\n" % content, 0o755)
        env = dict(ws.env, EDITOR=editor)
        ws.run(command + " --vault-password-file vault-pass --skip-tty-check", env=env)
        path = os.path.join(ws.path, words[2])
        assert open(path).read().startswith("$ANSIBLE_VAULT;"), "not encrypted: %s" % path
        return "ran (vault)"
    if words[0] == "ansible-playbook":
        ws.playbook(command)
        return "ran (check)" if is_check(command) else "ran"
    ws.run(command, cwd=ws.report_dir if words[0] in ("jq", "less") else None)
    return "ran"


def run_shell_block(ws, block, before_playbook=None, after_playbook=None):
    """Each command of a shell block, in order: [(command, outcome)]. When the block has ansible-playbook
    commands and none with --check, each of them gets its dry run first (`--check --diff`).
    `before_playbook()` runs before each playbook command (before its dry run, not between them);
    `after_playbook(command)` after each run, the dry run included."""
    items = commands_of(block["text"])
    checked = any(is_check(item["command"]) for item in items)
    done = []
    for item in items:
        playbook = is_playbook(item["command"])
        if playbook and before_playbook:
            before_playbook()
        if playbook and not checked:
            command, dummy = prepare_command(ws, item)
            ws.playbook(command + " --check --diff")
            done.append((item["command"] + " --check --diff", "ran (dry run)"))
            if after_playbook:
                after_playbook(command + " --check --diff")
        done.append((item["command"], run_command(ws, item)))
        if playbook and after_playbook:
            after_playbook(prepare_command(ws, item)[0])
        if is_check(item["command"]) and "then without --check" in item["comment"]:
            # `... --check   # the plan; then without --check`: the second run the comment asks for.
            command = " ".join(shlex.quote(word) for word in shlex.split(prepare_command(ws, item)[0]) if word != "--check")
            ws.playbook(command)
            done.append((command, "ran (as its comment says, without --check)"))
            if after_playbook:
                after_playbook(command)
    return done
