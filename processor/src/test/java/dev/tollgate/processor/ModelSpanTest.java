package dev.tollgate.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ModelSpanTest {
  static String spanned(String json) {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    String[] span = ModelSpan.of(bytes).split(",");
    int start = Integer.parseInt(span[0]);
    int end = Integer.parseInt(span[1]);
    return new String(bytes, start, end - start, StandardCharsets.UTF_8);
  }

  @Test
  void marksTheTopLevelModelStringQuotesIncludedInBytesNotChars() {
    assertThat(spanned("{\"model\":\"canary\"}")).isEqualTo("\"canary\"");
    // Multi-byte text and nested "model" fields before it: the span is in bytes, top level only.
    assertThat(
            spanned(
                "{\"system\":\"\u00e9t\u00e9 \u2603\",\"tools\":[{\"input_schema\":{\"model\":\"x\"}}],"
                    + "\"metadata\":{\"model\":\"y\"}, \"model\" : \"claude-canary\",\"max_tokens\":8}"))
        .isEqualTo("\"claude-canary\"");
  }

  @Test
  void aBodyWithoutATopLevelModelStringIsTheGatewaysOwnBug() {
    assertThatThrownBy(() -> ModelSpan.of("{\"messages\":[{\"model\":\"x\"}]}".getBytes()))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> ModelSpan.of("[1]".getBytes()))
        .isInstanceOf(IllegalStateException.class);
  }
}
