# Tollgate: one entry point for the usual tasks. Everything goes through the Maven wrapper and
# the scripts in scripts/, which CI uses too.

.PHONY: build run test unit it e2e golden crds manifests chart cluster-test translate bench clean

build: ## Compile and package everything (tests skipped)
	./mvnw -B -DskipTests package

run: ## The gateway on examples/quickstart (installs Envoy when missing)
	scripts/run-quickstart.sh

test: ## All tests: unit, golden, and integration against real Envoy and Redis
	scripts/test.sh

unit: ## Unit and golden tests only (no Envoy needed)
	./mvnw -B test

it: ## Integration and end-to-end tests (real Envoy, Redis, kube-apiserver)
	scripts/test.sh -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false

e2e: ## End-to-end tests: tollgate run driven over HTTP and by the OpenAI client
	scripts/test.sh -pl e2e -am -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false

golden: ## Rewrite golden outputs, the committed CRDs and the chart's copies of them
	./mvnw -B -q install -DskipITs -Dtollgate.update=true -pl crds,model,envoy-xds,ratelimit,helm -am

crds: golden ## Regenerate crds/generated from the Java API types

manifests: ## Render deploy/tollgate.yaml from the chart (after changing helm/tollgate or the CRDs)
	scripts/install-chart-tools.sh >/dev/null
	scripts/render-manifests.sh

chart: ## The chart's tests: lint, template, kubeconform, dry-run on a real kube-apiserver
	scripts/install-chart-tools.sh >/dev/null
	scripts/install-envoy.sh
	scripts/install-kube-apiserver.sh
	./mvnw -B -q install -pl crds -DskipTests
	./mvnw -B verify -pl helm

cluster-test: ## ClusterIT: the chart on a single-node cluster in a network namespace (root; docs/cluster.md)
	scripts/install-chart-tools.sh >/dev/null
	scripts/install-e2e-python.sh >/dev/null
	scripts/install-cluster.sh
	./mvnw -B -DskipTests -pl operator -am package
	scripts/build-images.sh
	./mvnw -B verify -pl helm -am -Dit.test=ClusterIT -Dfailsafe.failIfNoSpecifiedTests=false -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false

translate: ## Print the xDS of examples/multi-team
	bin/tollgate translate -f examples/multi-team

bench: ## Translation, rate-limit service and processor benchmarks (results in bench/)
	bench/run-translation.sh
	bench/ratelimit/run.sh
	bench/processor/run.sh

bench-compare: ## Tollgate beside a direct call, raw Envoy, LiteLLM and Portkey (~25 min; bench/results/)
	bench/compare/run.sh

clean:
	./mvnw -B -q clean
