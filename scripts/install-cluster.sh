#!/usr/bin/env bash
# Installs what scripts/cluster-up.sh needs: Debian's containerd, runc, CNI plugins, catatonit (the
# pause process), umoci and skopeo (image archives), iptables and conntrack (kube-proxy), then
# builds the Kubernetes binaries (install-kube-apiserver.sh, install-kube-node.sh; cached).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
packages=(containerd runc containernetworking-plugins catatonit umoci skopeo iptables conntrack)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts a system containerd where systemd runs; the cluster starts its own.
  $SUDO systemctl disable --now containerd >/dev/null 2>&1 || true
fi
"$here/install-kube-apiserver.sh" >&2
"$here/install-kube-node.sh" >&2
echo "cluster tools: containerd $(containerd --version | awk '{print $3}'), runc $(runc --version | awk 'NR==1{print $3}')"
