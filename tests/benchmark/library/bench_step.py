# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A ping-like module for the `floor` contender of tests/benchmark/fleet.py: AnsibleModule
start-up, an optional sleep standing for the server's own work, exit. Not part of the collection."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: bench_step
short_description: Benchmark floor step, ansible.builtin.ping plus a sleep
description: Sleeps O(sleep) seconds and returns. Used only by tests/benchmark/floor.yml.
options:
  sleep:
    description: Seconds to sleep.
    type: float
    default: 0.0
author: mlops.elasticsearch contributors
"""

import time

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(sleep=dict(type="float", default=0.0)), supports_check_mode=True)
    if module.params["sleep"] > 0:
        time.sleep(module.params["sleep"])
    module.exit_json(changed=False, ping="pong")


if __name__ == "__main__":
    main()
