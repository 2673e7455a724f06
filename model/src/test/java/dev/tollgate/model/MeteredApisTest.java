package dev.tollgate.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MeteredApisTest {
  @Test
  void servesOnlyTheMeteredCallsAndTheModelList() {
    assertThat(MeteredApis.of("POST", "/v1/chat/completions")).isPresent();
    assertThat(MeteredApis.of("POST", "/v1/embeddings")).isPresent();
    assertThat(MeteredApis.of("GET", "/v1/models/gpt-4o").orElseThrow().servedBy())
        .isEqualTo(MeteredApis.ServedBy.GATEWAY);
    assertThat(MeteredApis.of("GET", "/v1/chat/completions")).isEmpty();
    assertThat(MeteredApis.of("DELETE", "/v1/models/gpt-4o")).isEmpty();
    assertThat(MeteredApis.of("POST", "/v1/files")).isEmpty();
    assertThat(MeteredApis.of("POST", "/v1/chat/completions/")).isEmpty();
  }

  @Test
  void providerCallsAreExactlyThePostsThatRunAModel() {
    assertThat(MeteredApis.PROVIDER_CALLS)
        .extracting(MeteredApis.Endpoint::path)
        .containsExactly(
            "/v1/chat/completions",
            "/v1/completions",
            "/v1/embeddings",
            "/v1/responses",
            "/v1/messages",
            "/v1/messages/count_tokens");
    assertThat(MeteredApis.PROVIDER_CALLS).allMatch(e -> e.method().equals("POST"));
    assertThat(MeteredApis.PROVIDER_CALLS).allMatch(e -> e.operation() != null);
  }

  @Test
  void theLedgerNamesEachClientApiWhereTracesSayChat() {
    assertThat(MeteredApis.apiOfPath("/v1/chat/completions")).isEqualTo("chat");
    assertThat(MeteredApis.apiOfPath("/v1/messages")).isEqualTo("messages");
    assertThat(MeteredApis.apiOfPath("/v1/responses")).isEqualTo("responses");
    assertThat(MeteredApis.apiOfPath("/v1/embeddings")).isEqualTo("embeddings");
    assertThat(MeteredApis.apiOfPath("/v1/completions")).isEqualTo("text_completion");
    assertThat(MeteredApis.apiOfPath("/v1/messages/count_tokens")).isEqualTo("other");
    assertThat(MeteredApis.apiOfPath("/v1/models")).isEqualTo("other");
    assertThat(MeteredApis.apiOfPath("/v1/files")).isEqualTo("other");
    assertThat(MeteredApis.of("POST", "/v1/messages").orElseThrow().operation()).isEqualTo("chat");
  }

  @Test
  void namesTheMethodsOfAPathForAllow() {
    assertThat(MeteredApis.methodsOf("/v1/chat/completions")).containsExactly("POST");
    assertThat(MeteredApis.methodsOf("/v1/models")).containsExactly("GET");
    assertThat(MeteredApis.methodsOf("/v1/files")).isEmpty();
  }

  @Test
  void refusesAPathARouteRegexWouldHaveToEscape() {
    assertThatThrownBy(
            () ->
                new MeteredApis.Endpoint(
                    "POST", "/v1/a.b", false, MeteredApis.ServedBy.PROVIDER, "chat", "chat"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
