package dev.tollgate.processor;

import java.util.List;

/**
 * What the processor reads from a request body, and where in its bytes.
 *
 * @param model the requested model, or null when the body names none
 * @param modelStart byte offset of the model's string literal
 * @param modelEnd byte offset just past it
 * @param stream whether {@code "stream": true}
 * @param maxOutputTokens the request's output cap ({@code max_completion_tokens}, else {@code
 *     max_tokens} or {@code max_output_tokens}), or -1 when it sets none
 * @param choices {@code n}, between 1 and 128
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
    String model,
    int modelStart,
    int modelEnd,
    boolean stream,
    long maxOutputTokens,
    int choices,
    List<BodyEdits.Edit> usageEdits,
    CharSequence text,
    long textChars,
    int messages,
    int names,
    int images,
    long tokenIds) {}
