#!/usr/bin/env bash
# Builds real kube-apiserver, kubectl and etcd from the Go module proxy and installs them where
# Fabric8's kube-api-test 7.5.2 looks: $KUBE_API_TEST_DIR/k8s/<major.minor.patch>-linux-<arch>/.
# kube-api-test never downloads when that folder exists, and it reads no other metadata.
#
# Kubernetes is not `go install`-able: k8s.io/kubernetes replaces its k8s.io/* staging modules
# with ./staging paths that are not in its module zip. So a throwaway module, generated here at
# run time, requires k8s.io/kubernetes and replaces each staging module with its published
# v0.<minor>.<patch>. etcd's server module has the same problem with its sibling modules, and
# gets its own throwaway module (its dependency versions must not mix with Kubernetes').
#
# Environment:
#   KUBE_VERSION       Kubernetes version without "v" (default 1.34.4, the model of Fabric8 7.5.2)
#   ETCD_VERSION       etcd version without "v" (default 3.6.5, the one Kubernetes 1.34.4 lists)
#   KUBE_API_TEST_DIR  kube-api-test's folder (default ~/.kubeapitest, as the library's)
#   KUBE_BUILD_DIR     where the generated go.mod files and build logs live
#                      (default ${XDG_CACHE_HOME:-~/.cache}/tollgate/kube-build)
#   KUBE_BUILD_JOBS    go build -p (default 2)
# Go's own module and build caches stay where `go env GOMODCACHE GOCACHE` says, so a second
# build of the same versions (for example after deleting the output folder) only links.
set -euo pipefail

KUBE_VERSION="${KUBE_VERSION:-1.34.4}"
ETCD_VERSION="${ETCD_VERSION:-3.6.5}"
KUBE_VERSION="${KUBE_VERSION#v}"
ETCD_VERSION="${ETCD_VERSION#v}"
KUBE_API_TEST_DIR="${KUBE_API_TEST_DIR:-$HOME/.kubeapitest}"
KUBE_BUILD_DIR="${KUBE_BUILD_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tollgate/kube-build}"
KUBE_BUILD_JOBS="${KUBE_BUILD_JOBS:-2}"

die() {
  echo "install-kube-apiserver: error: $*" >&2
  exit 1
}
log() { echo "install-kube-apiserver: $*" >&2; }

# kube-api-test sorts the folder names it finds with Integer.parseInt on each dot-separated part:
# anything but plain numbers (a "v", an "-rc.1") makes every later start throw.
[[ "$KUBE_VERSION" =~ ^1\.([0-9]+)\.([0-9]+)$ ]] \
  || die "KUBE_VERSION must look like 1.34.4 (no v, no pre-release suffix); got '$KUBE_VERSION'"
kube_minor="${BASH_REMATCH[1]}"
kube_patch="${BASH_REMATCH[2]}"
[[ "$ETCD_VERSION" =~ ^3\.[0-9]+\.[0-9]+$ ]] \
  || die "ETCD_VERSION must look like 3.6.5 (no v); got '$ETCD_VERSION'"
[[ "$(uname -s)" == Linux ]] || die "only Linux is supported (kube-api-test folder suffix -linux-<arch>)"
case "$(uname -m)" in
  x86_64 | amd64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) die "unsupported machine $(uname -m); kube-api-test knows amd64 and arm64" ;;
esac

target="$KUBE_API_TEST_DIR/k8s/${KUBE_VERSION}-linux-${arch}"

# Prints nothing and succeeds when $1 holds the three binaries reporting the wanted versions.
binaries_ok() {
  local dir="$1"
  [[ -x "$dir/kube-apiserver" && -x "$dir/kubectl" && -x "$dir/etcd" ]] || return 1
  "$dir/kube-apiserver" --version 2>/dev/null | grep -x "Kubernetes v${KUBE_VERSION}" >/dev/null || return 1
  "$dir/kubectl" version --client 2>/dev/null | grep -x "Client Version: v${KUBE_VERSION}" >/dev/null || return 1
  "$dir/etcd" --version 2>/dev/null | grep -x "etcd Version: ${ETCD_VERSION}" >/dev/null || return 1
}

report() {
  echo "kube-apiserver $KUBE_VERSION, kubectl $KUBE_VERSION, etcd $ETCD_VERSION in $target"
}

if binaries_ok "$target"; then
  report
  exit 0
fi

command -v go >/dev/null 2>&1 || die "go is not on the PATH; install Go 1.24 or newer"
go_version="$(go env GOVERSION)"
[[ "$go_version" =~ ^go1\.([0-9]+) ]] || die "cannot read the Go version from '$go_version'"
((BASH_REMATCH[1] >= 24)) || die "building Kubernetes 1.34 needs Go 1.24 or newer; found $go_version"

mkdir -p "$KUBE_API_TEST_DIR/k8s" "$KUBE_BUILD_DIR"
# Two builds at once (parallel Maven modules, say) would race on the output folder.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$KUBE_BUILD_DIR/.lock"
  flock 9
  if binaries_ok "$target"; then
    report
    exit 0
  fi
fi

start_seconds=$SECONDS
export GOWORK=off CGO_ENABLED=0 GOOS=linux GOARCH="$arch"
# A folder name without the -linux-<arch> suffix, so kube-api-test ignores it until the rename.
stage="$(mktemp -d "$KUBE_API_TEST_DIR/k8s/.install-${KUBE_VERSION}.XXXXXX")"
trap 'rm -rf "$stage"' EXIT

prog=install-kube-apiserver
# shellcheck source=scripts/lib/kube-build.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/kube-build.sh"

build_flags=(-trimpath -p "$KUBE_BUILD_JOBS")

# ---- kube-apiserver and kubectl ----
kube_dir="$KUBE_BUILD_DIR/kubernetes-v${KUBE_VERSION}"
log "building kube-apiserver and kubectl v${KUBE_VERSION} (log: $kube_dir/build.log)"
kube_module "$kube_dir" tollgate.local/kube-build
(
  cd "$kube_dir"
  run_go "resolving Kubernetes dependencies" go get "k8s.io/kubernetes/cmd/kube-apiserver@v${KUBE_VERSION}" \
    "k8s.io/kubernetes/cmd/kubectl@v${KUBE_VERSION}"
  run_go "building kube-apiserver and kubectl" go build "${build_flags[@]}" -ldflags "$kube_ldflags" \
    -o "$stage/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl
)

# ---- etcd ----
etcd_dir="$KUBE_BUILD_DIR/etcd-v${ETCD_VERSION}"
log "building etcd v${ETCD_VERSION} (log: $etcd_dir/build.log)"
etcd_mod="$(download_mod "go.etcd.io/etcd/server/v3@v${ETCD_VERSION}")"
[[ -f "$etcd_mod" ]] || die "no go.mod found for go.etcd.io/etcd/server/v3@v${ETCD_VERSION}"
new_module "$etcd_dir" "$etcd_mod" tollgate.local/etcd-build
log_file="$etcd_dir/build.log"
(
  cd "$etcd_dir"
  go mod edit -require="go.etcd.io/etcd/server/v3@v${ETCD_VERSION}"
  run_go "resolving etcd dependencies" go get "go.etcd.io/etcd/server/v3@v${ETCD_VERSION}"
  run_go "building etcd" go build "${build_flags[@]}" -ldflags "-s -w" -o "$stage/etcd" go.etcd.io/etcd/server/v3
)

binaries_ok "$stage" || die "the built binaries do not report the wanted versions:
$("$stage/kube-apiserver" --version 2>&1 | head -1)
$("$stage/kubectl" version --client 2>&1 | head -1)
$("$stage/etcd" --version 2>&1 | head -1)"
chmod 755 "$stage"
rm -rf "$target"
mv "$stage" "$target"
trap - EXIT
log "built in $((SECONDS - start_seconds))s"
report
