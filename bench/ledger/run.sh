#!/usr/bin/env bash
# Ledger write throughput to a local PostgreSQL (Debian's package; scripts/install-postgres.sh).
# Usage: bench/ledger/run.sh [records]   (default 200,000)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
scripts/install-postgres.sh >/dev/null
./mvnw -B -o -q -pl bench/ledger -am package -DskipTests
java -Xmx1g -cp "bench/ledger/target/classes:bench/ledger/target/lib/*" \
  dev.tollgate.bench.ledger.LedgerWriteBench "$@" 2>&1 | grep -v ' INFO \| DEBUG '
