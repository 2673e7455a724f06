package dev.tollgate.processor;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.Locale;

/**
 * Counts tokens with the tokenizer of a model (jtokkit's tiktoken encodings), and with cl100k_base
 * for models whose tokenizer is not known (Llama, Mistral and others: within a few tens of percent
 * of their own tokenizers, which the commit of actual usage corrects anyway). Thread-safe.
 */
final class TokenEstimator {
  /** Shared: encodings are immutable, and loading one takes a noticeable fraction of a second. */
  private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();

  private final int exactChars;

  TokenEstimator(int exactChars) {
    this.exactChars = exactChars;
  }

  /**
   * A model's tokenizer.
   *
   * @param encoding the encoding
   * @param exact whether it is the model's own tokenizer rather than the fallback
   */
  record Tokenizer(Encoding encoding, boolean exact) {}

  /** Returns the tokenizer of an upstream model name. */
  Tokenizer forModel(String model) {
    String name = model.toLowerCase(Locale.ROOT);
    // Newer OpenAI families that jtokkit 1.1.0 does not know by name all use o200k_base.
    if (name.startsWith("o1")
        || name.startsWith("o3")
        || name.startsWith("o4")
        || name.startsWith("gpt-4.1")
        || name.startsWith("gpt-4.5")
        || name.startsWith("gpt-5")
        || name.startsWith("chatgpt-4o")) {
      return new Tokenizer(REGISTRY.getEncoding(EncodingType.O200K_BASE), true);
    }
    return REGISTRY
        .getEncodingForModel(name)
        .map(e -> new Tokenizer(e, true))
        .orElseGet(() -> new Tokenizer(REGISTRY.getEncoding(EncodingType.CL100K_BASE), false));
  }

  /**
   * Counts the tokens of a text of which only the start is at hand: {@code prefix} is counted and
   * the count scaled up to {@code totalChars}, rounded up.
   */
  long countExtrapolated(Encoding encoding, CharSequence prefix, long totalChars) {
    long counted = count(encoding, prefix);
    int length = prefix.length();
    if (totalChars <= length || length == 0) {
      return counted;
    }
    double scaled = Math.ceil((double) counted * totalChars / length);
    return scaled >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) scaled;
  }

  /**
   * Counts the tokens of a text. Special tokens such as {@code <|endoftext|>} count as ordinary
   * text, so a prompt cannot make the tokenizer throw. Beyond {@code exactChars} characters the
   * count is extrapolated from the prefix's tokens per character, rounded up.
   */
  long count(Encoding encoding, CharSequence text) {
    int length = text.length();
    if (length == 0) {
      return 0;
    }
    if (length <= exactChars) {
      return countSafely(encoding, text.toString());
    }
    long prefix = countSafely(encoding, text.subSequence(0, exactChars).toString());
    return (prefix * length + exactChars - 1) / exactChars;
  }

  /**
   * Counts with the tokenizer, which refuses text that is not valid UTF-16 (JSON may carry lone
   * surrogates as escapes): those become U+FFFD first. Should the tokenizer fail anyway, the count
   * falls back to one token per four characters, the usual English average.
   */
  private static long countSafely(Encoding encoding, String text) {
    try {
      return encoding.countTokensOrdinary(wellFormed(text));
    } catch (RuntimeException e) {
      return (text.length() + 3) / 4;
    }
  }

  private static String wellFormed(String text) {
    StringBuilder fixed = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean lone;
      if (Character.isHighSurrogate(c)) {
        lone = i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1));
        if (!lone) {
          if (fixed != null) {
            fixed.append(c).append(text.charAt(i + 1));
          }
          i++;
          continue;
        }
      } else {
        lone = Character.isLowSurrogate(c);
      }
      if (lone && fixed == null) {
        fixed = new StringBuilder(text.length()).append(text, 0, i);
      }
      if (fixed != null) {
        fixed.append(lone ? '\uFFFD' : c);
      }
    }
    return fixed == null ? text : fixed.toString();
  }
}
