# Shared settings of scripts/cluster-up.sh, cluster-down.sh and cluster-exec.sh (sourced).
# shellcheck shell=bash
KUBE_VERSION="${KUBE_VERSION:-1.34.4}"
CLUSTER_DIR="${TOLLGATE_CLUSTER_DIR:-/var/lib/tollgate-cluster}"
RUN_DIR="${TOLLGATE_CLUSTER_RUN_DIR:-/run/tollgate-cluster}"
NETNS="${TOLLGATE_NETNS:-tollgate-k8s}"
KUBE_BIN_API="${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}/k8s/${KUBE_VERSION}-linux-amd64"
KUBE_BIN_NODE="${KUBE_NODE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tollgate/kube-node}/${KUBE_VERSION}"
NODE_NAME=tollgate-node
# Addresses exist only inside the namespace; nothing routes them to or from the host.
NODE_IP=10.213.0.2
POD_CIDR=10.213.64.0/18
SERVICE_CIDR=10.213.128.0/20
SERVICE_IP_APISERVER=10.213.128.1
DNS_IP=10.213.128.10
PAUSE_IMAGE=tollgate.local/pause:3.10
COREDNS_IMAGE=tollgate.local/coredns:1.12.3
