"""The ``es-ml-simulator`` console script (issue #2, command line)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from simhelpers import seed_job

pytestmark = pytest.mark.simulator_only("the simulator's own command line")


def _script() -> str:
    here = Path(sys.executable).parent / "es-ml-simulator"
    if here.exists():
        return str(here)
    found = shutil.which("es-ml-simulator")
    assert found, "console script es-ml-simulator is not installed"
    return found


def _start(args, tmp_path):
    ready = tmp_path / "ready.json"
    proc = subprocess.Popen([_script(), *args, "--ready-file", str(ready)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + 20
    data = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"simulator exited early ({proc.returncode}): {out}\n{err}")
        if ready.exists():
            try:
                data = json.loads(ready.read_text())
                break
            except ValueError:
                pass  # partially written
        time.sleep(0.05)
    if data is None:
        proc.kill()
        pytest.fail("ready file never appeared")
    return proc, data


def _stop(proc, sig=signal.SIGTERM):
    proc.send_signal(sig)
    try:
        out, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"simulator did not exit on {sig!r}")
    return proc.returncode, out, err


def _s():
    s = requests.Session()
    s.trust_env = False
    return s


def test_cli_three_clusters_ready_file_and_sigterm(tmp_path):
    proc, data = _start(["--clusters", "3", "--port", "0", "--host", "127.0.0.1"], tmp_path)
    try:
        clusters = data["clusters"]
        assert len(clusters) == 3
        names = [c["name"] for c in clusters]
        urls = [c["url"] for c in clusters]
        assert len(set(names)) == 3 and len(set(urls)) == 3, data
        s = _s()
        for c in clusters:
            r = s.get(c["url"].rstrip("/") + "/", timeout=10)
            assert r.status_code == 200, r.text
            assert r.json()["tagline"] == "You Know, for Search"
            assert r.json()["version"]["number"] == "8.15.0"
        # clusters are independent
        base0, base1 = (c["url"].rstrip("/") for c in clusters[:2])
        s.post(base0 + "/_sim/load", json={"jobs": [seed_job("only-here", "opened")],
                                            "upgrade_mode": False}).raise_for_status()
        assert s.get(base0 + "/_ml/anomaly_detectors/only-here").status_code == 200
        assert s.get(base1 + "/_ml/anomaly_detectors/only-here").status_code == 404
    finally:
        rc, out, err = _stop(proc)
    assert rc == 0, (rc, err)
    lines = [ln for ln in out.splitlines() if ln.startswith("cluster ")]
    assert len(lines) == 3, out
    for c in clusters:
        assert f"cluster {c['name']} listening on {c['url']}" in lines, (c, lines)


def test_cli_sigint_exits_zero(tmp_path):
    proc, data = _start(["--port", "0"], tmp_path)
    assert len(data["clusters"]) == 1
    rc, out, err = _stop(proc, signal.SIGINT)
    assert rc == 0, (rc, err)
    assert re.search(r"^cluster \S+ listening on http://127\.0\.0\.1:\d+", out, re.M), out


def test_cli_version_delays_and_seed(tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"jobs": [seed_job("web-errors", "opened", groups=["web"],
                                                  datafeed="started")],
                                "upgrade_mode": False}))
    proc, data = _start(["--port", "0", "--es-version", "7.13.4", "--seed", str(seed),
                         "--delays", "close=0.05,delete=0.02,open=0.02,datafeed_stop=0.01"],
                        tmp_path)
    try:
        url = data["clusters"][0]["url"].rstrip("/")
        s = _s()
        r = s.get(url + "/", timeout=10)
        assert r.json()["version"]["number"] == "7.13.4"
        assert "X-Elastic-Product" not in r.headers
        r = s.get(url + "/_ml/anomaly_detectors/web-errors/_stats", timeout=10)
        assert r.status_code == 200, r.text
        assert r.json()["jobs"][0]["state"] == "opened"
        r = s.post(url + "/_ml/anomaly_detectors/web-errors/_close", timeout=10)
        assert r.status_code == 409, r.text
        assert r.json()["error"]["reason"] == \
            "cannot close job datafeed [datafeed-web-errors] hasn't been stopped"
    finally:
        rc, _, err = _stop(proc)
    assert rc == 0, err


def test_cli_security_flag(tmp_path):
    proc, data = _start(["--port", "0", "--security"], tmp_path)
    try:
        url = data["clusters"][0]["url"].rstrip("/")
        s = _s()
        assert s.get(url + "/_ml/anomaly_detectors", timeout=10).status_code == 401
        r = s.get(url + "/_ml/anomaly_detectors", auth=("ml_viewer", "changeme"), timeout=10)
        assert r.status_code == 200, r.text
    finally:
        rc, _, err = _stop(proc)
    assert rc == 0, err


def test_cli_tls(tmp_path):
    tls = tmp_path / "tls"
    tls.mkdir()
    proc, data = _start(["--port", "0", "--tls", str(tls)], tmp_path)
    try:
        url = data["clusters"][0]["url"].rstrip("/")
        assert url.startswith("https://"), url
        assert (tls / "ca.pem").exists()
        s = _s()
        r = s.get(url + "/", verify=str(tls / "ca.pem"), timeout=10)
        assert r.status_code == 200
    finally:
        rc, _, err = _stop(proc)
    assert rc == 0, err
