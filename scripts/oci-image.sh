#!/usr/bin/env bash
# Packs a root file system folder into an OCI image archive with umoci (Debian's package), without
# Docker or a registry. The output is reproducible: one layer written by GNU tar with sorted names,
# numeric root ownership and every time set to SOURCE_DATE_EPOCH (default 0), an image config
# whose created time is that epoch and no history entries, so the same folder always gives the
# same digest.
#
# The archive is an OCI image layout in a tar file; `ctr -n k8s.io images import FILE` and
# `skopeo copy oci-archive:FILE docker://REGISTRY/NAME:TAG` both read it (index.json names the image
# for containerd with io.containerd.image.name and for skopeo with org.opencontainers.image.ref.name).
#
# Usage: oci-image.sh --ref NAME:TAG --rootfs DIR --out FILE.tar [--user UID:GID] [--workdir DIR]
#          [--entrypoint ARG]... [--cmd ARG]... [--env K=V]... [--label K=V]... [--expose PORT]...
set -euo pipefail

die() {
  echo "oci-image: error: $*" >&2
  exit 1
}
ref="" rootfs="" out="" user="" workdir="/"
entrypoint=() cmd=() envs=() labels=() exposed=()
while (($#)); do
  case "$1" in
    --ref) ref="$2" ;;
    --rootfs) rootfs="$2" ;;
    --out) out="$2" ;;
    --user) user="$2" ;;
    --workdir) workdir="$2" ;;
    --entrypoint) entrypoint+=("$2") ;;
    --cmd) cmd+=("$2") ;;
    --env) envs+=("$2") ;;
    --label) labels+=("$2") ;;
    --expose) exposed+=("$2") ;;
    *) die "unknown argument $1" ;;
  esac
  shift 2
done
[[ -n "$ref" && -n "$rootfs" && -n "$out" ]] || die "--ref, --rootfs and --out are required"
[[ "$ref" =~ ^[a-z0-9./-]+:[A-Za-z0-9._-]+$ ]] || die "--ref must look like registry/name:tag; got '$ref'"
[[ -d "$rootfs" ]] || die "no root file system folder $rootfs"
command -v umoci >/dev/null 2>&1 || die "umoci is not installed (apt-get install umoci)"
tag="${ref##*:}"
epoch="${SOURCE_DATE_EPOCH:-0}"
created="$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)"

work="$(mktemp -d "${TMPDIR:-/tmp}/oci-image.XXXXXX")"
trap 'rm -rf "$work"' EXIT
tar --sort=name --mtime="@$epoch" --clamp-mtime --owner=0 --group=0 --numeric-owner \
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
  -C "$rootfs" -cf "$work/layer.tar" .
layout="$work/layout"
umoci init --layout "$layout"
umoci new --image "$layout:$tag"
umoci raw add-layer --no-history --image "$layout:$tag" "$work/layer.tar"
config_args=(--no-history --created "$created" --os linux --architecture amd64 --config.workingdir "$workdir")
[[ -n "$user" ]] && config_args+=(--config.user "$user")
for a in "${entrypoint[@]}"; do config_args+=(--config.entrypoint "$a"); done
for a in "${cmd[@]}"; do config_args+=(--config.cmd "$a"); done
for a in "${envs[@]}"; do config_args+=(--config.env "$a"); done
for a in "${labels[@]}"; do config_args+=(--config.label "$a"); done
for a in "${exposed[@]}"; do config_args+=(--config.exposedports "$a"); done
umoci config --image "$layout:$tag" "${config_args[@]}"
umoci gc --layout "$layout"
python3 - "$layout/index.json" "$ref" <<'PY'
import json, sys
path, ref = sys.argv[1], sys.argv[2]
index = json.load(open(path))
for m in index["manifests"]:
    m.setdefault("annotations", {})["io.containerd.image.name"] = ref
    m["annotations"]["org.opencontainers.image.ref.name"] = ref
json.dump(index, open(path, "w"), sort_keys=True, separators=(",", ":"))
PY
mkdir -p "$(dirname "$out")"
tar --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner -C "$layout" -cf "$out.part" .
mv "$out.part" "$out"
python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "$layout/index.json"
