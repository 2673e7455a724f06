package dev.tollgate.processor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OperationTest {
  @Test
  void namesTheOperationOfEveryMeteredCallAndOtherForTheRest() {
    assertThat(Operation.ofPath("/v1/chat/completions")).isEqualTo(Operation.CHAT);
    assertThat(Operation.ofPath("/v1/completions")).isEqualTo(Operation.TEXT_COMPLETION);
    assertThat(Operation.ofPath("/v1/embeddings")).isEqualTo(Operation.EMBEDDINGS);
    assertThat(Operation.ofPath("/v1/responses")).isEqualTo(Operation.CHAT);
    assertThat(Operation.ofPath("/v1/files")).isEqualTo(Operation.OTHER);
    assertThat(Operation.ofPath("/v1/models")).isEqualTo(Operation.OTHER);
  }
}
