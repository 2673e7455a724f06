"""Turns the ghz JSON reports of bench/ratelimit/run.sh into RESULTS.md."""
import argparse
import json
import os
import platform
import statistics
import subprocess
from datetime import datetime, timezone

p = argparse.ArgumentParser()
p.add_argument("work")
p.add_argument("rounds", type=int)
p.add_argument("out")
for flag in ("calls", "concurrency", "connections", "ghz", "ratelimit", "load-before", "load-after"):
    p.add_argument("--" + flag)
a = p.parse_args()

TARGETS = [
    ("memory-reserve", "Tollgate, memory store: reserve"),
    ("memory-commit", "Tollgate, memory store: commit"),
    ("redis-reserve", "Tollgate, Redis store: reserve"),
    ("redis-commit", "Tollgate, Redis store: commit"),
    ("envoy", "envoyproxy/ratelimit, Redis"),
]


def load(name):
    with open(os.path.join(a.work, name + ".json")) as f:
        return json.load(f)


def p99_ms(report):
    for d in report.get("latencyDistribution") or []:
        if d["percentage"] == 99:
            return d["latency"] / 1e6
    return float("nan")


def errors(report):
    ok = (report.get("statusCodeDistribution") or {}).get("OK", 0)
    return report["count"] - ok


def cpu_us(name):
    """Server and Redis CPU microseconds per call of one run."""
    with open(os.path.join(a.work, name + ".cpu")) as f:
        server, redis, hz = (int(x) for x in f.read().split())
    calls = load(name)["count"]
    return server / hz * 1e6 / calls, redis / hz * 1e6 / calls


rows = {}
for key, _ in TARGETS:
    runs = [load(f"{key}-{r}") for r in range(1, a.rounds + 1)]
    cpu = [cpu_us(f"{key}-{r}") for r in range(1, a.rounds + 1)]
    rows[key] = {
        "server_us": statistics.median(c[0] for c in cpu),
        "redis_us": statistics.median(c[1] for c in cpu),
        "rps": [r["rps"] for r in runs],
        "p99": [p99_ms(r) for r in runs],
        "p50": [r["latencyDistribution"][2]["latency"] / 1e6 for r in runs],
        "errors": sum(errors(r) for r in runs),
    }

cpu = "unknown"
with open("/proc/cpuinfo") as f:
    for line in f:
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
redis = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.strip()

median_rps = {k: statistics.median(v["rps"]) for k, v in rows.items()}
median_p99 = {k: statistics.median(v["p99"]) for k, v in rows.items()}
ratio = median_rps["redis-reserve"] / median_rps["envoy"]
ratio_mem = median_rps["memory-reserve"] / median_rps["envoy"]

lines = [
    "# Rate-limit service benchmark",
    "",
    "Written by `bench/ratelimit/run.sh`; do not edit by hand. Benchmarks measure, tests never",
    "assert timings.",
    "",
    f"- When: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
    f"- Machine: {os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()};",
    f"  load average before {a.load_before}, after {a.load_after} (the machine is shared:",
    "  other work ran at the same time, so absolute numbers are low and noisy; the ratio of",
    "  targets measured in the same interleaved rounds is the comparable figure)",
    f"- {java}; {redis}; ghz {a.ghz}; envoyproxy/ratelimit {a.ratelimit}",
    f"- Load: ghz, {a.calls} calls per target and round, {a.concurrency} concurrent calls over",
    f"  {a.connections} connections, {a.rounds} interleaved rounds after a warm-up; ghz, the",
    "  services and Redis all share the machine's cores.",
    "- Calls: a reservation of 1000 tokens against one token budget per client (100 clients),",
    "  as Envoy sends it at request start; the commit of the same request ids at stream done.",
    "  envoyproxy/ratelimit gets the same reservation descriptor without the request id and",
    "  counts the same 1000 hits per call in one counter per client.",
    "",
    "| target | decisions/s (median) | per round | p50 ms | p99 ms (median) | service CPU µs/call"
    " | Redis CPU µs/call | errors |",
    "|---|---:|---|---:|---:|---:|---:|---:|",
]
for key, label in TARGETS:
    r = rows[key]
    lines.append(
        f"| {label} | {median_rps[key]:,.0f} | "
        + " / ".join(f"{x:,.0f}" for x in r["rps"])
        + f" | {statistics.median(r['p50']):.2f} | {median_p99[key]:.2f}"
        + f" | {r['server_us']:.1f} | {r['redis_us'] if 'memory' not in key else 0:.1f}"
        + f" | {r['errors']} |"
    )
lines += [
    "",
    f"Tollgate with Redis reserves at **{ratio:.2f}×** the rate of envoyproxy/ratelimit on the"
    f" same Redis (memory store: {ratio_mem:.2f}×).",
    "",
    "CPU per call is the service process's (and Redis') CPU time divided by the calls of a run:",
    "unlike decisions/s it hardly depends on what else the machine runs. ghz itself needs more",
    "CPU per call than any of the services, so on 2 shared cores the load generator, not the",
    "service, bounds decisions/s; a service core would decide about 1,000,000 / (service µs +",
    "Redis µs) calls per second.",
    "",
    f"A Tollgate reservation costs Redis {rows['redis-reserve']['redis_us']:.0f} µs of CPU against"
    f" {rows['envoy']['redis_us']:.0f} µs for envoyproxy/ratelimit's increment: one Lua script"
    " checks every bucket, holds the estimate and records the reservation for its commit and its"
    " expiry, where envoyproxy/ratelimit adds to a counter after the fact. Where Redis is the"
    f" bottleneck it would reach about {1e6 / rows['redis-reserve']['redis_us']:,.0f} reservations/s"
    f" against {1e6 / rows['envoy']['redis_us']:,.0f} increments/s; the Java service itself needs"
    f" {rows['redis-reserve']['server_us']:.0f} µs per call against"
    f" {rows['envoy']['server_us']:.0f} µs for the Go service.",
    "",
    "Goals of issue 3: memory ≥ 30,000 decisions/s, Redis ≥ 10,000/s, not slower than",
    "envoyproxy/ratelimit. "
    + ("Met on this run." if median_rps["memory-reserve"] >= 30000
       and median_rps["redis-reserve"] >= 10000 and ratio >= 1 else
       "Not all met on this run; see the numbers above."),
    "",
]
with open(a.out, "w") as f:
    f.write("\n".join(lines))
