"""Injected faults (`/_sim/faults`) and the request log (`/_sim/requests`)."""
import random
import re
import threading

ACTIONS = ("error", "drop", "delay", "malformed", "html", "lose_reply")
# Actions after which the cluster has carried the request out.
ACTING = ("delay", "lose_reply")
# The error type a real cluster (or the proxy in front of it) gives with each status.
DEFAULT_TYPES = {409: "version_conflict_engine_exception", 429: "es_rejected_execution_exception",
                 500: "internal_server_error", 502: "bad_gateway", 503: "unavailable_shards_exception",
                 504: "gateway_timeout"}
FIELDS = {"method", "path", "count", "rate", "action", "status", "type", "reason", "retry_after", "delay_s", "seed"}


class FaultError(Exception):
    pass


class Fault:
    def __init__(self, spec, index):
        self.index = index            # position in the order faults were added since the last clear
        unknown = set(spec) - FIELDS
        if unknown:
            raise FaultError("unknown fault fields: %s" % ", ".join(sorted(unknown)))
        self.method = (spec.get("method") or "").upper() or None
        try:
            self.path = re.compile(spec.get("path") or "")
        except re.error as exc:
            raise FaultError("bad path regex: %s" % exc) from None
        self.action = spec.get("action", "error")
        if self.action not in ACTIONS:
            raise FaultError("action must be one of %s" % ", ".join(ACTIONS))
        self.rate = spec.get("rate")
        self.count = spec.get("count")
        if self.rate is None and self.count is None:
            self.count = 1
        default_status = 502 if self.action == "html" else 200 if self.action == "malformed" else 503
        self.status = int(spec.get("status") or default_status)
        self.type = spec.get("type") or DEFAULT_TYPES.get(self.status, "status_exception")
        self.reason = spec.get("reason") or "simulated fault"
        self.retry_after = spec.get("retry_after")
        self.delay_s = float(spec.get("delay_s") or 0.0)
        self.definition = {"index": index, "method": self.method, "path": self.path.pattern, "count": self.count,
                           "rate": self.rate, "action": self.action, "status": self.status, "type": self.type,
                           "reason": self.reason, "retry_after": self.retry_after, "delay_s": self.delay_s}

    def matches(self, method, path):
        return (self.method is None or self.method == method) and self.path.search(path) is not None

    @property
    def acts(self):
        return self.action in ACTING

    def describe(self):
        """The definition as added (count as given, not what is left of it)."""
        return dict(self.definition)


class FaultTable:
    """Faults of one cluster; `take` consumes one use of the first matching fault."""

    def __init__(self, seed=None):
        self._lock = threading.Lock()
        self._faults = []
        self._added = 0
        # Rate draws come from this generator only, so a seed replays the same hits for the same requests.
        self._random = random.Random(seed)

    def add(self, spec):
        """Add a fault; a `seed` in the spec reseeds the rate generator first."""
        with self._lock:
            fault = Fault(spec, self._added)
            if spec.get("seed") is not None:
                self._random.seed(spec["seed"])
            self._added += 1
            self._faults.append(fault)
        return fault.describe()

    def clear(self):
        with self._lock:
            self._faults.clear()
            self._added = 0

    def take(self, method, path):
        with self._lock:
            for fault in self._faults:
                if not fault.matches(method, path):
                    continue
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    return fault
                if self._random.random() < fault.rate:
                    return fault
            return None


class RequestLog:
    def __init__(self):
        self._lock = threading.Lock()
        self._entries = []

    def start(self, method, path, query, started):
        """Record a request at arrival, so the log keeps arrival order; returns the entry. `fault`
        (the injected fault's definition, with its index) and `acted` (whether the cluster carried
        the request out) stay null unless a fault answered the request."""
        entry = {"method": method, "path": path, "query": query, "status": None, "started": started, "ended": None,
                 "fault": None, "acted": None}
        with self._lock:
            self._entries.append(entry)
        return entry

    def finish(self, entry, status, ended, fault=None):
        with self._lock:
            entry["status"], entry["ended"] = status, ended
            if fault is not None:
                entry["fault"], entry["acted"] = fault.describe(), fault.acts

    def snapshot(self):
        with self._lock:
            return [dict(e) for e in self._entries]

    def clear(self):
        with self._lock:
            self._entries.clear()
