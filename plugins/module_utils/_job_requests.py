# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""What a module was asked to do, validated and parsed once (targets, exclude, time values in
seconds), before any request: one object per module instead of flags relayed through
signatures. Plain Python: built from the validated parameters dictionary."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.mlops.elasticsearch.plugins.module_utils._errors import InvalidInput
from ansible_collections.mlops.elasticsearch.plugins.module_utils._targets import parse_exclude, parse_targets

# Elasticsearch time units (TimeValue.parseTimeValue).
TIME_PATTERN = re.compile(r"^(\d+(?:\.\d+)?)(nanos|micros|ms|s|m|h|d)$")
TIME_UNIT_SECONDS = {
    "nanos": 1e-9, "micros": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0,
}


class TimeValue:
    """An Elasticsearch time value: the text sent to the server, and its length in seconds."""

    def __init__(self, text, seconds):
        self.text = text
        self.seconds = seconds

    def __repr__(self):
        return "TimeValue(%r)" % self.text


def parse_time(value, option="timeout"):
    """A TimeValue for ``30m``, ``500ms`` and the like; InvalidInput naming ``option`` otherwise."""
    text = str(value).strip() if value is not None else ""
    match = TIME_PATTERN.match(text)
    if not match:
        raise InvalidInput(
            "%s '%s' is not an Elasticsearch time value; use a number and a unit "
            "(d, h, m, s, ms, micros, nanos), e.g. 30m" % (option, value))
    return TimeValue(text, float(match.group(1)) * TIME_UNIT_SECONDS[match.group(2)])


def parse_optional_time(value, option="timeout"):
    return None if value is None else parse_time(value, option)


def parse_max_jobs(value, option="max_jobs"):
    """None (no guard) or a count of at least 0."""
    if value is not None and value < 0:
        raise InvalidInput("%s must be 0 or more, or unset for no limit; got %d" % (option, value))
    return value


def guard_match_all(targets, max_jobs, action, option="max_jobs"):
    """Every job of the cluster (``_all``, ``*``) is named only with a guard: ``max_jobs`` says how
    many jobs the user expects, so a cluster holding more is left alone. ``action``: "close", "delete"."""
    everything = [target.text for target in targets if target.is_all]
    if everything and max_jobs is None:
        raise InvalidInput("job_id '%s' names every job of the cluster: set %s to the most jobs you mean to %s "
                           "(the task then fails, changing nothing, when the cluster holds more)"
                           % (everything[0], option, action))


class CloseRequest:
    """ml_job_close: which jobs, and how to close them."""

    def __init__(self, params):
        self.targets = parse_targets(params["job_id"])
        self.exclude = parse_exclude(params.get("exclude"))
        self.force = bool(params.get("force"))
        self.timeout = parse_time(params.get("timeout") or "30m")
        self.allow_no_match = params.get("allow_no_match", True)
        self.ignore_missing = bool(params.get("ignore_missing"))
        self.max_jobs = parse_max_jobs(params.get("max_jobs"))
        guard_match_all(self.targets, self.max_jobs, "close")


class DeleteRequest:
    """ml_job_delete: which jobs, how to delete them, and where to back them up."""

    def __init__(self, params):
        self.resolve_patterns = bool(params.get("resolve_patterns"))
        self.targets = parse_targets(params["job_id"], allow_patterns=self.resolve_patterns)
        self.exclude = parse_exclude(params.get("exclude"))
        self.force = bool(params.get("force"))
        self.close_first = bool(params.get("close_first"))
        self.max_jobs = parse_max_jobs(params.get("max_jobs"))
        guard_match_all(self.targets, self.max_jobs, "delete")
        self.wait_for_completion = params.get("wait_for_completion", True)
        self.delete_user_annotations = bool(params.get("delete_user_annotations"))
        self.timeout = parse_optional_time(params.get("timeout"))
        # The close of close_first, and the wait for a closing job: close_timeout, else timeout.
        self.close_timeout = (parse_optional_time(params.get("close_timeout"), "close_timeout")
                              or self.timeout or parse_time("30m"))
        self.concurrency = params.get("concurrency") or 4
        if self.concurrency < 1:
            raise InvalidInput("concurrency must be 1 or more, got %d" % self.concurrency)
        self.backup_dir = params.get("backup_dir")


class PlanRequest:
    """ml_job_info's ``plan``: what closing, then deleting (or closing only), would do."""

    def __init__(self, params):
        self.delete = params.get("delete", True)
        self.force = bool(params.get("force"))
        self.max_jobs = parse_max_jobs(params.get("max_jobs"), "plan.max_jobs")
        self.delete_user_annotations = bool(params.get("delete_user_annotations"))


class DescribeRequest:
    """ml_job_info: which jobs, and what to say of them and of the cluster."""

    def __init__(self, params):
        self.targets = parse_targets(params.get("job_id") or ["_all"])
        self.exclude = parse_exclude(params.get("exclude"))
        self.include_cluster = bool(params.get("include_cluster"))
        self.include_config = bool(params.get("include_config"))
        self.plan = PlanRequest(params["plan"]) if params.get("plan") is not None else None
        if self.plan:
            guard_match_all(self.targets, self.plan.max_jobs, "delete" if self.plan.delete else "close",
                            option="plan.max_jobs")
