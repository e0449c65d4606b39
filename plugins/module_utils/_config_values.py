# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""Values in the one spelling Elasticsearch stores, so that two spellings of one value compare
equal: time values (``1h`` and ``3600s`` are one TimeValue) and model memory limits (``2gb``,
``2048`` and ``2048mb`` are all rendered ``2048mb``). A value the server would refuse is returned
as given: the server's own answer then says what is wrong with it. Plain Python."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# TimeValue units in nanoseconds, largest first: the canonical spelling uses the largest unit
# that divides the duration. Integers, not the float seconds of _job_requests: exact equality.
TIME_UNITS_NS = (("d", 86400 * 10 ** 9), ("h", 3600 * 10 ** 9), ("m", 60 * 10 ** 9), ("s", 10 ** 9),
                 ("ms", 10 ** 6), ("micros", 10 ** 3), ("nanos", 1))
_TIME_UNIT_NS = dict(TIME_UNITS_NS)
# TimeValue.parseTimeValue: trimmed, lower-cased, a whole number and a unit ("0" and "-1" alone).
TIME_PATTERN = re.compile(r"^(\d+)\s*(nanos|micros|ms|s|m|h|d)\Z")
SPECIAL_TIMES = ("0", "-1")

# ByteSizeValue units; AnalysisLimits keeps whole MB.
BYTE_UNITS = {"b": 1, "k": 1 << 10, "kb": 1 << 10, "m": 1 << 20, "mb": 1 << 20, "g": 1 << 30, "gb": 1 << 30,
              "t": 1 << 40, "tb": 1 << 40, "p": 1 << 50, "pb": 1 << 50}
SIZE_PATTERN = re.compile(r"^(\d+(?:\.\d+)?)\s*([a-z]+)\Z")
MB = 1 << 20


def time_value(value):
    """The canonical spelling of a time value: the duration in the largest unit that divides it
    (``3600s`` -> ``1h``, ``90000ms`` -> ``90s``)."""
    if not isinstance(value, str):
        return value
    text = value.strip().lower()
    if text in SPECIAL_TIMES:
        return text
    match = TIME_PATTERN.match(text)
    if not match:
        return value
    nanos = int(match.group(1)) * _TIME_UNIT_NS[match.group(2)]
    if nanos == 0:
        return "0"
    # nanos divide every duration, so some unit always does
    unit, size = next((unit, size) for unit, size in TIME_UNITS_NS if nanos % size == 0)
    return "%d%s" % (nanos // size, unit)


def memory_limit(value):
    """A model memory limit as Elasticsearch renders it, ``<whole MB>mb``: a number is MB, a string
    is a byte size, truncated to whole MB (``1500kb`` -> ``1mb``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return value
    if not isinstance(value, str):
        return "%dmb" % int(value)
    match = SIZE_PATTERN.match(value.strip().lower())
    if not match or match.group(2) not in BYTE_UNITS:
        return value
    return "%dmb" % (int(float(match.group(1)) * BYTE_UNITS[match.group(2)]) // MB)
