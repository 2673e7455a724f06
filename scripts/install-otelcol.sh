#!/usr/bin/env bash
# Builds a small OpenTelemetry Collector from the Go module proxy for the tracing tests: the core
# OTLP receiver (gRPC and HTTP) and the contrib file exporter (OTLP JSON, one line per batch),
# nothing else. A throwaway main module, generated here, wires the two the way the collector's
# builder (ocb) would; a full contrib distribution would take far longer to build on 2 cores.
#
# Environment:
#   OTELCOL_VERSION          core collector modules, without "v" (default 0.165.0)
#   OTELCOL_STABLE_VERSION   the core's stable (1.x) modules released with it (default 1.71.0)
#   OTELCOL_CONTRIB_VERSION  the contrib file exporter, without "v" (default 0.165.1)
#   OTELCOL_DIR              where the binary, its go.mod and build log live
#                            (default ${XDG_CACHE_HOME:-~/.cache}/tollgate/otelcol)
# Prints the binary's path last. Rebuilds only when a version changes.
set -euo pipefail

OTELCOL_VERSION="${OTELCOL_VERSION:-0.165.0}"
OTELCOL_STABLE_VERSION="${OTELCOL_STABLE_VERSION:-1.71.0}"
OTELCOL_CONTRIB_VERSION="${OTELCOL_CONTRIB_VERSION:-0.165.1}"
OTELCOL_DIR="${OTELCOL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tollgate/otelcol}"

log() { echo "install-otelcol: $*" >&2; }
die() {
  echo "install-otelcol: error: $*" >&2
  exit 1
}
command -v go >/dev/null || die "go is not on the PATH"

binary="$OTELCOL_DIR/bin/tollgate-otelcol"
stamp="$OTELCOL_DIR/versions"
want="core=$OTELCOL_VERSION stable=$OTELCOL_STABLE_VERSION contrib=$OTELCOL_CONTRIB_VERSION script=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)"
if [[ -x "$binary" && "$(cat "$stamp" 2>/dev/null)" == "$want" ]]; then
  echo "$binary"
  exit 0
fi

src="$OTELCOL_DIR/src"
rm -rf "$src"
mkdir -p "$src" "$OTELCOL_DIR/bin"
cd "$src"
cat >main.go <<'GO'
// Command tollgate-otelcol is an OpenTelemetry Collector with only the OTLP receiver and the file
// exporter, for Tollgate's tracing tests.
package main

import (
	"log"

	"github.com/open-telemetry/opentelemetry-collector-contrib/exporter/fileexporter"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/otelcol"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/service/telemetry/otelconftelemetry"
)

func factories() (otelcol.Factories, error) {
	receivers, err := otelcol.MakeFactoryMap[receiver.Factory](otlpreceiver.NewFactory())
	if err != nil {
		return otelcol.Factories{}, err
	}
	exporters, err := otelcol.MakeFactoryMap[exporter.Factory](fileexporter.NewFactory())
	if err != nil {
		return otelcol.Factories{}, err
	}
	return otelcol.Factories{
		Receivers: receivers,
		Exporters: exporters,
		Telemetry: otelconftelemetry.NewFactory(),
	}, nil
}

func main() {
	settings := otelcol.CollectorSettings{
		BuildInfo: component.BuildInfo{
			Command:     "tollgate-otelcol",
			Description: "OTLP receiver and file exporter for Tollgate's tests",
			Version:     "test",
		},
		Factories: factories,
		ConfigProviderSettings: otelcol.ConfigProviderSettings{
			ResolverSettings: confmap.ResolverSettings{
				ProviderFactories: []confmap.ProviderFactory{
					envprovider.NewFactory(), fileprovider.NewFactory(),
				},
				DefaultScheme: "env",
			},
		},
	}
	if err := otelcol.NewCommand(settings).Execute(); err != nil {
		log.Fatal(err)
	}
}
GO
go mod init tollgate.dev/otelcol >/dev/null 2>&1
log "building the collector $OTELCOL_VERSION with the file exporter $OTELCOL_CONTRIB_VERSION (a few minutes on 2 cores the first time)"
# Every imported package pinned, and no `go mod tidy`: tidy would also fetch the test-only
# dependencies of the exporter, one of which the proxy does not serve.
{
  go get "go.opentelemetry.io/collector/otelcol@v$OTELCOL_VERSION" \
    "go.opentelemetry.io/collector/receiver/otlpreceiver@v$OTELCOL_VERSION" \
    "github.com/open-telemetry/opentelemetry-collector-contrib/exporter/fileexporter@v$OTELCOL_CONTRIB_VERSION" \
    "go.opentelemetry.io/collector/component@v$OTELCOL_STABLE_VERSION" \
    "go.opentelemetry.io/collector/confmap@v$OTELCOL_STABLE_VERSION" \
    "go.opentelemetry.io/collector/confmap/provider/envprovider@v$OTELCOL_STABLE_VERSION" \
    "go.opentelemetry.io/collector/confmap/provider/fileprovider@v$OTELCOL_STABLE_VERSION" \
    "go.opentelemetry.io/collector/exporter@v$OTELCOL_STABLE_VERSION" \
    "go.opentelemetry.io/collector/receiver@v$OTELCOL_STABLE_VERSION" \
    "go.opentelemetry.io/collector/service/telemetry/otelconftelemetry@v$OTELCOL_VERSION"
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$binary.new" .
} >"$OTELCOL_DIR/build.log" 2>&1 || { tail -40 "$OTELCOL_DIR/build.log" >&2; die "build failed (log: $OTELCOL_DIR/build.log)"; }
mv "$binary.new" "$binary"
"$binary" --version >/dev/null || die "the built collector does not start"
echo "$want" >"$stamp"
log "$("$binary" --version)"
echo "$binary"
