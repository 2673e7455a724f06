package dev.tollgate.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModelBuilder;
import dev.tollgate.model.source.ManifestReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ProviderCredentialsTest {
  @Test
  void anOpenAiCompatibleProviderNamesItsKeyHeaderAndScheme() throws IOException {
    GatewayModel model = model("provider-compatible-api-path");
    GatewayModel.Provider gemini = model.provider("ai", "gemini").orElseThrow();
    GatewayModel.Provider vllm = model.provider("ai", "vllm").orElseThrow();

    // A header of its own: the bare key, unless a scheme is named.
    assertThat(ProviderCredentials.header(gemini)).isEqualTo("x-goog-api-key");
    assertThat(ProviderCredentials.headerValue(model, gemini)).isEqualTo("gemini-golden-key");
    // Authorization with another scheme.
    assertThat(ProviderCredentials.header(vllm)).isEqualTo("Authorization");
    assertThat(ProviderCredentials.headerValue(model, vllm)).isEqualTo("Token vllm-golden-key");
  }

  @Test
  void otherProvidersKeepTheirTypesHeader() throws IOException {
    GatewayModel model = model("provider-compatible-service");
    GatewayModel.Provider groq = model.provider("ai", "groq").orElseThrow();

    assertThat(ProviderCredentials.header(groq)).isEqualTo("Authorization");
    assertThat(ProviderCredentials.headerValue(model, groq)).isEqualTo("Bearer gsk-golden");
  }

  private static GatewayModel model(String goldenCase) throws IOException {
    Path input = Path.of("src", "test", "resources", "golden", goldenCase + ".in.yaml");
    var loaded = new ManifestReader().readString(goldenCase, Files.readString(input));
    return GatewayModelBuilder.build(loaded.snapshot());
  }
}
