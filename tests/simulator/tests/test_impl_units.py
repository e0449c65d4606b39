"""Unit tests of the simulator's pure helpers (no HTTP)."""
import json
import signal
import subprocess
import sys
import time

import pytest

from es_ml_simulator import errors, ids, params
from es_ml_simulator.versions import features_for, no_match_names

pytestmark = pytest.mark.simulator_only("unit tests of the simulator's code")


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


# ---- job and datafeed config helpers ------------------------------------------------------------

def test_java_random_and_string_hash_match_the_jdk():
    from es_ml_simulator.javacompat import JavaRandom, string_hash

    assert JavaRandom(42).next_long() == -5025562857975149833      # new Random(42).nextLong()
    assert JavaRandom(0).next_long() == -4962768465676381896       # new Random(0).nextLong()
    assert string_hash("hello") == 99162322
    assert string_hash("polygenelubricants") == -2147483648        # Integer.MIN_VALUE, a known Java curiosity
    assert string_hash("") == 0


def test_default_query_delay_range_and_stability():
    from es_ml_simulator.datafeedconfig import default_query_delay

    values = [default_query_delay("job-%d" % i) for i in range(200)]
    assert all(60000 <= int(v[:-2]) < 120000 and v.endswith("ms") for v in values)
    assert default_query_delay("job-1") == values[1]
    assert len(set(values)) > 150


@pytest.mark.parametrize("value,mb", [(2048, 2048), ("3000g", 3072000), ("1gb", 1024), ("1536kb", 1),
                                      ("512MB", 512), ("0.5gb", 512)])
def test_memory_mb(value, mb):
    from es_ml_simulator.jobconfig import memory_mb

    assert memory_mb(value) == mb


def test_memory_mb_without_unit_is_a_parse_error():
    from es_ml_simulator.jobconfig import memory_mb

    with pytest.raises(errors.EsError) as exc:
        memory_mb("2048")
    assert exc.value.type == "parse_exception"


@pytest.mark.parametrize("detector,text", [
    ({"function": "count"}, "count"),
    ({"function": "mean", "field_name": "bytes", "by_field_name": "host"}, "mean(bytes) by host"),
    ({"function": "sum", "field_name": "a.b", "over_field_name": "ip", "partition_field_name": "dc"},
     'sum("a.b") over ip partitionfield=dc'),
    ({"function": "rare", "by_field_name": "status", "use_null": True}, "rare by status usenull=true"),
])
def test_default_detector_description(detector, text):
    from es_ml_simulator.jobconfig import default_detector_description

    assert default_detector_description(detector) == text


def test_results_index_name_no_double_prefix():
    from es_ml_simulator.jobconfig import results_index_name

    assert [results_index_name(n) for n in (None, "shared", "x", "custom-x")] == ["shared", "shared", "custom-x",
                                                                                   "custom-x"]


def test_default_chunking():
    from es_ml_simulator.datafeedconfig import default_chunking

    assert default_chunking(None) == {"mode": "auto"}
    assert default_chunking({"b": {"histogram": {"interval": 60000}}}) == {"mode": "manual", "time_span": "60000000ms"}
    assert default_chunking({"b": {"composite": {}}}) == {"mode": "off"}


def test_root_cause_stops_at_a_non_elasticsearch_exception():
    inner = errors.bad_request("inner")
    outer = errors.EsError(400, "x_content_parse_exception", "outer", caused_by=inner, es_exception=False)
    assert outer.envelope()["error"]["root_cause"] == [{"type": "x_content_parse_exception", "reason": "outer"}]
    wrapper = errors.conflict("top", caused_by=errors.EsError(500, "illegal_state_exception", "cause",
                                                              es_exception=False))
    assert wrapper.envelope()["error"]["root_cause"] == [{"type": "illegal_state_exception", "reason": "cause"}]


def test_job_version_by_release():
    from es_ml_simulator.versions import job_version_for

    assert job_version_for((8, 9, 2), "8.9.2") == "8.9.2"
    assert job_version_for((8, 10, 4), "8.10.4") == "10.0.0"
    assert job_version_for((8, 11, 0), "8.11.0") == "11.0.0"
    assert job_version_for((8, 15, 0), "8.15.0") == "12.0.0"


def test_faults_seeded_table_replays():
    from es_ml_simulator.faults import FaultTable

    def hits(seed):
        table = FaultTable(seed)
        table.add({"path": "x", "rate": 0.5})
        return [table.take("GET", "/x") is not None for _ in range(50)]

    assert hits("s") == hits("s")
    assert hits("s") != hits("t")
