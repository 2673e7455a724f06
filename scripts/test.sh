#!/usr/bin/env bash
# Runs every test: unit, golden, integration and end-to-end tests against a real Envoy, Redis and
# kube-apiserver. Installs what the tests need first, through the
# project's own scripts, so a fresh machine and CI run exactly the same thing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/install-envoy.sh
scripts/install-redis.sh
# PostgreSQL for the ledger's tests (Debian package; each test starts its own server).
scripts/install-postgres.sh
scripts/install-e2e-python.sh >/dev/null
# Claude Code and Codex CLI (pinned, from npm; their native binaries) for AgentsIT.
scripts/install-agents.sh >/dev/null
# kube-apiserver, etcd and kubectl for the operator's integration tests: built from the Go module
# proxy on the first run (about 6 minutes on 2 cores), then cached.
scripts/install-kube-apiserver.sh
# helm, kubeconform, glua and the schema sources for the chart's tests (helm/), from the Go module
# proxy; about 2 minutes the first time, then cached.
scripts/install-chart-tools.sh >/dev/null
# A minimal OpenTelemetry Collector (OTLP receiver, file exporter) for the tracing e2e test, from the
# Go module proxy; a few minutes the first time, then cached.
scripts/install-otelcol.sh >/dev/null
# The single-node cluster of helm's ClusterIT (docs/cluster.md): Debian's containerd, runc and CNI
# plugins, and kubelet, kube-controller-manager, kube-scheduler, kube-proxy and a slim CoreDNS
# from the Go module proxy. Cold about 10 minutes for the kubelet and friends and 220 CPU-seconds
# for CoreDNS (23 minutes on a machine shared with seven builds; README), then cached under
# ~/.cache/tollgate (seconds).
scripts/install-cluster.sh
# The Envoy and Redis images (OCI archives, umoci; about 1 minute cold, then cached). ClusterIT
# builds the Tollgate image itself from the operator jar that this very verify packages.
scripts/build-images.sh envoy redis
# pip may put envoy in a scripts folder that is not on a fresh shell's PATH.
PATH="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))'):$HOME/.local/bin:$PATH"
export PATH
command -v envoy >/dev/null || { echo "envoy is not on the PATH after install" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "redis-server is not on the PATH after install" >&2; exit 1; }
./mvnw -B verify "$@"
