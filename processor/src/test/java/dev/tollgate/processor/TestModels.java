package dev.tollgate.processor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModelBuilder;
import dev.tollgate.model.source.LoadResult;
import dev.tollgate.model.source.ManifestReader;

/** Gateway models the tests share. */
final class TestModels {
  static final String ALICE_KEY = "tg-test-alice-key-0001";
  static final String BOB_KEY = "tg-test-bob-key-000002";

  private TestModels() {}

  /** Builds a model from manifests, failing on any load error. */
  static GatewayModel build(String yaml) {
    LoadResult loaded = new ManifestReader().readString("test", yaml);
    assertThat(loaded.errors()).isEmpty();
    return GatewayModelBuilder.build(loaded.snapshot());
  }

  /**
   * Team {@code team-a}: client alice; an OpenAI provider with gpt-4o-mini (context 128k, priced)
   * and a compatible one with llama (context 8192). Rule 0 serves {@code fast} and {@code
   * gpt-4o-mini} from OpenAI; rule 1 serves {@code small} from llama; rule 2 {@code split} from
   * both. Team {@code team-b}: client bob, model {@code other}; JWT clients from {@code issuer}.
   */
  static String yaml(int upstreamPort, String issuer, String jwksUri) {
    return """
        apiVersion: v1
        kind: Secret
        metadata: {name: openai-key, namespace: team-a}
        stringData: {apiKey: sk-upstream-openai-secret}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: alice, namespace: team-a, labels: {tollgate.dev/client-key: "true"}}
        stringData: {apiKey: %s}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: bob, namespace: team-b, labels: {tollgate.dev/client-key: "true"}}
        stringData: {apiKey: %s}
        ---
        apiVersion: tollgate.dev/v1alpha1
        kind: ModelProvider
        metadata: {name: openai, namespace: team-a}
        spec:
          type: OpenAI
          endpoint: {url: "http://127.0.0.1:%d"}
          credentials: {name: openai-key}
          models:
            - name: gpt-4o-mini
              contextWindow: 128000
              pricing: {currency: USD, inputPerMillion: "0.15", outputPerMillion: "0.60", cachedInputPerMillion: "0.075"}
        ---
        apiVersion: tollgate.dev/v1alpha1
        kind: ModelProvider
        metadata: {name: local, namespace: team-a}
        spec:
          type: OpenAICompatible
          endpoint: {url: "http://127.0.0.1:%d"}
          models:
            - name: llama
              contextWindow: 8192
        ---
        apiVersion: tollgate.dev/v1alpha1
        kind: AIRoute
        metadata: {name: chat, namespace: team-a}
        spec:
          clients: {apiKeys: {secretSelector: {matchLabels: {tollgate.dev/client-key: "true"}}}}
          rules:
            - models: [fast, gpt-4o-mini]
              backends:
                - {provider: {name: openai}, model: gpt-4o-mini}
            - models: [small]
              backends:
                - {provider: {name: local}, model: llama}
            - models: [split]
              backends:
                - {provider: {name: openai}, model: gpt-4o-mini, weight: 50}
                - {provider: {name: local}, model: llama, weight: 50}
        ---
        apiVersion: tollgate.dev/v1alpha1
        kind: TokenQuota
        metadata: {name: budget, namespace: team-a}
        spec:
          limits:
            - {name: tokens, type: Tokens, amount: "1000000", window: 1m, per: [Client]}
        ---
        apiVersion: tollgate.dev/v1alpha1
        kind: ModelProvider
        metadata: {name: local, namespace: team-b}
        spec:
          type: OpenAICompatible
          endpoint: {url: "http://127.0.0.1:%d"}
          models: [{name: llama}]
        ---
        apiVersion: tollgate.dev/v1alpha1
        kind: AIRoute
        metadata: {name: assist, namespace: team-b}
        spec:
          clients:
            apiKeys: {secretSelector: {matchLabels: {tollgate.dev/client-key: "true"}}}
            jwt: {issuer: "%s", jwksUri: "%s", audiences: [tollgate], clientClaim: azp}
          rules:
            - models: [other]
              backends:
                - {provider: {name: local}, model: llama}
        """
        .formatted(ALICE_KEY, BOB_KEY, upstreamPort, upstreamPort, upstreamPort, issuer, jwksUri);
  }

  /**
   * An ext_proc client of a processor with default settings, no JWT keys and a manual clock at
   * {@link ProcessorExchangeTest#T0}, serving a model; access-log lines go to {@code accessLog}.
   */
  static ExtProcClient client(GatewayModel model, java.util.List<String> accessLog)
      throws Exception {
    Processor processor =
        new Processor(
            ProcessorConfig.defaults(),
            new dev.tollgate.testkit.MutableClock(ProcessorExchangeTest.T0),
            new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
            new GeneratedInputTest.NoKeys(),
            new AccessLog(accessLog::add));
    processor.update(model);
    return new ExtProcClient(processor);
  }

  /** The shared model with no real upstream. */
  static GatewayModel standard() {
    return build(yaml(9, "https://issuer.example", "https://issuer.example/jwks"));
  }
}
