#!/usr/bin/env bash
# Installs redis-server (Debian package) when it is not on the PATH. Tests start their own
# redis-server on a free port; nothing is started here.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
  echo "redis-server: $(redis-server --version | head -1)"
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
# The package starts a system-wide server on 6379; Tollgate's tests start their own.
$SUDO systemctl disable --now redis-server >/dev/null 2>&1 || $SUDO service redis-server stop >/dev/null 2>&1 || true
echo "redis-server: $(redis-server --version | head -1)"
