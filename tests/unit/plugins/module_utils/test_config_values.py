# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Values in the one spelling Elasticsearch stores: time values and model memory limits."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mlops.elasticsearch.plugins.module_utils._config_values import memory_limit, time_value


@pytest.mark.parametrize("given, stored", [
    # Each unit TimeValue parses, spelled in the largest unit that divides the duration.
    ("1d", "1d"), ("24h", "1d"), ("1h", "1h"), ("3600s", "1h"), ("60m", "1h"), ("90s", "90s"), ("90000ms", "90s"),
    ("83412ms", "83412ms"), ("1500micros", "1500micros"), ("2000micros", "2ms"), ("7nanos", "7nanos"),
    ("15m", "15m"), ("900s", "15m"),
    # Trimmed and lower-cased, as parseTimeValue does.
    (" 15M ", "15m"), ("2H", "2h"), ("5 s", "5s"),
    # The two values without a unit, and zero in any unit.
    ("0", "0"), ("-1", "-1"), ("0s", "0"), ("0ms", "0"),
])
def test_time_values(given, stored):
    assert time_value(given) == stored


@pytest.mark.parametrize("refused", ["1.5h", "15", "15 minutes", "-5s", "", "h", 15, None, ["15m"]])
def test_time_values_elasticsearch_refuses_are_kept_as_given(refused):
    """The server's own answer says what is wrong; compared as given, they stay a difference."""
    assert time_value(refused) == refused


@pytest.mark.parametrize("given, stored", [
    # A number is MB (AnalysisLimits).
    (2048, "2048mb"), (1, "1mb"), (1024.9, "1024mb"),
    # A string is a byte size in any unit, truncated to whole MB.
    ("2048mb", "2048mb"), ("2gb", "2048mb"), ("2g", "2048mb"), ("3000g", "3072000mb"), ("1tb", "1048576mb"),
    ("1024kb", "1mb"), ("1500kb", "1mb"), ("1048576b", "1mb"), ("1.5gb", "1536mb"), ("1p", "1073741824mb"),
    # Case and blanks, as ByteSizeValue parses them.
    ("2GB", "2048mb"), (" 512 MB ", "512mb"), ("1024M", "1024mb"),
])
def test_model_memory_limits(given, stored):
    assert memory_limit(given) == stored


@pytest.mark.parametrize("refused", ["2048", "2 gigabytes", "mb", "", True, None, {"mb": 1}])
def test_memory_limits_elasticsearch_refuses_are_kept_as_given(refused):
    assert memory_limit(refused) == refused
