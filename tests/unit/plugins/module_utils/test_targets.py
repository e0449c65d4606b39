# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Job ids and target expressions: parsing, checking and matching. Plain Python: no Ansible, no HTTP."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _jobs
from ansible_collections.mlops.elasticsearch.plugins.module_utils import _targets
from ansible_collections.mlops.elasticsearch.plugins.module_utils._errors import InvalidInput


def targets(*texts, **kwargs):
    return _targets.parse_targets(list(texts), **kwargs)


# --- job ids -------------------------------------------------------------------------------

@pytest.mark.parametrize("job_id", [
    "a", "0", "web-1", "web_errors", "a.b", "a-b_c.d9", "x" * 64, "1-a",
])
def test_valid_job_ids_pass(job_id):
    _targets.validate_job_id(job_id)


@pytest.mark.parametrize("job_id, words", [
    ("Web", ["Invalid job_id", "'Web'", "lowercase alphanumeric"]),
    ("web errors", ["'web errors'"]),
    ("_hidden", ["'_hidden'", "must start and end with alphanumeric"]),
    ("-web", ["'-web'"]),
    (".web", ["'.web'"]),
    ("web-", ["'web-'"]),
    ("a/../_all", ["'a/../_all'"]),
    ("a%2Fb", ["'a%2Fb'"]),
    ("a?b", ["'a?b'"]),
    ("a#b", ["'a#b'"]),
    ("a,b", ["'a,b'"]),
    ("web*", ["'web*'"]),
    ("caf\u00e9", ["caf\u00e9"]),
    ("abc\n", ["abc\n"]),
    ("\nabc", ["\nabc"]),
    ("x" * 65, ["'%s'" % ("x" * 65), "64"]),
    ("_all", ["'_all'", "not a job id"]),
    ("*", ["'*'", "not a job id"]),
    ("", ["non-empty"]),
])
def test_invalid_job_ids_are_refused_naming_the_value(job_id, words):
    with pytest.raises(InvalidInput) as exc:
        _targets.validate_job_id(job_id)
    for word in words:
        assert word in exc.value.msg


def test_invalid_job_id_names_the_option():
    with pytest.raises(InvalidInput, match="^Invalid exclude; 'X'"):
        _targets.validate_job_id("X", option="exclude")


@pytest.mark.parametrize("value", [None, 5, ["a"]])
def test_job_id_must_be_a_string(value):
    with pytest.raises(InvalidInput, match="non-empty string"):
        _targets.validate_job_id(value)


# --- targets -------------------------------------------------------------------------------

def test_parse_targets_splits_comma_lists_and_strips_blanks():
    got = _targets.parse_targets(["web-1, web-2", "batch-*", "retired"])
    assert [t.text for t in got] == ["web-1", "web-2", "batch-*", "retired"]
    assert [t.is_pattern for t in got] == [False, False, True, False]


def test_parse_targets_accepts_one_string():
    assert [t.text for t in _targets.parse_targets("a,b")] == ["a", "b"]


def test_parse_targets_drops_duplicates_keeping_the_first_order():
    assert [t.text for t in _targets.parse_targets(["b", "a", "b", "a,b,c"])] == ["b", "a", "c"]


@pytest.mark.parametrize("values", [[], None, ""])
def test_parse_targets_refuses_an_empty_list(values):
    with pytest.raises(InvalidInput, match="job_id (is empty|.. has an empty entry)"):
        _targets.parse_targets(values)


@pytest.mark.parametrize("values", [[""], ["a,,b"], ["a,"], [" "]])
def test_parse_targets_refuses_empty_entries(values):
    with pytest.raises(InvalidInput, match="empty entry"):
        _targets.parse_targets(values)


def test_parse_targets_refuses_non_strings():
    with pytest.raises(InvalidInput, match="must be strings"):
        _targets.parse_targets([1])


@pytest.mark.parametrize("bad", ["a/../_all", "%2F", "a?pretty", "a#b", "Web", "web 1", "_x", "-x", "x" * 65])
def test_parse_targets_refuses_anything_that_could_reach_another_endpoint(bad):
    with pytest.raises(InvalidInput) as exc:
        _targets.parse_targets(["ok-1", bad])
    assert bad in exc.value.msg


@pytest.mark.parametrize("pattern", ["*", "_all", "web-*", "*-errors", "w*b*", "a.*", "0*"])
def test_patterns_are_accepted(pattern):
    (target,) = _targets.parse_targets([pattern])
    assert target.is_pattern


@pytest.mark.parametrize("pattern", ["Web-*", "_web*", "-web*", ".web*", "web/*", "w?b*", "web *", "we\nb-*",
                                     "*" + "x" * 64])
def test_bad_patterns_are_refused_naming_the_value(pattern):
    with pytest.raises(InvalidInput) as exc:
        _targets.parse_targets([pattern])
    assert pattern in exc.value.msg


@pytest.mark.parametrize("pattern", ["web-*", "_all", "*"])
def test_patterns_are_refused_when_not_allowed(pattern):
    with pytest.raises(InvalidInput) as exc:
        _targets.parse_targets(["web-1", pattern], allow_patterns=False)
    assert "'%s' is a pattern" % pattern in exc.value.msg
    assert "resolve_patterns=true" in exc.value.msg


def test_parse_exclude_is_empty_when_not_set_and_checked_when_set():
    assert _targets.parse_exclude([]) == []
    assert _targets.parse_exclude(None) == []
    assert [t.text for t in _targets.parse_exclude(["keep-*", "k1"])] == ["keep-*", "k1"]
    with pytest.raises(InvalidInput, match="^Invalid exclude; 'K1'"):
        _targets.parse_exclude(["K1"])


@pytest.mark.parametrize("texts, expected", [
    (["web-1"], "web-1*"),
    (["web-1", "batch-*"], "web-1*,batch-*"),
    (["web-1", "_all"], "_all"),
    (["*"], "_all"),
    (["retired"], "retired*"),
])
def test_read_expression_never_names_an_id_that_could_404(texts, expected):
    assert _targets.read_expression(targets(*texts)) == expected


# --- matching ------------------------------------------------------------------------------

FLEET = [
    _jobs.Job("web-1", groups=["web", "retired"]),
    _jobs.Job("web-10", groups=["web"]),
    _jobs.Job("web-2", groups=["web"]),
    _jobs.Job("batch-1", groups=["retired"]),
    _jobs.Job("retired", groups=[]),
    _jobs.Job("solo"),
]


def ids(selection):
    return selection.job_ids


def test_match_explicit_id_is_exact_not_a_prefix():
    sel = _targets.match_jobs(targets("web-1"), FLEET)
    assert ids(sel) == ["web-1"]
    assert sel.missing == [] and sel.unmatched_patterns == []


def test_match_group_expands_to_members_and_a_job_of_the_same_name():
    assert ids(_targets.match_jobs(targets("retired"), FLEET)) == ["batch-1", "retired", "web-1"]


def test_match_wildcard_matches_ids_and_groups():
    assert ids(_targets.match_jobs(targets("web-*"), FLEET)) == ["web-1", "web-10", "web-2"]
    assert ids(_targets.match_jobs(targets("re*"), FLEET)) == ["batch-1", "retired", "web-1"]
    assert ids(_targets.match_jobs(targets("*-1"), FLEET)) == ["batch-1", "web-1"]
    assert ids(_targets.match_jobs(targets("w*b-1*"), FLEET)) == ["web-1", "web-10"]


def test_match_wildcard_is_anchored_and_dots_are_literal():
    jobs = [_jobs.Job("a.b"), _jobs.Job("axb"), _jobs.Job("xa.b")]
    assert ids(_targets.match_jobs(targets("a.*"), jobs)) == ["a.b"]


@pytest.mark.parametrize("token", ["_all", "*"])
def test_match_all(token):
    assert ids(_targets.match_jobs(targets(token), FLEET)) == sorted(j.job_id for j in FLEET)


def test_match_all_on_an_empty_cluster_is_an_unmatched_pattern():
    sel = _targets.match_jobs(targets("_all"), [])
    assert sel.jobs == [] and sel.missing == [] and sel.unmatched_patterns == ["_all"]


def test_match_reports_missing_ids_and_unmatched_patterns_apart():
    sel = _targets.match_jobs(targets("web-1", "ghost", "nope-*", "other"), FLEET)
    assert ids(sel) == ["web-1"]
    assert sel.missing == ["ghost", "other"]
    assert sel.unmatched_patterns == ["nope-*"]


def test_match_selects_each_job_once_sorted():
    sel = _targets.match_jobs(targets("web-2", "web", "web-*", "_all"), FLEET)
    assert ids(sel) == sorted(j.job_id for j in FLEET)
    assert len(sel.jobs) == len(set(ids(sel)))


def test_match_exclude_by_id_group_and_pattern():
    sel = _targets.match_jobs(targets("_all"), FLEET, exclude=targets("solo", "batch-*", "web"))
    assert ids(sel) == ["retired"]
    assert sorted(sel.excluded) == ["batch-1", "solo", "web-1", "web-10", "web-2"]


def test_match_exclude_that_matches_nothing_changes_nothing():
    sel = _targets.match_jobs(targets("web-1"), FLEET, exclude=targets("zzz"))
    assert ids(sel) == ["web-1"] and sel.excluded == []


def test_match_ids_only_does_not_expand_groups():
    sel = _targets.match_jobs(targets("web", "retired"), FLEET, ids_only=True)
    assert ids(sel) == ["retired"]
    assert sel.missing == ["web"]


def test_match_ids_only_still_expands_patterns():
    assert ids(_targets.match_jobs(targets("web-1*"), FLEET, ids_only=True)) == ["web-1", "web-10"]


def test_groups_named_lists_groups_that_are_not_also_jobs():
    got = _targets.groups_named(targets("web", "retired", "web-1", "web-*", "ghost"), FLEET)
    assert got == {"web": ["web-1", "web-10", "web-2"]}


def test_groups_named_is_empty_for_plain_ids():
    assert _targets.groups_named(targets("web-1", "solo"), FLEET) == {}


def test_parse_targets_strips_surrounding_whitespace_as_elasticsearch_does():
    assert [t.text for t in _targets.parse_targets([" web-1\n", "web-*\n"])] == ["web-1", "web-*"]
