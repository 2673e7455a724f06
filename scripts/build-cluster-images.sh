#!/usr/bin/env bash
# Builds the cluster's own images into OCI archives in folder $1 (default
# ~/.cache/tollgate/images): pause (Debian's static catatonit in pause mode, as Podman uses it) and
# CoreDNS (the binary scripts/install-kube-node.sh builds). Each runs as a non-root user. An archive
# is rebuilt only when its inputs (binary, this script, oci-image.sh) change.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/cluster-env.sh
source "$here/cluster-env.sh"
out="${1:-${TOLLGATE_IMAGE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tollgate/images}}"
mkdir -p "$out"
die() {
  echo "build-cluster-images: error: $*" >&2
  exit 1
}

# build NAME REF BINARY -- oci-image.sh options: one static binary at /NAME-of-binary.
build_static() {
  local name="$1" ref="$2" binary="$3"
  shift 3
  [[ -x "$binary" ]] || die "$binary is missing"
  local key
  key="$(cat "$binary" "$here/oci-image.sh" "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16) $ref $*"
  if [[ -f "$out/$name.tar" && "$(cat "$out/$name.key" 2>/dev/null)" == "$key" ]]; then
    return 0
  fi
  local rootfs
  rootfs="$(mktemp -d)"
  mkdir -p "$rootfs/tmp" "$rootfs/etc"
  chmod 1777 "$rootfs/tmp"
  install -m 755 "$binary" "$rootfs/$(basename "$binary")"
  printf 'root:x:0:0:root:/:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/:/sbin/nologin\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$rootfs/etc/group"
  "$here/oci-image.sh" --ref "$ref" --rootfs "$rootfs" --out "$out/$name.tar" "$@" 2>/dev/null >"$out/$name.digest"
  rm -rf "$rootfs"
  echo "$key" >"$out/$name.key"
  echo "build-cluster-images: $ref $(cat "$out/$name.digest") -> $out/$name.tar" >&2
}

build_static pause "$PAUSE_IMAGE" "$(command -v catatonit)" \
  --user 65535:65535 --entrypoint /catatonit --entrypoint -P
build_static coredns "$COREDNS_IMAGE" "$KUBE_BIN_NODE/coredns" \
  --user 65532:65532 --entrypoint /coredns
