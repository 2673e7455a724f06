#!/usr/bin/env bash
# Installs what the chart's tests need, from the Go module proxy:
#   - helm (helm.sh/helm/v3) and kubeconform (github.com/yannh/kubeconform), built with `go install`;
#   - glua (github.com/yuin/gopher-lua), the Lua interpreter Argo CD embeds, to run our Argo CD
#     health checks;
#   - the sources of the schemas kubeconform validates against, taken from module zips: the
#     Kubernetes OpenAPI document (k8s.io/kubernetes, api/openapi-spec/swagger.json), the Prometheus
#     Operator's ServiceMonitor CRD and Argo CD's Application CRD.
# scripts/kubeconform-schemas.py turns those (and Tollgate's own CRDs) into kubeconform's schemas.
#
# Everything lands in $CHART_TOOLS_DIR (default ${XDG_CACHE_HOME:-~/.cache}/tollgate/chart-tools):
#   bin/helm, bin/kubeconform, bin/glua, sources/{swagger.json,servicemonitor-crd.yaml,application-crd.yaml}
# and is reused while the versions below do not change. Prints the bin folder last.
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-3.22.0}"
KUBECONFORM_VERSION="${KUBECONFORM_VERSION:-0.7.0}"
GOPHER_LUA_VERSION="${GOPHER_LUA_VERSION:-1.1.1}"
# The Kubernetes whose API the schemas describe: the one the operator's tests run.
KUBE_VERSION="${KUBE_VERSION:-1.34.4}"
PROMETHEUS_OPERATOR_VERSION="${PROMETHEUS_OPERATOR_VERSION:-0.89.0}"
ARGOCD_VERSION="${ARGOCD_VERSION:-3.2.0}"
CHART_TOOLS_DIR="${CHART_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tollgate/chart-tools}"

log() { echo "install-chart-tools: $*" >&2; }
die() {
  echo "install-chart-tools: error: $*" >&2
  exit 1
}
command -v go >/dev/null || die "go is not on the PATH"

bin="$CHART_TOOLS_DIR/bin"
sources="$CHART_TOOLS_DIR/sources"
mkdir -p "$bin" "$sources"
stamp="$CHART_TOOLS_DIR/versions"
want="helm=$HELM_VERSION kubeconform=$KUBECONFORM_VERSION gopher-lua=$GOPHER_LUA_VERSION kubernetes=$KUBE_VERSION prometheus-operator=$PROMETHEUS_OPERATOR_VERSION argocd=$ARGOCD_VERSION"
if [[ -x "$bin/helm" && -x "$bin/kubeconform" && -x "$bin/glua" && -s "$sources/swagger.json" \
  && -s "$sources/servicemonitor-crd.yaml" && -s "$sources/application-crd.yaml" \
  && "$(cat "$stamp" 2>/dev/null)" == "$want" ]]; then
  echo "$bin"
  exit 0
fi

# A throwaway module keeps `go` from reading a go.mod of the caller's working directory.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
go mod init tollgate.dev/chart-tools >/dev/null 2>&1

# helm's Makefile stamps its version and the Kubernetes version it assumes when no cluster is
# asked (--kube-version); without them `helm template` would assume Kubernetes 1.20.
client_go="$(go mod download -json "helm.sh/helm/v3@v$HELM_VERSION" >/dev/null \
  && grep -E '^\s*k8s.io/client-go ' "$(go env GOMODCACHE)/cache/download/helm.sh/helm/v3/@v/v$HELM_VERSION.mod" \
  | awk '{print $2}')"
[[ "$client_go" =~ ^v0\.([0-9]+)\. ]] || die "cannot read helm $HELM_VERSION's client-go version"
kube_minor="${BASH_REMATCH[1]}"
log "building helm $HELM_VERSION (about 2 minutes on 2 cores the first time)"
GOBIN="$bin" go install -ldflags "\
 -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION\
 -X helm.sh/helm/v3/internal/version.gitTreeState=clean\
 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1\
 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$kube_minor\
 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1\
 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$kube_minor" \
  "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION"
log "building kubeconform $KUBECONFORM_VERSION"
GOBIN="$bin" go install "github.com/yannh/kubeconform/cmd/kubeconform@v$KUBECONFORM_VERSION"
log "building glua (gopher-lua $GOPHER_LUA_VERSION)"
GOBIN="$bin" go install "github.com/yuin/gopher-lua/cmd/glua@v$GOPHER_LUA_VERSION"

module_dir() { go mod download -json "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("Dir") or sys.exit(d.get("Error","no Dir")))'; }
log "fetching schema sources (Kubernetes $KUBE_VERSION, Prometheus Operator $PROMETHEUS_OPERATOR_VERSION, Argo CD $ARGOCD_VERSION)"
k8s="$(module_dir "k8s.io/kubernetes@v$KUBE_VERSION")"
cp "$k8s/api/openapi-spec/swagger.json" "$sources/swagger.json"
promop="$(module_dir "github.com/prometheus-operator/prometheus-operator@v$PROMETHEUS_OPERATOR_VERSION")"
cp "$promop/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml" "$sources/servicemonitor-crd.yaml"
argocd="$(module_dir "github.com/argoproj/argo-cd/v3@v$ARGOCD_VERSION")"
cp "$argocd/manifests/crds/application-crd.yaml" "$sources/application-crd.yaml"
chmod -R u+w "$sources"
echo "$want" >"$stamp"
log "$("$bin/helm" version --short), kubeconform $("$bin/kubeconform" -v)"
echo "$bin"
