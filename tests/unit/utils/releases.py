# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The releases the unit tests plan for: each side of the version gates of _releases.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mlops.elasticsearch.plugins.module_utils._releases import Release

V6 = Release((6, 8, 23))
V7_9 = Release((7, 9, 3))
V7_13 = Release((7, 13, 4))
V7_14 = Release((7, 14, 2))
V7_15 = Release((7, 15, 0))
V7_17 = Release((7, 17, 24))
V8_6 = Release((8, 6, 2))
V8_7 = Release((8, 7, 0))
V8_15 = Release((8, 15, 0))
V9 = Release((9, 1, 0))
