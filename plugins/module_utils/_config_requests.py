# -*- coding: utf-8 -*-
# Copyright: mlops.elasticsearch contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Internal to the collection: may change in any release without notice.
"""What the deploy-side modules were asked to do (ml_job, ml_datafeed, ml_job_open,
ml_datafeed_start, ml_datafeed_stop), validated and parsed once before any request: ids,
configurations that Elasticsearch would refuse whatever the cluster holds, targets and time values.
Plain Python: built from the validated parameters dictionary."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mlops.elasticsearch.plugins.module_utils._errors import InvalidInput
from ansible_collections.mlops.elasticsearch.plugins.module_utils._job_config import CREATE_ONLY_FIELDS, GENERATED_FIELDS
from ansible_collections.mlops.elasticsearch.plugins.module_utils._job_requests import parse_max_jobs, parse_time
from ansible_collections.mlops.elasticsearch.plugins.module_utils._targets import (
    parse_exclude,
    parse_targets,
    validate_job_id,
)

PRESENT = "present"
ABSENT = "absent"

# The options of ml_datafeed_start and ml_datafeed_stop that name their datafeeds; documented in
# plugins/doc_fragments/_datafeed_targets.py.
DATAFEED_TARGET_OPTIONS = dict(
    datafeed_id=dict(type="list", elements="str"),
    job_id=dict(type="list", elements="str"),
    exclude=dict(type="list", elements="str", default=[]),
    allow_no_match=dict(type="bool", default=True),
    ignore_missing=dict(type="bool", default=False),
    max_jobs=dict(type="int"),
)


def _config(params, what):
    """The ``config`` option: a dict, required with state=present."""
    config = params.get("config")
    if params.get("state", PRESENT) == PRESENT and not config:
        raise InvalidInput("config is required with state=present: the body of the create %s API" % what)
    if config is not None and not isinstance(config, dict):
        raise InvalidInput("config must be a dictionary (the body of the create %s API), got %r" % (what, config))
    return config


def _same_id(config, key, expected, option):
    given = config.get(key)
    if given is not None and given != expected:
        raise InvalidInput("config.%s '%s' differs from %s '%s'; they must name the same %s"
                           % (key, given, option, expected, option.split("_")[0]))


class JobRequest:
    """ml_job: one job's declared configuration, or its absence."""

    def __init__(self, params):
        self.job_id = params["job_id"]
        validate_job_id(self.job_id)
        self.state = params.get("state") or PRESENT
        self.config = _config(params, "anomaly detection job")
        self.datafeed = None
        if self.config is not None:
            self._check_config()
        self.recreate = bool(params.get("recreate"))
        self.allow_restart = bool(params.get("allow_restart"))
        self.force = bool(params.get("force"))
        self.backup_dir = params.get("backup_dir")
        self.timeout = parse_time(params.get("timeout") or "30m")
        if self.recreate and not self.backup_dir:
            raise InvalidInput("recreate=true needs backup_dir: a recreated job loses its results and model, "
                               "so its configuration is saved there first")
        if self.config is not None and self.config.get("datafeed_config") is not None:
            self.datafeed = DatafeedRequest(dict(
                datafeed_id=self.config["datafeed_config"].get("datafeed_id", self.job_id),
                config=dict(self.config["datafeed_config"], job_id=self.job_id),
                allow_restart=self.allow_restart, timeout=params.get("timeout")))

    def _check_config(self):
        _same_id(self.config, "job_id", self.job_id, "job_id")
        illegal = [field for field in CREATE_ONLY_FIELDS if field in self.config]
        if illegal:
            raise InvalidInput("config holds %s, which Elasticsearch generates and refuses at creation; give the "
                               "configuration as GET _ml/anomaly_detectors/<id>?exclude_generated=true returns it"
                               % ", ".join(illegal))
        datafeed = self.config.get("datafeed_config")
        if datafeed is not None:
            if not isinstance(datafeed, dict):
                raise InvalidInput("config.datafeed_config must be a dictionary, got %r" % (datafeed,))
            _same_id(datafeed, "job_id", self.job_id, "job_id")

    @property
    def create_body(self):
        """The create API's body: the configuration without what the server generates."""
        return dict((key, value) for key, value in self.config.items() if key not in GENERATED_FIELDS)


class DatafeedRequest:
    """ml_datafeed (and a job's embedded datafeed_config): one datafeed's declared configuration,
    or its absence."""

    def __init__(self, params):
        self.datafeed_id = params["datafeed_id"]
        validate_job_id(self.datafeed_id, "datafeed_id")
        self.state = params.get("state") or PRESENT
        self.config = _config(params, "datafeed")
        if self.config is not None:
            _same_id(self.config, "datafeed_id", self.datafeed_id, "datafeed_id")
            if self.state == PRESENT:
                validate_job_id(self.config.get("job_id"), "config.job_id")
        self.allow_restart = bool(params.get("allow_restart"))
        self.recreate = bool(params.get("recreate"))
        self.force = bool(params.get("force"))
        self.timeout = parse_time(params.get("timeout") or "5m")

    @property
    def job_id(self):
        return self.config.get("job_id") if self.config else None


class SelectionRequest:
    """What the lifecycle modules share: which jobs (ids, groups, patterns), the guards, the timeout
    (each module's argument spec gives its default)."""

    def __init__(self, params, option="job_id"):
        self.targets = parse_targets(params[option], option=option)
        self.exclude = parse_exclude(params.get("exclude"))
        self.max_jobs = parse_max_jobs(params.get("max_jobs"))
        self.allow_no_match = params.get("allow_no_match", True)
        self.ignore_missing = bool(params.get("ignore_missing"))
        self.timeout = parse_time(params.get("timeout") or "30m")


class OpenRequest(SelectionRequest):
    """ml_job_open: which jobs to open, and how long an open may take."""


class DatafeedsRequest(SelectionRequest):
    """ml_datafeed_start and ml_datafeed_stop: the datafeeds named by ``datafeed_id`` or by their
    jobs' ``job_id`` (ids, groups, patterns); start's ``start``/``end``, stop's ``force``."""

    def __init__(self, params):
        self.by_datafeed = bool(params.get("datafeed_id"))
        if self.by_datafeed == bool(params.get("job_id")):
            raise InvalidInput("name the datafeeds by datafeed_id or by their jobs' job_id (one of them)")
        SelectionRequest.__init__(self, params, "datafeed_id" if self.by_datafeed else "job_id")
        self.force = bool(params.get("force"))
        self.start = params.get("start")
        self.end = params.get("end")
