#!/usr/bin/env bash
# Stops the cluster that scripts/cluster-up.sh started: the Pods' containers, kubelet, kube-proxy,
# containerd and its shims, the control plane; unmounts what the kubelet mounted, deletes the network
# namespace and the Pods' cgroups, and removes the state folder (certificates, etcd, containerd's
# store). Built binaries and image archives under ~/.cache/tollgate stay. Only processes recorded in
# the state folder's pid files, and the shims of its own containerd socket, are stopped.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/cluster-env.sh
source "$here/cluster-env.sh"
log() { echo "cluster-down: $*" >&2; }

stop_pid() { # name
  local file="$CLUSTER_DIR/pids/$1" pid
  [[ -f "$file" ]] || return 0
  pid="$(cat "$file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null
  fi
  rm -f "$file"
}

stop_pid kube-proxy
stop_pid kubelet
if [[ -S "$RUN_DIR/containerd.sock" ]]; then
  ctr_ns() { timeout 20 ctr --address "$RUN_DIR/containerd.sock" -n k8s.io "$@"; }
  for task in $(ctr_ns tasks ls -q 2>/dev/null); do ctr_ns tasks kill -s SIGKILL "$task" >/dev/null 2>&1; done
  sleep 1
  for task in $(ctr_ns tasks ls -q 2>/dev/null); do ctr_ns tasks delete -f "$task" >/dev/null 2>&1; done
fi
stop_pid containerd
# The runc shims of this containerd only: their command line names its socket.
for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $RUN_DIR/containerd.sock" 2>/dev/null); do
  kill -9 "$pid" 2>/dev/null
done
stop_pid kube-scheduler
stop_pid kube-controller-manager
stop_pid kube-apiserver
stop_pid etcd

# Anything else still in the namespace was started by cluster-up.sh (a component that outlived
# its pid file, the shims): ip netns pids lists exactly those.
if ip netns list 2>/dev/null | grep -qw "$NETNS"; then
  for pid in $(ip netns pids "$NETNS" 2>/dev/null); do kill "$pid" 2>/dev/null; done
  sleep 2
  for pid in $(ip netns pids "$NETNS" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
fi

# Mounts of the kubelet (secrets, projected tokens) and containerd (rootfs, shm), deepest first.
awk '{print $5}' /proc/self/mountinfo | grep -E "^($CLUSTER_DIR|$RUN_DIR)/" | sort -r | while read -r m; do
  umount -l "$m" 2>/dev/null
done
left=()
if ip netns list 2>/dev/null | grep -qw "$NETNS"; then
  stuck="$(ip netns pids "$NETNS" 2>/dev/null | tr '\n' ' ')"
  [[ -z "$stuck" ]] || left+=("processes in $NETNS: $stuck")
  ip netns del "$NETNS" 2>/dev/null
  ! ip netns list 2>/dev/null | grep -qw "$NETNS" || left+=("network namespace $NETNS")
fi
# Pod network namespaces containerd's CRI made (/run/netns/cni-<id>): with containerd stopped
# nobody removes them. Only those with no process left are deleted.
for ns in $(ip netns list 2>/dev/null | awk '/^cni-/{print $1}'); do
  [[ -z "$(ip netns pids "$ns" 2>/dev/null)" ]] && ip netns del "$ns" 2>/dev/null
done
for hierarchy in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
  [[ -d "$hierarchy" ]] || continue
  find "$hierarchy" -depth -type d -exec rmdir {} \; 2>/dev/null
done
rm -rf "$RUN_DIR"
if [[ "${TOLLGATE_CLUSTER_KEEP_STATE:-}" != 1 ]]; then
  rm -rf "$CLUSTER_DIR"
fi
# What must be gone now, checked so that a test calling this script fails when a piece stays.
shims="$(pgrep -f "containerd-shim-runc-v2 .*-address $RUN_DIR/containerd.sock" 2>/dev/null | tr '\n' ' ')"
[[ -z "$shims" ]] || left+=("containerd shims: $shims")
mounts="$(awk '{print $5}' /proc/self/mountinfo | grep -E "^($CLUSTER_DIR|$RUN_DIR)(/|$)" | head -5 | tr '\n' ' ')"
[[ -z "$mounts" ]] || left+=("mounts: $mounts")
if ((${#left[@]})); then
  log "error: left behind: ${left[*]}"
  exit 1
fi
log "stopped"
