#!/usr/bin/env bash
# Starts a real single-node Kubernetes cluster inside a network namespace of its own:
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet on containerd + runc, a CNI
# bridge (containernetworking-plugins), kube-proxy (iptables) and CoreDNS.
#
# Everything listens inside the namespace $TOLLGATE_NETNS only (the node address, its loopback and
# the pod bridge): nothing is reachable from outside this machine, and nothing on the host's own
# interfaces. Use the cluster through scripts/cluster-exec.sh (kubectl, helm and anything else run
# inside the namespace with KUBECONFIG set). scripts/cluster-down.sh stops it all.
#
# Binaries: kube-apiserver, etcd and kubectl from scripts/install-kube-apiserver.sh, the node
# binaries and CoreDNS from scripts/install-kube-node.sh (both cached under ~/.cache/tollgate),
# containerd, runc, CNI plugins, catatonit (the pause process) and umoci from Debian's packages.
# No registry is used: the pause and CoreDNS images are built here (scripts/oci-image.sh) and
# imported into containerd; so are the images given in TOLLGATE_CLUSTER_IMAGES.
#
# Environment:
#   TOLLGATE_CLUSTER_DIR     state (certificates, etcd, containerd, kubelet, logs); default
#                            /var/lib/tollgate-cluster
#   TOLLGATE_NETNS           network namespace name (default tollgate-k8s)
#   TOLLGATE_CLUSTER_IMAGES  space-separated OCI archives to import besides pause and CoreDNS
#   TOLLGATE_CLUSTER_TIMEOUT seconds each component may take to become ready (default 120)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/cluster-env.sh
source "$here/cluster-env.sh"

log() { echo "cluster-up: $*" >&2; }
die() {
  echo "cluster-up: error: $*" >&2
  exit 1
}
timeout_s="${TOLLGATE_CLUSTER_TIMEOUT:-120}"

# ---- preflight: name the missing piece ----
[[ $(id -u) -eq 0 ]] || die "must run as root (network namespace, cgroups, containerd)"
for tool in ip nsenter iptables openssl python3 containerd ctr runc containerd-shim-runc-v2 umoci catatonit; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed; run scripts/install-cluster.sh"
done
[[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/host-local && -x /usr/lib/cni/loopback && -x /usr/lib/cni/portmap ]] \
  || die "CNI plugins missing in /usr/lib/cni (Debian package containernetworking-plugins); run scripts/install-cluster.sh"
ip netns list >/dev/null 2>&1 || die "'ip netns' does not work here (network namespaces unavailable)"
grep -qw overlay /proc/filesystems || die "the kernel has no overlay file system (containerd's snapshotter needs it)"
if [[ ! -f /sys/fs/cgroup/cgroup.controllers ]]; then
  [[ -d /sys/fs/cgroup/memory && -d /sys/fs/cgroup/cpu && -d /sys/fs/cgroup/pids ]] \
    || die "neither cgroup v2 nor the cgroup v1 memory, cpu and pids hierarchies are mounted under /sys/fs/cgroup"
fi
if grep -qw swap /proc/swaps 2>/dev/null && (($(wc -l </proc/swaps) > 1)); then
  log "swap is on; the kubelet is started with failSwapOn=false"
fi
for b in kube-apiserver etcd kubectl; do
  [[ -x "$KUBE_BIN_API/$b" ]] || die "$KUBE_BIN_API/$b missing; run scripts/install-kube-apiserver.sh"
done
for b in kubelet kube-controller-manager kube-scheduler kube-proxy coredns; do
  [[ -x "$KUBE_BIN_NODE/$b" ]] || die "$KUBE_BIN_NODE/$b missing; run scripts/install-kube-node.sh"
done
if [[ -f "$CLUSTER_DIR/pids/kubelet" ]] && kill -0 "$(cat "$CLUSTER_DIR/pids/kubelet")" 2>/dev/null; then
  die "a cluster is already running from $CLUSTER_DIR (scripts/cluster-down.sh stops it)"
fi

mkdir -p "$CLUSTER_DIR"/{pki,log,pids,etcd,kubelet,containerd,cni/net.d,manifests} "$RUN_DIR"
pki="$CLUSTER_DIR/pki"

# ---- network namespace: a node address on a veth link, the pod bridge is made by CNI ----
if ! ip netns list | grep -qw "$NETNS"; then
  ip netns add "$NETNS"
fi
# nsenter, not `ip netns exec`: that one also gives the process a mount namespace of its own with a
# fresh /sys (no cgroup mounts for the kubelet, and volume mounts containerd would not see).
nsx() { nsenter --net="/run/netns/$NETNS" "$@"; }
nsx ip link set lo up
if ! nsx ip link show tg-node >/dev/null 2>&1; then
  # A veth pair with both ends in the namespace: the node address needs a link with a carrier
  # (kernels without the dummy driver have no other kind to spare).
  nsx ip link add tg-node type veth peer name tg-node-peer
  nsx ip addr add "$NODE_IP/24" dev tg-node
fi
nsx ip link set tg-node-peer up
nsx ip link set tg-node up
nsx ip route replace default dev tg-node
nsx sysctl -qw net.ipv4.ip_forward=1
nsx sysctl -qw net.bridge.bridge-nf-call-iptables=1 2>/dev/null \
  || die "net.bridge.bridge-nf-call-iptables cannot be set in the namespace (kernel without br_netfilter)"
nsx sysctl -qw net.ipv4.conf.all.route_localnet=1

# ---- certificates (openssl), made once per state folder ----
cert() { # name CN O [SANs]
  local name="$1" cn="$2" org="$3" san="${4:-}"
  [[ -f "$pki/$name.crt" ]] && return 0
  local subj="/CN=$cn"
  [[ -n "$org" ]] && subj="/O=$org$subj"
  openssl genrsa -out "$pki/$name.key" 2048 2>/dev/null
  openssl req -new -key "$pki/$name.key" -subj "$subj" -out "$pki/$name.csr" 2>/dev/null
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=serverAuth,clientAuth"
    [[ -n "$san" ]] && echo "subjectAltName=$san"
  } >"$pki/$name.ext"
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 365 -sha256 -extfile "$pki/$name.ext" -out "$pki/$name.crt" 2>/dev/null
}
if [[ ! -f "$pki/ca.crt" ]]; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/ca.key" -out "$pki/ca.crt" -days 365 \
    -subj "/CN=tollgate-cluster-ca" 2>/dev/null
  openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
fi
cert apiserver kube-apiserver "" \
  "IP:$NODE_IP,IP:$SERVICE_IP_APISERVER,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost"
cert admin kubernetes-admin system:masters
cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
cert controller-manager system:kube-controller-manager ""
cert scheduler system:kube-scheduler ""
cert kube-proxy system:kube-proxy ""
cert kubelet "system:node:$NODE_NAME" system:nodes "IP:$NODE_IP,DNS:$NODE_NAME"
chmod 600 "$pki"/*.key

kubeconfig() { # name user
  cat >"$CLUSTER_DIR/$1.kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: tollgate
  cluster: {server: "https://$NODE_IP:6443", certificate-authority: "$pki/ca.crt"}
users:
- name: $1
  user: {client-certificate: "$pki/$1.crt", client-key: "$pki/$1.key"}
contexts:
- name: tollgate
  context: {cluster: tollgate, user: $1, namespace: default}
current-context: tollgate
KC
}
for c in admin controller-manager scheduler kube-proxy kubelet; do kubeconfig "$c"; done

# ---- processes ----
start() { # name command...
  local name="$1"
  shift
  log "starting $name (log: $CLUSTER_DIR/log/$name.log)"
  # nsenter execs the command, so $! is the component's own PID (a shell function would add a
  # subshell in between, and the pid file would name the subshell).
  nsenter --net="/run/netns/$NETNS" setsid "$@" >"$CLUSTER_DIR/log/$name.log" 2>&1 </dev/null &
  echo $! >"$CLUSTER_DIR/pids/$name"
}
# Waits until "$@" succeeds, at most $timeout_s seconds; names the component and shows its log.
wait_for() { # name what command...
  local name="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + timeout_s))
  until "$@" >/dev/null 2>&1; do
    if ! kill -0 "$(cat "$CLUSTER_DIR/pids/$name" 2>/dev/null || echo 0)" 2>/dev/null && [[ -f "$CLUSTER_DIR/pids/$name" ]]; then
      tail -n 30 "$CLUSTER_DIR/log/$name.log" >&2
      die "$name exited before $what (log: $CLUSTER_DIR/log/$name.log)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 30 "$CLUSTER_DIR/log/$name.log" >&2
      die "$name: no $what within ${timeout_s}s (log: $CLUSTER_DIR/log/$name.log)"
    fi
    sleep 1
  done
}
kubectl_ns() { nsx "$KUBE_BIN_API/kubectl" --kubeconfig "$CLUSTER_DIR/admin.kubeconfig" "$@"; }

start etcd "$KUBE_BIN_API/etcd" --name "$NODE_NAME" --data-dir "$CLUSTER_DIR/etcd" \
  --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
  --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
  --initial-cluster "$NODE_NAME=http://127.0.0.1:2380" \
  --quota-backend-bytes 1073741824 --unsafe-no-fsync
wait_for etcd "client port" nsx bash -c 'exec 3<>/dev/tcp/127.0.0.1/2379'

start kube-apiserver "$KUBE_BIN_API/kube-apiserver" --etcd-servers http://127.0.0.1:2379 \
  --bind-address "$NODE_IP" --advertise-address "$NODE_IP" --secure-port 6443 \
  --service-cluster-ip-range "$SERVICE_CIDR" --allow-privileged=true \
  --client-ca-file "$pki/ca.crt" --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
  --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" --kubelet-client-key "$pki/apiserver-kubelet-client.key" \
  --kubelet-certificate-authority "$pki/ca.crt" \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
  --kubelet-preferred-address-types InternalIP \
  --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction --profiling=false
wait_for kube-apiserver "/readyz" kubectl_ns get --raw /readyz

start kube-controller-manager "$KUBE_BIN_NODE/kube-controller-manager" \
  --kubeconfig "$CLUSTER_DIR/controller-manager.kubeconfig" \
  --authentication-kubeconfig "$CLUSTER_DIR/controller-manager.kubeconfig" \
  --authorization-kubeconfig "$CLUSTER_DIR/controller-manager.kubeconfig" \
  --bind-address 127.0.0.1 --leader-elect=false --use-service-account-credentials=true \
  --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
  --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
  --service-cluster-ip-range "$SERVICE_CIDR" --allocate-node-cidrs=false --profiling=false
start kube-scheduler "$KUBE_BIN_NODE/kube-scheduler" --kubeconfig "$CLUSTER_DIR/scheduler.kubeconfig" \
  --authentication-kubeconfig "$CLUSTER_DIR/scheduler.kubeconfig" \
  --authorization-kubeconfig "$CLUSTER_DIR/scheduler.kubeconfig" \
  --bind-address 127.0.0.1 --leader-elect=false --profiling=false

# ---- containerd with the CRI plugin, runc and the CNI bridge ----
cat >"$CLUSTER_DIR/cni/net.d/10-tollgate.conflist" <<CNI
{
  "cniVersion": "1.0.0",
  "name": "tollgate",
  "plugins": [
    {"type": "bridge", "bridge": "tg-cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": "$POD_CIDR"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
CNI
cat >"$CLUSTER_DIR/containerd.toml" <<TOML
version = 2
root = "$CLUSTER_DIR/containerd"
state = "$RUN_DIR/containerd"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$RUN_DIR/containerd.sock"
[ttrpc]
  address = "$RUN_DIR/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  # Pod sandboxes ask for oom_score_adj -998 (Guaranteed containers -997): a kernel or sandbox
  # without CAP_SYS_RESOURCE refuses values below 0 and runc fails ("can't get final child's PID").
  # This keeps every value at or above containerd's own.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$CLUSTER_DIR/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$(command -v runc)"
        SystemdCgroup = false
TOML
start containerd containerd --config "$CLUSTER_DIR/containerd.toml"
ctr_ns() { ctr --address "$RUN_DIR/containerd.sock" -n k8s.io "$@"; }
wait_for containerd "socket" ctr_ns version

# ---- images: pause and CoreDNS built here, then the caller's ----
images="${TOLLGATE_IMAGE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tollgate/images}"
"$here/build-cluster-images.sh" "$images" >&2 || die "building the pause and CoreDNS images failed"
for archive in "$images/pause.tar" "$images/coredns.tar" ${TOLLGATE_CLUSTER_IMAGES:-}; do
  [[ -f "$archive" ]] || die "image archive $archive does not exist"
  ctr_ns images import --no-unpack=false "$archive" >/dev/null || die "ctr images import $archive failed"
done
ctr_ns images label "$PAUSE_IMAGE" io.cri-containerd.pinned=pinned >/dev/null 2>&1 || true

# ---- kubelet ----
cat >"$CLUSTER_DIR/resolv.conf" <<RESOLV
nameserver $DNS_IP
RESOLV
cat >"$CLUSTER_DIR/kubelet.yaml" <<KUBELET
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: "$NODE_IP"
healthzBindAddress: 127.0.0.1
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: "$pki/ca.crt"}
authorization: {mode: Webhook}
tlsCertFile: "$pki/kubelet.crt"
tlsPrivateKeyFile: "$pki/kubelet.key"
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
clusterDNS: ["$DNS_IP"]
clusterDomain: cluster.local
resolvConf: "$CLUSTER_DIR/resolv.conf"
containerRuntimeEndpoint: "unix://$RUN_DIR/containerd.sock"
imageServiceEndpoint: "unix://$RUN_DIR/containerd.sock"
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%"}
maxPods: 60
readOnlyPort: 0
rotateCertificates: false
serverTLSBootstrap: false
KUBELET
start kubelet "$KUBE_BIN_NODE/kubelet" --config "$CLUSTER_DIR/kubelet.yaml" \
  --kubeconfig "$CLUSTER_DIR/kubelet.kubeconfig" --root-dir "$CLUSTER_DIR/kubelet" \
  --hostname-override "$NODE_NAME" --node-ip "$NODE_IP"
wait_for kubelet "Ready node $NODE_NAME" nsx bash -c \
  "'$KUBE_BIN_API/kubectl' --kubeconfig '$CLUSTER_DIR/admin.kubeconfig' get node '$NODE_NAME' -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' 2>/dev/null | grep -qx True"

# ---- kube-proxy (iptables mode) ----
cat >"$CLUSTER_DIR/kube-proxy.yaml" <<PROXY
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: "$CLUSTER_DIR/kube-proxy.kubeconfig"}
mode: iptables
clusterCIDR: "$POD_CIDR"
hostnameOverride: "$NODE_NAME"
bindAddress: "$NODE_IP"
healthzBindAddress: "127.0.0.1:10256"
metricsBindAddress: "127.0.0.1:10249"
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
nodePortAddresses: ["$NODE_IP/32"]
PROXY
start kube-proxy "$KUBE_BIN_NODE/kube-proxy" --config "$CLUSTER_DIR/kube-proxy.yaml"
wait_for kube-proxy "/healthz" nsx bash -c "exec 3<>/dev/tcp/127.0.0.1/10256"

# ---- CoreDNS ----
sed -e "s#@DNS_IP@#$DNS_IP#g" -e "s#@COREDNS_IMAGE@#$COREDNS_IMAGE#g" "$here/cluster/coredns.yaml" \
  >"$CLUSTER_DIR/manifests/coredns.yaml"
kubectl_ns apply -f "$CLUSTER_DIR/manifests/coredns.yaml" >/dev/null
wait_for kubelet "CoreDNS rollout" kubectl_ns -n kube-system rollout status deployment/coredns --timeout=5s
log "cluster ready in ${SECONDS}s: node $NODE_NAME ($NODE_IP) in network namespace $NETNS"
log "use it with: scripts/cluster-exec.sh kubectl get pods -A"
