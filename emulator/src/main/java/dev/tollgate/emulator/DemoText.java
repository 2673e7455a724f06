package dev.tollgate.emulator;

/**
 * The text every emulator answers with, and the token counts it reports: about four characters per
 * input token (as OpenAI documents for English text) and one token per output word.
 */
public final class DemoText {
  private static final String[] WORDS =
      "Tollgate forwarded this request to the demo upstream which answers every prompt with the same calm sentence about budgets and tokens"
          .split(" ");

  private DemoText() {}

  /** Returns how many words the default answer has. */
  public static int defaultWords() {
    return WORDS.length;
  }

  /** Returns word {@code i} of the answer, with its leading space when it is not the first. */
  public static String piece(int i) {
    return (i == 0 ? "" : " ") + WORDS[i % WORDS.length];
  }

  /** Returns the first {@code words} words of the answer. */
  public static String text(int words) {
    StringBuilder text = new StringBuilder(words * 8);
    for (int i = 0; i < words; i++) {
      text.append(piece(i));
    }
    return text.toString();
  }

  /** Returns the input tokens of a text: a quarter of its characters, at least one. */
  public static int tokens(String text) {
    return Math.max(1, (text.length() + 3) / 4);
  }
}
