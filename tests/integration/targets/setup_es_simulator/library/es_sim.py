#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: es_sim
short_description: Start, seed, inspect and stop the clusters of the integration targets, simulated or live
description:
  - Test helper of the integration targets; not part of the collection.
  - "Simulator mode (C(make test-integration)): O(action=start) starts an es-ml-simulator process, and the other
    actions use the simulator's own admin API (C(/_sim/...)), an independent channel from the modules under test."
  - "Live mode (C(make test-live), see tests/integration/README.md): the targets run against a real cluster, behind
    the live proxy of tests/simulator/tests/liveproxy.py, which gives every job, group and datafeed id a prefix of
    its own and records the modules' requests. The harness hands the cluster to this module through the C(es_live)
    variable (its action plugin passes it as O(live)); targets need no change to run live. State is set up and
    read with Elasticsearch's own APIs only; nothing is ever sent under C(/_sim)."
  - "In live mode whatever only the simulator can do answers C(skipped=true) with the reason in C(msg): a
    O(action=start) asking for another release than the cluster's (O(es_version)), simulated O(delays), TLS or
    several clusters (O(args)); a O(action=seed) with C(failed), C(opening) or C(closing) jobs, C(deleting) jobs,
    started datafeeds of jobs that are not opened, or upgrade mode; every O(action=admin) (faults, stuck jobs,
    settings). Put the tasks that need it under C(when: <registered> is not skipped)."
author:
  - MLOps Elasticsearch maintainers (@mlops-elasticsearch)
options:
  action:
    description:
      - V(start) a cluster (a simulator process, or the live cluster); V(seed) reset it, load O(seed) and clear
        its request log; V(inspect) return its state and request log; V(clear_log) clear its request log;
        V(admin) send O(method) O(path) with O(body) to the simulator's admin API; V(stop) end what O(started)
        (or O(pids) and O(dirs)) name, and in live mode force-delete every job and datafeed the targets made.
    type: str
    required: true
    choices: [start, seed, inspect, clear_log, admin, stop]
  url:
    description: The cluster's URL, as V(start) returned it (all but V(start) and V(stop)).
    type: str
  es_version:
    description:
      - Elasticsearch release to simulate (V(start)); 8.15.0 when not given.
      - In live mode, a release whose behaviour (by the simulator's release table) differs from the cluster's
        makes V(start) skip.
    type: str
  delays:
    description:
      - C(--delays) value (V(start)); close=0.05,delete=0.02,open=0.02,datafeed_stop=0.01 when not given.
      - In live mode any value makes V(start) skip.
    type: str
  args:
    description:
      - More command-line arguments (V(start)).
      - C(--security) in live mode needs a cluster with security; the users C(ml_admin) (role
        machine_learning_admin) and C(ml_viewer) (machine_learning_user) are then created on it. Use the
        returned C(users) rather than their names and the password changeme.
      - Any other argument makes V(start) skip in live mode.
    type: list
    elements: str
    default: []
  command:
    description: Path of the es-ml-simulator script (V(start)); by default the one beside this Python.
    type: path
  seed:
    description: The C(/_sim/load) document (V(seed)).
    type: dict
    default: {}
  reset:
    description: Whether V(seed) first removes every job (V(false) adds to what is there).
    type: bool
    default: true
  method:
    description: HTTP method (V(admin)).
    type: str
    default: POST
  path:
    description: Path under the simulator, e.g. C(/_sim/jobs/j/_stick) (V(admin)).
    type: str
  body:
    description: JSON body (V(admin)).
    type: raw
  started:
    description: The registered results of V(start) (V(stop)); undefined or skipped ones are fine.
    type: list
    elements: raw
    default: []
  pids:
    description: Processes to end (V(stop)); prefer O(started).
    type: list
    elements: int
    default: []
  dirs:
    description: Work directories to remove (V(stop)); prefer O(started).
    type: list
    elements: path
    default: []
  live:
    description:
      - The live cluster (C(url), C(version), C(security), C(namespace), C(report)), from the C(es_live) variable
        that C(make test-live) writes into tests/integration/integration_config.yml, and the task (C(task)) for
        the report of what was skipped. Set by the action plugin; targets do not pass it.
    type: dict
"""

RETURN = r"""
live:
  description: Whether the cluster is live (V(start)).
  returned: when action=start
  type: bool
url:
  description: URL of the first cluster (V(start)); the live proxy's in live mode.
  returned: when action=start
  type: str
version:
  description: The cluster's Elasticsearch release (V(start)).
  returned: when action=start
  type: str
users:
  description: With C(--security), the C(ml_admin) and C(ml_viewer) users, each a dict of C(username) and C(password).
  returned: when action=start and args has --security
  type: dict
pid:
  description: The process id (V(start), simulator mode).
  returned: when action=start in simulator mode
  type: int
dir:
  description: A work directory of the cluster's, removed by V(stop) (V(start)).
  returned: when action=start
  type: str
state:
  description: The cluster's jobs, their states, groups and datafeeds, as C(GET /_sim/state) gives them (V(inspect)).
  returned: when action=inspect
  type: dict
requests:
  description: The request log since the last seed or V(clear_log) (V(inspect)).
  returned: when action=inspect
  type: list
mutations:
  description: The logged requests that are not GETs (V(inspect)).
  returned: when action=inspect
  type: list
response:
  description: The decoded answer (V(admin)).
  returned: when action=admin
  type: raw
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.six.moves.urllib.error import HTTPError
from ansible.module_utils.urls import open_url

READY_TIMEOUT_S = 30
DEFAULT_VERSION = "8.15.0"
DEFAULT_DELAYS = "close=0.05,delete=0.02,open=0.02,datafeed_stop=0.01"
SIM_USERS = {"ml_admin": "machine_learning_admin", "ml_viewer": "machine_learning_user"}
SIM_PASSWORD = "changeme"
# Requests that set up or read state carry this X-Opaque-Id: the live proxy keeps them out of its log.
SETUP_ID = "es-live-setup"
# Seeded jobs ask for little model memory: a real ML node must fit every job a target opens at once.
SEED_MODEL_MEMORY = "16mb"
SEED_INDICES = ["logs-*"]


def call(url, method="GET", path="", body=None, headers=None, expect=(200,)):
    """One HTTP request; the decoded answer, or an error naming the request unless its status is expected."""
    data = json.dumps(body).encode("utf-8") if body is not None else None
    all_headers = dict({"Content-Type": "application/json"}, **(headers or {}))
    try:
        response = open_url(url.rstrip("/") + path, method=method, data=data, headers=all_headers,
                            validate_certs=False, timeout=300)
        status, text = response.getcode(), response.read()
    except HTTPError as error:
        status, text = error.code, error.read()
    if status not in expect:
        raise RuntimeError("%s %s answered %s: %s" % (method, path, status, text[:500]))
    return json.loads(text) if text else None


# ---- simulator mode ------------------------------------------------------------------------------

def start(params):
    workdir = tempfile.mkdtemp(prefix="es-sim-")
    ready = os.path.join(workdir, "ready.json")
    command = params["command"] or os.path.join(os.path.dirname(sys.executable), "es-ml-simulator")
    argv = [command, "--port", "0", "--es-version", params["es_version"] or DEFAULT_VERSION,
            "--delays", params["delays"] or DEFAULT_DELAYS, "--ready-file", ready] + params["args"]
    with open(os.path.join(workdir, "log"), "w") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not os.path.exists(ready):
        if process.poll() is not None or time.monotonic() > deadline:
            with open(os.path.join(workdir, "log")) as log:
                raise RuntimeError("es-ml-simulator did not start: %s" % log.read())
        time.sleep(0.05)
    with open(ready) as stream:
        clusters = json.load(stream)["clusters"]
    result = dict(changed=True, live=False, url=clusters[0]["url"], urls=[c["url"] for c in clusters],
                  version=params["es_version"] or DEFAULT_VERSION, pid=process.pid, dir=workdir)
    if "--security" in params["args"]:
        result["users"] = dict((name, dict(username=name, password=SIM_PASSWORD)) for name in SIM_USERS)
    return result


def seed(params):
    if params["reset"]:
        call(params["url"], "POST", "/_sim/reset")
    call(params["url"], "POST", "/_sim/load", params["seed"])
    call(params["url"], "DELETE", "/_sim/requests")
    return dict(changed=True)


def inspect(params):
    state = call(params["url"], path="/_sim/state")
    requests = call(params["url"], path="/_sim/requests")["requests"]
    return dict(changed=False, state=state, requests=requests,
                mutations=[r for r in requests if r["method"] != "GET"])


def clear_log(params):
    call(params["url"], "DELETE", "/_sim/requests")
    return dict(changed=True)


def admin(params):
    return dict(changed=True, response=call(params["url"], params["method"], params["path"], params["body"]))


def stop(params):
    started = [s for s in params["started"] if isinstance(s, dict)]
    for pid in params["pids"] + [s["pid"] for s in started if s.get("pid")]:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    for directory in params["dirs"] + [s["dir"] for s in started if s.get("dir")]:
        shutil.rmtree(directory, ignore_errors=True)
    return dict(changed=True)


SIMULATOR = dict(start=start, seed=seed, inspect=inspect, clear_log=clear_log, admin=admin, stop=stop)


# ---- live mode -------------------------------------------------------------------------------------

class Live(object):
    """The live cluster behind the proxy: ids are the targets' own (the proxy prefixes them)."""

    def __init__(self, live):
        self.url = live["url"]
        self.version = live["version"]
        self.security = live.get("security", False)
        self.namespace = live["namespace"]
        self.report = live.get("report")
        self.task = live.get("task")
        self.ml = "/_xpack/ml" if _release(self.version) < (7, 0, 0) else "/_ml"

    def call(self, method, path, body=None, expect=(200,)):
        return call(self.url, method, path, body, headers={"X-Opaque-Id": SETUP_ID}, expect=expect)

    def skipped(self, action, reason):
        """The answer of an action a real cluster cannot carry out, also written to the run's report."""
        if self.report:
            with open(self.report, "a") as stream:
                stream.write(json.dumps(dict(action=action, reason=reason, task=self.task)) + "\n")
        return dict(changed=False, skipped=True, live=True, msg="skipped in live mode: " + reason)

    # ---- state ------------------------------------------------------------------------------------
    def sweep(self):
        """Force-delete every datafeed and job of the namespace."""
        for feed in self.call("GET", self.ml + "/datafeeds/_all")["datafeeds"]:
            self.call("DELETE", "%s/datafeeds/%s?force=true" % (self.ml, feed["datafeed_id"]), expect=(200, 404))
        for job in self.call("GET", self.ml + "/anomaly_detectors/_all")["jobs"]:
            self.call("DELETE", "%s/anomaly_detectors/%s?force=true" % (self.ml, job["job_id"]), expect=(200, 404))

    def create(self, spec):
        body = dict(analysis_config={"bucket_span": "15m", "detectors": [{"function": "count"}]},
                    data_description={"time_field": "timestamp"},
                    analysis_limits={"model_memory_limit": SEED_MODEL_MEMORY})
        if spec.get("groups"):
            body["groups"] = list(spec["groups"])
        self.call("PUT", "%s/anomaly_detectors/%s" % (self.ml, spec["job_id"]), body)
        if spec.get("state") == "opened":
            self.call("POST", "%s/anomaly_detectors/%s/_open" % (self.ml, spec["job_id"]))
        feed = spec.get("datafeed")
        if feed:
            datafeed_id = feed.get("datafeed_id") or "datafeed-" + spec["job_id"]
            self.call("PUT", "%s/datafeeds/%s" % (self.ml, datafeed_id),
                      dict(job_id=spec["job_id"], indices=SEED_INDICES))
            if feed.get("state") == "started":
                self.call("POST", "%s/datafeeds/%s/_start" % (self.ml, datafeed_id))

    def state(self):
        """The namespace's jobs in the shape of the simulator's GET /_sim/state."""
        configs = self.call("GET", self.ml + "/anomaly_detectors/_all")["jobs"]
        states = dict((j["job_id"], j["state"]) for j in
                      self.call("GET", self.ml + "/anomaly_detectors/_all/_stats")["jobs"])
        feeds = self.call("GET", self.ml + "/datafeeds/_all")["datafeeds"]
        feed_states = dict((f["datafeed_id"], f["state"]) for f in
                           self.call("GET", self.ml + "/datafeeds/_all/_stats")["datafeeds"])
        feed_of = dict((f["job_id"], f) for f in feeds)
        jobs = []
        for config in sorted(configs, key=lambda c: c["job_id"]):
            feed = feed_of.get(config["job_id"])
            jobs.append(dict(job_id=config["job_id"], state=states.get(config["job_id"], "closed"),
                             groups=config.get("groups", []), deleting=bool(config.get("deleting")),
                             blocked=config.get("blocked"),
                             datafeed=feed and dict(datafeed_id=feed["datafeed_id"],
                                                    state=feed_states.get(feed["datafeed_id"]))))
        known = set(c["job_id"] for c in configs)
        orphans = [dict(datafeed_id=f["datafeed_id"], job_id=f["job_id"], state=feed_states.get(f["datafeed_id"]))
                   for f in feeds if f["job_id"] not in known]
        info = self.call("GET", self.ml + "/info")
        return dict(es_version=self.version, upgrade_mode=bool(info.get("upgrade_mode")), jobs=jobs,
                    orphan_datafeeds=orphans)

    # ---- users ----------------------------------------------------------------------------------
    def create_users(self):
        """The simulator's users, on the cluster: a name in the namespace, a password of their own.
        A simulator standing in for the live cluster has no user API: its built-in users are the same ones."""
        users = {}
        for name, role in SIM_USERS.items():
            username = self.namespace + name
            password = "es-live-" + os.urandom(12).hex()
            answer = self.call("PUT", "/_security/user/" + username, dict(password=password, roles=[role]),
                               expect=(200, 400))
            if "no handler found" in str(answer.get("error")):
                return dict((n, dict(username=n, password=SIM_PASSWORD)) for n in SIM_USERS)
            if "error" in answer:
                raise RuntimeError("PUT /_security/user/%s answered %s" % (username, answer))
            users[name] = dict(username=username, password=password)
        return users

    def remove_users(self):
        for name in SIM_USERS:
            self.call("DELETE", "/_security/user/" + self.namespace + name, expect=(200, 400, 404))


def _release(version):
    return tuple(int(part) for part in version.split(".")[:3])


def _behaves_like(version, cluster_version):
    """Whether release `version` behaves as the cluster's, by the simulator's release table
    (the package is installed beside the simulator this module starts); same minor without it."""
    try:
        from es_ml_simulator.versions import features_for
    except ImportError:
        return _release(version)[:2] == _release(cluster_version)[:2]
    naming = ("number", "version", "lucene", "job_version")

    def behaviour(number):
        return dict((k, v) for k, v in features_for(number).__dict__.items() if k not in naming)
    return behaviour(version) == behaviour(cluster_version)


def _unseedable(spec):
    state = spec.get("state", "closed")
    feed = spec.get("datafeed") or {}
    if state == "failed":
        return "a failed job (%s) cannot be made on demand on a real cluster" % spec.get("job_id")
    if state in ("opening", "closing"):
        return "a job held %s (%s) cannot be made on demand on a real cluster" % (state, spec.get("job_id"))
    if spec.get("deleting"):
        return "a job left deleting (%s) cannot be made on demand on a real cluster" % spec.get("job_id")
    if feed.get("state") == "started" and state != "opened":
        return "a started datafeed of a %s job (%s) exists only in the simulator" % (state, spec.get("job_id"))
    if spec.get("model_bytes"):
        return "a job's model size cannot be set on a real cluster"
    return None


def live_start(live, params):
    workdir = tempfile.mkdtemp(prefix="es-live-")
    result = dict(changed=False, live=True, url=live.url, urls=[live.url], version=live.version, dir=workdir)
    reason = _start_unsupported(live, params)
    if reason:
        result.update(live.skipped("start", reason))
        return result
    if "--security" in params["args"]:
        result["users"] = live.create_users()
    return result


def _start_unsupported(live, params):
    if params["es_version"] and not _behaves_like(params["es_version"], live.version):
        return "a cluster behaving as Elasticsearch %s; the cluster runs %s" % (params["es_version"], live.version)
    if params["delays"]:
        return "simulated delays (%s)" % params["delays"]
    others = [a for a in params["args"] if a != "--security"]
    if others:
        return "simulator arguments %s" % " ".join(others)
    if "--security" in params["args"] and not live.security:
        return "a cluster with security; this one has none"
    return None


def live_seed(live, params):
    document = params["seed"]
    jobs = document.get("jobs", [])
    reasons = [r for r in (_unseedable(s) for s in jobs) if r]
    if document.get("upgrade_mode"):
        reasons.append("upgrade mode, which pauses every ML job of the cluster")
    if reasons:
        return live.skipped("seed", "; ".join(reasons))
    if params["reset"]:
        live.sweep()
    for spec in jobs:
        live.create(spec)
    call(live.url, "DELETE", "/_live/requests")
    return dict(changed=True)


def live_inspect(live, params):
    requests = call(live.url, path="/_live/requests")["requests"]
    return dict(changed=False, state=live.state(), requests=requests,
                mutations=[r for r in requests if r["method"] != "GET"])


def live_clear_log(live, params):
    call(live.url, "DELETE", "/_live/requests")
    return dict(changed=True)


def live_admin(live, params):
    return live.skipped("admin", "the simulator's admin API (%s %s)" % (params["method"], params["path"]))


def live_stop(live, params):
    live.sweep()
    if live.security:
        live.remove_users()
    return stop(dict(params, pids=[], started=[dict(dir=s.get("dir")) for s in params["started"]
                                               if isinstance(s, dict)]))


LIVE = dict(start=live_start, seed=live_seed, inspect=live_inspect, clear_log=live_clear_log, admin=live_admin,
            stop=live_stop)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            action=dict(type="str", required=True, choices=sorted(SIMULATOR)),
            url=dict(type="str"),
            es_version=dict(type="str"),
            delays=dict(type="str"),
            args=dict(type="list", elements="str", default=[]),
            command=dict(type="path"),
            seed=dict(type="dict", default={}),
            reset=dict(type="bool", default=True),
            method=dict(type="str", default="POST"),
            path=dict(type="str"),
            body=dict(type="raw"),
            started=dict(type="list", elements="raw", default=[]),
            pids=dict(type="list", elements="int", default=[]),
            dirs=dict(type="list", elements="path", default=[]),
            live=dict(type="dict"),
        ),
        required_if=[("action", "seed", ["url"]), ("action", "inspect", ["url"]), ("action", "clear_log", ["url"]),
                     ("action", "admin", ["url", "path"])],
    )
    action = module.params["action"]
    try:
        if module.params["live"]:
            result = LIVE[action](Live(module.params["live"]), module.params)
        else:
            result = SIMULATOR[action](module.params)
        module.exit_json(**result)
    except Exception as exc:  # a test helper: any failure is reported as the task's failure
        module.fail_json(msg="es_sim %s failed: %s" % (action, exc))


if __name__ == "__main__":
    main()
