# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""The Ansible side shared by the modules: building the module and the client, and the one
place where exceptions become ``fail_json``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _common as common
from ansible_collections.mlops.elasticsearch.plugins.module_utils import _es_client as es_client


def new_module(supports_check_mode=True, **module_options):
    """An AnsibleModule with the connection options and their constraints merged in."""
    return AnsibleModule(
        argument_spec=common.module_argument_spec(**module_options),
        mutually_exclusive=common.CONNECTION_MUTUALLY_EXCLUSIVE,
        required_together=common.CONNECTION_REQUIRED_TOGETHER,
        required_by=common.CONNECTION_REQUIRED_BY,
        supports_check_mode=supports_check_mode,
    )


def new_client(module):
    if not es_client.HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=es_client.REQUESTS_IMPORT_ERROR)
    params = common.connection_params(module.params)
    return es_client.EsClient(check_mode=module.check_mode, warn=module.warn, **params)


def run(module, action, failure):
    """Run ``action(client)`` -> result dict; any error becomes one ``fail_json``.

    ``failure`` words the message, e.g. "Failed to close jobs"."""
    try:
        result = action(new_client(module))
    except common.ElasticsearchError as exc:
        extra = exc.details()
        extra.update(getattr(exc, "result", {}))
        extra.pop("msg", None)
        module.fail_json(msg="%s: %s" % (failure, exc.msg), **extra)
    module.exit_json(**result)


def add_diff(module, result, diff):
    if module._diff:
        result["diff"] = diff
    return result
