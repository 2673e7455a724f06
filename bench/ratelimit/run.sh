#!/usr/bin/env bash
# Decisions per second and latency of Tollgate's rate-limit service with the memory and the Redis
# store, and of envoyproxy/ratelimit on the same Redis, under the same ghz load, in one run.
# Writes bench/ratelimit/RESULTS.md (or RESULTS_FILE). Everything listens on 127.0.0.1 and stops
# when the run ends; on free ports, or on PORT_BASE..PORT_BASE+5 when it is set (bench/compare).
#
#   bench/ratelimit/run.sh            # CALLS=100000 ROUNDS=3 CONCURRENCY=64 CONNECTIONS=8
#   JFR=1 (profiles), CLASSES=dir (another build), SKIP_BUILD=1, MAVEN_OFFLINE=1
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CALLS=${CALLS:-100000}
WARMUP=${WARMUP:-30000}
ROUNDS=${ROUNDS:-3}
CONCURRENCY=${CONCURRENCY:-64}
CONNECTIONS=${CONNECTIONS:-8}
RESULTS_FILE=${RESULTS_FILE:-$HERE/RESULTS.md}
PORT_BASE=${PORT_BASE:-}
GHZ_VERSION=v0.93.0
RATELIMIT_VERSION=v1.4.1-0.20260122083618-3fb702589d36
WORK=$ROOT/target/bench-ratelimit
BIN=$WORK/bin
mkdir -p "$WORK" "$BIN"

# Tools: ghz and envoyproxy/ratelimit from the Go module proxy, redis-server from Debian.
[[ -x $BIN/ghz ]] || GOBIN=$BIN GOFLAGS=-buildvcs=false go install "github.com/bojand/ghz/cmd/ghz@$GHZ_VERSION"
[[ -x $BIN/service_cmd ]] ||
  GOBIN=$BIN GOFLAGS=-buildvcs=false go install "github.com/envoyproxy/ratelimit/src/service_cmd@$RATELIMIT_VERSION"
command -v redis-server >/dev/null || bash "$ROOT/scripts/install-redis.sh"

# One reactor build (no install into the local repository): the classpath of the ratelimit module,
# written last, names its sibling modules' jars in their target folders.
[[ -n ${SKIP_BUILD:-} ]] ||
  (cd "$ROOT" && ./mvnw -B -q ${MAVEN_OFFLINE:+-o} -pl ratelimit -am package -DskipTests \
    dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$WORK/classpath")
# CLASSES: another build of the ratelimit module's classes (a before/after comparison).
CP="${CLASSES:-$ROOT/ratelimit/target/classes}:$(cat "$WORK/classpath")"
java -cp "$CP" "$HERE/BenchData.java" "$WORK" "$CALLS" "$WARMUP" "$ROUNDS"

# A free port below the ephemeral range (32768-60999 on Linux): a port the kernel hands out could be
# taken by another process's outgoing connection while a JVM starts on a busy machine.
free_port() {
  python3 -c '
import random, socket
for _ in range(1000):
    port = random.randrange(20000, 32000)
    s = socket.socket()
    try:
        s.bind(("", port))
        print(port)
        break
    except OSError:
        pass
    finally:
        s.close()'
}
if [[ -n $PORT_BASE ]]; then
  REDIS_PORT=$PORT_BASE MEMORY_PORT=$((PORT_BASE + 1)) REDIS_STORE_PORT=$((PORT_BASE + 2))
  ENVOY_GRPC_PORT=$((PORT_BASE + 3)) ENVOY_HTTP_PORT=$((PORT_BASE + 4)) ENVOY_DEBUG_PORT=$((PORT_BASE + 5))
else
  REDIS_PORT=$(free_port)
  MEMORY_PORT=$(free_port)
  REDIS_STORE_PORT=$(free_port)
  ENVOY_GRPC_PORT=$(free_port)
  ENVOY_HTTP_PORT=$(free_port)
  ENVOY_DEBUG_PORT=$(free_port)
fi

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

wait_port() {
  for _ in $(seq 1 1200); do # up to 2 minutes: JVMs start slowly on a busy machine
    if (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "nothing listens on port $1; see $WORK/*.log" >&2
  exit 1
}

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no >"$WORK/redis.log" 2>&1 &
REDIS_PID=$!
PIDS+=("$REDIS_PID")
wait_port "$REDIS_PORT"

# JFR=1: a Java Flight Recorder profile of each Tollgate service over the whole run, in
# $WORK/tollgate-{memory,redis}.jfr (`jfr print --events jdk.ExecutionSample`, or `jfr summary`).
jfr() { [[ -n ${JFR:-} ]] && echo "-XX:StartFlightRecording=settings=profile,filename=$WORK/tollgate-$1.jfr"; true; }
JAVA=(java -Xms1g -Xmx1g -Dlogback.configurationFile="$HERE/logback.xml" -cp "$CP")
SERVER=(dev.tollgate.ratelimit.RateLimitServer --manifests "$HERE/manifests")
"${JAVA[@]}" $(jfr memory) "${SERVER[@]}" --port "$MEMORY_PORT" >"$WORK/tollgate-memory.log" 2>&1 &
MEMORY_PID=$!
PIDS+=("$MEMORY_PID")
"${JAVA[@]}" $(jfr redis) "${SERVER[@]}" --port "$REDIS_STORE_PORT" --redis "redis://127.0.0.1:$REDIS_PORT" \
  >"$WORK/tollgate-redis.log" 2>&1 &
REDIS_STORE_PID=$!
PIDS+=("$REDIS_STORE_PID")

mkdir -p "$WORK/runtime/ratelimit/config"
cp "$HERE/envoy-ratelimit.yaml" "$WORK/runtime/ratelimit/config/config.yaml"
env USE_STATSD=false LOG_LEVEL=warn REDIS_SOCKET_TYPE=tcp REDIS_URL="127.0.0.1:$REDIS_PORT" \
  RUNTIME_ROOT="$WORK/runtime" RUNTIME_SUBDIRECTORY=ratelimit RUNTIME_WATCH_ROOT=false \
  RUNTIME_IGNOREDOTFILES=true HOST=127.0.0.1 GRPC_HOST=127.0.0.1 DEBUG_HOST=127.0.0.1 \
  PORT="$ENVOY_HTTP_PORT" GRPC_PORT="$ENVOY_GRPC_PORT" DEBUG_PORT="$ENVOY_DEBUG_PORT" \
  "$BIN/service_cmd" >"$WORK/envoy-ratelimit.log" 2>&1 &
ENVOY_PID=$!
PIDS+=("$ENVOY_PID")

wait_port "$MEMORY_PORT"
wait_port "$REDIS_STORE_PORT"
wait_port "$ENVOY_GRPC_PORT"

# CPU time (clock ticks) a process has used: with other work on the machine, decisions per
# CPU-second of the service and of Redis compare the targets better than wall-clock rates alone.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

ghz_run() { # name port data-file calls server-pid
  local server0 redis0
  server0=$(ticks "$5")
  redis0=$(ticks "$REDIS_PID")
  "$BIN/ghz" --insecure --protoset "$WORK/rls.protoset" \
    --call envoy.service.ratelimit.v3.RateLimitService.ShouldRateLimit \
    --binary-file "$3" -n "$4" -c "$CONCURRENCY" --connections "$CONNECTIONS" \
    -O json -o "$WORK/$1.json" "127.0.0.1:$2"
  echo "$(($(ticks "$5") - server0)) $(($(ticks "$REDIS_PID") - redis0)) $(getconf CLK_TCK)" \
    >"$WORK/$1.cpu"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
# Warm-up: the JIT compiles the reserve and commit paths before anything is measured.
for _ in 1 2; do
  ghz_run warmup-memory "$MEMORY_PORT" "$WORK/tollgate-warmup-reserve.bin" "$WARMUP" "$MEMORY_PID"
  ghz_run warmup-memory "$MEMORY_PORT" "$WORK/tollgate-warmup-commit.bin" "$WARMUP" "$MEMORY_PID"
  ghz_run warmup-redis "$REDIS_STORE_PORT" "$WORK/tollgate-warmup-reserve.bin" "$WARMUP" \
    "$REDIS_STORE_PID"
  ghz_run warmup-redis "$REDIS_STORE_PORT" "$WORK/tollgate-warmup-commit.bin" "$WARMUP" \
    "$REDIS_STORE_PID"
  ghz_run warmup-envoy "$ENVOY_GRPC_PORT" "$WORK/envoy-warmup.bin" "$WARMUP" "$ENVOY_PID"
done
# Interleaved rounds, so that load from elsewhere on the machine falls on every target alike.
for r in $(seq 1 "$ROUNDS"); do
  ghz_run "memory-reserve-$r" "$MEMORY_PORT" "$WORK/tollgate-reserve-$r.bin" "$CALLS" "$MEMORY_PID"
  ghz_run "memory-commit-$r" "$MEMORY_PORT" "$WORK/tollgate-commit-$r.bin" "$CALLS" "$MEMORY_PID"
  ghz_run "redis-reserve-$r" "$REDIS_STORE_PORT" "$WORK/tollgate-reserve-$r.bin" "$CALLS" \
    "$REDIS_STORE_PID"
  ghz_run "redis-commit-$r" "$REDIS_STORE_PORT" "$WORK/tollgate-commit-$r.bin" "$CALLS" \
    "$REDIS_STORE_PID"
  ghz_run "envoy-$r" "$ENVOY_GRPC_PORT" "$WORK/envoy-$r.bin" "$CALLS" "$ENVOY_PID"
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

python3 "$HERE/report.py" "$WORK" "$ROUNDS" "$RESULTS_FILE" \
  --calls "$CALLS" --concurrency "$CONCURRENCY" --connections "$CONNECTIONS" \
  --ghz "$GHZ_VERSION" --ratelimit "$RATELIMIT_VERSION" \
  --load-before "$LOAD_BEFORE" --load-after "$LOAD_AFTER"
cat "$RESULTS_FILE"
