"""Release differences as data: one Features record per simulated Elasticsearch version.

Every behaviour that changed between releases is decided here, once, from the version number;
the rest of the simulator only asks the Features record (see the version table in docs/simulator.md).
"""
from dataclasses import dataclass

# Lucene release shipped with each Elasticsearch minor, for the `GET /` body.
_LUCENE = {(6, 8): "7.7.3", (7, 10): "8.7.0", (7, 13): "8.8.2", (7, 14): "8.9.0", (7, 17): "8.11.3",
           (8, 7): "9.5.0", (8, 15): "9.11.1", (8, 19): "9.12.2", (9, 0): "10.1.0"}


def parse_version(text):
    """'8.15.0' -> (8, 15, 0); raises ValueError on anything else."""
    parts = text.strip().split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError("version must look like 8.15.0, got %r" % text)
    return tuple(int(p) for p in parts)


def _lucene_for(version):
    known = [k for k in sorted(_LUCENE) if k <= version[:2]]
    return _LUCENE[known[-1]] if known else "7.7.3"


@dataclass(frozen=True)
class Features:
    number: str
    version: tuple
    ml_prefixes: tuple            # path prefixes that reach the ML handlers without compat headers
    compat7_prefix: bool          # 8.x: /_xpack/ml only when the request asks for compatible-with=7
    no_match_params: tuple        # names accepted for the allow_no_match flag (first is canonical)
    compat7_no_match: bool        # 8.x: allow_no_jobs/allow_no_datafeeds only with compatible-with=7
    close_stops_datafeed: bool    # 7.14+: close stops started datafeeds; before: 409
    delete_removes_datafeed: bool  # 7.15+: delete removes the datafeed; before: 409
    blocked_field: bool           # 7.14+: GET jobs shows `blocked` next to `deleting`
    delete_user_annotations: bool  # 8.7+
    delete_async: bool            # 7.0+: wait_for_completion on delete job
    product_header: bool          # 7.14+: X-elastic-product on every response but 401/403
    long_403: bool                # 8.0+: 403 text names roles and granting privileges
    datafeed_in_job: bool         # 8.0+: GET jobs embeds datafeed_config
    put_job_with_datafeed: bool   # 7.11+: PUT job accepts an embedded datafeed_config
    exclude_generated: bool       # 7.11+: GET jobs/datafeeds take exclude_generated
    allow_lazy_open: bool         # 7.5+
    daily_retention: bool         # 7.8+: daily_model_snapshot_retention_after_days
    per_partition: bool           # 7.9+: per_partition_categorization updatable
    annotations_retention: bool   # 7.15+: system_annotations_retention_days
    model_prune_window: bool      # 8.0+: model_prune_window updatable (first release unconfirmed)
    standard_analyzer: bool       # 7.14+: a categorization_analyzer is generated at creation
    node_in_response: bool        # 7.8+: open job / start datafeed answer `node`
    running_state: bool           # 7.14+: started datafeeds' stats carry running_state
    indices_options: bool         # 7.7+: datafeeds have indices_options (body field, query parameters, GET)
    lazy_datafeed_start: bool     # 7.7+: a datafeed of a lazily opening job starts (`starting`); before: 429
    annotations_enabled: bool     # 7.9+: model_plot_config.annotations_enabled (defaults to `enabled`)
    deprecation_warnings: bool    # 7.0+: deprecated parameters answer a Warning header
    snapshot_retention_default: int  # model_snapshot_retention_days default: 1 in 6.x, 10 later
    job_version: str              # what PUT job stores as job_version
    security_off: str             # what security APIs answer without security: "license_500" or "no_handler"
    lucene: str


def job_version_for(version, number):
    """The job_version a release stores: its own number up to 8.9, then the ML config version
    (MlConfigVersion: 8.10 -> 10.0.0, 8.11 -> 11.0.0, later releases 12.0.0)."""
    if version < (8, 10, 0):
        return number
    if version < (8, 12, 0):
        return "%d.0.0" % version[1]
    return "12.0.0"


def features_for(number):
    """Build the Features of release `number` (a string such as '7.13.4')."""
    v = parse_version(number)
    if v < (7, 0, 0):
        prefixes, job_no_match = ("/_xpack/ml",), ("allow_no_jobs",)
    elif v < (7, 10, 0):
        prefixes, job_no_match = ("/_ml", "/_xpack/ml"), ("allow_no_jobs",)
    elif v < (8, 0, 0):
        prefixes, job_no_match = ("/_ml", "/_xpack/ml"), ("allow_no_match", "allow_no_jobs")
    else:
        prefixes, job_no_match = ("/_ml",), ("allow_no_match",)
    return Features(
        number=number, version=v, ml_prefixes=prefixes,
        compat7_prefix=(8, 0, 0) <= v < (9, 0, 0),
        no_match_params=job_no_match,
        compat7_no_match=(8, 0, 0) <= v < (9, 0, 0),
        close_stops_datafeed=v >= (7, 14, 0),
        delete_removes_datafeed=v >= (7, 15, 0),
        blocked_field=v >= (7, 14, 0),
        delete_user_annotations=v >= (8, 7, 0),
        delete_async=v >= (7, 0, 0),
        product_header=v >= (7, 14, 0),
        long_403=v >= (8, 0, 0),
        datafeed_in_job=v >= (8, 0, 0),
        put_job_with_datafeed=v >= (7, 11, 0),
        exclude_generated=v >= (7, 11, 0),
        allow_lazy_open=v >= (7, 5, 0),
        daily_retention=v >= (7, 8, 0),
        per_partition=v >= (7, 9, 0),
        annotations_retention=v >= (7, 15, 0),
        model_prune_window=v >= (8, 0, 0),
        standard_analyzer=v >= (7, 14, 0),
        node_in_response=v >= (7, 8, 0),
        running_state=v >= (7, 14, 0),
        indices_options=v >= (7, 7, 0),
        lazy_datafeed_start=v >= (7, 7, 0),
        annotations_enabled=v >= (7, 9, 0),
        deprecation_warnings=v >= (7, 0, 0),
        snapshot_retention_default=1 if v < (7, 0, 0) else 10,
        job_version=job_version_for(v, number),
        security_off="license_500" if v < (8, 0, 0) else "no_handler",
        lucene=_lucene_for(v),
    )


def no_match_names(features, kind, compat7):
    """Query/body names accepted for 'allow no match' on job ('jobs') or datafeed ('datafeeds') APIs.

    The old name (allow_no_jobs / allow_no_datafeeds) lives on until 7.17, and in 8.x only under
    REST API v7 compatibility; 9.x dropped it (RestCloseJobAction, RestStopDatafeedAction).
    """
    old = "allow_no_" + kind
    names = [n if n == "allow_no_match" else old for n in features.no_match_params]
    if compat7 and features.compat7_no_match:
        names.append(old)
    return tuple(names)
