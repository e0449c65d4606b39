# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""A declared configuration against the one the server holds, both already normalised: only the
keys the user declared count, nested objects key by key, so what the server adds (defaults,
generated values) is never a difference. Some objects are values as a whole (a query, the custom
settings: the server replaces them whole, so a key left out is a change), and some lists are
compared element by element (detectors: the server adds keys to each). Plain Python.

A path is a tuple of keys and list indexes, e.g. ``("analysis_config", "detectors", 0, "function")``;
in the shapes below, ``"*"`` stands for any index."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class Shape:
    """Where a configuration is not compared key by key: ``whole`` objects (compared, and replaced,
    as one value) and ``elementwise`` lists (compared element by element when the lengths match)."""

    def __init__(self, whole=(), elementwise=()):
        self.whole = tuple(whole)
        self.elementwise = tuple(elementwise)

    def is_whole(self, path):
        return _matches_any(path, self.whole)

    def is_elementwise(self, path):
        return _matches_any(path, self.elementwise)


class ConfigUpdate:
    """What bringing a configuration to its declaration takes: the ``changed`` paths, the
    ``_update`` ``body`` of those the server can update, the ``not_updatable`` ones (a recreate
    would change them), and the ``needs_closed`` ones (updatable while the job is not opened)."""

    def __init__(self, changed):
        self.changed = changed
        self.body = {}
        self.not_updatable = []
        self.needs_closed = []


def _matches_any(path, patterns):
    return any(len(path) == len(pattern) and all(p == "*" or p == k for p, k in zip(pattern, path))
               for pattern in patterns)


def _nested(declared, current, shape, path):
    """The pairs to compare one level down, or None when the values are compared as they are."""
    if isinstance(declared, dict) and isinstance(current, dict) and not shape.is_whole(path):
        return [(key, declared[key], current.get(key)) for key in declared]
    if (isinstance(declared, list) and isinstance(current, list) and len(declared) == len(current)
            and shape.is_elementwise(path)):
        return list(zip(range(len(declared)), declared, current))
    return None


def differences(declared, current, shape, path=()):
    """The paths where the declared configuration differs from the current one. A key the server
    does not render reads as null, so a declared null (unset) matches it."""
    pairs = _nested(declared, current, shape, path)
    if pairs is None:
        return [] if declared == current else [path]
    found = []
    for key, declared_value, current_value in pairs:
        found.extend(differences(declared_value, current_value, shape, path + (key,)))
    return found


def managed(current, declared, shape, path=()):
    """What of the current configuration the declaration manages: its values at the declared
    keys (the diff's before). Keys the server does not have are left out."""
    pairs = _nested(declared, current, shape, path)
    if pairs is None:
        return current
    if isinstance(current, dict):
        return dict((key, managed(current_value, declared_value, shape, path + (key,)))
                    for key, declared_value, current_value in pairs if key in current)
    return [managed(current_value, declared_value, shape, path + (index,))
            for index, declared_value, current_value in pairs]


def merged(current, declared):
    """The value to send for an object the server replaces whole but the user declared key by
    key: the current object with the declared keys set, so undeclared keys stay as they are."""
    if isinstance(current, dict) and isinstance(declared, dict):
        return dict(current, **declared)
    return declared


def dotted(path):
    """``("analysis_config", "detectors", 0, "function")`` -> ``analysis_config.detectors[0].function``."""
    text = ""
    for key in path:
        text += "[%d]" % key if isinstance(key, int) else ("." if text else "") + key
    return text
