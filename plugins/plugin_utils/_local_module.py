# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""Run a module of the collection inside the controller's worker process when its task runs
there anyway (the local connection, as the roles force it): the same validation, operation and
result as the module, without a new Python process per task and without ``import requests``
per task (the worker inherits it from the controller). Anywhere else (a remote or delegated
host, become, async, a task ``environment``, no ``requests`` on the controller) the module is
sent and run as usual."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError
from ansible.module_utils.common.parameters import remove_values
from ansible.plugins.action import ActionBase

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _ansible_module
from ansible_collections.mlops.elasticsearch.plugins.module_utils import _connection_options as connection_options
from ansible_collections.mlops.elasticsearch.plugins.module_utils import _transport
from ansible_collections.mlops.elasticsearch.plugins.module_utils._errors import ElasticsearchError


class LocalModuleAction(ActionBase):
    """The action plugin of a module; ``DEFINITION`` is the module's ``_ansible_module.Definition``."""

    DEFINITION = None
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super(LocalModuleAction, self).run(tmp, task_vars)
        if self._runs_in_this_process():
            result.update(self._run_here())
        else:
            result.update(self._execute_module(task_vars=task_vars, wrap_async=self._task.async_val))
        return result

    def _runs_in_this_process(self):
        """Where the module would run on this very machine as this very user, with nothing the
        module process would add (privilege escalation, async, an environment of its own)."""
        return (getattr(self._connection, "transport", None) == "local"
                and not self._play_context.become
                and not self._task.async_val
                and not any(self._task.environment or [])
                and _transport.HAS_REQUESTS)

    def _validation_message(self, validation):
        """The first error, worded as AnsibleModule words it."""
        if isinstance(validation.errors[0], UnsupportedError):
            module = self._task.action.split(".")[-1]
            return "Unsupported parameters for (%s) module: %s" % (module, validation.errors.msg)
        return validation.errors.msg

    def _run_here(self):
        definition = self.DEFINITION
        validator = ArgumentSpecValidator(connection_options.argument_spec(**definition.argument_spec),
                                          **connection_options.argument_constraints())
        validation = validator.validate(self._task.args)
        no_log_values = validation._no_log_values
        if validation.error_messages:
            return remove_values(dict(failed=True, msg=self._validation_message(validation)), no_log_values)
        params = validation.validated_parameters
        try:
            _ansible_module.resolve_connection(params, no_log_values)
        except ElasticsearchError as exc:
            return remove_values(dict(_ansible_module.failure_result(_ansible_module.CONNECTION_FAILURE, exc),
                                      failed=True), no_log_values)
        warnings = []
        try:
            outcome = _ansible_module.execute(definition.operation, definition.parse, params,
                                              bool(self._task.check_mode), bool(self._task.diff), warnings.append)
        except ElasticsearchError as exc:
            outcome = dict(_ansible_module.failure_result(definition.failure, exc), failed=True)
        except Exception as exc:  # pylint: disable=broad-except
            # What a module process that crashed reports: the error and its traceback, no half result.
            outcome = dict(failed=True, msg="%s: unexpected %s: %s" % (definition.failure, type(exc).__name__, exc),
                           exception=traceback.format_exc())
        outcome.setdefault("changed", False)
        outcome["invocation"] = {"module_args": params}
        if warnings:
            outcome["warnings"] = warnings
        return remove_values(outcome, no_log_values)
