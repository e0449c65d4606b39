"""Start or stop the simulated fleet of this scenario: `simctl.py start|stop DIR [simulator options]`.

start: runs es-ml-simulator in its own session (it outlives the create playbook), writes its pid
to DIR/sim.pid and waits until DIR/ready.json lists the clusters. stop: ends that process.
"""
import json
import os
import signal
import subprocess
import sys
import time

SIMULATOR = "import sys; from es_ml_simulator.cli import main; sys.exit(main())"


def start(directory, options):
    os.makedirs(directory, exist_ok=True)
    ready = os.path.join(directory, "ready.json")
    if os.path.exists(ready):
        os.remove(ready)
    with open(os.path.join(directory, "sim.log"), "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", SIMULATOR, "--port", "0", "--ready-file", ready] + options,
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    with open(os.path.join(directory, "sim.pid"), "w") as handle:
        handle.write(str(process.pid))
    deadline = time.monotonic() + 30
    while not os.path.exists(ready):
        if process.poll() is not None:
            sys.exit("es-ml-simulator exited with %s; see %s/sim.log" % (process.returncode, directory))
        if time.monotonic() > deadline:
            process.terminate()
            sys.exit("es-ml-simulator did not become ready in 30 s")
        time.sleep(0.05)
    with open(ready) as handle:
        print(json.dumps(json.load(handle)))


def stop(directory):
    try:
        with open(os.path.join(directory, "sim.pid")) as handle:
            pid = int(handle.read())
    except (OSError, ValueError):
        print("not running")
        return
    try:
        os.kill(pid, signal.SIGTERM)
        for dummy_attempt in range(100):
            os.kill(pid, 0)
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.remove(os.path.join(directory, "sim.pid"))
    print("stopped %d" % pid)


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("start", "stop"):
        sys.exit(__doc__)
    if sys.argv[1] == "start":
        start(sys.argv[2], sys.argv[3:])
    else:
        stop(sys.argv[2])
