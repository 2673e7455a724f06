#!/usr/bin/env bash
# Installs PostgreSQL's server programs (Debian's postgresql package) when initdb is not there.
# The ledger's tests start their own server (initdb in a temporary folder, its own port, run as the
# package's `postgres` user, since the server refuses root); nothing is started here, and the
# package's own cluster is stopped.
set -euo pipefail
bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
if [[ -n "$(bindir)" && -x "$(bindir)/initdb" ]]; then
  echo "postgresql: $("$(bindir)/postgres" --version)"
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
$SUDO systemctl disable --now postgresql >/dev/null 2>&1 || $SUDO service postgresql stop >/dev/null 2>&1 || true
echo "postgresql: $("$(bindir)/postgres" --version)"
