# Tollgate: one entry point for the usual tasks. Everything goes through the Maven wrapper and
# the scripts in scripts/, which CI uses too.

.PHONY: build test unit it e2e golden crds translate bench clean

build: ## Compile and package everything (tests skipped)
	./mvnw -B -DskipTests package

test: ## All tests: unit, golden, and integration against real Envoy and Redis
	scripts/test.sh

unit: ## Unit and golden tests only (no Envoy needed)
	./mvnw -B test

it: ## Integration tests against a real Envoy
	scripts/install-envoy.sh
	./mvnw -B verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false

e2e: it ## End-to-end tests (today: the Envoy integration tests; e2e/ arrives with `tollgate run`)

golden: ## Rewrite golden outputs and the committed CRDs after an intended change
	./mvnw -B -q install -DskipITs -Dtollgate.update=true -pl crds,model,envoy-xds -am

crds: golden ## Regenerate crds/generated from the Java API types

translate: ## Print the xDS of examples/multi-team
	bin/tollgate translate -f examples/multi-team

bench: ## Time model building and xDS translation for 200 providers and 2,000 routes
	bench/run-translation.sh

clean:
	./mvnw -B -q clean
