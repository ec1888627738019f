# What the Python benchmarks in bench/ share: where the build and the
# results are, the JSON a result is written as (with the machine and the
# commit, so figures can be compared between runs), the hub's HTTP API
# over its Unix socket and its event stream, /proc readings, stopping child
# processes (terminate, then kill) whatever happens, and a hub with the
# room simulator (hoinghi-room-sim) driven on its stdin.

import http.client
import json
import os
import platform
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
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


def _signal(p, sig):
    """SIG to P's process group when it leads one (Children.popen()), so
    that what a wrapper (HUB_WRAPPER: heaptrack forks the hub) started goes
    too; else to P."""
    try:
        if os.getpgid(p.pid) == p.pid:
            os.killpg(p.pid, sig)
            return
    except ProcessLookupError:
        return
    p.send_signal(sig)


def stop(*procs, timeout=10):
    """Terminates the processes, then kills what is left after TIMEOUT."""
    for p in procs:
        if p is not None and p.poll() is None:
            _signal(p, signal.SIGTERM)
    for p in procs:
        if p is None:
            continue
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _signal(p, signal.SIGKILL)
            p.wait()
        # the rest of its group: a wrapper's child may outlive it
        try:
            if p.returncode is not None:
                os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


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
        # a process group of its own, stopped as a whole (stop())
        p = subprocess.Popen(*args, start_new_session=True, **kwargs)
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


# --- a hub and the room simulator ----------------------------------------

class Events:
    """The hub's event stream (GET /api/v1/events), read by a thread: every
    link change with the monotonic time it arrived."""

    def __init__(self, sock):
        self.cond = threading.Condition()
        self.links = []  # (t, site, state)
        self.state = {}
        self.conn = UnixHTTPConnection(sock, timeout=None)
        self.conn.request("GET", "/api/v1/events")
        self.resp = self.conn.getresponse()
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        kind = None
        try:
            for raw in self.resp:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: ") and kind == "link":
                    d = json.loads(line[6:])
                    with self.cond:
                        self.links.append((time.monotonic(), d["site"],
                                           d["state"]))
                        self.state[d["site"]] = d["state"]
                        self.cond.notify_all()
        except (OSError, ValueError, AttributeError):
            pass  # closed by close()

    def wait(self, what, predicate, timeout):
        """Waits until PREDICATE(self) holds; returns its value."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                value = predicate(self)
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("%s: not within %.0f s" % (what, timeout))
                self.cond.wait(left)

    def first(self, site, state, after):
        for t, s, st in self.links:
            if t >= after and s == site and st == state:
                return t
        return None

    def close(self):
        self.conn.close()


class Sim:
    """hoinghi-room-sim: commands on its stdin, JSON lines from its stdout
    (read by a thread into a queue)."""

    def __init__(self, children, build, hub, tokens, watch, logfile):
        self.proc = children.popen(
            [os.path.join(build, "bench", "hoinghi-room-sim"), "--hub", hub,
             "--tokens", tokens, "--watch", str(watch)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=logfile,
            text=True, bufsize=1)
        self.lines = queue.Queue()
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        for line in self.proc.stdout:
            try:
                self.lines.put(json.loads(line))
            except ValueError:
                pass
        self.lines.put(None)

    def next(self, timeout):
        try:
            ev = self.lines.get(timeout=max(timeout, 0))
        except queue.Empty:
            return None
        if ev is None:
            raise RuntimeError("the room simulator ended; see its log")
        return ev

    def expect(self, kind, timeout, predicate=lambda ev: True):
        """The next event of KIND that PREDICATE accepts; others are
        dropped."""
        deadline = time.monotonic() + timeout
        while True:
            ev = self.next(deadline - time.monotonic())
            if ev is None:
                raise TimeoutError("room simulator: no %s within %.0f s"
                                   % (kind, timeout))
            if ev.get("event") == kind and predicate(ev):
                return ev

    def command(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def stats(self):
        self.command("stats")
        return self.expect("stats", 10)


def drain(sock):
    try:
        while sock.recv(4096):
            pass
    except OSError:
        pass


def start_hub(children, build, tmp, tag, drop_in):
    """The hub on the shipped sites.conf and DROP_IN (a sites.conf.d
    file); returns (proc, control socket, ms to READY=1)."""
    conf = os.path.join(tmp, "sites.conf")
    shutil.copy(os.path.join(TOP, "sites.conf"), conf)
    os.makedirs(conf + ".d", exist_ok=True)
    with open(os.path.join(conf + ".d", "50-bench.conf"), "w") as f:
        f.write(drop_in)
    sock = os.path.join(tmp, "control-%s.sock" % tag)
    notify_path = os.path.join(tmp, "notify-%s" % tag)
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    # HUB_WRAPPER, e.g. "valgrind --leak-check=full", runs the hub under a
    # tool (a tool starts slowly)
    wrapper = os.environ.get("HUB_WRAPPER", "").split()
    notify.settimeout(300 if wrapper else 30)
    logf = open(os.path.join(tmp, "hoinghid-%s.log" % tag), "a")
    start = time.monotonic()
    proc = children.popen(
        wrapper + [os.path.join(build, "hoinghid"), "--role", "hub",
                   "--config", conf, "--socket", sock,
                   "--state-dir", os.path.join(tmp, "state-" + tag)],
        env=dict(os.environ, NOTIFY_SOCKET=notify_path), stderr=logf)
    try:
        while "READY=1" not in notify.recv(4096).decode().split("\n"):
            pass
    except socket.timeout:
        raise RuntimeError("the hub sent no READY=1 within %d s"
                           % notify.gettimeout())
    ready_ms = 1000 * (time.monotonic() - start)
    # read on, as systemd would: the hub goes on sending STATUS= lines,
    # and a full socket would block it
    notify.settimeout(None)
    threading.Thread(target=drain, args=(notify,), daemon=True).start()
    children.keep.append(notify)
    return proc, sock, ready_ms


def prepare_rooms(sock, tmp, n, tag):
    """The first N rooms of sites.conf and their tokens, in a file for the
    simulator."""
    sites = [s["id"] for s in api_ok(sock, "GET", "/api/v1/sites")["sites"]
             if s["tier"] != "hub"][:n]
    if len(sites) < n:
        raise RuntimeError("sites.conf has only %d rooms" % len(sites))
    path = os.path.join(tmp, "tokens-%s" % tag)
    with open(path, "w") as f:
        for s in sites:
            f.write("%s %s\n" % (s, api_ok(sock, "GET", "/api/v1/sites/%s/token"
                                            % s)["token"]))
    return sites, path


def hub_address(sock):
    status = api_ok(sock, "GET", "/api/v1/status")
    return "127.0.0.1:%d" % status["control-port"]
