# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""Polling for states that take time (a closing job, a running delete task): short first,
growing, capped, bounded by a timeout. Plain Python."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.mlops.elasticsearch.plugins.module_utils._errors import Interrupted, WaitTimeout


def poll_intervals(timeout_s, first=0.05, factor=1.6, cap=2.0, now=time.monotonic):
    """Sleep lengths for polling until ``timeout_s`` has passed: short first, growing, capped."""
    deadline = now() + timeout_s
    interval = first
    while True:
        left = deadline - now()
        if left <= 0:
            return
        yield min(interval, left)
        interval = min(interval * factor, cap)


def wait_until(read, done, timeout_s, what, sleep=time.sleep, now=time.monotonic, stopping=lambda: False):
    """Call ``read`` until ``done(result)``; returns (last result, seconds waited).

    Raises WaitTimeout (carrying the last result) when ``timeout_s`` runs out, and Interrupted
    when ``stopping()`` turns true; ``what`` words both messages ("jobs to close")."""
    started = now()
    last = read()
    if done(last):
        return last, 0.0
    for interval in poll_intervals(timeout_s, now=now):
        sleep(interval)
        if stopping():
            raise Interrupted("interrupted while waiting for %s" % what)
        last = read()
        if done(last):
            return last, now() - started
    waited = now() - started
    raise WaitTimeout("timed out after %.1fs waiting for %s" % (waited, what), last_seen=last, waited_s=waited)
