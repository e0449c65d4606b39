"""Unit tests of the simulator's pure helpers (no HTTP)."""
import json
import signal
import subprocess
import sys
import time

import pytest

from es_ml_simulator import errors, ids, params
from es_ml_simulator.versions import features_for, no_match_names


def test_did_you_mean_follows_lucene_levenshtein():
    err = params.unrecognized("/p", {"forse", "zzz"}, {"force", "timeout", "job_id"})
    assert err.reason == "request [/p] contains unrecognized parameters: [forse] -> did you mean [force]?, [zzz]"


def test_expand_literal_always_required_wildcard_only_without_allow_no_match():
    candidates = {"a": ["a", "web"], "b": ["b"]}
    assert ids.expand("web,b", candidates, True) == (["a", "b"], [])
    assert ids.expand("x*,nope", candidates, True) == ([], ["nope"])
    assert ids.expand("x*", candidates, False) == ([], ["x*"])
    assert ids.expand("_all", {}, False) == ([], ["*"])


@pytest.mark.parametrize("bad", ["Bad", "a*", "a,b", "_all", "-a", "a-"])
def test_invalid_ids(bad):
    with pytest.raises(errors.EsError) as exc:
        ids.validate_id("job", bad)
    assert exc.value.reason.startswith("Invalid job_id; '%s' can contain" % bad)


def test_envelope_root_cause_is_innermost_without_caused_by():
    inner = errors.conflict("inner")
    body = errors.conflict("outer", caused_by=inner).envelope()
    assert body["error"]["root_cause"] == [{"type": "status_exception", "reason": "inner"}]
    assert body["error"]["caused_by"]["reason"] == "inner"
    assert errors.conflict("outer", caused_by=inner).task_error()["caused_by"]["reason"] == "inner"


def test_no_match_names_by_release():
    assert no_match_names(features_for("6.8.23"), "jobs", False) == ("allow_no_jobs",)
    assert no_match_names(features_for("7.17.0"), "jobs", False) == ("allow_no_match", "allow_no_jobs")
    assert no_match_names(features_for("8.15.0"), "datafeeds", True) == ("allow_no_match", "allow_no_datafeeds")
    assert no_match_names(features_for("9.1.0"), "jobs", True) == ("allow_no_match",)


def test_cli_ready_file_and_clean_exit(tmp_path):
    ready = tmp_path / "ready.json"
    proc = subprocess.Popen([sys.executable, "-m", "es_ml_simulator.cli", "--port", "0", "--clusters", "2",
                             "--ready-file", str(ready)], stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 10
        while not ready.exists() and time.time() < deadline:
            time.sleep(0.05)
        clusters = json.loads(ready.read_text())["clusters"]
        assert [c["name"] for c in clusters] == ["sim-1", "sim-2"]
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "cluster sim-1 listening on http://127.0.0.1:" in out


def test_connections_disable_nagle():
    """Headers and body are separate writes: with Nagle on, every kept-alive request stalls ~40 ms
    on the client's delayed ACK (measured in the benchmark, not asserted as a timing here)."""
    from es_ml_simulator.server import Handler
    assert Handler.disable_nagle_algorithm is True
