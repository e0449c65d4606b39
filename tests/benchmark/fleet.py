"""Fleet benchmark (issue 5): decommission every ML job of K simulated clusters with J opened jobs
each (each with a started datafeed), four ways, on the same fleet, with the same server delays:

* ``role``   ``ansible-playbook mlops.elasticsearch.decommission`` (forks 10)
* ``naive``  ``tests/benchmark/naive.yml``: ansible.builtin.uri, per job read, close, delete (forks 10)
* ``client`` ``tests/benchmark/client.py``: the official ``elasticsearch`` client, cluster after cluster
* ``floor``  ``tests/benchmark/floor.yml``: the role's shape, one ping-like module call per step that
             only sleeps for the server's own close and delete durations (forks 10)

One ``es-ml-simulator`` process serves the K clusters (with security on: user elastic). Before every
contender each cluster is reset and re-seeded and its request log cleared. Per contender: wall time
(median of ``--repeat``; a contender whose first run exceeds ``--once-above`` seconds runs once),
HTTP requests per job and per cluster (the simulator's request logs),
module invocations (a callback counts every module a task runs), the controller's peak memory (PSS
of the contender's process tree, sampled) and the simulator's CPU use (to show it is not the
bottleneck). Prints a table and, last, one JSON line ``{"sizes": {"KxJ": {"role": {...}, ...}}}``;
writes the figures into docs/benchmarks.md (between its markers) and docs/benchmarks.png.

    make bench
    make bench BENCH_ARGS="--sizes 10x25,50x50 --repeat 1"
    .venv/bin/python tests/benchmark/fleet.py --sizes 1x10 --repeat 1 --no-docs --detail
"""
import argparse
import collections
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.dirname(os.path.abspath(sys.executable))
CONTENDERS = ("role", "naive", "client", "floor")
DEFAULT_SIZES = "1x10,10x25,50x50,200x5"
DEFAULT_DELAYS = {"close": 0.2, "delete": 0.1, "datafeed_stop": 0.01}
JOB_PATTERN = "bench-*"
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
TICKS = os.sysconf("SC_CLK_TCK")
MARK_BEGIN = "<!-- fleet.py: figures begin -->"
MARK_END = "<!-- fleet.py: figures end -->"


# ---- the simulated fleet ---------------------------------------------------------------------

def http(method, url, document=None, timeout=60):
    data = json.dumps(document).encode() if document is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return json.load(answer)


class Simulator:
    """K clusters in one es-ml-simulator process (a child, so its CPU time can be read)."""

    def __init__(self, clusters, delays, workdir):
        ready = os.path.join(workdir, "ready-%d.json" % clusters)
        if os.path.exists(ready):
            os.remove(ready)
        command = [os.path.join(BIN, "es-ml-simulator"), "--clusters", str(clusters), "--port", "0", "--security",
                   "--delays", ",".join("%s=%s" % kv for kv in sorted(delays.items())), "--ready-file", ready]
        self.log = open(os.path.join(workdir, "simulator-%d.log" % clusters), "w")
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not os.path.exists(ready):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("es-ml-simulator did not start; see %s" % self.log.name)
            time.sleep(0.05)
        with open(ready) as handle:
            self.urls = [c["url"] for c in json.load(handle)["clusters"]]

    def cpu_s(self):
        with open("/proc/%d/stat" % self.process.pid) as handle:
            fields = handle.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def seed(self, jobs_per_cluster):
        jobs = [{"job_id": "bench-%04d" % n, "state": "opened", "groups": ["bench"],
                 "datafeed": {"datafeed_id": "datafeed-bench-%04d" % n, "state": "started"}}
                for n in range(jobs_per_cluster)]
        for url in self.urls:
            http("POST", url + "/_sim/reset")
            http("POST", url + "/_sim/load", {"jobs": jobs})
            http("DELETE", url + "/_sim/requests")

    def requests(self):
        return [http("GET", url + "/_sim/requests")["requests"] for url in self.urls]

    def jobs_left(self):
        return sum(len(http("GET", url + "/_sim/state")["jobs"]) for url in self.urls)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def write_inventory(workdir, urls):
    path = os.path.join(workdir, "inventory-%d.json" % len(urls))
    hosts = dict(("c%03d" % (n + 1), {"elasticsearch_hosts": [url]}) for n, url in enumerate(urls))
    inventory = {"clusters": {"hosts": hosts, "vars": {
        "elasticsearch_username": "elastic", "elasticsearch_password": "changeme",
        "ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}
    with open(path, "w") as handle:
        json.dump(inventory, handle, indent=1)  # JSON is YAML
    return path


# ---- running one contender -------------------------------------------------------------------

def process_tree(root):
    children = collections.defaultdict(list)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as handle:
                ppid = int(handle.read().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children[ppid].append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, ()))
    return tree


def pss_kb(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class MemorySampler(threading.Thread):
    """Peak PSS of a process tree (shared pages counted once across forked workers)."""

    def __init__(self, pid, interval=0.2):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak_kb = pid, interval, 0
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            self.peak_kb = max(self.peak_kb, sum(pss_kb(p) for p in process_tree(self.pid)))
            self.done.wait(self.interval)


def run_measured(command, env, cwd, log_path):
    with open(log_path, "w") as log:
        started = time.monotonic()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
        sampler = MemorySampler(process.pid)
        sampler.start()
        dummy_pid, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        sampler.done.set()
        sampler.join()
    return dict(wall_s=wall, rc=process.returncode, peak_mem_mb=sampler.peak_kb / 1024.0,
                max_rss_mb=usage.ru_maxrss / 1024.0, cpu_s=usage.ru_utime + usage.ru_stime)


def contender_command(name, inventory, urls, args, workdir):
    playbook = [os.path.join(BIN, "ansible-playbook"), "-i", inventory, "-f", str(args.forks)]
    if name == "role":
        extra = {"ml_job_decommission_jobs": [JOB_PATTERN], "ml_job_decommission_max_jobs": None,
                 "ml_job_decommission_report_dir": os.path.join(workdir, "report")}
        return playbook + ["mlops.elasticsearch.decommission", "-e", json.dumps(extra)]
    if name == "naive":
        return playbook + [os.path.join(HERE, "naive.yml"), "-e", json.dumps({"bench_jobs": JOB_PATTERN})]
    if name == "floor":
        extra = {"bench_close_s": args.delays["datafeed_stop"] + args.delays["close"],
                 "bench_delete_s": args.delays["delete"]}
        return playbook + [os.path.join(HERE, "floor.yml"), "-e", json.dumps(extra)]
    return [sys.executable, os.path.join(HERE, "client.py"), JOB_PATTERN] + urls


def classify(entry):
    """A request's phase, e.g. 'GET jobs', 'POST close', 'DELETE job'."""
    parts = [p for p in entry["path"].split("/") if p]
    if not parts:
        return entry["method"] + " /"
    if parts[0] == "_security":
        return entry["method"] + " security " + parts[-1]
    if parts[0] == "_ml":
        kind = parts[1] if len(parts) > 1 else ""
        name = {"anomaly_detectors": "jobs", "datafeeds": "datafeeds"}.get(kind, kind)
        if len(parts) > 3:
            name += " " + parts[3].lstrip("_")
        elif len(parts) == 3 and entry["method"] == "DELETE":
            name = name.rstrip("s")
        return entry["method"] + " " + name
    return entry["method"] + " " + parts[0]


def run_contender(name, sim, inventory, size, args, workdir, repeat_index):
    clusters, jobs = size
    sim.seed(jobs)
    run_dir = os.path.join(workdir, "%dx%d-%s-%d" % (clusters, jobs, name, repeat_index))
    os.makedirs(run_dir)
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_RETRY_FILES_ENABLED="0",
               ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, "callback_plugins"),
               ANSIBLE_CALLBACKS_ENABLED="bench_count", BENCH_MODULE_LOG=os.path.join(run_dir, "modules.log"),
               BENCH_TASK_LOG=os.path.join(run_dir, "tasks.log"),
               ANSIBLE_LOCAL_TEMP=os.path.join(run_dir, "tmp"))
    env.setdefault("ANSIBLE_COLLECTIONS_PATH", os.path.join(REPO, "build", "collections"))
    cpu_before = sim.cpu_s()
    result = run_measured(contender_command(name, inventory, sim.urls, args, run_dir), env, run_dir,
                          os.path.join(run_dir, "output.log"))
    result["sim_cpu_pct"] = 100.0 * (sim.cpu_s() - cpu_before) / result["wall_s"]
    logs = sim.requests()
    total = sum(len(log) for log in logs)
    result["requests"] = total
    result["requests_per_job"] = total / float(clusters * jobs)
    result["requests_per_cluster"] = total / float(clusters)
    result["phases"] = dict(collections.Counter(classify(e) for log in logs for e in log).most_common())
    gets = sorted(e["ended"] - e["started"] for log in logs for e in log if e["method"] == "GET" and e["ended"])
    result["sim_get_p95_ms"] = 1000 * gets[int(0.95 * (len(gets) - 1))] if gets else 0.0
    try:
        with open(env["BENCH_MODULE_LOG"]) as handle:
            modules = collections.Counter(line.strip() for line in handle if line.strip())
    except FileNotFoundError:
        modules = collections.Counter()
    result["module_invocations"] = sum(modules.values())
    result["modules"] = dict(modules.most_common())
    result["tasks"] = task_times(env["BENCH_TASK_LOG"])
    # The floor sends no request: its jobs stay.
    result["jobs_left"] = sim.jobs_left() if name != "floor" else 0
    if result["rc"] != 0 or result["jobs_left"]:
        print("  !! %s at %dx%d: exit code %s, %d jobs left; see %s" % (
            name, clusters, jobs, result["rc"], result["jobs_left"], run_dir), file=sys.stderr)
    else:
        shutil.rmtree(os.path.join(run_dir, "tmp"), ignore_errors=True)
    return result


def task_times(path):
    """[(task name, seconds until the next task started)] from the callback's task log."""
    try:
        with open(path) as handle:
            marks = [line.rstrip("\n").split("\t", 1) for line in handle if "\t" in line]
    except FileNotFoundError:
        return []
    return [(name, round(float(marks[i + 1][0]) - float(start), 2)) for i, (start, name) in enumerate(marks[:-1])]


def median_run(runs):
    """The run with the median wall time stands for the contender (its other figures too)."""
    ordered = sorted(runs, key=lambda r: r["wall_s"])
    chosen = dict(ordered[(len(ordered) - 1) // 2])
    chosen["wall_s"] = statistics.median(r["wall_s"] for r in runs)
    chosen["wall_all_s"] = [round(r["wall_s"], 2) for r in runs]
    chosen["ok"] = all(r["rc"] == 0 and not r["jobs_left"] for r in runs)
    return chosen


# ---- output ----------------------------------------------------------------------------------

def figures(run):
    return {"wall_s": round(run["wall_s"], 2), "wall_all_s": run["wall_all_s"],
            "requests_per_job": round(run["requests_per_job"], 3),
            "requests_per_cluster": round(run["requests_per_cluster"], 2),
            "module_invocations": run["module_invocations"],
            "peak_mem_mb": round(run["peak_mem_mb"], 1), "max_rss_mb": round(run["max_rss_mb"], 1),
            "controller_cpu_s": round(run["cpu_s"], 2), "sim_cpu_pct": round(run["sim_cpu_pct"], 1),
            "sim_get_p95_ms": round(run["sim_get_p95_ms"], 1), "ok": run["ok"]}


def table(results):
    head = ("size", "contender", "wall s", "x role", "req/job", "req/cluster", "modules", "peak MB",
            "ctl CPU s", "sim CPU %", "ok")
    rows = []
    for size, contenders in results.items():
        role = contenders.get("role", {}).get("wall_s")
        for name, fig in contenders.items():
            rows.append((size, name, "%.2f" % fig["wall_s"], "%.1f" % (fig["wall_s"] / role) if role else "-",
                         "%.2f" % fig["requests_per_job"], "%.1f" % fig["requests_per_cluster"],
                         str(fig["module_invocations"]), "%.0f" % fig["peak_mem_mb"],
                         "%.1f" % fig["controller_cpu_s"], "%.0f" % fig["sim_cpu_pct"], "yes" if fig["ok"] else "NO"))
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    lines = ["  ".join(str(c).rjust(w) if i > 1 else str(c).ljust(w) for i, (c, w) in enumerate(zip(row, widths)))
             for row in [head] + rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def targets(results):
    """The issue's targets, each with its verdict."""
    out = []
    for size, contenders in results.items():
        role = contenders.get("role")
        if not role:
            continue
        if "floor" in contenders:
            ratio = role["wall_s"] / contenders["floor"]["wall_s"]
            out.append(("%s: role within 1.5x floor" % size, "%.2fx" % ratio, ratio <= 1.5))
        # Issue 11: faster than the sequential official client at every size.
        if "client" in contenders:
            speedup = contenders["client"]["wall_s"] / role["wall_s"]
            out.append(("%s: role faster than client" % size, "%.2fx" % speedup, speedup > 1))
        if size in ("10x25", "50x50"):
            if "naive" in contenders:
                speedup = contenders["naive"]["wall_s"] / role["wall_s"]
                out.append(("%s: role >= 10x faster than naive" % size, "%.1fx" % speedup, speedup >= 10))
            out.append(("%s: role requests per job <= 2.2" % size, "%.2f" % role["requests_per_job"],
                        role["requests_per_job"] <= 2.2))
    return out


def machine():
    def run(command):
        try:
            return subprocess.run(command, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return "?"
    ansible = run([os.path.join(BIN, "ansible-playbook"), "--version"]).splitlines()
    memory = run(["free", "-h"]).splitlines()
    return {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "nproc": run(["nproc"]), "free": memory[1].split()[1] if len(memory) > 1 else "?",
            "cpu": _cpu_model(), "os": platform.platform(), "python": platform.python_version(),
            "ansible": ansible[0] if ansible else "?", "load": os.getloadavg()}


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def write_chart(results, path, delays):
    try:
        import matplotlib
        import matplotlib.ticker
        matplotlib.use("Agg")
        from matplotlib import pyplot
    except ImportError:
        print("matplotlib is not installed: no chart (make venv installs it)", file=sys.stderr)
        return False
    sizes = sorted(results, key=lambda s: (int(s.split("x")[0]) * int(s.split("x")[1]), s))
    figure, axes = pyplot.subplots(figsize=(8, 5), dpi=110)
    styles = {"role": ("tab:blue", "o"), "naive": ("tab:red", "s"), "client": ("tab:orange", "^"),
              "floor": ("tab:gray", "v")}
    for name in CONTENDERS:
        points = [(int(s.split("x")[0]) * int(s.split("x")[1]), results[s][name]["wall_s"])
                  for s in sizes if name in results[s]]
        if points:
            color, marker = styles[name]
            axes.plot([p[0] for p in points], [p[1] for p in points], marker=marker, color=color, label=name,
                      linestyle="--" if name == "floor" else "-")
    for size in sizes:
        jobs = int(size.split("x")[0]) * int(size.split("x")[1])
        axes.annotate(size, (jobs, min(f["wall_s"] for f in results[size].values())), textcoords="offset points",
                      xytext=(0, -14), ha="center", fontsize=8)
    axes.set_xscale("log")
    axes.set_yscale("log")
    for axis in (axes.xaxis, axes.yaxis):
        axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda value, dummy: "%g" % value))
    axes.set_xlabel("fleet size: clusters x jobs (total jobs, log)")
    axes.set_ylabel("wall time, s (log)")
    axes.set_title("Decommission a fleet: wall time (close %ss, delete %ss per job, forks 10)"
                   % (delays["close"], delays["delete"]), fontsize=10)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)
    return True


def write_docs(results, info, args, path, chart_written, final=True):
    command = " ".join(["make bench"] + (['BENCH_ARGS="%s"' % " ".join(sys.argv[1:])] if sys.argv[1:] else []))
    lines = [MARK_BEGIN, "",
             "%s: `%s` on %s." % ("Latest run" if final else "Latest run, still running (sizes done so far)",
                                  command, info["date"]),
             "",
             "Machine: %s CPUs (`nproc`), %s RAM (`free -h`), %s; %s; Python %s; %s; load average before the "
             "run %.2f." % (info["nproc"], info["free"], info["cpu"], info["os"], info["python"], info["ansible"],
                            info["load"][0]),
             "Delays: close %ss (+ datafeed stop %ss), delete %ss per job; forks %d; median of %d runs (once above %g s)."
             % (args.delays["close"], args.delays["datafeed_stop"], args.delays["delete"], args.forks, args.repeat, args.once_above),
             "", "```", table(results), "```", "", "Targets:", ""]
    for what, value, met in targets(results):
        lines.append("- %s: %s, %s" % (what, value, "met" if met else "**missed**"))
    if chart_written:
        lines += ["", "![wall time against fleet size](benchmarks.png)"]
    lines += ["", "The JSON line of the run:", "", "```json", json.dumps({"sizes": results}), "```", "", MARK_END]
    block = "\n".join(lines)
    if os.path.exists(path):
        with open(path) as handle:
            text = handle.read()
        if MARK_BEGIN in text and MARK_END in text:
            text = text[:text.index(MARK_BEGIN)] + block + text[text.index(MARK_END) + len(MARK_END):]
        else:
            text = text.rstrip("\n") + "\n\n" + block + "\n"
    else:
        text = "# Fleet benchmark\n\n" + block + "\n"
    with open(path, "w") as handle:
        handle.write(text)


def publish(results, info, args, final):
    docs = os.path.join(REPO, "docs", "benchmarks.md")
    chart = write_chart(results, os.path.join(REPO, "docs", "benchmarks.png"), args.delays)
    write_docs(results, info, args, docs, chart, final)


# ---- main ------------------------------------------------------------------------------------

def parse_sizes(text):
    sizes = []
    for item in filter(None, (p.strip() for p in text.split(","))):
        clusters, sep, jobs = item.partition("x")
        if not sep or not clusters.isdigit() or not jobs.isdigit() or int(clusters) < 1 or int(jobs) < 1:
            raise argparse.ArgumentTypeError("sizes are KxJ, e.g. 10x25,50x50; got %r" % item)
        sizes.append((int(clusters), int(jobs)))
    return sizes


def parse_delays(text):
    delays = dict(DEFAULT_DELAYS)
    for item in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = item.partition("=")
        if not sep or name not in DEFAULT_DELAYS:
            raise argparse.ArgumentTypeError("delays are %s, as name=seconds" % ",".join(DEFAULT_DELAYS))
        delays[name] = float(value)
    return delays


def parse_contenders(text):
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in CONTENDERS]
    if unknown:
        raise argparse.ArgumentTypeError("contenders are %s" % ",".join(CONTENDERS))
    return names


def parse_skip(text):
    """``naive@50x50,client@200x5`` -> {("naive", "50x50"), ...}: contenders not run at a size."""
    skip = set()
    for item in (i.strip() for i in text.split(",") if i.strip()):
        name, size = item.split("@", 1) if "@" in item else (item, "")
        if name not in CONTENDERS or not size:
            message = "expected CONTENDER@KxJ with a contender of %s, got %r" % (",".join(CONTENDERS), item)
            raise argparse.ArgumentTypeError(message)
        parse_sizes(size)
        skip.add((name, size))
    return skip


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--sizes", type=parse_sizes, default=parse_sizes(DEFAULT_SIZES),
                        help="clusters x jobs list (default %s)" % DEFAULT_SIZES)
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender; the median counts (default 3)")
    parser.add_argument("--delays", type=parse_delays, default=dict(DEFAULT_DELAYS),
                        help="simulated server durations, close=S,delete=S[,datafeed_stop=S] (default close=0.2,"
                             "delete=0.1; datafeed_stop=0.01)")
    parser.add_argument("--once-above", type=float, default=120.0, metavar="S",
                        help="a contender whose first run takes longer than S seconds is not repeated: its noise is "
                             "small beside its time (default 120)")
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument("--contenders", type=parse_contenders, default=list(CONTENDERS))
    parser.add_argument("--skip", type=parse_skip, default=set(), metavar="CONTENDER@KxJ,...",
                        help="contenders not to run at a size, e.g. naive@50x50 (about 40 minutes alone)")
    parser.add_argument("--detail", action="store_true", help="print requests per phase and modules per contender")
    parser.add_argument("--no-docs", dest="docs", action="store_false", help="do not write docs/benchmarks.md and .png")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, reports)")
    args = parser.parse_args(argv)

    info = machine()
    workdir = tempfile.mkdtemp(prefix="fleet-bench-")
    print("fleet benchmark: sizes %s, repeat %d, delays %s, forks %d; work directory %s" % (
        ",".join("%dx%d" % s for s in args.sizes), args.repeat, args.delays, args.forks, workdir), flush=True)
    results = {}
    failed = False
    try:
        for size in args.sizes:
            label = "%dx%d" % size
            sim = Simulator(size[0], args.delays, workdir)
            try:
                inventory = write_inventory(workdir, sim.urls)
                runs = collections.defaultdict(list)
                contenders = [name for name in args.contenders if (name, label) not in args.skip]
                for index in range(args.repeat):
                    for name in contenders:
                        if index and runs[name][0]["wall_s"] > args.once_above:
                            continue
                        run = run_contender(name, sim, inventory, size, args, workdir, index)
                        runs[name].append(run)
                        print("  %-6s %-6s run %d: %7.2f s, %5.2f req/job, %4d modules, sim CPU %3.0f%%" % (
                            label, name, index + 1, run["wall_s"], run["requests_per_job"],
                            run["module_invocations"], run["sim_cpu_pct"]), flush=True)
                chosen = dict((name, median_run(runs[name])) for name in contenders)
                results[label] = dict((name, figures(run)) for name, run in chosen.items())
                failed = failed or not all(f["ok"] for f in results[label].values())
                if args.docs:  # after every size, so a long run leaves its figures so far
                    publish(results, info, args, final=size == args.sizes[-1])
                if args.detail:
                    for name, run in chosen.items():
                        print("    %s %s requests: %s" % (label, name, json.dumps(run["phases"])))
                        print("    %s %s modules:  %s" % (label, name, json.dumps(run["modules"])))
                        print("    %s %s tasks:    %s" % (label, name, "; ".join("%s %.2f" % t for t in run["tasks"])))
            finally:
                sim.stop()
    finally:
        if not args.keep and not failed:
            shutil.rmtree(workdir, ignore_errors=True)
        elif results:
            print("work directory kept: %s" % workdir)
    print()
    print(table(results))
    print()
    for what, value, met in targets(results):
        print("%-40s %8s  %s" % (what, value, "met" if met else "MISSED"))
    if args.docs:
        print("wrote docs/benchmarks.md and benchmarks.png")
    print(json.dumps({"sizes": results}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
