#!/usr/bin/env bash
# Builds the node half of a Kubernetes cluster from the Go module proxy, at the same version as
# scripts/install-kube-apiserver.sh: kubelet, kube-controller-manager, kube-scheduler, kube-proxy
# (one `go build` invocation, so the packages they share compile once), then CoreDNS with
# scripts/install-coredns.sh (only the plugins the cluster uses).
# The binaries land in $KUBE_NODE_DIR/<version>/ and are rebuilt only when a binary is missing or
# reports another version. Go's module and build caches stay where `go env` says.
#
# Environment:
#   KUBE_VERSION     Kubernetes version without "v" (default 1.34.4, as install-kube-apiserver.sh)
#   COREDNS_VERSION  CoreDNS version without "v" (install-coredns.sh; default 1.12.3, the one
#                    Kubernetes 1.34 ships)
#   KUBE_NODE_DIR    output root (default ${XDG_CACHE_HOME:-~/.cache}/tollgate/kube-node)
#   KUBE_BUILD_DIR   generated go.mod files and build logs (default .../tollgate/kube-build)
#   KUBE_BUILD_JOBS  go build -p (default 2)
set -euo pipefail

KUBE_VERSION="${KUBE_VERSION:-1.34.4}"
KUBE_VERSION="${KUBE_VERSION#v}"
cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/tollgate"
KUBE_NODE_DIR="${KUBE_NODE_DIR:-$cache_root/kube-node}"
KUBE_BUILD_DIR="${KUBE_BUILD_DIR:-$cache_root/kube-build}"
KUBE_BUILD_JOBS="${KUBE_BUILD_JOBS:-2}"

die() {
  echo "install-kube-node: error: $*" >&2
  exit 1
}
log() { echo "install-kube-node: $*" >&2; }

[[ "$KUBE_VERSION" =~ ^1\.([0-9]+)\.([0-9]+)$ ]] || die "KUBE_VERSION must look like 1.34.4; got '$KUBE_VERSION'"
kube_minor="${BASH_REMATCH[1]}"
kube_patch="${BASH_REMATCH[2]}"
case "$(uname -m)" in
  x86_64 | amd64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) die "unsupported machine $(uname -m)" ;;
esac

target="$KUBE_NODE_DIR/$KUBE_VERSION"
kube_binaries=(kubelet kube-controller-manager kube-scheduler kube-proxy)

binaries_ok() {
  local dir="$1" b
  for b in "${kube_binaries[@]}"; do
    [[ -x "$dir/$b" ]] || return 1
    # grep without -q reads to the end: with -q it may exit first and pipefail then sees SIGPIPE.
    "$dir/$b" --version 2>/dev/null | grep -x "Kubernetes v${KUBE_VERSION}" >/dev/null || return 1
  done
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
coredns() { COREDNS_OUT="$target" KUBE_BUILD_DIR="$KUBE_BUILD_DIR" "$here/install-coredns.sh"; }
report() { echo "${kube_binaries[*]} $KUBE_VERSION in $target"; }

if binaries_ok "$target"; then
  report
  coredns
  exit 0
fi

command -v go >/dev/null 2>&1 || die "go is not on the PATH; install Go 1.24 or newer"
mkdir -p "$KUBE_NODE_DIR" "$KUBE_BUILD_DIR"
exec 9>"$KUBE_BUILD_DIR/.node.lock"
flock 9
if binaries_ok "$target"; then
  report
  coredns
  exit 0
fi

start_seconds=$SECONDS
export GOWORK=off CGO_ENABLED=0 GOOS=linux GOARCH="$arch"
export GOMAXPROCS="${GOMAXPROCS:-2}"
stage="$(mktemp -d "$KUBE_NODE_DIR/.install-${KUBE_VERSION}.XXXXXX")"
trap 'rm -rf "$stage"' EXIT

prog=install-kube-node
# shellcheck source=scripts/lib/kube-build.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/kube-build.sh"

build_flags=(-trimpath -p "$KUBE_BUILD_JOBS")

# ---- kubelet, kube-controller-manager, kube-scheduler, kube-proxy ----
kube_dir="$KUBE_BUILD_DIR/kubernetes-node-v${KUBE_VERSION}"
log "building ${kube_binaries[*]} v${KUBE_VERSION} (log: $kube_dir/build.log)"
kube_module "$kube_dir" tollgate.local/kube-node-build
pkgs=()
for b in "${kube_binaries[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$b"); done
(
  cd "$kube_dir"
  get_args=()
  for p in "${pkgs[@]}"; do get_args+=("$p@v${KUBE_VERSION}"); done
  run_go "resolving Kubernetes dependencies" go get "${get_args[@]}"
  run_go "building ${kube_binaries[*]}" go build "${build_flags[@]}" -ldflags "$kube_ldflags" -o "$stage/" "${pkgs[@]}"
)

binaries_ok "$stage" || die "the built binaries do not report the wanted versions:
$(for b in "${kube_binaries[@]}"; do "$stage/$b" --version 2>&1 | head -1; done)"
# One binary at a time, so the CoreDNS next to them stays.
mkdir -p "$target"
for b in "${kube_binaries[@]}"; do mv -f "$stage/$b" "$target/$b"; done
log "built in $((SECONDS - start_seconds))s"
report
coredns
