#!/usr/bin/env bash
# Installs the real coding-agent CLIs the e2e tests drive through `tollgate run`: Claude Code
# (@anthropic-ai/claude-code) and Codex CLI (@openai/codex), pinned, from npm, under
# ~/.cache/tollgate/agents. Both packages ship a native binary in a per-platform npm package
# (an optional dependency), so the tests call those binaries directly and need no Node at run time.
# Prints the folder holding `claude` and `codex` on its last line.
set -euo pipefail
claude_version="2.1.332"
codex_version="0.171.0"
prefix="${TOLLGATE_AGENTS:-${XDG_CACHE_HOME:-$HOME/.cache}/tollgate/agents}"
bin="$prefix/bin"
have() { [[ -x "$bin/$1" ]] && [[ "$("$bin/$1" --version 2>/dev/null || true)" == *"$2"* ]]; }
if ! have claude "$claude_version" || ! have codex "$codex_version"; then
  command -v npm >/dev/null || { echo "npm is needed to install Claude Code and Codex CLI" >&2; exit 1; }
  rm -rf "$prefix/npm"
  mkdir -p "$prefix/npm" "$bin"
  # --ignore-scripts: the binaries are taken straight from the platform packages below, so no
  # install script runs (and Claude Code's engines field, node >= 22, does not matter).
  npm install --prefix "$prefix/npm" --no-audit --no-fund --loglevel=error --ignore-scripts \
    --include=optional "@anthropic-ai/claude-code@$claude_version" "@openai/codex@$codex_version" >&2
  modules="$prefix/npm/node_modules"
  # Claude Code: @anthropic-ai/claude-code-<platform>/claude. Codex: the Rust binary in
  # @openai/codex-<platform>/vendor/<target triple>/bin/codex (bin/codex.js only execs it).
  claude_bin="$(find "$modules/@anthropic-ai" -path '*/claude-code-*/claude' -type f | head -1)"
  codex_bin="$(find "$modules/@openai" -path '*/codex-*/vendor/*/bin/codex' -type f | head -1)"
  [[ -n "$claude_bin" && -n "$codex_bin" ]] || { echo "no native claude or codex binary for this platform in $modules" >&2; exit 1; }
  ln -sf "$claude_bin" "$bin/claude"
  ln -sf "$codex_bin" "$bin/codex"
  have claude "$claude_version" || { echo "claude --version is not $claude_version" >&2; exit 1; }
  have codex "$codex_version" || { echo "codex --version is not $codex_version" >&2; exit 1; }
fi
echo "$bin"
