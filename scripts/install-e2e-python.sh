#!/usr/bin/env bash
# Creates the Python environment end-to-end tests use to drive Tollgate with the official OpenAI
# and Anthropic clients. Prints the venv's python path on its last line.
set -euo pipefail
venv="${TOLLGATE_E2E_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/tollgate/e2e-venv}"
openai_version="3.57.0"
anthropic_version="2.15.0"
if [[ ! -x "$venv/bin/python" ]]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import openai, sys; sys.exit(openai.__version__ != '$openai_version')" 2>/dev/null; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "openai==$openai_version"
fi
if ! "$venv/bin/python" -c "import anthropic, sys; sys.exit(anthropic.__version__ != '$anthropic_version')" 2>/dev/null; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "anthropic==$anthropic_version"
fi
echo "$venv/bin/python"
