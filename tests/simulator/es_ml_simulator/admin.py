"""The `/_sim/` test API: seeding, resetting, inspecting and perturbing one cluster."""
import time

from . import datafeedconfig, jobconfig
from .cluster import JOB_STATES, Datafeed, Job


class AdminError(Exception):
    """A bad admin request; answered as 400/404 with {"error": message}."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def _seed_job(cluster, spec, now):
    if not isinstance(spec, dict) or not isinstance(spec.get("job_id"), str):
        raise AdminError(400, "each job needs a string job_id")
    state = spec.get("state", "closed")
    if state not in JOB_STATES:
        raise AdminError(400, "job [%s]: state must be one of %s" % (spec["job_id"], ", ".join(JOB_STATES)))
    config = jobconfig.seed_job(spec["job_id"], spec.get("groups") or [], cluster.features, int(time.time() * 1000))
    delay = {"closing": cluster.delays["close"], "opening": cluster.delays["open"]}.get(state, 0.0)
    job = Job(config, state, now + delay)
    job.model_bytes = int(spec.get("model_bytes") or 0)
    if spec.get("deleting"):
        # A delete that died with its node: the flag stays, its task is long gone (TransportDeleteJobAction re-runs it).
        job.deleting = True
        job.block = {"reason": "delete", "task_id": cluster.tasks.orphan_id()}
    return job


def _seed_datafeed(cluster, job_id, spec):
    if not spec:
        return None
    state = spec.get("state", "stopped")
    if state not in ("started", "stopped"):
        raise AdminError(400, "datafeed of job [%s]: state must be started or stopped" % job_id)
    return Datafeed(datafeedconfig.seed_datafeed(spec.get("datafeed_id", "datafeed-" + job_id), job_id,
                                                 cluster.features), state)


def load(cluster, document):
    """Add the seed document's jobs (replacing same ids) and set upgrade mode if given."""
    if not isinstance(document, dict) or not isinstance(document.get("jobs", []), list):
        raise AdminError(400, 'seed must be {"jobs": [...], "upgrade_mode": false}')
    with cluster.cond:
        now = time.monotonic()
        loaded = [(_seed_job(cluster, spec, now), _seed_datafeed(cluster, spec.get("job_id"), spec.get("datafeed")))
                  for spec in document.get("jobs", [])]
        for job, datafeed in loaded:
            _remove_job(cluster, job.job_id)
            cluster.jobs[job.job_id] = job
            if datafeed is not None:
                cluster.datafeeds[datafeed.datafeed_id] = datafeed
        if "upgrade_mode" in document:
            cluster.upgrade_mode = bool(document["upgrade_mode"])
        cluster.cond.notify_all()
        return {"acknowledged": True, "jobs": len(loaded)}


def _remove_job(cluster, job_id):
    cluster.jobs.pop(job_id, None)
    for datafeed_id in [d for d, feed in cluster.datafeeds.items() if feed.job_id == job_id]:
        del cluster.datafeeds[datafeed_id]


def reset(cluster):
    with cluster.cond:
        cluster.jobs.clear()
        cluster.datafeeds.clear()
        cluster.tasks.clear()
        cluster.upgrade_mode = False
        cluster.ml_licensed = cluster.ml_plugin = cluster.master = True
        cluster.ml_node_capacity = cluster.max_model_memory_mb = None
        cluster.cond.notify_all()
        return {"acknowledged": True}


def state(cluster):
    """Every job with its state, datafeed and deletion flag, for tests to check the server's truth."""
    with cluster.cond:
        cluster._settle()
        jobs = []
        for job_id in sorted(cluster.jobs):
            job = cluster.jobs[job_id]
            datafeed = cluster._datafeed_of(job_id)
            jobs.append({"job_id": job_id, "state": job.state, "groups": list(job.config.get("groups", [])),
                         "deleting": job.deleting, "blocked": dict(job.block) if job.block else None,
                         "datafeed": None if datafeed is None else
                         {"datafeed_id": datafeed.datafeed_id, "state": datafeed.state}})
        orphans = [{"datafeed_id": d.datafeed_id, "job_id": d.job_id, "state": d.state}
                   for d in cluster.datafeeds.values() if d.job_id not in cluster.jobs]
        return {"cluster_name": cluster.name, "es_version": cluster.features.number,
                "upgrade_mode": cluster.upgrade_mode, "ml_enabled": cluster.ml_licensed,
                "ml_plugin": cluster.ml_plugin, "master": cluster.master,
                "ml_node_capacity": cluster.ml_node_capacity,
                "max_model_memory_limit": _mb_or_none(cluster.max_model_memory_mb),
                "jobs": jobs, "orphan_datafeeds": orphans}


def fail_job(cluster, job_id):
    with cluster.cond:
        cluster._settle()
        job = cluster.jobs.get(job_id)
        if job is None:
            raise AdminError(404, "no job [%s]" % job_id)
        if not job.has_task:
            raise AdminError(400, "job [%s] is closed; only a job with a task can fail" % job_id)
        job.state = "failed"
        cluster.cond.notify_all()
        return {"acknowledged": True, "state": "failed"}


def stick_job(cluster, job_id):
    with cluster.cond:
        job = cluster.jobs.get(job_id)
        if job is None:
            raise AdminError(404, "no job [%s]" % job_id)
        job.stick = True
        return {"acknowledged": True}


def stick_datafeed(cluster, datafeed_id):
    with cluster.cond:
        datafeed = cluster.datafeeds.get(datafeed_id)
        if datafeed is None:
            raise AdminError(404, "no datafeed [%s]" % datafeed_id)
        datafeed.stick = True
        return {"acknowledged": True}


FLAGS = {"ml_enabled": "ml_licensed", "ml_plugin": "ml_plugin", "master": "master"}
SETTINGS = tuple(FLAGS) + ("ml_node_capacity", "max_model_memory_limit")


def _mb_or_none(mb):
    return None if mb is None else jobconfig.render_mb(mb)


def _capacity(value):
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise AdminError(400, "ml_node_capacity is a number of jobs (0 or more) or null for unlimited")
    return value


def _memory_limit(value):
    if value is None:
        return None
    try:
        return jobconfig.memory_mb(value)
    except Exception:  # noqa: BLE001 - any unparsable size is the caller's mistake
        raise AdminError(400, "max_model_memory_limit is a byte size such as \"2gb\", a number of MB, or null") \
            from None


def settings(cluster, body):
    """ml_enabled=false: the licence lacks ML (403); ml_plugin=false: the ML plugin is disabled and its
    endpoints do not exist (400 no handler); master=false: no elected master (503);
    ml_node_capacity: how many jobs the ML nodes can take (null = unlimited);
    max_model_memory_limit: xpack.ml.max_model_memory_limit (null = unset)."""
    if not isinstance(body, dict) or set(body) - set(SETTINGS):
        raise AdminError(400, "settings body is {%s}" % ", ".join(SETTINGS))
    with cluster.cond:
        for key, attribute in FLAGS.items():
            if key in body:
                setattr(cluster, attribute, bool(body[key]))
        if "ml_node_capacity" in body:
            cluster.ml_node_capacity = _capacity(body["ml_node_capacity"])
        if "max_model_memory_limit" in body:
            cluster.max_model_memory_mb = _memory_limit(body["max_model_memory_limit"])
        cluster.cond.notify_all()
        answer = {key: getattr(cluster, attribute) for key, attribute in FLAGS.items()}
        answer.update(ml_node_capacity=cluster.ml_node_capacity,
                      max_model_memory_limit=_mb_or_none(cluster.max_model_memory_mb))
        return answer
