#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: es_sim
short_description: Start, seed, inspect and stop es-ml-simulator processes for integration tests
description:
  - Test helper of the integration targets; not part of the collection.
  - Talks to the simulator's own admin API (C(/_sim/...)), an independent channel from the modules under test.
author:
  - MLOps Elasticsearch maintainers (@mlops-elasticsearch)
options:
  action:
    description:
      - V(start) a simulator process; V(seed) reset it, load O(seed) and clear its request log;
        V(inspect) return its state and request log; V(admin) send O(method) O(path) with O(body);
        V(stop) end the processes in O(pids) and remove O(dirs).
    type: str
    required: true
    choices: [start, seed, inspect, admin, stop]
  url:
    description: The simulator's URL (all but V(start) and V(stop)).
    type: str
  es_version:
    description: Elasticsearch release to simulate (V(start)).
    type: str
    default: 8.15.0
  delays:
    description: C(--delays) value (V(start)).
    type: str
    default: close=0.05,delete=0.02,open=0.02,datafeed_stop=0.01
  args:
    description: More command-line arguments (V(start)).
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
  pids:
    description: Processes to end (V(stop)).
    type: list
    elements: int
    default: []
  dirs:
    description: Work directories to remove (V(stop)).
    type: list
    elements: path
    default: []
"""

RETURN = r"""
url:
  description: URL of the first cluster (V(start)).
  returned: when action=start
  type: str
pid:
  description: The process id (V(start)).
  returned: when action=start
  type: int
dir:
  description: The process's work directory (V(start)).
  returned: when action=start
  type: str
state:
  description: C(GET /_sim/state) (V(inspect)).
  returned: when action=inspect
  type: dict
requests:
  description: The request log since the last seed (V(inspect)).
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
from ansible.module_utils.urls import open_url

READY_TIMEOUT_S = 30


def call(url, method="GET", path="", body=None):
    data = json.dumps(body).encode("utf-8") if body is not None else None
    response = open_url(url.rstrip("/") + path, method=method, data=data,
                        headers={"Content-Type": "application/json"}, validate_certs=False, timeout=30)
    text = response.read()
    return json.loads(text) if text else None


def start(params):
    workdir = tempfile.mkdtemp(prefix="es-sim-")
    ready = os.path.join(workdir, "ready.json")
    command = params["command"] or os.path.join(os.path.dirname(sys.executable), "es-ml-simulator")
    argv = [command, "--port", "0", "--es-version", params["es_version"], "--delays", params["delays"],
            "--ready-file", ready] + params["args"]
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
    return dict(changed=True, url=clusters[0]["url"], urls=[c["url"] for c in clusters],
                pid=process.pid, dir=workdir)


def seed(params):
    call(params["url"], "POST", "/_sim/reset")
    call(params["url"], "POST", "/_sim/load", params["seed"])
    call(params["url"], "DELETE", "/_sim/requests")
    return dict(changed=True)


def inspect(params):
    state = call(params["url"], path="/_sim/state")
    requests = call(params["url"], path="/_sim/requests")["requests"]
    return dict(changed=False, state=state, requests=requests,
                mutations=[r for r in requests if r["method"] != "GET"])


def admin(params):
    return dict(changed=True, response=call(params["url"], params["method"], params["path"], params["body"]))


def stop(params):
    for pid in params["pids"]:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    for directory in params["dirs"]:
        shutil.rmtree(directory, ignore_errors=True)
    return dict(changed=True)


ACTIONS = dict(start=start, seed=seed, inspect=inspect, admin=admin, stop=stop)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            action=dict(type="str", required=True, choices=sorted(ACTIONS)),
            url=dict(type="str"),
            es_version=dict(type="str", default="8.15.0"),
            delays=dict(type="str", default="close=0.05,delete=0.02,open=0.02,datafeed_stop=0.01"),
            args=dict(type="list", elements="str", default=[]),
            command=dict(type="path"),
            seed=dict(type="dict", default={}),
            method=dict(type="str", default="POST"),
            path=dict(type="str"),
            body=dict(type="raw"),
            pids=dict(type="list", elements="int", default=[]),
            dirs=dict(type="list", elements="path", default=[]),
        ),
        required_if=[("action", "seed", ["url"]), ("action", "inspect", ["url"]),
                     ("action", "admin", ["url", "path"])],
    )
    try:
        module.exit_json(**ACTIONS[module.params["action"]](module.params))
    except Exception as exc:  # a test helper: any failure is reported as the task's failure
        module.fail_json(msg="es_sim %s failed: %s" % (module.params["action"], exc))


if __name__ == "__main__":
    main()
