# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Requests parsed once: time values. Plain Python: no Ansible, no HTTP."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _job_requests
from ansible_collections.mlops.elasticsearch.plugins.module_utils._errors import InvalidInput


# --- time values ---------------------------------------------------------------------------

@pytest.mark.parametrize("value, seconds", [
    ("30m", 1800.0), ("90s", 90.0), ("2h", 7200.0), ("1d", 86400.0), ("500ms", 0.5),
    ("1500micros", 0.0015), ("2000000nanos", 0.002), ("0s", 0.0), ("1.5h", 5400.0), (" 10s ", 10.0),
])
def test_parse_time_units(value, seconds):
    parsed = _job_requests.parse_time(value)
    assert parsed.seconds == pytest.approx(seconds)
    assert parsed.text == value.strip(), "the server gets the value as the user wrote it"


@pytest.mark.parametrize("value", ["30", "m", "30 m", "30min", "-1s", "1y", "30mm", "abc", "", None, "1e3s", "3.s"])
def test_parse_time_refuses_what_is_not_a_time_value(value):
    with pytest.raises(InvalidInput) as exc:
        _job_requests.parse_time(value, option="timeout")
    assert "timeout '%s'" % (value,) in exc.value.msg
    assert "30m" in exc.value.msg
