#!/usr/bin/env bash
# Runs a command inside the cluster's network namespace (scripts/cluster-up.sh) with KUBECONFIG set
# to its admin credentials and kubectl on the PATH, e.g. `scripts/cluster-exec.sh kubectl get pods -A`
# or `scripts/cluster-exec.sh helm install ...`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/cluster-env.sh
source "$here/cluster-env.sh"
[[ -f "$CLUSTER_DIR/admin.kubeconfig" ]] || {
  echo "cluster-exec: error: no cluster in $CLUSTER_DIR; run scripts/cluster-up.sh" >&2
  exit 1
}
exec nsenter --net="/run/netns/$NETNS" env KUBECONFIG="$CLUSTER_DIR/admin.kubeconfig" PATH="$KUBE_BIN_API:$PATH" "$@"
