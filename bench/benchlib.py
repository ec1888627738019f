# What the Python benchmarks in bench/ share: where the build and the
# results are, the JSON a result is written as (with the machine and the
# commit, so figures can be compared between runs), the hub's HTTP API
# over its Unix socket, /proc readings, and stopping child processes
# (terminate, then kill) whatever happens.

import http.client
import json
import os
import platform
import socket
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(TOP, "bench", "results")
HZ = os.sysconf("SC_CLK_TCK")


def build_dir(program="hoinghid"):
    """The build dir: $BUILD, else /tmp/build-bench, else ./build."""
    for d in (os.environ.get("BUILD"), "/tmp/build-bench",
              os.path.join(TOP, "build")):
        if d and os.access(os.path.join(d, program), os.X_OK):
            return d
    sys.exit("%s: no %s built; run ./go build (or set BUILD)"
             % (os.path.basename(sys.argv[0]), program))


def machine():
    """What the figures were measured on, and how busy it was."""
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    commit = subprocess.run(["git", "-C", TOP, "rev-parse", "--short",
                             "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    return {"cpus": os.cpu_count(), "cpu_model": model,
            "kernel": platform.release(), "commit": commit,
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "loadavg": os.getloadavg()}


def write_results(name, figures):
    """bench/results/NAME.json: the figures and the machine."""
    os.makedirs(RESULTS, exist_ok=True)
    path = os.path.join(RESULTS, name + ".json")
    with open(path, "w") as f:
        json.dump(dict(figures, machine=machine()), f, indent=2)
    return path


def read_results(name):
    """A result another benchmark wrote, or None."""
    try:
        with open(os.path.join(RESULTS, name + ".json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def stop(*procs, timeout=10):
    """Terminates the processes, then kills what is left after TIMEOUT."""
    for p in procs:
        if p is not None and p.poll() is None:
            p.terminate()
    for p in procs:
        if p is None:
            continue
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


class Children:
    """Popen()s that are stopped when the with-block ends, however."""

    def __init__(self):
        self.procs = []
        self.keep = []  # closed at the end too (sockets, files)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        stop(*reversed(self.procs))
        for f in self.keep:
            f.close()

    def popen(self, *args, **kwargs):
        p = subprocess.Popen(*args, **kwargs)
        self.procs.append(p)
        return p


# --- /proc ---------------------------------------------------------------

def proc_cpu(pid):
    """User + system seconds of a process (or a task: 'PID/task/TID')."""
    with open("/proc/%s/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / HZ


def proc_status(pid, key):
    """A number from /proc/PID/status (kB for memory), 0 when absent."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def proc_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def machine_busy():
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v) - idle, sum(v)


# --- the hub's API over its control socket --------------------------------

class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=30):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


def api(sock, method, path, body=None):
    """One request; returns (status, parsed JSON or text)."""
    c = UnixHTTPConnection(sock)
    try:
        headers = {}
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        c.request(method, path, body=data, headers=headers)
        r = c.getresponse()
        raw = r.read()
        if r.getheader("Content-Type", "").startswith("application/json"):
            return r.status, json.loads(raw)
        return r.status, raw.decode()
    finally:
        c.close()


def api_ok(sock, method, path, body=None):
    status, answer = api(sock, method, path, body)
    if status // 100 != 2:
        raise RuntimeError("%s %s: %d %s" % (method, path, status, answer))
    return answer


def wait_for(what, predicate, timeout, step=0.05):
    """Polls PREDICATE until it returns something true; exits on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("%s: not within %.0f s" % (what, timeout))
        time.sleep(step)
