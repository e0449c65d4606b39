# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""The Ansible side of every module: building the AnsibleModule with the connection options,
running an operation against the cluster, and the one place where exceptions become
``fail_json``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import signal
import threading
from contextlib import contextmanager

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.mlops.elasticsearch.plugins.module_utils import _connection_options as connection_options
from ansible_collections.mlops.elasticsearch.plugins.module_utils import _transport as transport_module
from ansible_collections.mlops.elasticsearch.plugins.module_utils._endpoints import connect
from ansible_collections.mlops.elasticsearch.plugins.module_utils._errors import ElasticsearchError

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
CONNECTION_FAILURE = "Invalid connection options"


class Definition:
    """What a module is, for its process (``main``) and for its action plugin, which runs it in the
    controller's worker when the task runs there (plugins/plugin_utils/_local_module.py): its own
    options, its request type (``parse(params)``), its operation
    (``operation(endpoints, request, check_mode, diff)`` -> result) and how its failures read."""

    def __init__(self, argument_spec, parse, operation, failure):
        self.argument_spec = argument_spec
        self.parse = parse
        self.operation = operation
        self.failure = failure


def main(definition):
    """A module's process: its AnsibleModule, then :func:`run`."""
    run(new_module(definition.argument_spec), definition.operation, definition.parse, definition.failure)


def new_module(argument_spec, supports_check_mode=True):
    """An AnsibleModule with the connection options and their constraints merged in, and their
    values resolved (explicit settings, then the environment, then the defaults) into its params."""
    module = AnsibleModule(argument_spec=connection_options.argument_spec(**argument_spec),
                           supports_check_mode=supports_check_mode, **connection_options.argument_constraints())
    try:
        resolve_connection(module.params, module.no_log_values)
    except ElasticsearchError as exc:
        module.fail_json(**failure_result(CONNECTION_FAILURE, exc))
    return module


def resolve_connection(params, no_log_values):
    """Decide the connection settings in ``params`` (explicit settings, then the environment, then
    the defaults). As an env_fallback would, the values show in the result's invocation and the
    secrets taken from the environment join ``no_log_values``. Raises ElasticsearchError."""
    settings, secrets = connection_options.resolve(params)
    no_log_values.update(secrets)
    params.update(settings)


@contextmanager
def stop_on_signals(transport):
    """The first SIGINT or SIGTERM stops mutating requests (the ones already sent finish and are
    reported); a second one acts as usual. Only the main thread may set signal handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = dict((number, signal.getsignal(number)) for number in STOP_SIGNALS)

    def stop(number, frame):
        transport.stop()
        for other, handler in previous.items():
            signal.signal(other, handler)

    for number in STOP_SIGNALS:
        signal.signal(number, stop)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def execute(operation, parse, params, check_mode, diff, warn):
    """Parse the request (``parse(params)``, before any request is sent), then run
    ``operation(endpoints, request, check_mode, diff)`` against the cluster the connection
    options name; returns its result."""
    request = parse(params)
    transport = transport_module.Transport(check_mode=check_mode, warn=warn,
                                           **connection_options.connection_params(params))
    try:
        with stop_on_signals(transport):
            result = operation(connect(transport), request, check_mode, diff)
    except ElasticsearchError as exc:
        exc.skipped_nodes = transport.skipped_nodes
        raise
    result["skipped_nodes"] = transport.skipped_nodes
    return result


def failure_result(failure, error):
    """What a failed task returns: "<failure>: <why>", the error's details, any per-job result and
    the nodes skipped as unreachable."""
    result = error.details()
    result.update(getattr(error, "result", {}))
    result.pop("msg", None)
    result["msg"] = "%s: %s" % (failure, error.msg)
    result["skipped_nodes"] = getattr(error, "skipped_nodes", [])
    return result


def run(module, operation, parse, failure):
    """Run the module's operation (see :func:`execute`); any error becomes one ``fail_json``.

    ``failure`` words the message, e.g. "Failed to close jobs"."""
    if not transport_module.HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=transport_module.REQUESTS_IMPORT_ERROR)
    try:
        result = execute(operation, parse, module.params, module.check_mode, module._diff, module.warn)
    except ElasticsearchError as exc:
        module.fail_json(**failure_result(failure, exc))
    module.exit_json(**result)
