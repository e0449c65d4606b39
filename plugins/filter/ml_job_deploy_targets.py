# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ml_job_deploy_targets filter; its documentation is in the .yml file beside it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.mlops.elasticsearch.plugins.plugin_utils._deploy_steps import STEPS, step_targets

FLAGS = ("job_id",) + STEPS


def ml_job_deploy_targets(definitions, step, declared=None, opened=None, check_mode=False):
    if not isinstance(definitions, list) or not all(isinstance(d, dict) for d in definitions):
        raise AnsibleFilterError("ml_job_deploy_targets expects the list of ml_job_definitions, got %s"
                                 % type(definitions).__name__)
    if step not in STEPS:
        raise AnsibleFilterError("ml_job_deploy_targets: step must be one of %s, got %r" % (", ".join(STEPS), step))
    for definition in definitions:
        missing = [key for key in FLAGS if key not in definition]
        if missing:
            raise AnsibleFilterError("ml_job_deploy_targets: a definition lacks %s (read them with the lookup "
                                     "mlops.elasticsearch.ml_job_definitions)" % ", ".join(missing))
    return step_targets(definitions, step, declared, opened, bool(check_mode))


class FilterModule(object):
    def filters(self):
        return {"ml_job_deploy_targets": ml_job_deploy_targets}
