#!/usr/bin/env bash
# Measures the latency and CPU the processor adds through Envoy at a fixed rate (vegeta), with and
# without the ext_proc filter. Usage: bench/processor/run.sh [rate/s] [seconds] [warm-up seconds]
# Not a test: it prints a table to copy into bench/processor/RESULTS.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
scripts/install-envoy.sh
PATH="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))'):$HOME/.local/bin:$PATH"
vegeta="${VEGETA:-$(go env GOPATH)/bin/vegeta}"
if [[ ! -x "$vegeta" ]]; then
  go install github.com/tsenart/vegeta/v12@v12.12.0
fi
./mvnw -B -q -DskipTests install -pl processor -am
./mvnw -B -q -DskipTests -f bench/processor/pom.xml package
VEGETA="$vegeta" java -Xms256m -Xmx1g \
  -cp "bench/processor/target/tollgate-bench-processor-0.1.0-SNAPSHOT.jar:bench/processor/target/lib/*" \
  dev.tollgate.bench.ProcessorBench "$@"
