#!/usr/bin/env bash
# Builds the Tollgate image from image/Dockerfile with whichever builder is installed (docker,
# podman, buildah, nerdctl). Usage: scripts/build-image.sh [tag] (default ghcr.io/tollgate-dev/tollgate:0.1.0).
# Our development machines have none of these and cannot reach the base images' registries, so
# this script has not produced an image there; it fails with that message rather than pretend.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tag="${1:-ghcr.io/tollgate-dev/tollgate:0.1.0}"
for builder in docker podman nerdctl; do
  if command -v "$builder" >/dev/null 2>&1; then
    exec "$builder" build -f "$root/image/Dockerfile" -t "$tag" "$root"
  fi
done
if command -v buildah >/dev/null 2>&1; then
  exec buildah bud -f "$root/image/Dockerfile" -t "$tag" "$root"
fi
echo "build-image: no container builder found (docker, podman, buildah or nerdctl)." >&2
echo "build-image: install one, or build image/Dockerfile in CI; the chart expects the image at" >&2
echo "build-image: image.repository/image.tag (default ghcr.io/tollgate-dev/tollgate:0.1.0)." >&2
exit 1
