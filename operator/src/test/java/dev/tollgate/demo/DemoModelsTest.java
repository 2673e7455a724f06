package dev.tollgate.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.v1alpha1.ProviderType;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModelBuilder;
import dev.tollgate.model.source.LoadResult;
import dev.tollgate.model.source.ManifestReader;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoModelsTest {
  static final String MANIFESTS =
      """
      apiVersion: v1
      kind: Secret
      metadata: {name: key, namespace: ns}
      stringData: {apiKey: demo-upstream-secret-key}
      ---
      apiVersion: tollgate.dev/v1alpha1
      kind: ModelProvider
      metadata: {name: demo, namespace: ns}
      spec:
        type: OpenAICompatible
        endpoint: {url: "http://127.0.0.1:10003"}
        credentials: {name: key}
        models: [{name: demo-chat}, {name: demo-chat-unavailable}]
      ---
      apiVersion: tollgate.dev/v1alpha1
      kind: ModelProvider
      metadata: {name: openai-local, namespace: ns}
      spec:
        type: OpenAI
        endpoint: {url: "http://localhost:10003"}
        credentials: {name: key}
        models: [{name: gpt-4o-mini}]
      ---
      apiVersion: tollgate.dev/v1alpha1
      kind: ModelProvider
      metadata: {name: azure, namespace: ns}
      spec:
        type: AzureOpenAI
        endpoint: {url: "http://127.0.0.1:10003"}
        azure: {apiVersion: "2024-10-21"}
        credentials: {name: key}
        models: [{name: gpt-4o, deployment: eu-gpt4o}, {name: text-embedding-3-small}]
      ---
      apiVersion: tollgate.dev/v1alpha1
      kind: ModelProvider
      metadata: {name: elsewhere, namespace: ns}
      spec:
        type: OpenAICompatible
        endpoint: {url: "http://127.0.0.1:9999"}
        credentials: {name: key}
        models: [{name: not-the-demos}]
      """;

  static GatewayModel model(String yaml) {
    LoadResult loaded = new ManifestReader().readString("test.yaml", yaml);
    assertThat(loaded.errors()).isEmpty();
    return GatewayModelBuilder.build(loaded.snapshot());
  }

  @Test
  void servesTheModelsOfTheProvidersPointingAtTheDemoOnly() {
    DemoModels models = DemoModels.fromProvidersAt(10003);
    assertThat(models.names(ProviderType.OpenAI, ProviderType.OpenAICompatible)).isEmpty();

    models.update(model(MANIFESTS));

    assertThat(models.names(ProviderType.OpenAI, ProviderType.OpenAICompatible))
        .containsExactly("demo-chat", "demo-chat-unavailable", "gpt-4o-mini");
    assertThat(models.deployments())
        .isEqualTo(
            Map.of("eu-gpt4o", "gpt-4o", "text-embedding-3-small", "text-embedding-3-small"));
  }

  @Test
  void forgetsAModelWhenItsProviderStopsOfferingIt() {
    DemoModels models = DemoModels.fromProvidersAt(10003);
    models.update(model(MANIFESTS));
    models.update(model(MANIFESTS.replace(", {name: demo-chat-unavailable}", "")));
    assertThat(models.names(ProviderType.OpenAICompatible)).containsExactly("demo-chat");
  }
}
