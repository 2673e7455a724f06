#!/usr/bin/env python3
"""Tollgate side by side with a direct call, raw Envoy, LiteLLM and Portkey, in one run.

Started by bench/compare/run.sh, which installs the tools and builds Tollgate first. Measures
added latency over a direct call to the same upstream at fixed open-loop rates (vegeta),
JSON and SSE chat completions; the highest rate each target sustains with p99 added <= a limit;
rate-limit decisions/s (bench/ratelimit/run.sh); and control-plane propagation (a manifest edit
until Envoy has applied and acknowledged it) at several route counts. Writes one Markdown file.
Every process it starts listens on 127.0.0.1, on fixed ports 17000-17999, and is stopped on exit.
"""
import argparse
import base64
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent

UPSTREAM_PORT = 17010
UPSTREAM_KEY = "demo-upstream-secret-key"
CLIENT_KEY = "tg-bench-client-0001"
LITELLM_KEY = "sk-bench-master-key"
ENVOY_PORT, ENVOY_ADMIN = 17100, 17101
TOLLGATE_BASE = 17200  # listener, processor, rate limit, ADS, Envoy admin, metrics
TOLLGATE_REDIS_BASE = 17220
# Tollgate variants, each one step away from "tollgate": the cost of one feature or runtime.
VARIANT_BASES = {"tollgate-j25": 17240, "tollgate-nobudget": 17260, "tollgate-noledger": 17280,
                 "tollgate-baseline": 17320}
REDIS_PORT = 17300
LITELLM_PORT = 17400
PORTKEY_PORT = 17500
PROPAGATION_BASE = int(os.environ.get("PROPAGATION_BASE", "17600"))
RATELIMIT_BENCH_BASE = 17700

TARGETS = ["direct", "envoy", "tollgate", "tollgate-redis", "litellm", "portkey"]
LABELS = {
    "direct": "direct call (baseline)",
    "envoy": "raw Envoy passthrough",
    "tollgate": "Tollgate (memory store)",
    "tollgate-redis": "Tollgate (Redis store)",
    "tollgate-j25": "Tollgate on Java 25 (memory store)",
    "tollgate-nobudget": "Tollgate without a TokenQuota",
    "tollgate-noledger": "Tollgate without the ledger",
    "tollgate-baseline": "Tollgate, baseline build (memory store)",
    "litellm": "LiteLLM proxy",
    "portkey": "Portkey gateway",
}


def parse_args():
    env = os.environ.get
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter,
        epilog="Each option can also be set in the environment: RATES, REPORT_RATES, DURATION, WARMUP, "
               "MODES, TARGETS,\nLIMIT_MS, DEMO_LATENCY_MS, LITELLM_WORKERS, PROPAGATION_ROUTES, "
               "PROPAGATION_REPEATS, LOAD,\nRATELIMIT_BENCH (with RL_CALLS, RL_WARMUP, RL_ROUNDS), WORK, "
               "TOLLGATE_HOME, VEGETA, OUT, JAVA25, SOAK_SECONDS, SOAK_FIRST_SECONDS,\nBASELINE_HOME, CPU_REQUESTS, CPU_RATE.\n"
               "Optional targets (TARGETS): tollgate-j25, tollgate-nobudget, tollgate-noledger, tollgate-baseline.")
    p.add_argument("--rates", default=env("RATES", "100,250,500,1000,1500,2000"),
                   help="request rates of the ladder, per second (default %(default)s)")
    p.add_argument("--report-rates", default=env("REPORT_RATES", "100,500,1000"),
                   help="rates every target is measured at, even after it missed the limit")
    p.add_argument("--duration", type=int, default=int(env("DURATION", "10")),
                   help="seconds of load per target, mode and rate (default %(default)s)")
    p.add_argument("--warmup", type=int, default=int(env("WARMUP", "20")),
                   help="seconds of warm-up at 200/s per mode for Tollgate (JIT); at most 5 s for the others")
    p.add_argument("--modes", default=env("MODES", "json,stream"))
    p.add_argument("--targets", default=env("TARGETS", ",".join(TARGETS)))
    p.add_argument("--limit-ms", type=float, default=float(env("LIMIT_MS", "5")),
                   help="p99 added over the direct call a sustained rate may have (default %(default)s)")
    p.add_argument("--demo-latency-ms", type=int, default=int(env("DEMO_LATENCY_MS", "5")))
    p.add_argument("--litellm-workers", type=int, default=int(env("LITELLM_WORKERS", "1")))
    p.add_argument("--routes", default=env("PROPAGATION_ROUTES", "100,1000,5000"),
                   help="route counts of the propagation measurement; empty skips it")
    p.add_argument("--propagation-repeats", type=int, default=int(env("PROPAGATION_REPEATS", "5")))
    p.add_argument("--load", default=env("LOAD", "1"),
                   help="1 runs the gateways under load, 0 skips that part")
    p.add_argument("--ratelimit", default=env("RATELIMIT_BENCH", "1"),
                   help="1 runs bench/ratelimit/run.sh (shortened), 0 skips it")
    p.add_argument("--java25", default=env("JAVA25", "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"),
                   help="java of the tollgate-j25 target (default %(default)s)")
    p.add_argument("--soak", type=int, default=int(env("SOAK_SECONDS", "960")),
                   help="seconds of the 500/s JSON soak on Tollgate (memory store) whose heap after a "
                        "full GC is compared at --soak-first and at the end; 0 skips it (default %(default)s)")
    p.add_argument("--soak-first", type=int, default=int(env("SOAK_FIRST_SECONDS", "360")),
                   help="seconds into the soak of its first heap reading: after the memory store's "
                        "5-minute commit memory has filled, so bounded caches count as steady "
                        "(default %(default)s)")
    p.add_argument("--baseline-home", default=env("BASELINE_HOME", ""),
                   help="folder with another build's tollgate.jar and lib/, run as target tollgate-baseline")
    p.add_argument("--cpu-requests", type=int, default=int(env("CPU_REQUESTS", "3000")),
                   help="requests of the CPU-per-request step per target and mode; 0 skips it (default %(default)s)")
    p.add_argument("--cpu-rate", type=int, default=int(env("CPU_RATE", "200")),
                   help="rate of the CPU-per-request step, per second (default %(default)s)")
    p.add_argument("--work", default=env("WORK", str(ROOT / "bench" / ".work")))
    p.add_argument("--tollgate-home", default=env("TOLLGATE_HOME", ""),
                   help="folder with tollgate.jar and lib/ (default WORK/tollgate)")
    p.add_argument("--vegeta", default=env("VEGETA", "vegeta"))
    p.add_argument("--out", default=env("OUT", ""))
    a = p.parse_args()
    a.rates = [int(x) for x in a.rates.split(",") if x]
    a.report_rates = [int(x) for x in a.report_rates.split(",") if x]
    a.rates = sorted(set(a.rates) | set(a.report_rates))
    a.modes = [m for m in a.modes.split(",") if m]
    a.targets = [t for t in a.targets.split(",") if t]
    if "direct" not in a.targets:
        a.targets.insert(0, "direct")
    a.routes = [int(x) for x in a.routes.split(",") if x]
    a.work = Path(a.work).resolve()
    a.tollgate_home = Path(a.tollgate_home or a.work / "tollgate").resolve()
    if not a.out:
        a.out = str(ROOT / "bench" / "results" / (dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d") + ".md"))
    return a


A = parse_args()
RUN = A.work / "run"
LOG = []


def say(msg):
    line = f"{time.strftime('%H:%M:%S')} {msg}"
    print(line, flush=True)
    LOG.append(line)


# ---------------------------------------------------------------- processes

class Proc:
    """A process group this run started; stopped with SIGTERM, then SIGKILL."""

    live = []

    def __init__(self, name, cmd, env=None, cwd=None):
        self.name = name
        self.log_path = RUN / f"{name}.log"
        self.log = open(self.log_path, "ab")
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.p = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=full_env,
                                  cwd=cwd, start_new_session=True)
        Proc.live.append(self)

    @property
    def pid(self):
        return self.p.pid

    def alive(self):
        return self.p.poll() is None

    def stop(self):
        if self.alive():
            try:
                os.killpg(self.p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                pass
        # Whatever of the group is left (Envoy started by a JVM that did not stop in time).
        try:
            os.killpg(self.p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.p.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self.log.close()
        if self in Proc.live:
            Proc.live.remove(self)

    def tail(self, n=15):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    @classmethod
    def stop_all(cls):
        for proc in list(reversed(cls.live)):
            proc.stop()


def on_signal(signum, _frame):
    raise SystemExit(128 + signum)


for _sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(_sig, on_signal)


def http(url, body=None, headers=None, timeout=10):
    req = urllib.request.Request(url, data=body, headers=headers or {},
                                 method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (urllib.error.URLError, OSError) as e:
        return 0, str(e).encode()


def wait_until(check, timeout, what, proc=None):
    end = time.time() + timeout
    while time.time() < end:
        if proc is not None and not proc.alive():
            raise RuntimeError(f"{what}: the process exited; its log ends:\n{proc.tail()}")
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what}: not ready after {timeout} s" + (f"; its log ends:\n{proc.tail()}" if proc else ""))


def proc_table():
    """Every live process: its parent's pid and CPU ticks so far, from /proc/<pid>/stat."""
    children, ticks = {}, {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(d))
        ticks[int(d)] = int(fields[11]) + int(fields[12])
    return children, ticks


def descendants(pid, children):
    """A process and its live descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def tree_cpu_seconds(pid):
    """CPU seconds used so far by a process, and by it with its live descendants."""
    hz = os.sysconf("SC_CLK_TCK")
    children, ticks = proc_table()
    total = sum(ticks.get(p, 0) for p in descendants(pid, children))
    return ticks.get(pid, 0) / hz, total / hz


def tree_rss_mib(pid):
    """Resident memory of a process and of its live descendants, MiB: (own, tree)."""
    own, total = 0.0, 0.0
    for p in descendants(pid, proc_table()[0]):
        try:
            with open(f"/proc/{p}/status") as f:
                kb = next((int(l.split()[1]) for l in f if l.startswith("VmRSS:")), 0)
        except OSError:
            kb = 0
        total += kb / 1024
        if p == pid:
            own = kb / 1024
    return own, total


def jit_cpu_seconds(pid):
    """CPU seconds a JVM's JIT compiler threads have used (C1/C2 CompilerThread), 0 for others."""
    hz, total = os.sysconf("SC_CLK_TCK"), 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0.0
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        name = raw[raw.index("(") + 1:raw.rindex(")")]
        if "CompilerThre" in name:
            fields = raw.rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / hz


def wait_quiet(pid, limit=15.0, share=0.05):
    """Waits until a target's process tree uses under `share` of a core (its backlog is done)."""
    deadline = time.time() + limit
    while time.time() < deadline:
        a = tree_cpu_seconds(pid)[1]
        time.sleep(0.5)
        if tree_cpu_seconds(pid)[1] - a < 0.5 * share:
            return
    return


def heap_after_gc_mib(pid):
    """The JVM's heap in use right after a full GC (jcmd GC.run, then GC.heap_info), MiB."""
    cmd_out(["jcmd", str(pid), "GC.run"])
    info = cmd_out(["jcmd", str(pid), "GC.heap_info"])
    m = re.search(r"used (\d+)K", info)
    return int(m.group(1)) / 1024 if m else None


def cmd_out(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"({e})"


# ---------------------------------------------------------------- targets

JAVA = ["java", "-cp", f"{A.tollgate_home}/tollgate.jar:{A.tollgate_home}/lib/*"]


def tollgate_manifests(folder, quota=True):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "provider.yaml").write_text(f"""apiVersion: v1
kind: Secret
metadata: {{name: demo-upstream-key, namespace: bench}}
stringData: {{apiKey: {UPSTREAM_KEY}}}
---
apiVersion: tollgate.dev/v1alpha1
kind: ModelProvider
metadata: {{name: demo, namespace: bench}}
spec:
  type: OpenAICompatible
  endpoint: {{url: "http://127.0.0.1:{UPSTREAM_PORT}"}}
  credentials: {{name: demo-upstream-key}}
  models:
    - name: demo-chat
      contextWindow: 32768
      pricing: {{currency: USD, inputPerMillion: "0.50", outputPerMillion: "1.50"}}
""")
    (folder / "route.yaml").write_text(f"""apiVersion: v1
kind: Secret
metadata:
  name: bench-client-key
  namespace: bench
  labels: {{tollgate.dev/client-key: "true", tollgate.dev/client: bench-client}}
stringData: {{apiKey: {CLIENT_KEY}}}
---
apiVersion: tollgate.dev/v1alpha1
kind: AIRoute
metadata: {{name: chat, namespace: bench}}
spec:
  clients:
    apiKeys:
      secretSelector: {{matchLabels: {{tollgate.dev/client-key: "true"}}}}
  rules:
    - models: [demo-chat, fast]
      backends:
        - provider: {{name: demo}}
          model: demo-chat
""")
    if not quota:
        return
    # Budgets far above what a run spends, so every request is counted and none is refused
    # (12 digits is the most an amount may have).
    (folder / "quota.yaml").write_text("""apiVersion: tollgate.dev/v1alpha1
kind: TokenQuota
metadata: {name: bench-budget, namespace: bench}
spec:
  mode: Enforce
  limits:
    - {name: tokens-per-minute, type: Tokens, amount: "999999999999", window: 1m, per: [Client]}
    - {name: requests-per-day, type: Requests, amount: "999999999999", window: 1d, per: [Client]}
""")


def start_tollgate(name, folder, base, extra=(), java="java", home=None):
    cmd = [java, "-jar", f"{home or A.tollgate_home}/tollgate.jar", "run",
           "-f", str(folder), "--port", str(base), "--processor-port", str(base + 1),
           "--ratelimit-port", str(base + 2), "--ads-port", str(base + 3),
           "--envoy-admin-port", str(base + 4), "--metrics-port", str(base + 5),
           "--demo-upstream-port", "0", "--work-dir", str(RUN / f"{name}-envoy"), *extra]
    proc = Proc(name, cmd, env={"TZ": "UTC"})
    wait_until(lambda: http(f"http://127.0.0.1:{base + 5}/readyz", timeout=2)[0] == 200, 600,
               f"{name} ready (Envoy ACKed)", proc)
    return proc


def envoy_static_config():
    path = RUN / "envoy-raw.yaml"
    path.write_text(f"""admin:
  address: {{socket_address: {{address: 127.0.0.1, port_value: {ENVOY_ADMIN}}}}}
static_resources:
  listeners:
    - name: raw
      address: {{socket_address: {{address: 127.0.0.1, port_value: {ENVOY_PORT}}}}}
      filter_chains:
        - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: raw
                route_config:
                  name: raw
                  virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                        - match: {{prefix: "/"}}
                          route: {{cluster: upstream, timeout: 120s}}
                http_filters:
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
    - name: upstream
      type: STATIC
      connect_timeout: 5s
      load_assignment:
        cluster_name: upstream
        endpoints:
          - lb_endpoints:
              - endpoint: {{address: {{socket_address: {{address: 127.0.0.1, port_value: {UPSTREAM_PORT}}}}}}}
""")
    return path


def litellm_config():
    path = RUN / "litellm.yaml"
    path.write_text(f"""# The closest LiteLLM gets without a database to Tollgate's route and TokenQuota.
model_list:
  - model_name: demo-chat
    litellm_params:
      model: openai/demo-chat
      api_base: http://127.0.0.1:{UPSTREAM_PORT}/v1
      api_key: {UPSTREAM_KEY}
      tpm: 1000000000000
      rpm: 1000000000000
    model_info:
      input_cost_per_token: 0.0000005
      output_cost_per_token: 0.0000015
router_settings:
  model_group_alias: {{"fast": "demo-chat"}}
  optional_pre_call_checks: ["enforce_model_rate_limits"]
litellm_settings:
  telemetry: false
  max_budget: 1000000000
  budget_duration: 30d
general_settings:
  master_key: {LITELLM_KEY}
""")
    return path


PORTKEY_CONFIG = json.dumps({
    "provider": "openai", "custom_host": f"http://127.0.0.1:{UPSTREAM_PORT}/v1",
    "api_key": UPSTREAM_KEY, "override_params": {"model": "demo-chat"}}, separators=(",", ":"))

ENDPOINTS = {
    "direct": (UPSTREAM_PORT, {"Authorization": f"Bearer {UPSTREAM_KEY}"}),
    "envoy": (ENVOY_PORT, {"Authorization": f"Bearer {UPSTREAM_KEY}"}),
    "tollgate": (TOLLGATE_BASE, {"Authorization": f"Bearer {CLIENT_KEY}"}),
    "tollgate-redis": (TOLLGATE_REDIS_BASE, {"Authorization": f"Bearer {CLIENT_KEY}"}),
    **{t: (b, {"Authorization": f"Bearer {CLIENT_KEY}"}) for t, b in VARIANT_BASES.items()},
    "litellm": (LITELLM_PORT, {"Authorization": f"Bearer {LITELLM_KEY}"}),
    "portkey": (PORTKEY_PORT, {"x-portkey-config": PORTKEY_CONFIG}),
}


def request_body(stream):
    body = {
        "model": "fast",
        "messages": [
            {"role": "system", "content": "You are a concise assistant for an engineering team."},
            {"role": "user", "content": "Summarise in two sentences why a gateway in front of model "
                                        "providers should add as little latency as possible."},
        ],
        "max_tokens": 64,
    }
    if stream:
        body["stream"] = True
    return json.dumps(body).encode()


def start_targets(state):
    """Starts every target; a target that cannot start is recorded with its error."""
    procs = {}
    state["upstream"] = Proc("demo-upstream", [
        "java", "-Xms256m", "-Xmx512m", "-Dsun.net.httpserver.nodelay=true", *JAVA[1:],
        str(HERE / "DemoUpstreamMain.java"), str(UPSTREAM_PORT), UPSTREAM_KEY, str(A.demo_latency_ms)])
    wait_until(lambda: http(f"http://127.0.0.1:{UPSTREAM_PORT}/v1/models",
                            headers={"Authorization": f"Bearer {UPSTREAM_KEY}"}, timeout=2)[0] == 200,
               120, "demo upstream", state["upstream"])
    procs["direct"] = state["upstream"]
    folder = RUN / "manifests"
    tollgate_manifests(folder)
    for t in A.targets:
        if t == "direct":
            continue
        say(f"starting {LABELS[t]}")
        try:
            if t == "envoy":
                procs[t] = Proc("envoy-raw", ["envoy", "-c", str(envoy_static_config()),
                                              "--use-dynamic-base-id", "--log-level", "warning"])
                wait_until(lambda: http(f"http://127.0.0.1:{ENVOY_ADMIN}/ready", timeout=2)[0] == 200,
                           60, "raw Envoy", procs[t])
            elif t == "tollgate":
                procs[t] = start_tollgate("tollgate", folder, TOLLGATE_BASE)
            elif t == "tollgate-redis":
                redis = Proc("redis", ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1",
                                       "--save", "", "--appendonly", "no"])
                wait_until(lambda: cmd_out(["redis-cli", "-p", str(REDIS_PORT), "ping"]) == "PONG", 30,
                           "redis", redis)
                procs[t] = start_tollgate("tollgate-redis", folder, TOLLGATE_REDIS_BASE,
                                          ["--redis", f"redis://127.0.0.1:{REDIS_PORT}"])
            elif t == "tollgate-j25":
                procs[t] = start_tollgate(t, folder, VARIANT_BASES[t], java=A.java25)
            elif t == "tollgate-baseline":
                if not A.baseline_home:
                    raise RuntimeError("BASELINE_HOME is not set")
                procs[t] = start_tollgate(t, folder, VARIANT_BASES[t], home=A.baseline_home)
            elif t == "tollgate-noledger":
                procs[t] = start_tollgate(t, folder, VARIANT_BASES[t], ["--no-ledger"])
            elif t == "tollgate-nobudget":
                plain = RUN / "manifests-nobudget"
                tollgate_manifests(plain, quota=False)
                procs[t] = start_tollgate(t, plain, VARIANT_BASES[t])
            elif t == "litellm":
                procs[t] = Proc("litellm", [str(A.work / "litellm-venv" / "bin" / "litellm"), "--config",
                                            str(litellm_config()), "--host", "127.0.0.1", "--port",
                                            str(LITELLM_PORT), "--num_workers", str(A.litellm_workers)],
                                env={"LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_LOG": "ERROR"})
                wait_until(lambda: http(f"http://127.0.0.1:{LITELLM_PORT}/health/liveliness",
                                        timeout=2)[0] == 200, 180, "LiteLLM", procs[t])
            elif t == "portkey":
                procs[t] = Proc("portkey", ["node", str(A.work / "portkey" / "node_modules" / "@portkey-ai"
                                                    / "gateway" / "build" / "start-server.js"),
                                            f"--port={PORTKEY_PORT}", "--headless"])
                wait_until(lambda: http(f"http://127.0.0.1:{PORTKEY_PORT}/", timeout=2)[0] != 0, 60,
                           "Portkey", procs[t])
        except (RuntimeError, OSError) as e:
            state["errors"][t] = {m: f"did not start: {e}" for m in A.modes}
            say(f"{t}: {e}")
    return procs


def check(target, mode):
    """One request through a target; returns an error text, or None when the answer is right.

    Tollgate's answer must carry the budget headers: proof that the rate-limit service decided.
    """
    port, headers = ENDPOINTS[target]
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/chat/completions",
                                 data=request_body(mode == "stream"), method="POST",
                                 headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, text, got = r.status, r.read().decode(errors="replace"), r.headers
    except urllib.error.HTTPError as e:
        status, text, got = e.code, e.read().decode(errors="replace"), e.headers
    except (urllib.error.URLError, OSError) as e:
        return f"no answer: {e}"
    ok = status == 200 and (("[DONE]" in text and "chat.completion.chunk" in text) if mode == "stream"
                            else '"chat.completion"' in text)
    if ok and target.startswith("tollgate") and target != "tollgate-nobudget" \
            and not got.get("x-ratelimit-limit-tokens"):
        return f"HTTP {status} without x-ratelimit-limit-tokens: the TokenQuota is not in the path"
    return None if ok else f"HTTP {status}: {text[:400]}"


# ---------------------------------------------------------------- load

def vegeta_targets(target, mode):
    port, headers = ENDPOINTS[target]
    path = RUN / f"targets-{target}-{mode}.json"
    line = {"method": "POST", "url": f"http://127.0.0.1:{port}/v1/chat/completions",
            "body": base64.b64encode(request_body(mode == "stream")).decode(),
            "header": {"Content-Type": ["application/json"], **{k: [v] for k, v in headers.items()}}}
    path.write_text(json.dumps(line) + "\n")
    return path


def attack(target, mode, rate, seconds, pid=None):
    out = RUN / f"attack-{target}-{mode}-{rate}.bin"
    cpu0 = tree_cpu_seconds(pid) if pid else None
    subprocess.run([A.vegeta, "attack", "-format=json", f"-targets={vegeta_targets(target, mode)}",
                    f"-rate={rate}/s", f"-duration={seconds}s", "-timeout=10s", f"-output={out}"],
                   check=True)
    cpu1 = tree_cpu_seconds(pid) if pid else None
    load = os.getloadavg()[0]
    rss = tree_rss_mib(pid) if pid else (None, None)
    report = json.loads(subprocess.run([A.vegeta, "report", "-type=json", str(out)], check=True,
                                       capture_output=True, text=True).stdout)
    out.unlink()
    lat = report["latencies"]
    ms = lambda k: lat[k] / 1e6
    return {"requests": report["requests"], "success": report["success"],
            "throughput": report.get("throughput", 0.0),
            "p50": ms("50th"), "p90": ms("90th"), "p99": ms("99th"), "max": ms("max"),
            "codes": report.get("status_codes", {}),
            "errors": sorted(set(report.get("errors") or []))[:3],
            "cpu_us": ((cpu1[1] - cpu0[1]) * 1e6 / report["requests"]) if pid and report["requests"] else None,
            "cpu_own_us": ((cpu1[0] - cpu0[0]) * 1e6 / report["requests"]) if pid and report["requests"] else None,
            "load": load, "rss_own_mib": rss[0], "rss_mib": rss[1]}


def jfr(pid, action, path=None):
    if action == "start":
        return cmd_out(["jcmd", str(pid), "JFR.start", "name=bench", "settings=profile"])
    return cmd_out(["jcmd", str(pid), "JFR.stop", "name=bench", f"filename={path}"])


def jfr_summary(path, top=12):
    """Top frames of the execution samples of a recording: leaf methods, and Tollgate's own."""
    try:
        raw = subprocess.run(["jfr", "print", "--json", "--stack-depth", "64", "--events",
                              "jdk.ExecutionSample", str(path)], capture_output=True, text=True,
                             timeout=300).stdout
        events = json.loads(raw)["recording"]["events"]
    except (OSError, ValueError, KeyError, subprocess.TimeoutExpired) as e:
        return {"error": str(e)}

    def name(frame):
        m = frame["method"]
        return f'{m["type"]["name"]}.{m["name"]}'.replace("/", ".")

    leaf, tollgate, package, inclusive = {}, {}, {}, {}
    for ev in events:
        frames = (ev["values"].get("stackTrace") or {}).get("frames") or []
        if not frames:
            continue
        for m in {name(f) for f in frames}:
            if m.startswith("dev.tollgate.") or m.startswith("io.envoyproxy.controlplane."):
                inclusive[m] = inclusive.get(m, 0) + 1
        n = name(frames[0])
        leaf[n] = leaf.get(n, 0) + 1
        pkg = ".".join(n.split(".")[:3])
        package[pkg] = package.get(pkg, 0) + 1
        for f in frames:
            if name(f).startswith("dev.tollgate."):
                t = name(f)
                tollgate[t] = tollgate.get(t, 0) + 1
                break
    total = sum(leaf.values())
    rank = lambda d: sorted(d.items(), key=lambda kv: -kv[1])[:top]
    return {"samples": total, "leaf": rank(leaf), "tollgate": rank(tollgate), "package": rank(package),
            "inclusive": rank(inclusive)}


def profile_tables(w, prof, leaf=True):
    """Writes the tables of a jfr_summary."""
    if "error" in prof:
        w(f"The recording could not be read: {prof['error']}")
        return
    if not prof["samples"]:
        w("The recording holds no execution samples.")
        return
    share = lambda c: f"{100 * c / prof['samples']:.0f}%"
    w("| top of stack, by package | samples | share |")
    w("|---|---:|---:|")
    for n, c in prof["package"][:8]:
        w(f"| `{n}` | {c} | {share(c)} |")
    w("")
    if leaf:
        w("| top of stack, by method | samples | share |")
        w("|---|---:|---:|")
        for n, c in prof["leaf"][:10]:
            w(f"| `{n}` | {c} | {share(c)} |")
        w("")
    w("| innermost Tollgate frame on the stack | samples | share |")
    w("|---|---:|---:|")
    for n, c in prof["tollgate"][:10]:
        w(f"| `{n}` | {c} | {share(c)} |")
    w("")
    w("| Tollgate or java-control-plane method anywhere on the stack (inclusive) | samples | share |")
    w("|---|---:|---:|")
    for n, c in prof.get("inclusive", [])[:12]:
        w(f"| `{n}` | {c} | {share(c)} |")
    w("")


def hot_spot(prof):
    """One sentence naming where a profile's samples went."""
    if not prof or "error" in prof or not prof.get("samples"):
        return "no profile could be read"
    share = lambda c: f"{100 * c / prof['samples']:.0f}%"
    pk = ", ".join(f"`{n}` {share(c)}" for n, c in prof["package"][:4])
    tg = ", ".join(f"`{n.replace('dev.tollgate.', '')}` {share(c)}" for n, c in prof["tollgate"][:4])
    return f"top of stack by package: {pk}; innermost Tollgate frames: {tg}"


def cpu_steps(state, procs, active):
    """CPU per request by process over a fixed request count at a modest rate, targets interleaved.

    On a shared machine latency is mostly other people's load, but the CPU a process spends per
    request moves much less; this step measures it where every target keeps up. The idle CPU of
    each target (timers, GC, the control plane) is measured for 3 s before and reported apart.
    """
    seconds = max(1, round(A.cpu_requests / A.cpu_rate))
    for mode in A.modes:
        for t in active:
            if t == "direct" or mode in state["errors"].get(t, {}):
                continue
            pid = procs[t].pid
            wait_quiet(pid)
            i0, t0 = tree_cpu_seconds(pid), time.time()
            time.sleep(3)
            i1, t1 = tree_cpu_seconds(pid), time.time()
            j0 = jit_cpu_seconds(pid)
            r = attack(t, mode, A.cpu_rate, seconds, pid)
            # The JIT's compiling is a warm-up cost, not a per-request one: reported apart.
            r["jit_us"] = (jit_cpu_seconds(pid) - j0) * 1e6 / r["requests"] if r["requests"] else 0
            r["cpu_us"] -= r["jit_us"]
            r["cpu_own_us"] -= r["jit_us"]
            r["idle_own_cps"] = (i1[0] - i0[0]) / (t1 - t0)
            r["idle_cps"] = (i1[1] - i0[1]) / (t1 - t0)
            state.setdefault("cpu", {})[(t, mode)] = r
            say(f"cpu {t:18s} {mode:6s} {A.cpu_rate}/s x {seconds} s: success {r['success']:.4f} "
                f"{r['cpu_us']:.0f} us/req (main {r['cpu_own_us']:.0f}, JIT apart {r['jit_us']:.0f}), idle {r['idle_cps'] * 1e6 / A.cpu_rate:.0f} us/req-equivalent")


def run_load(state, procs):
    results = state["results"]  # (target, mode, rate) -> dict
    active = [t for t in A.targets if t in procs]
    for mode in A.modes:
        for t in active:
            err = check(t, mode)
            if err:
                state["errors"].setdefault(t, {})[mode] = err
                say(f"{t} {mode}: check failed: {err}")
    for mode in A.modes:
        for t in active:
            if mode in state["errors"].get(t, {}):
                continue
            seconds = A.warmup if t.startswith("tollgate") else min(A.warmup, 5)
            say(f"warm-up {t} {mode}: 200/s for {seconds} s")
            attack(t, mode, 200, seconds)
    failed_at = {}
    for rate in A.rates:
        for mode in A.modes:
            for t in active:
                if mode in state["errors"].get(t, {}):
                    continue
                if (t, mode) in failed_at and rate not in A.report_rates:
                    continue
                wait_quiet(procs[t].pid)
                r = attack(t, mode, rate, A.duration, procs[t].pid)
                results[(t, mode, rate)] = r
                base = results.get(("direct", mode, rate))
                if base and t != "direct":
                    r["added_p50"] = r["p50"] - base["p50"]
                    r["added_p99"] = r["p99"] - base["p99"]
                ok = r["success"] >= 0.999 and (t == "direct" or r.get("added_p99", 1e9) <= A.limit_ms)
                if not ok and (t, mode) not in failed_at:
                    failed_at[(t, mode)] = rate
                say(f"{t:15s} {mode:6s} {rate:5d}/s: success {r['success']:.4f} p50 {r['p50']:.2f} "
                    f"p99 {r['p99']:.2f} ms" + (f" added p99 {r['added_p99']:.2f}" if "added_p99" in r else "")
                    + (f" cpu {r['cpu_us']:.0f} us/req" if r.get("cpu_us") else ""))
    state["failed_at"] = failed_at
    if A.cpu_requests > 0:
        # After the ladder: the JVMs have seen tens of thousands of requests, their JIT is done.
        cpu_steps(state, procs, active)
    if "tollgate" in active and "json" in A.modes and "json" not in state["errors"].get("tollgate", {}):
        # A step of its own, so that the profiler's cost is in none of the numbers above.
        say("profiling Tollgate (memory store) at 500/s, JSON, with Java Flight Recorder")
        pid = procs["tollgate"].pid
        jfr(pid, "start")
        r = attack("tollgate", "json", 500, A.duration, pid)
        path = RUN / "tollgate-500-json.jfr"
        jfr(pid, "stop", path)
        state["profile"] = jfr_summary(path)
        state["profile"]["step"] = r
    if "tollgate" in active and A.soak > 0 and "json" not in state["errors"].get("tollgate", {}):
        # Goal 6: the heap after a full GC after the first minute at 500/s, and at the end.
        pid = procs["tollgate"].pid
        # The memory store remembers each commit for 5 minutes (MemoryBudgetStore): until then
        # its heap grows with the traffic by design, and only growth after that is a leak.
        first = min(A.soak_first, A.soak)
        say(f"soak: Tollgate (memory store) at 500/s JSON for {A.soak} s; heap after a full GC at {first} s and at the end")
        r1 = attack("tollgate", "json", 500, first, pid)
        h1 = heap_after_gc_mib(pid)
        r2 = attack("tollgate", "json", 500, A.soak - first, pid) if A.soak > first else r1
        h2 = heap_after_gc_mib(pid)
        state["soak"] = {"seconds": A.soak, "first": first, "heap_first": h1, "heap_end": h2,
                         "rss_first": r1["rss_own_mib"], "rss_end": r2["rss_own_mib"],
                         "tree_rss_end": r2["rss_mib"], "success": min(r1["success"], r2["success"]),
                         "requests": r1["requests"] + (r2["requests"] if r2 is not r1 else 0),
                         "p99_end": r2["p99"]}
        say(f"soak: heap after GC {h1} MiB at {first} s, {h2} MiB at {A.soak} s")
    for t, base in (("tollgate", TOLLGATE_BASE), ("tollgate-redis", TOLLGATE_REDIS_BASE)):
        if t in active:
            status, body = http(f"http://127.0.0.1:{base + 5}/usage", timeout=5)
            try:
                used = [f"{b['limit']} {b['bucket']}: used {b['used']} {b['unit']}"
                        for q in json.loads(body) for b in q.get("buckets", [])]
                state.setdefault("usage", {})[t] = "; ".join(used) or "no bucket"
            except (ValueError, KeyError, TypeError):
                state.setdefault("usage", {})[t] = f"HTTP {status}: {body[:200]!r}"
    if "tollgate-redis" in active:
        state["redis_keys"] = cmd_out(["redis-cli", "-p", str(REDIS_PORT), "dbsize"])


# ---------------------------------------------------------------- propagation

def propagation_folder(folder, routes):
    """N AIRoutes, one file each, over N/100 team namespaces, against 10 providers."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    providers = 10
    parts = []
    for p in range(providers):
        parts.append(f"""apiVersion: v1
kind: Secret
metadata: {{name: key-{p}, namespace: platform}}
stringData: {{apiKey: upstream-key-{p}}}
---
apiVersion: tollgate.dev/v1alpha1
kind: ModelProvider
metadata: {{name: provider-{p}, namespace: platform}}
spec:
  type: OpenAICompatible
  endpoint: {{url: "http://127.0.0.1:{UPSTREAM_PORT}"}}
  credentials: {{name: key-{p}}}
  governance: {{allowedNamespaces: All}}
  models:
    - {{name: model-a, contextWindow: 32768, pricing: {{currency: USD, inputPerMillion: "0.50", outputPerMillion: "1.50"}}}}
    - {{name: model-b, contextWindow: 32768, pricing: {{currency: USD, inputPerMillion: "1.00", outputPerMillion: "3.00"}}}}
""")
    (folder / "providers.yaml").write_text("---\n".join(parts))
    teams = max(1, routes // 100)
    for team in range(teams):
        ns = f"team-{team:03d}"
        d = folder / ns
        d.mkdir()
        (d / "team.yaml").write_text(f"""apiVersion: v1
kind: Namespace
metadata: {{name: {ns}}}
---
apiVersion: v1
kind: Secret
metadata:
  name: client-key
  namespace: {ns}
  labels: {{tollgate.dev/client-key: "true", tollgate.dev/client: app}}
stringData: {{apiKey: tg-{ns}-app-key-0001}}
---
apiVersion: tollgate.dev/v1alpha1
kind: TokenQuota
metadata: {{name: budget, namespace: {ns}}}
spec:
  limits:
    - {{name: tokens, type: Tokens, amount: "1000000", window: 1m, per: [Client]}}
    - {{name: cost, type: Cost, amount: "1000.00", currency: USD, window: Month}}
""")
    for i in range(routes):
        ns = f"team-{i % teams:03d}"
        (folder / ns / f"route-{i:05d}.yaml").write_text(route_yaml(i, ns, providers, "120s"))
    return folder / f"team-{0:03d}" / f"route-{0:05d}.yaml"


def route_yaml(i, ns, providers, timeout):
    p1, p2, p3 = i % providers, (i + 1) % providers, (i + 2) % providers
    return f"""apiVersion: tollgate.dev/v1alpha1
kind: AIRoute
metadata: {{name: route-{i:05d}, namespace: {ns}}}
spec:
  clients:
    apiKeys:
      secretSelector: {{matchLabels: {{tollgate.dev/client-key: "true"}}}}
  rules:
    - models: [r{i}-fast, r{i}-chat]
      backends:
        - {{provider: {{name: provider-{p1}, namespace: platform}}, model: model-a, weight: 90}}
        - {{provider: {{name: provider-{p2}, namespace: platform}}, model: model-b, weight: 10}}
        - {{provider: {{name: provider-{p3}, namespace: platform}}, model: model-a, priority: 1}}
      timeout: {timeout}
"""


XDS_STATS = {
    "cds": ("cluster_manager.cds.version_text", "cluster_manager.cds.update_time"),
    "lds": ("listener_manager.lds.version_text", "listener_manager.lds.update_time"),
    "rds": ("http.tollgate.rds.tollgate.version_text", "http.tollgate.rds.tollgate.config_reload_time_ms"),
}


def envoy_stats(admin):
    regex = urllib.parse.quote("(version_text|update_time|config_reload_time_ms)$")
    status, body = http(f"http://127.0.0.1:{admin}/stats?format=json&filter={regex}", timeout=5)
    if status != 200:
        return {}
    return {s["name"]: s.get("value") for s in json.loads(body).get("stats", []) if "name" in s}


def log_times(log_path, since, pattern):
    """UTC epoch seconds of Tollgate's log lines matching `pattern` after `since`, with group 1."""
    out = []
    day = dt.datetime.fromtimestamp(since, dt.timezone.utc).date()
    for line in log_path.read_text(errors="replace").splitlines():
        m = re.match(r"(\d\d):(\d\d):(\d\d)\.(\d\d\d) INFO .*" + pattern, line)
        if not m:
            continue
        h, mi, s, ms = (int(x) for x in m.groups()[:4])
        t = dt.datetime(day.year, day.month, day.day, h, mi, s, ms * 1000, dt.timezone.utc).timestamp()
        if t >= since - 0.001:
            out.append((t, m.group(5)))
    return out


def propagation(state):
    base = PROPAGATION_BASE
    admin, metrics = base + 4, base + 5
    for n in A.routes:
        folder = RUN / f"routes-{n}"
        changed = propagation_folder(folder, n)
        say(f"propagation: {n} routes: starting tollgate run")
        t0 = time.time()
        proc = None
        entry = {"routes": n, "samples": []}
        state["propagation"].append(entry)
        try:
            proc = start_tollgate(f"propagation-{n}", folder, base)
            entry["startup_s"] = time.time() - t0
            stats = envoy_stats(admin)
            status, body = http(f"http://127.0.0.1:{admin}/stats?filter=^cluster_manager.active_clusters$", timeout=5)
            entry["clusters"] = body.decode().split(":")[-1].strip() if status == 200 else "?"
            jfr(proc.pid, "start")
            for k in range(A.propagation_repeats):
                time.sleep(2)
                before = envoy_stats(admin)
                old = {t: before.get(v) for t, (v, _) in XDS_STATS.items()}
                text = route_yaml(0, "team-000", 10, f"{121 + k}s")
                t_write = time.time()
                with open(changed, "w") as f:
                    f.write(text)
                    f.flush()
                    os.fsync(f.fileno())
                deadline = t_write + 120
                # A route edit may change only some xDS types (each has its own version): wait for
                # Tollgate to publish a new version and for Envoy to change at least one type's.
                while time.time() < deadline:
                    s = envoy_stats(admin)
                    if (any(s.get(v) not in (None, old[t]) for t, (v, _) in XDS_STATS.items())
                            and log_times(proc.log_path, t_write, r"published configuration version (\S+) ")):
                        break
                    time.sleep(0.005)
                else:
                    raise RuntimeError(f"Envoy did not apply the change within 120 s; versions {old}")
                t_seen = time.time()
                while time.time() < deadline and http(f"http://127.0.0.1:{metrics}/readyz", timeout=2)[0] != 200:
                    time.sleep(0.005)
                t_acked = time.time()
                # Every type Tollgate resent is acknowledged now; the applied ones changed version.
                s = envoy_stats(admin)
                applied = {t: s.get(u) / 1000.0 for t, (v, u) in XDS_STATS.items()
                           if s.get(u) and s.get(v) not in (None, old[t])}
                t_read = os.stat(changed).st_atime  # Tollgate's read of the edited file (relatime)
                lives = log_times(proc.log_path, t_write, r"configuration (\S+) live")
                t_live = lives[0][0] if lives else None
                pubs = log_times(proc.log_path, t_write, r"published configuration version (\S+) ")
                t_pub = pubs[0][0] if pubs else None
                t_applied = max(applied.values())
                sample = {"write_to_applied": t_applied - t_write, "write_to_read": t_read - t_write,
                          "read_to_published": (t_pub - t_read) if t_pub else None,
                          "published_to_applied": (t_applied - t_pub) if t_pub else None,
                          "read_to_live": (t_live - t_read) if t_live else None,
                          "read_to_applied": t_applied - t_read,
                          "write_to_ack_seen": t_acked - t_write, "poll_seen": t_seen - t_write,
                          "applied_by_type": {t: v - t_write for t, v in applied.items()}}
                entry["samples"].append(sample)
                say(f"propagation {n}: write->Envoy applied {sample['write_to_applied'] * 1000:.0f} ms "
                    f"(poll wait {sample['write_to_read'] * 1000:.0f} ms, read->applied "
                    f"{sample['read_to_applied'] * 1000:.0f} ms), Tollgate saw the ACK after "
                    f"{sample['write_to_ack_seen'] * 1000:.0f} ms")
            path = RUN / f"propagation-{n}.jfr"
            jfr(proc.pid, "stop", path)
            entry["profile"] = jfr_summary(path)
        except (RuntimeError, OSError) as e:
            entry["error"] = str(e)
            say(f"propagation {n}: {e}")
        finally:
            if proc:
                proc.stop()


# ---------------------------------------------------------------- rate-limit service

def ratelimit_bench(state):
    out = RUN / "ratelimit-RESULTS.md"
    env = dict(os.environ, CALLS=os.environ.get("RL_CALLS", "50000"),
               WARMUP=os.environ.get("RL_WARMUP", "30000"), ROUNDS=os.environ.get("RL_ROUNDS", "2"),
               RESULTS_FILE=str(out), PORT_BASE=str(RATELIMIT_BENCH_BASE))
    say("rate-limit service: bench/ratelimit/run.sh (shortened)")
    with open(RUN / "ratelimit-bench.log", "wb") as log:
        r = subprocess.run(["bash", str(ROOT / "bench" / "ratelimit" / "run.sh")], env=env, stdout=log,
                           stderr=subprocess.STDOUT, start_new_session=True)
    if r.returncode != 0 or not out.exists():
        state["ratelimit"] = {"error": f"exit {r.returncode}; see {RUN / 'ratelimit-bench.log'}"}
        return
    text = out.read_text()
    table = [l for l in text.splitlines() if l.startswith("|")]
    extra = [l for l in text.splitlines() if "reserves at" in l or l.startswith("- Load:") or l.startswith("- Calls")]
    state["ratelimit"] = {"table": table, "notes": extra, "env": {k: env[k] for k in ("CALLS", "WARMUP", "ROUNDS")}}


# ---------------------------------------------------------------- report

def machine():
    mem = cmd_out(["bash", "-c", "awk '/MemTotal/ {printf \"%.1f GiB\", $2/1048576}' /proc/meminfo"])
    osr = cmd_out(["bash", "-c", ". /etc/os-release && echo $PRETTY_NAME"])
    cpu = cmd_out(["bash", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"]).strip()
    return {"nproc": os.cpu_count(), "mem": mem, "os": f"{osr}, Linux {platform.release()}", "cpu": cpu}


def versions():
    java = cmd_out(["bash", "-c", "java -version 2>&1 | head -1"])
    envoy = cmd_out(["bash", "-c", "envoy --version | sed -n 's/.*version: [0-9a-f]*\\/\\([^ ]*\\).*/\\1/p'"])
    litellm = cmd_out([str(A.work / "litellm-venv" / "bin" / "python"), "-c",
                       "import importlib.metadata as m; print(m.version('litellm'))"])
    try:
        portkey = json.loads((A.work / "portkey" / "node_modules" / "@portkey-ai" / "gateway" / "package.json")
                             .read_text())["version"]
    except (OSError, ValueError):
        portkey = "not installed"
    vegeta = cmd_out(["bash", "-c", f"go version -m {A.vegeta} | awk '$1==\"mod\" {{print $3}}'"])
    commit = (A.tollgate_home / "COMMIT").read_text().strip() if (A.tollgate_home / "COMMIT").exists() else "?"
    java25 = cmd_out(["bash", "-c", f"{A.java25} -version 2>&1 | head -1"]) if "tollgate-j25" in A.targets else None
    return {"Java": java, **({"Java of tollgate-j25": java25} if java25 else {}), "Envoy": envoy, "LiteLLM": litellm, "Portkey gateway": portkey,
            "Node.js": cmd_out(["node", "--version"]), "Python": platform.python_version(),
            "Redis": cmd_out(["bash", "-c", "redis-server --version | awk '{print $3}'"]),
            "vegeta": vegeta, "Tollgate": commit}


def busy_processes():
    ours = {p.pid for p in Proc.live}
    rows = cmd_out(["ps", "-eo", "pid,pcpu,etimes,comm", "--sort=-pcpu"]).splitlines()[1:]
    out = []
    for row in rows[:12]:
        pid, pcpu, _, comm = row.split(None, 3)
        if int(pid) in ours or float(pcpu) < 5:
            continue
        out.append(f"{comm} {pcpu}%")
    return ", ".join(out[:6]) or "none above 5%"


def f2(x):
    return "–" if x is None else f"{x:.2f}"


def ratio(a, b):
    if a is None or b is None:
        return None
    if b <= 0:
        return float("inf") if a > 0 else None
    return a / b


def goals_section(state, w, fmt):
    """Issue #17's goals, each judged within this run (ratios to raw Envoy where the issue says)."""
    R = state["results"]
    goal = lambda ok: "**not measured**" if ok is None else ("**met**" if ok else "**not met**")
    us = lambda v: "–" if v is None else f"{v:.0f}"
    g = lambda t, mode, k, rate=500: (R.get((t, mode, rate)) or {}).get(k)
    sus = state.get("sustained", {})
    verdicts = {}
    w("## Goals (issue #17)")
    w("")
    w("Each judged within this run; ratios are to raw Envoy measured minutes apart in the same run.")
    w("")
    # 1. CPU per request: from the CPU step when it ran (a fixed count where every target keeps up),
    # else from the 500/s step.
    cpu = state.get("cpu") or {}
    where = f"{A.cpu_rate}/s (the CPU step)" if cpu else "500/s"
    cg = (lambda t, mode, k: (cpu.get((t, mode)) or {}).get(k)) if cpu else (lambda t, mode, k: g(t, mode, k))
    parts, oks = [], []
    for mode in A.modes:
        t, e = cg("tollgate", mode, "cpu_us"), cg("envoy", mode, "cpu_us")
        r = ratio(t, e)
        oks.append(None if r is None else r <= 2.5)
        jvm = cg("tollgate", mode, "cpu_own_us")
        parts.append(f"{mode}: Tollgate {us(t)} µs (JVM {us(jvm)}, its Envoy {us(None if t is None or jvm is None else t - jvm)}) "
                     f"against raw Envoy {us(e)} µs, {fmt(r)}")
    ok1 = None if None in oks else all(oks)
    verdicts[1] = ok1
    w(f"1. CPU per request ≤ 2.5× raw Envoy's, JSON and streams, at {where}: {goal(ok1)}. " + "; ".join(parts) + ".")
    # 2. Sustained rate.
    parts, oks = [], []
    for mode in A.modes:
        t, e = sus.get(("tollgate", mode)), sus.get(("envoy", mode))
        top = e == A.rates[-1]
        if e is None:
            oks.append(None)
        else:
            oks.append((t or 0) >= 0.75 * e)
        parts.append(f"{mode}: Tollgate {t or f'< {A.rates[0]}'}/s against raw Envoy {e or f'< {A.rates[0]}'}/s"
                     + (" (raw Envoy at the top of the ladder: its own limit is higher)" if top else ""))
        rd = sus.get(("tollgate-redis", mode))
        if ("tollgate-redis", mode) in sus:
            oks.append((rd or 0) >= 0.8 * (t or 0) if t else None)
            parts[-1] += f", Redis store {rd or f'< {A.rates[0]}'}/s"
    ok2 = None if None in oks or not oks else all(oks)
    verdicts[2] = ok2
    w(f"2. Sustained rate (p99 added ≤ {A.limit_ms:g} ms, ≥ 99.9% success) ≥ 75% of raw Envoy's, memory store; "
      f"Redis ≥ 80% of memory: {goal(ok2)}. " + "; ".join(parts) + ".")
    # 3. Added p99 at 500/s.
    parts, oks = [], []
    for mode in A.modes:
        e = g("envoy", mode, "added_p99")
        for t, slack in (("tollgate", 1.0 if mode == "json" else 1.5), ("tollgate-redis", 1.5 if mode == "json" else 2.0)):
            v = g(t, mode, "added_p99")
            if v is None or e is None:
                if t == "tollgate":
                    oks.append(None)
                continue
            oks.append(v <= e + slack)
            parts.append(f"{mode} {LABELS[t]}: {v:.2f} ms against raw Envoy {e:.2f} + {slack:g} ms")
    ok3 = None if None in oks or not oks else all(oks)
    verdicts[3] = ok3
    w(f"3. Added p99 at 500/s ≤ raw Envoy's + 1.0 ms JSON / + 1.5 ms streams (memory), + 1.5 / + 2.0 ms (Redis): "
      f"{goal(ok3)}. " + "; ".join(parts) + ".")
    # 4. Propagation (owned by the control-plane work; measured here as before).
    prop = {e["routes"]: e for e in state["propagation"]}
    cells = []
    for n in sorted(prop):
        smp = prop[n]["samples"]
        if smp:
            cells.append(f"{n:,} routes median {statistics.median(x['write_to_applied'] for x in smp) * 1000:.0f} ms, "
                         f"start → ready {prop[n].get('startup_s', 0):.1f} s")
    w("4. Propagation < 300 ms at 1,000 routes, < 1 s at 5,000, `tollgate run` ready at 5,000 in < 5 s: "
      + (("see the propagation table: " + "; ".join(cells) + ".") if cells else "**not measured** in this run."))
    w("5. Rate-limit decisions/s: " + ("see the rate-limit section." if state.get("ratelimit") else "**not measured** in this run."))
    # 6. Memory.
    rss = g("tollgate", "json", "rss_own_mib", 1000)
    tree = g("tollgate", "json", "rss_mib", 1000)
    soak = state.get("soak")
    if soak and soak.get("success", 0) < 0.99:
        ok6, soak_text = None, (f"the soak's requests mostly failed (success {soak['success']:.4f}), so it says "
                                f"nothing about growth with traffic; heap after a full GC {soak['heap_first']} MiB "
                                f"at {soak['first']} s, {soak['heap_end']} MiB at {soak['seconds']} s")
    elif soak and soak.get("heap_first") is not None and soak.get("heap_end") is not None:
        # A few MiB either way is the GC's own bookkeeping, not growth.
        ok6 = soak["heap_end"] <= soak["heap_first"] * 1.05 + 2
        soak_text = (f"heap after a full GC {soak['heap_first']:.1f} MiB at {soak['first']} s and "
                     f"{soak['heap_end']:.1f} MiB after {soak['seconds']} s at 500/s ({soak['requests']:,} requests, "
                     f"success {soak['success']:.4f}); JVM resident {us(soak['rss_first'])} → {us(soak['rss_end'])} MiB")
    else:
        ok6, soak_text = None, "no soak in this run"
    verdicts[6] = ok6
    w(f"6. Memory: resident size of `tollgate run` at 1,000/s JSON: JVM {us(rss)} MiB, with its Envoy {us(tree)} MiB; "
      f"heap not growing over a {A.soak} s soak: {goal(ok6)}: {soak_text}.")
    w("")
    state["goals"] = verdicts


def cpu_table(state, w):
    """The CPU step: CPU per request by process, and the ratio to raw Envoy."""
    cpu = state.get("cpu")
    if not cpu:
        return
    seconds = max(1, round(A.cpu_requests / A.cpu_rate))
    w("## CPU per request, by process")
    w("")
    w(f"{A.cpu_rate}/s for {seconds} s per target and mode (about {A.cpu_requests:,} requests), targets "
      "interleaved, after the ladder (so the JVMs are warm); the JIT compiler threads' CPU in the step "
      "(a warm-up cost) is left out and shown apart. CPU time from /proc of the target's process and of its children "
      "(Tollgate's Envoy is a child of its JVM). *Idle* is what the process tree used per second with no "
      "traffic in the 3 s before (timers, GC, control plane), expressed per request at this rate; it is "
      "included in the total, and at higher rates it weighs less.")
    w("")
    w("| target | mode | success | CPU µs/req | main process (JVM; raw Envoy itself) | its Envoy | idle, µs/req-equivalent | JIT, left out | ratio to raw Envoy | load average |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    us = lambda v: "–" if v is None else f"{v:.0f}"
    for mode in A.modes:
        e = (cpu.get(("envoy", mode)) or {}).get("cpu_us")
        for t in A.targets:
            r = cpu.get((t, mode))
            if not r:
                continue
            envoy = None if t == "envoy" or r.get("cpu_own_us") is None else r["cpu_us"] - r["cpu_own_us"]
            rt = ratio(r.get("cpu_us"), e)
            w(f"| {LABELS[t]} | {mode} | {r['success']:.4f} | {us(r.get('cpu_us'))} | {us(r.get('cpu_own_us'))} | "
              f"{us(envoy)} | {us(r['idle_cps'] * 1e6 / A.cpu_rate)} | {us(r.get('jit_us'))} | {'–' if rt is None else f'{rt:.2f}×'} | {r.get('load', 0):.1f} |")
    w("")


def feature_costs(state, w):
    """One step with a feature off: the variants' CPU and added p99 beside Tollgate's at 500/s."""
    R = state["results"]
    variants = [t for t in A.targets if t in VARIANT_BASES or t == "tollgate-redis"]
    if not variants or not any(R.get(("tollgate", m, 500)) for m in A.modes):
        return
    w("## Cost of each feature on the path (one step with it off)")
    w("")
    w("At 500/s, each variant beside Tollgate (memory store, everything on) in the same run: what a "
      "feature costs is the difference. CPU µs/req is the JVM plus its Envoy. The CPU step's figures, "
      "steadier on a shared machine, are in the table above.")
    w("")
    w("| variant | mode | CPU µs/req (JVM / Envoy) | Δ CPU vs Tollgate | added p99 | Δ added p99 |")
    w("|---|---|---:|---:|---:|---:|")
    us = lambda v: "–" if v is None else f"{v:.0f}"
    for mode in A.modes:
        base = R.get(("tollgate", mode, 500))
        if not base:
            continue
        for t in ["tollgate", *variants]:
            r = R.get((t, mode, 500))
            if not r:
                continue
            d = lambda k: None if r.get(k) is None or base.get(k) is None else r[k] - base[k]
            env = None if r.get("cpu_us") is None or r.get("cpu_own_us") is None else r["cpu_us"] - r["cpu_own_us"]
            w(f"| {LABELS[t]} | {mode} | {us(r.get('cpu_us'))} ({us(r.get('cpu_own_us'))} / {us(env)}) | "
              f"{'' if t == 'tollgate' else us(d('cpu_us'))} | {f2(r.get('added_p99'))} | "
              f"{'' if t == 'tollgate' else f2(d('added_p99'))} |")
    w("")



def write_report(state, started, elapsed):
    R = state["results"]
    lines = []
    w = lines.append
    date = started.strftime("%Y-%m-%d")
    w(f"# Gateways side by side, {date}")
    w("")
    w("Written by `bench/compare/run.sh`; raw numbers of one run on one machine. Benchmarks measure; "
      "nothing here is asserted by a test. Method and how to run: [bench/README.md](../README.md#gateways-side-by-side).")
    w("")
    m = state["machine"]
    w("## Machine and versions")
    w("")
    w(f"- When: {started.strftime('%Y-%m-%d %H:%M')} UTC, {elapsed / 60:.1f} minutes in all")
    w(f"- Machine: {m['nproc']} cores ({m['cpu']}), {m['mem']} memory, {m['os']}")
    w(f"- Load average before: {state['load_before']}; after: {state['load_after']} (each step's is in "
      f"the raw numbers). Other busy processes at the start: {state['busy_before']}; at the end: "
      f"{state['busy_after']}.")
    w("- Everything (load generator, upstream, gateways, Redis) shares the same cores, so absolute "
      "numbers are those of a small busy machine; targets are measured interleaved (each rate: every "
      "target in turn), so load from elsewhere falls on all of them alike.")
    for k, v in state["versions"].items():
        w(f"- {k}: {v}")
    w("")
    w("## Setup")
    w("")
    w(f"- Upstream: Tollgate's demo upstream (OpenAI-compatible, JDK HTTP server with TCP_NODELAY) "
      f"answering after a fixed {A.demo_latency_ms} ms; 24 completion tokens, as JSON or as 24 SSE chunks "
      f"plus the end events. Every target proxies to this one process.")
    w("- Request: a chat completion (system and user message, `max_tokens` 64, model `fast`), about 330 "
      "bytes of JSON; the same body for every target, with `\"stream\": true` in stream mode.")
    w(f"- Load: vegeta, open loop, {A.duration} s per target, mode and rate, 10 s timeout, after "
      f"{A.warmup} s of warm-up at 200/s per target and mode. Latency is to the last byte of the "
      "answer (for streams, the whole stream).")
    w("- Added latency = the target's percentile minus the direct call's percentile at the same rate "
      "and mode, measured minutes apart in the same run (a difference of percentiles, not a percentile "
      "of differences; noise of a few tenths of a millisecond either way is expected, negative values included).")
    w(f"- Sustained rate: the highest rate of the ladder ({', '.join(map(str, A.rates))}/s) at which the "
      f"target, and every lower rate, had p99 added ≤ {A.limit_ms:g} ms and ≥ 99.9% success. Once a "
      f"target missed, it was measured only at the report rates ({', '.join(map(str, A.report_rates))}/s).")
    w("- CPU µs/req: CPU time of the target's process tree from /proc (for Tollgate: the JVM with "
      "processor, rate-limit service and ADS, plus its Envoy) during the step, divided by the requests; "
      "it moves far less with the machine's load than latency does. Before each step the harness waits "
      "(at most 15 s) until the target's processes are idle, so one step's backlog does not leak into the next.")
    w("- Tollgate variants, where run, are one step away from Tollgate (memory store): `tollgate-j25` the "
      f"same on `{A.java25}`; `tollgate-nobudget` without the TokenQuota (no rate-limit calls); "
      "`tollgate-noledger` with `--no-ledger`.")
    w("")
    w("What each target is:")
    w("")
    w("- **raw Envoy**: the same Envoy binary, static config, one route to the upstream cluster, router "
      "filter only, no access log; the client sends the upstream key itself. The floor a gateway on Envoy approaches.")
    w("- **Tollgate**: `tollgate run` on three manifests: a ModelProvider for the upstream (key injected "
      "by Envoy), an AIRoute with a client key and the alias `fast` → `demo-chat`, and a TokenQuota "
      "(tokens per client per minute and requests per client per day, far above what the run spends) so "
      "that every request is authenticated by the processor (ext_proc), reserves and commits against the "
      "rate-limit service, and is logged. Budgets in memory, or in Redis (`--redis`) on the same machine.")
    w(f"- **LiteLLM** {state['versions']['LiteLLM']} (`litellm[proxy]` from PyPI, {A.litellm_workers} "
      "worker, as `litellm --config` starts by default), no database. Configured: the model "
      "`demo-chat` at the upstream with its key, the alias `fast` (`router_settings.model_group_alias`), "
      "prices (`model_info`), the master key as the only client key, and per-deployment limits "
      "(`tpm`/`rpm` with `router_settings.optional_pre_call_checks: [enforce_model_rate_limits]`, checked "
      "to answer 429 when exceeded in a smoke test), plus a proxy-wide `max_budget`. Not configurable "
      "without a database: per-client keys and per-client or per-team token/request/cost budgets "
      "(virtual keys need Postgres; any key but the master key answers `400 No connected db.`), daily "
      "request budgets (only per-minute `rpm`/`tpm`), and the proxy-wide budget, which LiteLLM itself "
      "says it does not enforce: \"A proxy-wide budget (litellm.max_budget=...) is configured but no "
      "database is connected, so the budget will NOT be enforced and requests will never be blocked.\"")
    w(f"- **Portkey** open-source gateway {state['versions']['Portkey gateway']} (npm "
      "`@portkey-ai/gateway`, `node build/start-server.js --headless`, Node.js "
      f"{state['versions']['Node.js']}). Routing is the client's `x-portkey-config` header (provider "
      "`openai`, `custom_host` the upstream, its key, `override_params.model` = `demo-chat` for the "
      "alias); the open-source gateway has no client keys, budgets or rate limits, so none are configured.")
    w("")
    if state["errors"]:
        w("Targets or modes that could not be measured:")
        w("")
        for t, modes in state["errors"].items():
            for mode, err in modes.items():
                w(f"- {LABELS[t]}, {mode}: `{err.strip()[:600]}`")
        if any("portkey" == t and "stream" in modes for t, modes in state["errors"].items()):
            w("  Portkey's log for the failed stream: "
              f"`{state.get('portkey_stream_error', 'see the run folder')}`")
        w("")

    if state.get("usage"):
        w("Evidence that Tollgate's budgets were in the path: `/usage` after the load "
          + "; ".join(f"{LABELS[t]}: {u}" for t, u in state["usage"].items())
          + (f"; Redis held {state['redis_keys']} keys." if state.get("redis_keys") else "."))
        w("")
    w("## Added latency at the report rates")
    w("")
    for mode in A.modes:
        w(f"**{mode}** (ms; added = target − direct)")
        w("")
        head = "| target |" + "|".join(f" {r}/s added p50 / p99 " for r in A.report_rates) + "|"
        w(head)
        w("|---|" + "---|" * len(A.report_rates))
        for t in A.targets:
            if t == "direct":
                continue
            cells = []
            for rate in A.report_rates:
                r = R.get((t, mode, rate))
                if not r:
                    cells.append("–")
                else:
                    cells.append(f"{f2(r.get('added_p50'))} / {f2(r.get('added_p99'))}"
                                 + ("" if r["success"] >= 0.999 else f" (success {r['success']:.3f})"))
            w(f"| {LABELS[t]} | " + " | ".join(cells) + " |")
        w("")

    w("## Highest sustained rate")
    w("")
    w(f"p99 added ≤ {A.limit_ms:g} ms and ≥ 99.9% success at that rate and every lower one.")
    w("")
    w("| target | " + " | ".join(A.modes) + " |")
    w("|---|" + "---|" * len(A.modes))
    state["sustained"] = {}
    for t in A.targets:
        if t == "direct":
            continue
        cells = []
        for mode in A.modes:
            if mode in state["errors"].get(t, {}):
                cells.append("not measured")
                continue
            best = None
            for rate in A.rates:
                r = R.get((t, mode, rate))
                if r and r["success"] >= 0.999 and r.get("added_p99", 1e9) <= A.limit_ms:
                    best = rate
                else:
                    break
            state["sustained"][(t, mode)] = best
            if best is None:
                cells.append(f"< {A.rates[0]}/s")
            elif best == A.rates[-1]:
                cells.append(f"≥ {best}/s (top of the ladder)")
            else:
                cells.append(f"{best}/s")
        w(f"| {LABELS[t]} | " + " | ".join(cells) + " |")
    w("")

    w("## Ratios at 500/s (computed within this run)")
    w("")
    w("| mode | Tollgate added p99 / raw Envoy added p99 | LiteLLM added / Tollgate added (p50; p99) | Portkey added / Tollgate added (p50; p99) | Tollgate Redis added p99 / memory added p99 |")
    w("|---|---|---|---|---|")
    fmt = lambda x: "–" if x is None else ("∞" if x == float("inf") else f"{x:.1f}×")
    ratios = {}
    for mode in A.modes:
        g = lambda t, k: (R.get((t, mode, 500)) or {}).get(k)
        tv = ratio(g("tollgate", "added_p99"), g("envoy", "added_p99"))
        l50, l99 = ratio(g("litellm", "added_p50"), g("tollgate", "added_p50")), ratio(g("litellm", "added_p99"), g("tollgate", "added_p99"))
        p50, p99 = ratio(g("portkey", "added_p50"), g("tollgate", "added_p50")), ratio(g("portkey", "added_p99"), g("tollgate", "added_p99"))
        rr = ratio(g("tollgate-redis", "added_p99"), g("tollgate", "added_p99"))
        ratios[mode] = (tv, l50, l99)
        w(f"| {mode} | {fmt(tv)} | {fmt(l50)}; {fmt(l99)} | {fmt(p50)}; {fmt(p99)} | {fmt(rr)} |")
    w("")
    w("A ratio of small differences is itself noisy: with raw Envoy adding a few tenths of a millisecond, "
      "a ratio moves a lot with a tenth of a millisecond either way; the absolute numbers above say more.")
    w("")

    goals_section(state, w, fmt)
    cpu_table(state, w)
    feature_costs(state, w)
    prof = state.get("profile")
    if prof:
        w("### Where Tollgate's time goes (Java Flight Recorder)")
        w("")
        if "error" in prof:
            w(f"The recording could not be read: {prof['error']}")
        else:
            st = prof.get("step") or {}
            w(f"JFR (`settings=profile`) on the Tollgate JVM during an extra 500/s JSON step after the ladder "
              f"(not in the tables above; that step: success {st.get('success', 0):.4f}, p50 {f2(st.get('p50'))} ms, "
              f"p99 {f2(st.get('p99'))} ms, JVM CPU {f2(st.get('cpu_own_us'))} µs/req, JVM + Envoy "
              f"{f2(st.get('cpu_us'))} µs/req): {prof['samples']} "
              "execution samples (Java threads that were running Java code; time in system calls and "
              "waiting is not sampled). Envoy's own CPU is not in this profile.")
            w("")
            profile_tables(w, prof)

    w("## Propagation: manifest edit → Envoy applied and acknowledged")
    w("")
    w("`tollgate run` on a generated folder: 10 providers (two models each), N AIRoutes (one file each, "
      "two requested names, a 90/10 split and a priority fallback, whose chains repeat across routes: since 2026-12-03 the routes share one aggregate cluster per distinct chain, before that each route had two of its own) "
      "over N/100 team namespaces with a client key and a TokenQuota each. After start, one route file "
      f"is rewritten (its timeout changes) {A.propagation_repeats} times, 2 s apart. Times from the write:")
    w("")
    w("- *read*: when Tollgate read the edited file (its access time; the folder watcher follows file-system "
      "events and waits 20 ms for the folder to be quiet, so about 20 ms of this is its debounce, not work);")
    w("- *published*: the ADS server's log line `published configuration version …` (model built, xDS "
      "translated, snapshot checked and set; Envoy is pushed from here);")
    w("- *live*: the pipeline's log line `configuration … live`, after it also handed the model to the "
      "processor and the rate-limit service (in raw samples only: Envoy may apply before it);")
    w("- *applied*: the latest of Envoy's own timestamps for the new version: `cluster_manager.cds.update_time`, "
      "`listener_manager.lds.update_time`, `http.tollgate.rds.tollgate.config_reload_time_ms` (ms since the "
      "epoch, set when Envoy applied the update, just before it sends the ACK), checked by their "
      "`version_text` changing;")
    w("- *ACK seen*: Tollgate's `/readyz` answers 200 again, i.e. its node status tracker recorded the ACK "
      "of the new version for every type (polled every 5 ms after *applied*).")
    w("")
    w("| routes | clusters | start → ready | write → applied median / max | poll wait (write → read) median | read → published median | published → applied median | read → applied median / max | write → ACK seen median |")
    w("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for e in state["propagation"]:
        s = e["samples"]
        if not s:
            w(f"| {e['routes']:,} | – | – | not measured: {e.get('error', '')[:300]} | | | | | |")
            continue
        md = lambda k: statistics.median(x[k] for x in s if x[k] is not None) * 1000 if any(x[k] is not None for x in s) else None
        mx = lambda k: max(x[k] for x in s) * 1000
        fm = lambda v: "–" if v is None else f"{v:.0f} ms"
        w(f"| {e['routes']:,} | {e.get('clusters', '?')} | {e.get('startup_s', 0):.1f} s | {fm(md('write_to_applied'))} / {fm(mx('write_to_applied'))} | "
          f"{fm(md('write_to_read'))} | {fm(md('read_to_published'))} | {fm(md('published_to_applied'))} | "
          f"{fm(md('read_to_applied'))} / {fm(mx('read_to_applied'))} | {fm(md('write_to_ack_seen'))} |")
    w("")
    w("Raw samples (ms: write→read, read→published, published→applied, read→live, write→applied, write→ACK seen; "
      "then per type write→applied):")
    w("")
    w("```")
    for e in state["propagation"]:
        for s in e["samples"]:
            fm = lambda v: "-" if v is None else f"{v * 1000:.0f}"
            w(f"{e['routes']:>5} routes: {fm(s['write_to_read'])} {fm(s['read_to_published'])} {fm(s['published_to_applied'])} "
              f"{fm(s['read_to_live'])} {fm(s['write_to_applied'])} {fm(s['write_to_ack_seen'])}  " + " ".join(f"{t}={v * 1000:.0f}" for t, v in sorted(s['applied_by_type'].items())))
    w("```")
    w("")

    for e in state["propagation"]:
        if e.get("profile"):
            w(f"Java Flight Recorder on the Tollgate JVM during the {e['routes']:,}-route edits "
              f"({e['profile'].get('samples', 0)} execution samples; Envoy's CPU is not in it):")
            w("")
            profile_tables(w, e["profile"], leaf=False)
    w("## Rate-limit decisions per second")
    w("")
    rl = state.get("ratelimit")
    if not rl:
        w("Skipped in this run.")
    elif "error" in rl:
        w(f"bench/ratelimit/run.sh failed: {rl['error']}")
    else:
        w(f"`bench/ratelimit/run.sh` run from this harness with CALLS={rl['env']['CALLS']}, "
          f"WARMUP={rl['env']['WARMUP']}, ROUNDS={rl['env']['ROUNDS']} (shorter than its defaults), ghz as "
          "the load, Tollgate's rate-limit service against envoyproxy/ratelimit on the same Redis. Its method: "
          "[ratelimit/RESULTS.md](../ratelimit/RESULTS.md).")
        w("")
        for l in rl["notes"]:
            w(l)
        w("")
        for l in rl["table"]:
            w(l)
    w("")

    w("## Raw numbers")
    w("")
    w("ms; success is the share of 2xx answers; `–` not run (the target had missed the limit at a lower rate).")
    w("")
    for mode in A.modes:
        w(f"### {mode}")
        w("")
        w("| target | rate/s | requests | success | p50 | p90 | p99 | max | added p50 | added p99 | CPU µs/req | of which the main process | resident MiB (main / tree) | load average |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for t in A.targets:
            for rate in A.rates:
                r = R.get((t, mode, rate))
                if not r:
                    continue
                cpu = "–" if r.get("cpu_us") is None else f"{r['cpu_us']:.0f}"
                own = "–" if r.get("cpu_own_us") is None else f"{r['cpu_own_us']:.0f}"
                w(f"| {LABELS[t]} | {rate} | {r['requests']} | {r['success']:.4f} | {f2(r['p50'])} | {f2(r['p90'])} | "
                  f"{f2(r['p99'])} | {f2(r['max'])} | {f2(r.get('added_p50'))} | {f2(r.get('added_p99'))} | {cpu} | {own} | "
                  + ("–" if r.get("rss_mib") is None else f"{r['rss_own_mib']:.0f} / {r['rss_mib']:.0f}")
                  + f" | {r.get('load', 0):.1f} |")
        w("")
        odd = [(t, rate, r) for (t, m_, rate), r in R.items() if m_ == mode and r["success"] < 1]
        if odd:
            w("Non-2xx answers and errors:")
            w("")
            for t, rate, r in odd:
                w(f"- {LABELS[t]} at {rate}/s: status codes {r['codes']}; errors {r['errors']}")
            w("")
    Path(A.out).parent.mkdir(parents=True, exist_ok=True)
    Path(A.out).write_text("\n".join(lines) + "\n")
    say(f"wrote {A.out}")


def main():
    started = dt.datetime.now(dt.timezone.utc)
    t_start = time.time()
    if RUN.exists():
        shutil.rmtree(RUN)
    RUN.mkdir(parents=True)
    state = {"results": {}, "errors": {}, "propagation": [], "machine": machine(), "versions": versions(),
             "load_before": " ".join(open("/proc/loadavg").read().split()[:3]), "busy_before": busy_processes()}
    try:
        procs = start_targets(state) if A.load == "1" else {}
        if A.load == "1":
            run_load(state, procs)
        if "portkey" in state["errors"] and "portkey" in procs:
            m = re.search(r"tryTargetsRecursively error:.*", procs["portkey"].log_path.read_text(errors="replace"))
            if m:
                state["portkey_stream_error"] = m.group(0)[:300]
        Proc.stop_all()
        if A.ratelimit == "1":
            ratelimit_bench(state)
        propagation(state)
    finally:
        Proc.stop_all()
        state["load_after"] = " ".join(open("/proc/loadavg").read().split()[:3])
        state["busy_after"] = busy_processes()
        if state["results"] or state["propagation"]:
            write_report(state, started, time.time() - t_start)
            with open(RUN / "state.json", "w") as f:
                json.dump({**state, "results": [[list(k), v] for k, v in state["results"].items()],
                           "cpu": [[list(k), v] for k, v in (state.get("cpu") or {}).items()],
                           "failed_at": None, "sustained": None}, f, indent=1, default=str)


if __name__ == "__main__":
    try:
        main()
    finally:
        Proc.stop_all()
