package dev.tollgate.processor;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyMutation;
import java.util.Arrays;

/**
 * An upstream error body, held back chunk by chunk and released whole, in OpenAI's shape, with its
 * last chunk. One per error response; not thread-safe.
 */
final class ErrorBody {
  private final int status;
  private final int limit;
  private final boolean anthropic;
  private byte[] bytes;
  private int length;
  private boolean truncated;

  /**
   * Starts reading an error body.
   *
   * @param status the response status
   * @param limit the largest body read to rewrite; a longer one passes as it came, cut there
   * @param anthropic whether the call is Anthropic's, whose errors take {@link AnthropicErrors}'
   *     shape
   */
  ErrorBody(int status, int limit, boolean anthropic) {
    this.status = status;
    this.limit = limit;
    this.anthropic = anthropic;
    this.bytes = new byte[Math.min(4096, limit)];
  }

  /** The short code the access log gets for this error, never the provider's message text. */
  String code() {
    return status == 429 ? "rate_limited" : "upstream_" + status;
  }

  /** Takes a chunk: an empty body while more is to come, the whole rewritten body at the end. */
  BodyMutation chunk(ByteString chunk, boolean last) {
    if (!truncated) {
      if (length + chunk.size() > limit) {
        truncated = true;
      } else {
        if (length + chunk.size() > bytes.length) {
          bytes =
              Arrays.copyOf(
                  bytes, Math.min(limit, Math.max(bytes.length * 2, length + chunk.size())));
        }
        chunk.copyTo(bytes, length);
        length += chunk.size();
      }
    }
    if (!last) {
      return BodyMutation.newBuilder().setBody(ByteString.EMPTY).build();
    }
    byte[] normalized =
        anthropic
            ? AnthropicErrors.normalize(status, bytes, length, !truncated)
            : OpenAiErrors.normalize(status, bytes, length, !truncated);
    return BodyMutation.newBuilder()
        .setBody(
            normalized == null
                ? ByteString.copyFrom(bytes, 0, length)
                : ByteString.copyFrom(normalized))
        .build();
  }
}
