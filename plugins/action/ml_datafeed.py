# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs ml_datafeed in the controller's worker when its task runs on the controller; see
plugins/plugin_utils/_local_module.py. Its documentation is the module's."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mlops.elasticsearch.plugins.modules import ml_datafeed
from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._local_module import LocalModuleAction


class ActionModule(LocalModuleAction):
    DEFINITION = ml_datafeed.DEFINITION
