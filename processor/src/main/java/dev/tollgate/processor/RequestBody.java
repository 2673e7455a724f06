package dev.tollgate.processor;

import java.util.List;

/**
 * What the processor reads from a request body, and where in its bytes.
 *
 * @param rootStart byte offset of the body's opening brace
 * @param model the requested model, or null when the body names none
 * @param modelStart byte offset of the model's string literal
 * @param modelEnd byte offset just past it
 * @param stream whether {@code "stream": true}
 * @param caps the output-cap fields the body has ({@code max_tokens}, {@code
 *     max_completion_tokens}, {@code max_output_tokens}), in body order; their non-null values are
 *     equal
 * @param choices the completions generated: the larger of {@code n} and {@code best_of}, between 1
 *     and 128
 * @param usageEdits the edits that make a streamed response report usage; empty when it already
 *     asks for it, or when {@code stream_options} has a type the provider will refuse anyway
 * @param text the prompt text, up to the tokenizer's exact limit, parts separated by newlines
 * @param textChars the length of the whole prompt text, of which {@code text} is the start
 * @param messages the number of messages
 * @param names the number of message names
 * @param images the number of image parts
 * @param tokenIds prompt tokens given as token ids
 */
record RequestBody(
    int rootStart,
    String model,
    int modelStart,
    int modelEnd,
    boolean stream,
    List<Cap> caps,
    int choices,
    List<BodyEdits.Edit> usageEdits,
    CharSequence text,
    long textChars,
    int messages,
    int names,
    int images,
    long tokenIds) {

  /**
   * One output-cap field of the body and where its value is.
   *
   * @param field the field's name
   * @param value its value, or -1 when it is {@code null}
   * @param start byte offset of the value
   * @param end byte offset just past it
   */
  record Cap(String field, long value, int start, int end) {}

  /** The output cap the body asks for, or -1 when it sets none. */
  long maxOutputTokens() {
    for (Cap cap : caps) {
      if (cap.value() >= 0) {
        return cap.value();
      }
    }
    return -1;
  }
}
