package dev.tollgate.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class AnthropicToOpenAiChatTest {
  private static final String BODY =
      "{\"model\":\"x\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

  private static String translate(RequestOptions options) throws UntranslatableRequest {
    return new String(
        RequestTranslator.ANTHROPIC_TO_OPENAI_CHAT
            .translate(BODY.getBytes(StandardCharsets.UTF_8), options)
            .body(),
        StandardCharsets.UTF_8);
  }

  @Test
  void theOutputCapGoesInTheFieldTheBackendReads() throws Exception {
    assertThat(translate(new RequestOptions("gpt-4o", 1024, TranslationGoldenTest.CLOCK)))
        .contains("\"max_completion_tokens\":64")
        .doesNotContain("\"max_tokens\"");
    assertThat(
            translate(
                new RequestOptions(
                    "llama", 1024, TranslationGoldenTest.CLOCK, RequestOptions.MAX_TOKENS)))
        .contains("\"max_tokens\":64")
        .doesNotContain("max_completion_tokens");
  }

  @Test
  void aReasoningModelGetsMaxCompletionTokensEvenWhereTheRuleReadsMaxTokens() throws Exception {
    // A mixed rule writes max_tokens for its OpenAI-style servers; OpenAI's reasoning models
    // refuse that field.
    for (String model : new String[] {"o4-mini", "o3", "gpt-5.5", "gpt-5-mini", "openai/o1"}) {
      assertThat(
              translate(
                  new RequestOptions(
                      model, 1024, TranslationGoldenTest.CLOCK, RequestOptions.MAX_TOKENS)))
          .as(model)
          .contains("\"max_completion_tokens\":64")
          .doesNotContain("\"max_tokens\"");
    }
    for (String model : new String[] {"gpt-4o", "gpt-5-chat-latest", "llama-3.1-8b", "olmo-2"}) {
      assertThat(OpenAiReasoning.reasoningModel(model)).as(model).isFalse();
    }
  }

  @Test
  void refusesAnyOtherCapField() {
    assertThatThrownBy(
            () -> new RequestOptions("gpt-4o", 1024, TranslationGoldenTest.CLOCK, "max_output"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
