#!/usr/bin/env bash
# Times GatewayModel building and xDS translation for a large gateway (default 200 providers,
# 2,000 routes). Usage: bench/run-translation.sh [providers] [routes] [iterations]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
./mvnw -B -q -DskipTests install -pl bench/translation -am
java -Xms512m -Xmx2g -cp "bench/translation/target/tollgate-bench-translation-0.1.0-SNAPSHOT.jar:bench/translation/target/lib/*" \
  dev.tollgate.bench.TranslationBench "$@" 2> >(grep -v '^SLF4J' >&2)
