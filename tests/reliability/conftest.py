# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reliability suite: real ``ansible-playbook`` runs against real simulator processes.

Every test records one row (case, what was injected or given, what the module did, the requests
the simulator saw); pytest decides pass or fail; at the end of a complete run the rows become
``docs/reliability.md``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import COLLECTION_LINK, ROOT  # noqa: E402  pylint: disable=wrong-import-position

DOC = os.path.join(ROOT, "docs", "reliability.md")
GROUPS = [
    ("test_faults.py", "Faults", "Injected with the simulator's `POST /_sim/faults`, or with the suite's fault "
     "proxy where the simulator cannot make the fault (marked *proxy*)."),
    ("test_decommission.py", "Decommissioning runs", "The role `ml_job_decommission` (playbook "
     "`mlops.elasticsearch.decommission`) under a stuck close and under a concurrent second run."),
    ("test_deploy.py", "Restoring a campaign", "The role `ml_job_deploy` (playbook `mlops.elasticsearch.deploy`) "
     "pointed at a decommissioning campaign's backups: the fleet as it was, configurations compared as "
     "`GET ...?exclude_generated=true` returns them."),
    ("test_bad_input.py", "Bad input", "Each value is refused before any request: the simulator's request log "
     "stays empty."),
    ("test_security.py", "Secrets and authorization", "Run with `-vvv`; the whole stdout and stderr, and every "
     "registered result (with its `invocation` echo), are searched for each secret and its encoded forms."),
    ("test_tls.py", "TLS", "`--tls DIR` simulators: a throwaway CA, a server certificate, a client certificate."),
    ("test_connection.py", "Connections", "Each connection failure against real sockets (a closed port, "
     "`nonexistent.invalid`, plain and `--tls` simulators), skipped nodes, explicit settings against the "
     "environment, and the pre-flight's reading of `_has_privileges` and `_ml/info`."),
]

_ROWS = {}
_ORDER = []
_STARTED = [0.0]


def pytest_sessionstart(session):
    _STARTED[0] = time.time()
    if not os.path.exists(COLLECTION_LINK):
        raise pytest.UsageError("%s is missing: run `make collection-link` first" % COLLECTION_LINK)


def pytest_collection_modifyitems(session, config, items):
    _ORDER[:] = [item.nodeid for item in items]
    here = os.path.dirname(os.path.abspath(__file__))
    every_file = set(name for name in os.listdir(here) if name.startswith("test_") and name.endswith(".py"))
    collected = set(os.path.basename(str(item.fspath)) for item in items)
    # The table is only rewritten from a run of the whole suite, not from a selection.
    config._reliability_complete = collected == every_file and not (
        config.option.keyword or config.option.markexpr or getattr(config.option, "lf", False)
        or getattr(config.option, "deselect", None) or any("::" in arg for arg in config.args))


@pytest.fixture
def record(request):
    """``record(case, given, did, message='', requests=())``: this test's row of the table."""
    def _record(case, given, did, message="", requests=()):
        _ROWS[request.node.nodeid] = dict(case=case, given=given, did=did, message=message,
                                          requests=list(requests), outcome=None)
    return _record


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    row = _ROWS.setdefault(item.nodeid, dict(case=item.name, given="(not recorded)", did="(the test stopped "
                                             "before recording)", message="", requests=[], outcome=None))
    if report.when == "call" or (report.when == "setup" and not report.passed):
        row["outcome"] = "pass" if report.passed else "FAIL"
        if not report.passed:
            row["why"] = _first_line(str(report.longrepr).splitlines()[-1] if report.longrepr else "")


def _first_line(text):
    return text.strip().splitlines()[0] if text.strip() else ""


def pytest_sessionfinish(session, exitstatus):
    seconds = time.time() - _STARTED[0]
    if not getattr(session.config, "_reliability_complete", False) or not _ORDER:
        return
    if any(_ROWS.get(nodeid, {}).get("outcome") is None for nodeid in _ORDER):
        return  # interrupted: keep the last complete table
    with open(DOC, "w") as stream:
        stream.write(render())
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter:
        reporter.write_line("reliability: %d cases in %.0fs, table written to %s"
                            % (len(_ORDER), seconds, os.path.relpath(DOC, ROOT)))


_NORMALIZE = [
    (re.compile(r"(https?://(?:127\.0\.0\.1|localhost)):\d+"), r"\1:<port>"),
    (re.compile(r"\b(127\.0\.0\.1|localhost):\d+"), r"\1:<port>"),
    (re.compile(r"\bport=\d+"), "port=<port>"),
    (re.compile(r"/tmp/[^\s'\"),;]+"), "<tmp>/..."),
    (re.compile(r"retrying in \d+\.\ds"), "retrying in <jitter>s"),
    (re.compile(r"\bid \[[A-Za-z0-9_-]{6,}\]"), "id [<api key id>]"),
]


def normalize(text):
    for pattern, replacement in _NORMALIZE:
        text = pattern.sub(replacement, text)
    return text


def _cell(text, limit=320):
    text = normalize(str(text)).replace("\n", " ").replace("|", "\\|").strip()
    if len(text) > limit:
        text = text[:limit - 1] + "…"
    return text


def render():
    counts = {"pass": 0, "FAIL": 0}
    for nodeid in _ORDER:
        counts[_ROWS[nodeid]["outcome"]] = counts.get(_ROWS[nodeid]["outcome"], 0) + 1
    lines = [
        "# Reliability: faults, bad input and secrets",
        "",
        "<!-- Generated by `make test-reliability` (tests/reliability/): do not edit by hand. -->",
        "",
        "Each row is one test of `tests/reliability/`, which runs real `ansible-playbook` against real",
        "`es-ml-simulator` clusters and reads back the simulator's request log. *Requests* lists the",
        "requests that matter to the case as `METHOD path -> status` (`None`: the connection was closed",
        "without an answer) and how many the cluster saw in all. Ports and temporary paths are",
        "normalized; *retrying in <jitter>s* is the random full-jitter backoff.",
        "",
        "Result of the last complete run: **%d passed, %d failed** of %d cases." % (
            counts.get("pass", 0), counts.get("FAIL", 0), len(_ORDER)),
        "",
    ]
    by_file = {}
    for nodeid in _ORDER:
        by_file.setdefault(os.path.basename(nodeid.split("::")[0]), []).append(nodeid)
    for filename, title, intro in GROUPS:
        nodeids = by_file.pop(filename, [])
        if nodeids:
            lines += _section(title, intro, nodeids)
    for filename, nodeids in sorted(by_file.items()):
        lines += _section(filename, "", nodeids)
    return "\n".join(lines) + "\n"


def _section(title, intro, nodeids):
    lines = ["## " + title, ""]
    if intro:
        lines += [intro, ""]
    lines += ["| case | injected / given | what the module did | message (excerpt) | requests | result |",
              "|---|---|---|---|---|---|"]
    for nodeid in nodeids:
        row = _ROWS[nodeid]
        outcome = row["outcome"] if row["outcome"] == "pass" else "**FAIL**: " + _cell(row.get("why", ""), 160)
        requests = "<br>".join(_cell(r, 120) for r in row["requests"])
        lines.append("| %s | %s | %s | %s | %s | %s |" % (
            _cell(row["case"]), _cell(row["given"]), _cell(row["did"]), _cell(row["message"]) or "",
            requests, outcome))
    lines.append("")
    return lines
