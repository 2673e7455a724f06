#!/usr/bin/env bash
# Renders the plain manifests (deploy/tollgate.yaml) from the chart with its default values, for
# `kubectl apply -f` and as the kustomize base in deploy/. Usage:
#   scripts/render-manifests.sh [output]     (default: deploy/tollgate.yaml)
# ChartIT renders them the same way and fails when the committed file differs: run this (or
# `make manifests`) after changing the chart or the CRDs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/deploy/tollgate.yaml}"
# The helm of scripts/install-chart-tools.sh first: a helm built without its version stamps
# assumes Kubernetes 1.20 and refuses the chart.
tools="${CHART_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tollgate/chart-tools}"
helm="${HELM:-$tools/bin/helm}"
[[ -x "$helm" ]] || helm="$(command -v helm || true)"
[[ -x "$helm" ]] || { echo "render-manifests: helm not found: run scripts/install-chart-tools.sh" >&2; exit 1; }
{
  cat <<'HEADER'
# Tollgate: plain manifests for `kubectl apply --server-side -f deploy/tollgate.yaml`.
# GENERATED from helm/tollgate with its default values by scripts/render-manifests.sh; do not
# edit (ChartIT fails when this file and the chart disagree). Customize with kustomize
# (deploy/kustomization.yaml is a base; see gitops/kustomize-production) or install the chart.
---
apiVersion: v1
kind: Namespace
metadata:
  name: tollgate-system
  labels:
    app.kubernetes.io/part-of: tollgate
HEADER
  "$helm" template tollgate "$root/helm/tollgate" --namespace tollgate-system --include-crds \
    --kube-version 1.34.4
} >"$out.tmp"
mv "$out.tmp" "$out"
