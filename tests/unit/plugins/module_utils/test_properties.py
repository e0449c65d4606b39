# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property tests (hypothesis): id checks, URL building and the response parser."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

try:
    from urllib.parse import unquote
except ImportError:  # pragma: no cover
    from urllib import unquote  # type: ignore

import pytest
import requests
from hypothesis import HealthCheck, given, settings, strategies as st

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _errors as errors
from ansible_collections.mlops.elasticsearch.plugins.module_utils import _targets as J
from ansible_collections.mlops.elasticsearch.plugins.module_utils import _transport as es_client
from ansible_collections.mlops.elasticsearch.tests.unit.utils.scripted_http import FakeResponse

# No example database on disk, no deadline (CI machines stall), and enough examples to matter.
PROPERTIES = settings(max_examples=200, deadline=None, database=None,
                      suppress_health_check=[HealthCheck.too_slow])

# Elasticsearch's own rule, written independently of the module (MlStrings.java).
ES_ID = re.compile(r"[a-z0-9](?:[a-z0-9_\-.]*[a-z0-9])?")

# Characters near the edge of the rules, so generated strings often almost pass.
EDGY = "az09_-.*/?#%,: \n\t\r\x00A\u00e9\u0131\u212a"
near_ids = st.text(alphabet=EDGY, max_size=70)
any_text = st.one_of(near_ids, st.text(max_size=80))


@PROPERTIES
@given(any_text)
def test_every_accepted_job_id_is_one_elasticsearch_accepts(job_id):
    try:
        J.validate_job_id(job_id)
    except errors.InvalidInput as exc:
        assert job_id in exc.msg or repr(job_id) in exc.msg
        return
    assert ES_ID.fullmatch(job_id)
    assert len(job_id) <= 64
    assert job_id != "_all"


@PROPERTIES
@given(st.from_regex(ES_ID, fullmatch=True).filter(lambda s: len(s) <= 64))
def test_every_id_elasticsearch_accepts_is_accepted(job_id):
    J.validate_job_id(job_id)


@PROPERTIES
@given(st.lists(any_text, max_size=4))
def test_parsed_targets_are_ids_or_simple_patterns(values):
    try:
        targets = J.parse_targets(values)
    except errors.InvalidInput:
        return
    for target in targets:
        if target.is_pattern:
            assert target.text in J.MATCH_ALL or re.fullmatch(r"[a-z0-9][a-z0-9_\-.*]*|\*[a-z0-9_\-.*]*", target.text)
        else:
            assert ES_ID.fullmatch(target.text) and len(target.text) <= 64
        for forbidden in "/?#%\n ":
            assert forbidden not in target.text


TEMPLATES = ["_ml/anomaly_detectors/{}", "_ml/anomaly_detectors/{}/_close", "_ml/datafeeds/{}/_stats", "_tasks/{}"]


@PROPERTIES
@given(st.sampled_from(TEMPLATES), any_text)
def test_path_keeps_a_user_segment_inside_its_slot(template, segment):
    try:
        built = es_client.path(template, segment)
    except errors.InvalidInput:
        assert segment in ("", ".", "..")
        return
    prefix, suffix = ("/" + template).split("{}")
    assert built.startswith(prefix) and built.endswith(suffix)
    quoted = built[len(prefix):len(built) - len(suffix)]
    for char in "/?#":
        assert char not in quoted
    assert quoted not in ("", ".", "..")
    assert unquote(quoted) == segment
    # What requests actually puts on the wire: same endpoint, no dot segment collapsed.
    wire = requests.Request("GET", "http://es:9200" + built).prepare().path_url
    assert wire.startswith(prefix) and wire.endswith(suffix)
    assert wire.count("/") == built.count("/")
    assert unquote(wire[len(prefix):len(wire) - len(suffix)]) == segment


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20)
error_like = st.fixed_dictionaries({}, optional={
    "error": st.one_of(json_values, st.fixed_dictionaries({}, optional={
        "type": json_values, "reason": json_values, "caused_by": json_values, "root_cause": json_values})),
    "status": json_values,
})
bodies = st.one_of(json_values, error_like)


@PROPERTIES
@given(st.integers(min_value=100, max_value=599), bodies)
def test_describe_error_always_returns_a_message(status, body):
    error_type, reason, tail = es_client.describe_error(status, body)
    assert isinstance(tail, str)


texts = st.one_of(
    bodies.map(json.dumps),
    st.text(max_size=200),
    st.sampled_from(["", " ", "<html><body>502 Bad Gateway</body></html>", '{"count": 1, "jobs": [', "null",
                     "[" * 5000, '{"error": null}', "\ufeff{}"]),
)


@PROPERTIES
@given(st.integers(min_value=100, max_value=599), texts,
       st.sampled_from(["", "application/json", "text/html", "text/plain; charset=utf-8"]),
       st.one_of(st.none(), st.text(max_size=10)))
def test_decode_answers_a_response_or_a_collection_exception(status, text, content_type, retry_after):
    headers = {"Content-Type": content_type}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    raw = FakeResponse(status, text, headers)
    try:
        response = es_client._decode(raw, "GET", "/x", "http://es:9200/x")
    except errors.ElasticsearchError as exc:
        assert isinstance(exc.msg, str) and exc.msg.startswith("GET /x ")
        assert exc.status == status
        return
    assert 200 <= status < 300
    assert isinstance(response.body, dict)


@PROPERTIES
@given(st.lists(st.tuples(st.sampled_from([200, 400, 401, 403, 404, 409, 429, 500, 502, 503, 504]), texts),
                min_size=1, max_size=5))
def test_request_never_raises_anything_but_collection_exceptions(answers):
    from ansible_collections.mlops.elasticsearch.tests.unit.utils.scripted_http import Call, ScriptedSession
    http = ScriptedSession([Call("GET", "/x", status=status, text=text) for status, text in answers])
    client = es_client.Transport(["http://es:9200"], session=http, sleep=lambda s: None, retries=len(answers) - 1)
    try:
        client.request("GET", "/x", retry_conflicts=1)
    except errors.ElasticsearchError:
        pass
    except AssertionError:
        # Ran out of script: the client made more calls than retries allow.
        pytest.fail("more requests than retries allow: %r" % http.calls)
