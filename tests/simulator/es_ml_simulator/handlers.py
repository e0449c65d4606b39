"""Elasticsearch REST handlers: routing, parameters, authorization and the calls into Cluster.

Each handler reads its parameters first (REST layer: 400s), then runs the transport part through
`transport()`, which applies authorization (403), the master check (503) and upgrade mode (429)
in ES's order before the action itself.
"""
import re
import threading
from urllib.parse import unquote

from . import datafeedconfig, errors, jobconfig, security
from .params import Params, check_fields, json_body, parse_bool, parse_time, parse_date
from .versions import no_match_names

# Actions MlUpgradeModeActionFilter rejects while upgrade mode is on (x-pack/plugin/ml/.../MlUpgradeModeActionFilter.java).
UPGRADE_BLOCKED = {
    "cluster:admin/xpack/ml/job/put", "cluster:admin/xpack/ml/job/update",
    "cluster:admin/xpack/ml/job/open", "cluster:admin/xpack/ml/job/close",
    "cluster:admin/xpack/ml/job/delete", "cluster:admin/xpack/ml/job/reset",
    "cluster:admin/xpack/ml/datafeeds/put", "cluster:admin/xpack/ml/datafeeds/update",
    "cluster:admin/xpack/ml/datafeed/start",
    "cluster:admin/xpack/ml/datafeed/stop", "cluster:admin/xpack/ml/datafeeds/delete",
}
# Master-node actions: without an elected master they fail with 503.
MASTER_ACTIONS = UPGRADE_BLOCKED | {"cluster:admin/xpack/ml/upgrade_mode"}
ML_INFO = "cluster:monitor/xpack/ml/info/get"
BUILD_HASH = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
IGNORE_THROTTLED_DEPRECATION = ("[ignore_throttled] parameter is deprecated because frozen indices have been "
                                "deprecated. Consider cold or frozen tiers in place of frozen indices.")
# SecurityBaseRestHandler.checkFeatureAvailable on a basic licence without xpack.security.enabled (6.8-7.x).
SECURITY_NOT_ENABLED = ("Security must be explicitly enabled when using a [basic] license. Enable security by "
                        "setting [xpack.security.enabled] to [true] in the elasticsearch.yml file and restart the node.")


class Call:
    """One ES request as the handlers see it."""

    def __init__(self, cluster, method, path, uri, query, body, compat, principal, realm, path_params):
        self.cluster = cluster
        self.features = cluster.features
        self.method = method
        self.path = path
        self.uri = uri
        self.body = body
        self.compat = compat
        self.principal = principal
        self.realm = realm
        self.params = Params(path, query, path_params)
        self.path_params = path_params
        self.warnings = []            # deprecation texts; the server sends them as Warning headers

    def deprecated(self, message):
        if self.features.deprecation_warnings and message not in self.warnings:
            self.warnings.append(message)

    def authorization(self):
        """What a datafeed stores as its creator's credentials (None without security)."""
        return security.authorization_of(self.principal) if self.principal is not None else None

    def json(self):
        return json_body(self.body) if self.body else {}

    def no_body(self):
        """Handlers that never read a body reject one (BaseRestHandler)."""
        if self.body:
            raise errors.bad_request("request [%s %s] does not support having a body" % (self.method, self.path))


def transport(call, action, fn):
    cluster = call.cluster
    if call.principal is not None and not call.principal.may(action):
        raise security.forbidden(call.principal, action, call.features.long_403)
    # Action filters (upgrade mode) run before the master-node routing, which runs before the
    # action body and its licence check.
    if action in UPGRADE_BLOCKED and cluster.upgrade_mode:
        raise errors.EsError(429, "status_exception",
                             "Cannot perform %s action while upgrade mode is enabled" % action)
    if action in MASTER_ACTIONS and not cluster.master:
        raise errors.EsError(503, "master_not_discovered_exception", None)
    if "/xpack/ml/" in action and action != ML_INFO and not cluster.ml_licensed:
        raise errors.EsError(403, "security_exception", "current license is non-compliant for [ml]",
                             metadata={"license.expired.feature": "ml"})
    return fn()


def _no_match_flag(call, kind):
    names = no_match_names(call.features, kind, call.compat == 7)
    _warn_deprecated_no_match(call, names, call.params.query)
    return call.params.any_bool(names, True)


def _warn_deprecated_no_match(call, names, given):
    # RestCloseJobAction & co: LoggingDeprecationHandler.usedDeprecatedName for allow_no_jobs/_datafeeds.
    for name in names:
        if name != "allow_no_match" and "allow_no_match" in names and name in given:
            call.deprecated("Deprecated field [%s] used, expected [allow_no_match] instead" % name)


def _security_feature(call):
    """Security APIs without security: 6.8-7.x answer SecurityBaseRestHandler's 500 (8.x+ have no handler)."""
    if call.realm is None:
        raise errors.EsError(500, "exception", SECURITY_NOT_ENABLED, es_exception=False)


# ---- root, tasks, security --------------------------------------------------------------------

def root(call):
    call.params.check()
    f, cluster = call.features, call.cluster
    major = f.version[0]
    wire = {6: "5.6.0", 7: "6.8.0", 8: "7.17.0"}.get(major, "8.18.0")
    index = {6: "5.0.0", 7: "6.0.0-beta1", 8: "7.0.0"}.get(major, "8.0.0")
    body = {"name": cluster.node_name, "cluster_name": cluster.name, "cluster_uuid": cluster.cluster_uuid,
            "version": {"number": f.number, "build_flavor": "default", "build_type": "tar",
                        "build_hash": BUILD_HASH, "build_date": "2024-08-05T10:05:34.233336849Z",
                        "build_snapshot": False, "lucene_version": f.lucene,
                        "minimum_wire_compatibility_version": wire,
                        "minimum_index_compatibility_version": index},
            "tagline": "You Know, for Search"}
    return transport(call, "cluster:monitor/main", lambda: body)


def get_task(call):
    wait = call.params.bool("wait_for_completion", False)
    timeout_s, _ = call.params.time("timeout", "30s")
    call.params.check()
    task_id = call.path_params["task_id"]
    return transport(call, "cluster:monitor/task/get", lambda: call.cluster.get_task(task_id, wait, timeout_s))


def authenticate(call):
    call.params.check()
    _security_feature(call)
    return security.authenticate_body(call.principal)


def has_privileges(call):
    call.params.check()
    body = call.json()
    _security_feature(call)
    return security.has_privileges(call.principal, body)


def create_api_key(call):
    call.params.str("refresh")
    call.params.check()
    body = call.json()
    _security_feature(call)
    return call.realm.create_api_key(call.principal, body)


def create_token(call):
    call.params.check()
    body = call.json()
    _security_feature(call)
    return call.realm.create_token(call.principal, body, call.path)


# ---- jobs ---------------------------------------------------------------------------------------

def _indices_option_params(call, supported):
    """ignore_unavailable & co. (only used by a datafeed); ignore_throttled is deprecated from 8.0. Releases
    before datafeeds had indices_options (7.7; PUT job: before it took a datafeed_config, 7.11) do not read
    them, so they are unrecognized parameters there."""
    if not supported:
        return None
    for name in datafeedconfig.INDICES_OPTION_PARAMS:
        call.params.str(name)
    if "ignore_throttled" in call.params.query and call.features.version >= (8, 0, 0):
        call.deprecated(IGNORE_THROTTLED_DEPRECATION)
    return datafeedconfig.indices_options_from_params(call.params.query)


def put_job(call):
    options = _indices_option_params(call, call.features.put_job_with_datafeed)
    call.params.check()
    body = jobconfig.string_arrays(call.json())
    job_id = call.path_params["job_id"]
    return transport(call, "cluster:admin/xpack/ml/job/put",
                     lambda: call.cluster.put_job(job_id, call.body, body, options, call.authorization()))


def update_job(call):
    call.params.check()
    body = jobconfig.parse_update(call.body, call.json(), call.features)
    job_id = call.path_params["job_id"]
    return transport(call, "cluster:admin/xpack/ml/job/update", lambda: call.cluster.update_job(job_id, body))


def _exclude_generated(call):
    # exclude_generated arrived with job export (7.11); before it is an unknown parameter.
    return call.params.bool("exclude_generated", False) if call.features.exclude_generated else False


def get_jobs(call):
    allow_no_match = _no_match_flag(call, "jobs")
    exclude = _exclude_generated(call)
    call.params.check()
    call.no_body()
    expression = call.path_params.get("job_id", "_all")
    return transport(call, "cluster:monitor/xpack/ml/job/get",
                     lambda: call.cluster.get_jobs(expression, allow_no_match, exclude))


def job_stats(call):
    allow_no_match = _no_match_flag(call, "jobs")
    call.params.check()
    call.no_body()
    expression = call.path_params.get("job_id", "_all")
    return transport(call, "cluster:monitor/xpack/ml/job/stats/get",
                     lambda: call.cluster.job_stats(expression, allow_no_match))


def open_job(call):
    job_id = call.path_params["job_id"]
    if call.body:
        body = call.json()
        timeout_text = str(body.get("timeout", "30m"))   # JobParams.PARSER is lenient: other keys are ignored
        timeout_s = parse_time("timeout", timeout_text)
    else:
        timeout_s, timeout_text = call.params.time("timeout", "30m")
    call.params.check()
    return transport(call, "cluster:admin/xpack/ml/job/open",
                     lambda: call.cluster.open_job(job_id, timeout_s, timeout_text))


def _body_or_query(call, id_field, kind, parser_name, default_timeout):
    """Close/stop parameters: from the body when there is one, else from the query (RestCloseJobAction, RestStopDatafeedAction)."""
    names = no_match_names(call.features, kind, call.compat == 7)
    if call.body:
        body = call.json()
        check_fields(call.body, body, {id_field, "timeout", "force"} | set(names), parser_name)
        force = parse_bool("force", body.get("force", False))
        allow = True
        for name in names:
            if name in body:
                allow = parse_bool(name, body[name])
        timeout_text = str(body.get("timeout", default_timeout))
        timeout_s = parse_time("timeout", timeout_text)
    else:
        force = call.params.bool("force", False)
        _warn_deprecated_no_match(call, names, call.params.query)
        allow = call.params.any_bool(names, True)
        timeout_s, timeout_text = call.params.time("timeout", default_timeout)
    call.params.check()
    return force, allow, timeout_s, timeout_text


def close_job(call):
    force, allow, timeout_s, timeout_text = _body_or_query(
        call, "job_id", "jobs", "cluster:admin/xpack/ml/job/close", "30m")
    expression = call.path_params["job_id"]
    return transport(call, "cluster:admin/xpack/ml/job/close",
                     lambda: call.cluster.close_jobs(expression, force, allow, timeout_s, timeout_text))


def reset_job(call):
    call.params.bool("wait_for_completion", True)
    call.params.bool("delete_user_annotations", False)
    call.params.check()
    call.no_body()
    job_id = call.path_params["job_id"]
    return transport(call, "cluster:admin/xpack/ml/job/reset", lambda: call.cluster.reset_job(job_id))


def delete_job(call):
    p, f = call.params, call.features
    force = p.bool("force", False)
    wait = p.bool("wait_for_completion", True) if f.delete_async else True
    if f.delete_user_annotations:
        p.bool("delete_user_annotations", False)
    p.time("timeout", "30s"), p.time("master_timeout", "30s")
    p.check()
    call.no_body()
    job_id = call.path_params["job_id"]
    cluster = call.cluster
    task = cluster.start_delete_task(job_id, stored=not wait)

    def run():
        try:
            response = transport(call, "cluster:admin/xpack/ml/job/delete",
                                 lambda: cluster.delete_job(job_id, force, task))
        except errors.EsError as exc:
            cluster.finish_task(task, error=exc)
            raise
        cluster.finish_task(task, response=response)
        return response

    if wait:
        return run()
    # The outcome, errors included, goes into the stored task result only (RestDeleteJobAction with wait_for_completion=false).
    threading.Thread(target=_swallow, args=(run,), daemon=True, name="delete-" + job_id).start()
    return {"task": task.task_id}


def _swallow(fn):
    try:
        fn()
    except errors.EsError:
        pass  # already stored in the task result


# ---- datafeeds ----------------------------------------------------------------------------------

def put_datafeed(call):
    options = _indices_option_params(call, call.features.indices_options)
    call.params.check()
    body = call.json()
    datafeed_id = call.path_params["datafeed_id"]
    config = datafeedconfig.build_datafeed(datafeed_id, call.body, body, options, call.authorization(),
                                           call.features)
    return transport(call, "cluster:admin/xpack/ml/datafeeds/put",
                     lambda: call.cluster.put_datafeed(datafeed_id, config))


def update_datafeed(call):
    options = _indices_option_params(call, call.features.indices_options)
    call.params.check()
    body = call.json()
    datafeedconfig.parse_update(call.body, body, call.features)
    datafeed_id = call.path_params["datafeed_id"]
    return transport(call, "cluster:admin/xpack/ml/datafeeds/update",
                     lambda: call.cluster.update_datafeed(datafeed_id, call.body, body, options,
                                                          call.authorization()))


def get_datafeeds(call):
    allow = _no_match_flag(call, "datafeeds")
    exclude = _exclude_generated(call)
    call.params.check()
    expression = call.path_params.get("datafeed_id", "_all")
    return transport(call, "cluster:monitor/xpack/ml/datafeeds/get",
                     lambda: call.cluster.get_datafeeds(expression, allow, exclude))


def datafeed_stats(call):
    allow = _no_match_flag(call, "datafeeds")
    call.params.check()
    expression = call.path_params.get("datafeed_id", "_all")
    return transport(call, "cluster:monitor/xpack/ml/datafeeds/stats/get",
                     lambda: call.cluster.datafeed_stats(expression, allow))


def _start_params(call):
    """start/end/timeout from the body or the query; dates as epoch millis (StartDatafeedAction.DatafeedParams)."""
    if call.body:
        body = call.json()
        check_fields(call.body, body, {"datafeed_id", "start", "end", "timeout"}, "datafeed_params")
        given = {k: str(body[k]) for k in ("start", "end", "timeout") if k in body}
    else:
        given = {k: call.params.str(k) for k in ("start", "end", "timeout")}
        given = {k: v for k, v in given.items() if v is not None}
    start_ms = parse_date("start", given.get("start", "0"))
    end_ms = parse_date("end", given["end"]) if "end" in given else None
    timeout_text = given.get("timeout", "20s")
    timeout_s = parse_time("timeout", timeout_text)
    if end_ms is not None and end_ms <= start_ms:
        raise errors.EsError(400, "action_request_validation_exception",
                             "Validation Failed: 1: start [%d] must be earlier than end [%d];" % (start_ms, end_ms))
    return end_ms, timeout_s, timeout_text


def start_datafeed(call):
    end_ms, _timeout_s, _timeout_text = _start_params(call)   # read and checked; see Cluster.start_datafeed
    call.params.check()
    datafeed_id = call.path_params["datafeed_id"]
    return transport(call, "cluster:admin/xpack/ml/datafeed/start",
                     lambda: call.cluster.start_datafeed(datafeed_id, end_ms))


def stop_datafeed(call):
    # StopDatafeedAction.DEFAULT_TIMEOUT is 5 minutes in the code (the spec text says 20s).
    force, allow, timeout_s, timeout_text = _body_or_query(
        call, "datafeed_id", "datafeeds", "cluster:admin/xpack/ml/datafeed/stop", "5m")
    expression = call.path_params["datafeed_id"]
    return transport(call, "cluster:admin/xpack/ml/datafeed/stop",
                     lambda: call.cluster.stop_datafeeds(expression, force, allow, timeout_s, timeout_text))


def delete_datafeed(call):
    force = call.params.bool("force", False)
    call.params.time("timeout", "30s"), call.params.time("master_timeout", "30s")
    call.params.check()
    call.no_body()
    datafeed_id = call.path_params["datafeed_id"]
    return transport(call, "cluster:admin/xpack/ml/datafeeds/delete",
                     lambda: call.cluster.delete_datafeed(datafeed_id, force))


# ---- ML cluster-wide ----------------------------------------------------------------------------

def ml_info(call):
    call.params.check()
    cluster = call.cluster
    body = {"defaults": {"anomaly_detectors": {"categorization_analyzer": {"char_filter": [], "tokenizer": "ml_standard",
                                                                           "filter": []},
                                               "model_memory_limit": "1gb", "categorization_examples_limit": 4,
                                               "model_snapshot_retention_days": 10,
                                               "daily_model_snapshot_retention_after_days": 1},
                         "datafeeds": {"scroll_size": 1000}},
            "upgrade_mode": cluster.upgrade_mode,
            "native_code": {"version": call.features.number, "build_hash": BUILD_HASH[:12]},
            "limits": {"effective_max_model_memory_limit": "1gb", "total_ml_memory": "1gb"}}
    return transport(call, ML_INFO, lambda: body)


def set_upgrade_mode(call):
    enabled = call.params.bool("enabled", False)
    call.params.time("timeout", "30s")
    call.params.check()
    return transport(call, "cluster:admin/xpack/ml/upgrade_mode", lambda: call.cluster.set_upgrade_mode(enabled))


# The token API's password grant carries its own credentials in the body; the simulator lets it
# through without an Authorization header (ES also wants an authenticated caller with manage_token).
ANONYMOUS_OK = {create_token}


# ---- routing ------------------------------------------------------------------------------------

ML_ROUTES = (
    ("GET", "/anomaly_detectors", get_jobs),
    ("GET", "/anomaly_detectors/_stats", job_stats),
    ("GET", "/anomaly_detectors/{job_id}/_stats", job_stats),
    ("PUT", "/anomaly_detectors/{job_id}", put_job),
    ("GET", "/anomaly_detectors/{job_id}", get_jobs),
    ("DELETE", "/anomaly_detectors/{job_id}", delete_job),
    ("POST", "/anomaly_detectors/{job_id}/_open", open_job),
    ("POST", "/anomaly_detectors/{job_id}/_close", close_job),
    ("POST", "/anomaly_detectors/{job_id}/_reset", reset_job),
    ("POST", "/anomaly_detectors/{job_id}/_update", update_job),
    ("GET", "/datafeeds", get_datafeeds),
    ("GET", "/datafeeds/_stats", datafeed_stats),
    ("GET", "/datafeeds/{datafeed_id}/_stats", datafeed_stats),
    ("PUT", "/datafeeds/{datafeed_id}", put_datafeed),
    ("GET", "/datafeeds/{datafeed_id}", get_datafeeds),
    ("DELETE", "/datafeeds/{datafeed_id}", delete_datafeed),
    ("POST", "/datafeeds/{datafeed_id}/_start", start_datafeed),
    ("POST", "/datafeeds/{datafeed_id}/_stop", stop_datafeed),
    ("POST", "/datafeeds/{datafeed_id}/_update", update_datafeed),
    ("GET", "/info", ml_info),
    ("POST", "/set_upgrade_mode", set_upgrade_mode),
)
OTHER_ROUTES = (
    ("GET", "/", root),
    ("GET", "/_tasks/{task_id}", get_task),
)
# The security plugin registers these only when security is enabled, from 8.0 (Security.getRestHandlers);
# 6.8-7.x register them always and refuse them without security (_security_feature).
SECURITY_ROUTES = (
    ("GET", "/_security/_authenticate", authenticate),
    ("GET", "/_security/user/_has_privileges", has_privileges),
    ("POST", "/_security/user/_has_privileges", has_privileges),
    ("POST", "/_security/api_key", create_api_key),
    ("PUT", "/_security/api_key", create_api_key),
    ("POST", "/_security/oauth2/token", create_token),
)


class Route:
    def __init__(self, method, template, handler, ml=False, compat7_only=False):
        self.method = method
        self.handler = handler
        self.ml = ml
        self.compat7_only = compat7_only
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        self.regex = re.compile(pattern + r"/?\Z" if template != "/" else r"/\Z")

    def match(self, path, cluster, compat):
        if self.ml and not cluster.ml_plugin:
            return None      # ML disabled: its REST handlers are not registered at all
        if self.compat7_only and compat != 7:
            return None
        found = self.regex.match(path)
        return None if found is None else {k: unquote(v) for k, v in found.groupdict().items()}


def build_routes(features, security_enabled):
    """The route table of a release: ML routes under each prefix that release serves."""
    routes = [Route(m, t, h) for m, t, h in OTHER_ROUTES]
    if security_enabled or features.security_off == "license_500":
        routes += [Route(m, t, h) for m, t, h in SECURITY_ROUTES]
    for prefix in features.ml_prefixes:
        routes += [Route(m, prefix + t, h, ml=True) for m, t, h in ML_ROUTES]
    if features.compat7_prefix:
        routes += [Route(m, "/_xpack/ml" + t, h, ml=True, compat7_only=True) for m, t, h in ML_ROUTES]
    return routes


def resolve(routes, method, path, uri, cluster, compat):
    """(handler, path params) for a request, or ES's 400 (no handler) / 405 (wrong method)."""
    wanted = "GET" if method == "HEAD" else method
    allowed = set()
    for route in routes:
        params = route.match(path, cluster, compat)
        if params is None:
            continue
        if route.method == wanted:
            return route.handler, params
        allowed.add(route.method)
    if allowed:
        if "GET" in allowed:
            allowed.add("HEAD")
        raise errors.wrong_method(uri, method, allowed)
    raise errors.no_handler(uri, method)
