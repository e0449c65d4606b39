# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A declared configuration against the current one: declared keys only, whole values, lists
element by element, the diff's before, the value sent for an object replaced whole."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mlops.elasticsearch.plugins.module_utils._declared import (
    Shape,
    differences,
    dotted,
    managed,
    merged,
)

SHAPE = Shape(whole=[("settings",), ("items", "*", "rules")], elementwise=[("items",)])
CURRENT = {"name": "a", "limits": {"memory": "1mb", "examples": 4}, "settings": {"x": 1, "y": 2},
           "items": [{"kind": "count", "index": 0}, {"kind": "sum", "index": 1}], "tags": ["b", "a"]}


@pytest.mark.parametrize("declared", [
    {},
    {"name": "a"},
    {"limits": {"memory": "1mb"}},                      # a nested object key by key
    {"items": [{"kind": "count"}, {"kind": "sum"}]},    # keys the server adds to each element
    {"settings": {"x": 1, "y": 2}},
    {"absent": None},                                   # a declared null matches a key not rendered
])
def test_what_the_server_adds_is_never_a_difference(declared):
    assert differences(declared, CURRENT, SHAPE) == []


@pytest.mark.parametrize("declared, paths", [
    ({"name": "b"}, [("name",)]),
    ({"limits": {"memory": "2mb", "examples": 4}}, [("limits", "memory")]),
    ({"items": [{"kind": "count"}, {"kind": "max"}]}, [("items", 1, "kind")]),
    # A whole value: a key left out is a change.
    ({"settings": {"x": 1}}, [("settings",)]),
    # Lists are values; elementwise lists of another length too.
    ({"tags": ["a", "b"]}, [("tags",)]),
    ({"items": [{"kind": "count"}]}, [("items",)]),
    ({"absent": {"a": 1}}, [("absent",)]),
    ({"name": "b", "limits": {"examples": 5}}, [("name",), ("limits", "examples")]),
])
def test_differences_are_the_declared_paths_that_differ(declared, paths):
    assert differences(declared, CURRENT, SHAPE) == paths


def test_whole_patterns_match_any_list_index():
    current = {"items": [{"kind": "count", "rules": [1]}]}
    assert differences({"items": [{"rules": [1]}]}, current, SHAPE) == []
    assert differences({"items": [{"rules": []}]}, current, SHAPE) == [("items", 0, "rules")]


def test_managed_is_the_current_value_at_the_declared_keys():
    declared = {"name": "b", "limits": {"memory": "2mb"}, "items": [{"kind": "count"}, {"kind": "max"}],
                "settings": {"x": 1}, "absent": 1}
    assert managed(CURRENT, declared, SHAPE) == {
        "name": "a", "limits": {"memory": "1mb"}, "items": [{"kind": "count"}, {"kind": "sum"}],
        "settings": {"x": 1, "y": 2}}


def test_managed_of_a_list_of_another_length_is_the_whole_list():
    assert managed(CURRENT, {"items": [{}]}, SHAPE) == {"items": CURRENT["items"]}


@pytest.mark.parametrize("current, declared, sent", [
    ({"enabled": False, "terms": "a"}, {"enabled": True}, {"enabled": True, "terms": "a"}),
    (None, {"enabled": True}, {"enabled": True}),
    (["a"], ["b"], ["b"]),
    ("x", "y", "y"),
])
def test_merged_keeps_undeclared_keys(current, declared, sent):
    assert merged(current, declared) == sent


def test_merged_does_not_change_its_arguments():
    current = {"enabled": False}
    merged(current, {"enabled": True})
    assert current == {"enabled": False}


@pytest.mark.parametrize("path, text", [
    (("description",), "description"),
    (("analysis_limits", "model_memory_limit"), "analysis_limits.model_memory_limit"),
    (("analysis_config", "detectors", 0, "custom_rules"), "analysis_config.detectors[0].custom_rules"),
    ((), ""),
])
def test_dotted(path, text):
    assert dotted(path) == text
