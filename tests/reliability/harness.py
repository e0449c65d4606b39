# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the reliability suite drives: the simulator's admin API, a fault proxy for the faults the
simulator cannot make (a reply lost after the server acted, an empty body, a chosen 200 body), and
real ``ansible-playbook`` runs of generated playbooks."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import http.client
import json
import os
import re
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENV_BIN = os.path.join(ROOT, ".venv", "bin")
COLLECTIONS = os.path.join(ROOT, "build", "collections")
COLLECTION_LINK = os.path.join(COLLECTIONS, "ansible_collections", "mlops", "elasticsearch")


class Sim:
    """The ``/_sim/`` admin API of one simulated cluster."""

    def __init__(self, url, verify=True, cert=None):
        self.url = url
        self.http = requests.Session()
        # Per request, not on the session: requests lets REQUESTS_CA_BUNDLE override Session.verify.
        self.tls = dict(verify=verify, cert=cert)

    def _call(self, method, path, body=None):
        answer = self.http.request(method, self.url + path, json=body, timeout=10, **self.tls)
        answer.raise_for_status()
        return answer.json()

    def load(self, jobs):
        self._call("POST", "/_sim/load", {"jobs": jobs})
        self.clear_requests()

    def fault(self, **spec):
        return self._call("POST", "/_sim/faults", spec)

    def stick_job(self, job_id):
        return self._call("POST", "/_sim/jobs/%s/_stick" % job_id)

    def requests(self):
        return self._call("GET", "/_sim/requests")["requests"]

    def clear_requests(self):
        self._call("DELETE", "/_sim/requests")

    def state(self):
        return self._call("GET", "/_sim/state")

    def job_ids(self):
        return sorted(job["job_id"] for job in self.state()["jobs"])

    def api(self, method, path, body=None, auth=None, headers=None):
        """An Elasticsearch API call (not admin), e.g. to create an API key."""
        answer = self.http.request(method, self.url + path, json=body, auth=auth, headers=headers, timeout=10,
                                   **self.tls)
        answer.raise_for_status()
        return answer.json()


def opened(job_id, datafeed=True, **extra):
    job = {"job_id": job_id, "state": "opened"}
    if datafeed:
        job["datafeed"] = {"datafeed_id": "datafeed-" + job_id, "state": "started"}
    job.update(extra)
    return job


def closed(job_id, **extra):
    job = {"job_id": job_id, "state": "closed"}
    job.update(extra)
    return job


def refused_port():
    """A loopback port nothing listens on: connecting to it is refused."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def summarize(entries):
    """``METHOD path -> status`` per request, in arrival order (None: no answer was sent)."""
    return ["%s %s -> %s" % (e["method"], e["path"], e["status"]) for e in entries]


# ---- Fault proxy ------------------------------------------------------------------------------

class FaultProxy:
    """An HTTP proxy in front of one simulator, for faults ``/_sim/faults`` cannot inject.

    The simulator applies its faults before the cluster acts, so it cannot lose the reply of a
    request that did succeed. Rules here: ``drop_reply`` forwards the request, lets the cluster
    act, then closes the client's connection without an answer; ``empty`` answers ``status``
    with an empty body; ``body`` answers ``status`` with the given JSON ``body``. Each rule
    applies to the next ``count`` requests whose method matches and whose path the regex finds."""

    def __init__(self, upstream):
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname, parts.port)
        self.rules = []
        self.log = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                rule = proxy._take(self.command, self.path.partition("?")[0])
                entry = {"method": self.command, "path": self.path.partition("?")[0],
                         "rule": rule["action"] if rule else None}
                with proxy.lock:
                    proxy.log.append(entry)
                if rule and rule["action"] in ("empty", "body"):
                    payload = b"" if rule["action"] == "empty" else json.dumps(rule["body"]).encode()
                    self._reply(rule.get("status", 200), payload, {"Content-Type": "application/json"})
                    return
                upstream = http.client.HTTPConnection(*proxy.upstream, timeout=60)
                headers = dict((k, v) for k, v in self.headers.items() if k.lower() not in ("host", "connection"))
                upstream.request(self.command, self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                payload = answer.read()
                upstream.close()
                entry["upstream_status"] = answer.status
                if rule and rule["action"] == "drop_reply":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self._reply(answer.status, payload, dict(answer.getheaders()))

            def _reply(self, status, payload, headers):
                self.send_response_only(status)
                for name, value in headers.items():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def rule(self, method, path, action, count=1, **extra):
        rule = dict(method=method, path=re.compile(path), action=action, count=count, **extra)
        with self.lock:
            self.rules.append(rule)

    def _take(self, method, path):
        with self.lock:
            for rule in self.rules:
                if rule["method"] in (None, method) and rule["path"].search(path):
                    rule["count"] -= 1
                    if rule["count"] <= 0:
                        self.rules.remove(rule)
                    return rule
        return None

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


# ---- ansible-playbook -------------------------------------------------------------------------

class Run:
    """One finished ``ansible-playbook`` process."""

    def __init__(self, argv, rc, stdout, stderr, seconds, results):
        self.argv = argv
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.seconds = seconds
        self.results = results

    @property
    def output(self):
        return self.stdout + "\n" + self.stderr


def playbook_env(workdir, extra=None):
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(("ELASTICSEARCH_", "ANSIBLE_")))
    env.update({
        "PATH": VENV_BIN + os.pathsep + env.get("PATH", ""),
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
        "ANSIBLE_LOCAL_TEMP": os.path.join(workdir, ".ansible", "tmp"),
        "ANSIBLE_REMOTE_TEMP": os.path.join(workdir, ".ansible", "remote"),
        "ANSIBLE_HOME": os.path.join(workdir, ".ansible"),
        "ANSIBLE_PYTHON_INTERPRETER": os.path.join(VENV_BIN, "python"),
    })
    env.update(extra or {})
    return env


def write_playbook(workdir, name, plays):
    """YAML is a superset of JSON: a playbook written as JSON needs no YAML writer."""
    path = os.path.join(workdir, name)
    with open(path, "w") as stream:
        json.dump(plays, stream, indent=1)
    return path


def start_playbook(workdir, playbook, inventory="localhost,", verbosity=0, env=None, extra_args=(), session=False):
    """``session``: in a process group of its own, as a terminal runs it, for a Ctrl-C (``os.killpg``)."""
    argv = [os.path.join(VENV_BIN, "ansible-playbook"), "-i", inventory, playbook] + list(extra_args)
    if verbosity:
        argv.append("-" + "v" * verbosity)
    process = subprocess.Popen(argv, cwd=workdir, env=playbook_env(workdir, env), start_new_session=session,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    process.started = time.time()
    process.workdir = workdir
    process.argv = argv
    return process


def finish_playbook(process, results_file=None, timeout=300):
    stdout, stderr = process.communicate(timeout=timeout)
    for name, text in (("stdout", stdout), ("stderr", stderr)):
        with open(os.path.join(process.workdir, "%s.%s.txt" % (os.path.basename(process.argv[3]), name)), "w") as stream:
            stream.write(text)
    results = None
    if results_file and os.path.exists(results_file):
        with open(results_file) as stream:
            results = json.load(stream)
    return Run(process.argv, process.returncode, stdout, stderr, time.time() - process.started, results)


def case_play(workdir, cases, results_dir, play_vars=None):
    """One inventory host per case, run at once (``strategy: free``): each host includes its own
    task file ``cases/<case>.yml`` (one task, static arguments, ``ignore_errors``: a failure is a
    result) and writes what it registered to ``results_dir/<case>.json``.

    ``cases``: list of (case_id, task dict without name/register)."""
    os.makedirs(os.path.join(workdir, "cases"), exist_ok=True)
    for case_id, task in cases:
        task = dict(task)
        task.setdefault("name", "case " + case_id)
        task["register"] = "case_result"
        task["ignore_errors"] = True
        write_playbook(workdir, os.path.join("cases", case_id + ".yml"), [task])
    tasks = [
        {"name": "Run this host's case", "ansible.builtin.include_tasks": "cases/{{ inventory_hostname }}.yml"},
        {"name": "Write this case's result",
         "ansible.builtin.copy": {"dest": os.path.join(results_dir, "{{ inventory_hostname }}.json"),
                                  "content": "{{ case_result | to_json }}", "mode": "0600"}},
    ]
    play_vars = dict(play_vars or {})
    play_vars.setdefault("ansible_python_interpreter", "{{ ansible_playbook_python }}")
    return [{"name": "Reliability cases", "hosts": "all", "connection": "local", "strategy": "free",
             "gather_facts": False, "vars": play_vars, "tasks": tasks}]


def case_inventory(workdir, name, case_ids):
    path = os.path.join(workdir, name + ".inventory.json")
    with open(path, "w") as stream:
        json.dump({"all": {"hosts": dict((case_id, {}) for case_id in case_ids)}}, stream)
    return path


def read_results(results_dir, case_ids):
    results = {}
    for case_id in case_ids:
        path = os.path.join(results_dir, case_id + ".json")
        if os.path.exists(path):
            with open(path) as stream:
                results[case_id] = json.load(stream)
    return results


def module_task(module, args, env=None):
    task = {"mlops.elasticsearch." + module: args}
    if env:
        task["environment"] = env
    return task


# ---- Batches: one cluster per case, one playbook for all ----------------------------------------

class Case:
    """One case of a batch after the run: its result, and the requests its cluster saw."""

    def __init__(self, case_id, spec, sim, hosts, proxy):
        self.id = case_id
        self.spec = spec
        self.sim = sim
        self.hosts = hosts
        self.proxy = proxy
        self.result = None
        self.printed = []
        self.requests = None
        self.run = None

    @property
    def failed(self):
        return bool(self.result.get("failed"))

    @property
    def msg(self):
        return self.result.get("msg", "")

    def matching(self, method, path_regex):
        return [e for e in self.requests if e["method"] == method and re.search(path_regex, e["path"])]

    def statuses(self, method, path_regex):
        return [e["status"] for e in self.matching(method, path_regex)]

    def did(self, *keys):
        """A short account of the result for the table."""
        if self.failed:
            text = "failed"
        else:
            text = "changed" if self.result.get("changed") else "ok"
        for key in keys:
            if key in self.result:
                text += ", %s=%s" % (key, json_short(self.result[key]))
        return text

    def seen(self, method=None, path_regex=None):
        """Requests for the table: the ones that matter (all when no filter) and the total."""
        picked = self.requests if method is None else self.matching(method, path_regex)
        lines = summarize(picked)
        if method is not None:
            lines.append("(%d requests in all)" % len(self.requests))
        return lines

    def assert_no_traceback(self):
        assert "Traceback" not in self.run.output
        assert not self.result.get("module_stderr"), self.result.get("module_stderr")
        # ansible-core 2.19 registers every failure with exception '(traceback unavailable)' unless
        # tracebacks are turned on (ANSIBLE_DISPLAY_TRACEBACK); anything else is a real traceback.
        assert self.result.get("exception", "(traceback unavailable)") == "(traceback unavailable)", \
            self.result.get("exception")
        assert "MODULE FAILURE" not in self.msg


_PRINTED = re.compile(r"^(?:ok|changed|fatal): \[([^\]]+)\]:? (?:FAILED! )?=> (\{.*?^\})$", re.M | re.S)


def printed_results(stdout):
    """host -> the results the default callback printed for it (with ``-v`` and more), in order."""
    printed = {}
    for host, text in _PRINTED.findall(stdout):
        try:
            printed.setdefault(host, []).append(json.loads(text))
        except ValueError:
            continue
    return printed


def json_short(value):
    return json.dumps(value, sort_keys=True)


class Batch:
    """Cases against one fleet (a cluster each), run by one ``ansible-playbook``.

    A spec: ``module``, ``args`` (without ``hosts``), optional ``jobs`` to seed, ``faults`` for
    ``/_sim/faults``, ``proxy`` rules (the module then talks to a FaultProxy), ``hosts`` (a
    function of the cluster URL), ``setup`` (a function of the Sim), ``env`` (task environment),
    ``same_cluster_as`` (an earlier case id) with ``log_filter`` (a path regex: this case's
    requests in the shared log)."""

    def __init__(self, workdir, clusters, specs, sim_kwargs=None):
        needed = len([spec for dummy, spec in specs if not spec.get("same_cluster_as")])
        if len(clusters) < needed:
            raise ValueError("the cases need %d clusters, the fleet has %d" % (needed, len(clusters)))
        self.workdir = workdir
        self.cases = {}
        self.proxies = []
        self.order = []
        free = iter(clusters)
        urls = {}
        for case_id, spec in specs:
            # A case may share the cluster of an earlier one (an API key is valid on one cluster only).
            shared = spec.get("same_cluster_as")
            url = urls[shared] if shared else next(free).url
            urls[case_id] = url
            sim = Sim(url, **(sim_kwargs or {}))
            if not shared:
                sim.load(spec.get("jobs", []))
            if spec.get("setup"):
                spec["setup"](sim)
            for fault in spec.get("faults", []):
                sim.fault(**fault)
            proxy = None
            if spec.get("proxy"):
                proxy = FaultProxy(url)
                self.proxies.append(proxy)
                for rule in spec["proxy"]:
                    proxy.rule(**rule)
                url = proxy.url
            hosts = spec["hosts"](url) if spec.get("hosts") else [url]
            self.cases[case_id] = Case(case_id, spec, sim, hosts, proxy)
            self.order.append(case_id)

    def start(self, name, verbosity=0, env=None):
        """Start the playbook; ``finish()`` waits for it. Batches on other fleets may run meanwhile."""
        self.name = name
        self.results_dir = os.path.join(self.workdir, name + ".results")
        os.makedirs(self.results_dir)
        tasks = []
        for case_id in self.order:
            case = self.cases[case_id]
            args = dict(case.spec["args"])
            args.setdefault("hosts", case.hosts)
            tasks.append((case_id, module_task(case.spec["module"], args, case.spec.get("env"))))
        playbook = write_playbook(self.workdir, name + ".yml", case_play(self.workdir, tasks, self.results_dir))
        inventory = case_inventory(self.workdir, name, self.order)
        forks = {"ANSIBLE_FORKS": str(min(len(self.order), 20))}
        forks.update(env or {})
        self.process = start_playbook(self.workdir, playbook, inventory=inventory, verbosity=verbosity, env=forks)
        return self

    def finish(self):
        try:
            run = finish_playbook(self.process)
        finally:
            for proxy in self.proxies:
                proxy.stop()
        run.results = read_results(self.results_dir, self.order)
        missing = [case_id for case_id in self.order if case_id not in run.results]
        if missing:
            raise AssertionError("ansible-playbook wrote no result for %s (rc %s):\n%s"
                                 % (", ".join(missing), run.rc, run.output[-4000:]))
        printed = printed_results(run.stdout)
        for case_id, case in self.cases.items():
            case.printed = [r for r in printed.get(case_id, [])
                            if "job_id" in r.get("invocation", {}).get("module_args", {})]
            case.result = run.results[case_id]
            case.requests = case.sim.requests()
            if case.spec.get("log_filter"):
                case.requests = [e for e in case.requests if re.search(case.spec["log_filter"], e["path"])]
            case.run = run
        self.result = run
        return run

    def run(self, name, verbosity=0, env=None):
        return self.start(name, verbosity, env).finish()

    def __getitem__(self, case_id):
        return self.cases[case_id]
