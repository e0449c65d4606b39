# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""Job ids and the expressions that name jobs (ids, groups, wildcards, ``_all``): checked before
any request, and matched on the client against what one read returned. Plain Python."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.mlops.elasticsearch.plugins.module_utils._errors import InvalidInput

# Elasticsearch's own rules (MlStrings.java): lowercase alphanumerics, '-', '_' and '.',
# starting and ending alphanumeric, at most 64 characters; '_all' is reserved.
# \Z, not $: '$' also matches before a trailing newline, so 'web-1\n' would pass.
JOB_ID_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9_\-.]*[a-z0-9])?\Z")
WILDCARD_PATTERN = re.compile(r"^[a-z0-9_\-.*]+\Z")
ID_LENGTH_LIMIT = 64
MATCH_ALL = ("_all", "*")


def validate_job_id(job_id, option="job_id"):
    """Raise InvalidInput, naming the value, unless Elasticsearch would accept it as a job id."""
    if not isinstance(job_id, str) or not job_id:
        raise InvalidInput("%s must be a non-empty string, got %r" % (option, job_id))
    if job_id in MATCH_ALL:
        raise InvalidInput("%s '%s' is not a job id" % (option, job_id))
    if not JOB_ID_PATTERN.match(job_id):
        raise InvalidInput(
            "Invalid %s; '%s' can contain lowercase alphanumeric (a-z and 0-9), hyphens or underscores; "
            "must start and end with alphanumeric" % (option, job_id))
    if len(job_id) > ID_LENGTH_LIMIT:
        raise InvalidInput("%s '%s' is longer than %d characters, which Elasticsearch refuses"
                           % (option, job_id, ID_LENGTH_LIMIT))


class Target:
    """One token of an id expression: a job id or group name, a wildcard, or _all."""

    def __init__(self, text):
        self.text = text

    @property
    def is_all(self):
        return self.text in MATCH_ALL

    @property
    def is_pattern(self):
        return self.is_all or "*" in self.text

    def matches(self, job_id, groups=()):
        if self.is_all:
            return True
        names = [job_id] + list(groups)
        if "*" in self.text:
            regex = _wildcard_regex(self.text)
            return any(regex.match(name) for name in names)
        return self.text in names

    def __repr__(self):
        return "Target(%r)" % self.text


def _wildcard_regex(pattern):
    return re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$")


def parse_targets(values, option="job_id", allow_patterns=True):
    """Split and check a user's targets before any request; returns [Target].

    ``values`` is a list whose items may be comma lists, as Elasticsearch accepts."""
    if isinstance(values, str):
        values = [values]
    tokens = []
    for value in values or []:
        if not isinstance(value, str):
            raise InvalidInput("%s entries must be strings, got %r" % (option, value))
        for piece in value.split(","):
            tokens.append(_parse_token(piece.strip(), value, option, allow_patterns))
    if not tokens:
        raise InvalidInput("%s is empty: name at least one job, group or pattern" % option)
    return _unique(tokens)


def parse_exclude(values):
    """Targets never to touch; none when the option is empty."""
    return parse_targets(values, option="exclude") if values else []


def _parse_token(token, given, option, allow_patterns):
    if not token:
        raise InvalidInput("%s '%s' has an empty entry" % (option, given))
    if token in MATCH_ALL or "*" in token:
        if not allow_patterns:
            raise InvalidInput(
                "%s '%s' is a pattern; the delete API takes explicit job ids only. "
                "Set resolve_patterns=true to delete every job it matches." % (option, token))
        if token not in MATCH_ALL and (not WILDCARD_PATTERN.match(token) or token[0] in "_-."):
            raise InvalidInput(
                "%s pattern '%s' may contain only lowercase alphanumerics, '-', '_', '.' and '*', "
                "and must not start with '_', '-' or '.'" % (option, token))
        if len(token) > ID_LENGTH_LIMIT:
            raise InvalidInput("%s pattern '%s' is longer than %d characters" % (option, token, ID_LENGTH_LIMIT))
        return Target(token)
    validate_job_id(token, option)
    return Target(token)


def _unique(targets):
    seen = set()
    out = []
    for target in targets:
        if target.text not in seen:
            seen.add(target.text)
            out.append(target)
    return out


def read_expression(targets):
    """The expression to read the targets' jobs in one request that never answers 404.

    Explicit ids are read as prefixes (``web-1*``) so an absent one is not an error; the
    exact matching is done here afterwards, with :func:`match_jobs`."""
    if any(t.is_all for t in targets):
        return "_all"
    return ",".join(t.text if t.is_pattern else t.text + "*" for t in targets)


class Selection:
    """The jobs a request names, resolved on the client from what one read returned."""

    def __init__(self, jobs, missing, unmatched_patterns, excluded):
        self.jobs = jobs
        self.missing = missing
        self.unmatched_patterns = unmatched_patterns
        self.excluded = excluded

    @property
    def job_ids(self):
        return [job.job_id for job in self.jobs]


def match_jobs(targets, jobs, exclude=(), ids_only=False):
    """Which of ``jobs`` the targets name, as Elasticsearch expands an expression: a token matches
    job ids and group names, wildcards included.

    ``ids_only`` matches explicit tokens against job ids and not groups (the delete API);
    ``exclude`` are targets never to select."""
    selected = []
    missing = []
    unmatched = []
    for target in targets:
        hits = [job for job in jobs if _target_hits(target, job, ids_only)]
        if not hits:
            (unmatched if target.is_pattern else missing).append(target.text)
        for job in hits:
            if job not in selected:
                selected.append(job)
    excluded = [job.job_id for job in selected if any(t.matches(job.job_id, job.groups) for t in exclude)]
    kept = [job for job in selected if job.job_id not in excluded]
    kept.sort(key=lambda job: job.job_id)
    return Selection(kept, missing, unmatched, excluded)


def _target_hits(target, job, ids_only):
    if ids_only and not target.is_pattern:
        return target.text == job.job_id
    return target.matches(job.job_id, job.groups)


def groups_named(targets, jobs):
    """Explicit targets that name a group rather than a job, with the group's jobs."""
    out = {}
    for target in targets:
        if target.is_pattern or any(job.job_id == target.text for job in jobs):
            continue
        members = sorted(job.job_id for job in jobs if target.text in job.groups)
        if members:
            out[target.text] = members
    return out
