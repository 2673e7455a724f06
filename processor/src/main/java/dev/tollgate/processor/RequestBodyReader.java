package dev.tollgate.processor;

import com.google.protobuf.ByteString;

/**
 * The request body's limits and parsing: the declared length and content type at the headers, the
 * size of the body as it arrives, and the parse that finds the model. Stateless and thread-safe;
 * the body received so far is kept by the exchange.
 */
final class RequestBodyReader {
  private final int maxBytes;
  private final int exactTokenizeChars;

  /**
   * Creates a reader.
   *
   * @param maxBytes the largest body accepted
   * @param exactTokenizeChars prompt characters the parser keeps for exact tokenization
   */
  RequestBodyReader(int maxBytes, int exactTokenizeChars) {
    this.maxBytes = maxBytes;
    this.exactTokenizeChars = exactTokenizeChars;
  }

  /** Checks the headers of a request with a body; throws the answer when it cannot be read. */
  void checkHeaders(RequestHead head) throws Rejection.Exception {
    if (head.contentLength() > maxBytes) {
      throw new Rejection.Exception(tooLarge());
    }
    if (head.contentType() != null && !ExtProcMessages.isJson(head.contentType())) {
      throw new Rejection.Exception(
          Rejection.of(
              415,
              "unsupported_media_type",
              "Tollgate reads JSON request bodies; send Content-Type: application/json."));
    }
  }

  /** The answer to a POST without a body. */
  static Rejection missingBody() {
    return Rejection.of(
        400, "missing_body", "The request has no body; send a JSON object with at least a model.");
  }

  /**
   * Adds a chunk to the body received so far; throws the 413 when that is over the limit.
   *
   * @param sofar the body so far, or null before the first chunk
   */
  ByteString append(ByteString sofar, ByteString chunk) throws Rejection.Exception {
    ByteString before = sofar == null ? ByteString.EMPTY : sofar;
    if (before.size() + chunk.size() > maxBytes) {
      throw new Rejection.Exception(tooLarge());
    }
    return before.concat(chunk);
  }

  /**
   * The whole body, once its last chunk arrived; throws the 413 when it is over the limit.
   *
   * @param sofar the body before the last chunk, or null when the last chunk is the whole body
   */
  byte[] whole(ByteString sofar, ByteString last) throws Rejection.Exception {
    if (sofar == null) {
      if (last.size() > maxBytes) {
        throw new Rejection.Exception(tooLarge());
      }
      return last.toByteArray();
    }
    if (sofar.size() + last.size() > maxBytes) {
      throw new Rejection.Exception(tooLarge());
    }
    return sofar.concat(last).toByteArray();
  }

  /**
   * Parses a whole body by the rules of its path's API; throws the 400 when it is no JSON object,
   * names no model or has a field the API refuses.
   */
  RequestBody parse(byte[] bytes, String path) throws Rejection.Exception {
    RequestBody parsed;
    try {
      parsed =
          new RequestBodyParser(exactTokenizeChars, BodyRules.forPath(path))
              .parse(bytes, bytes.length);
    } catch (RequestBodyParser.InvalidBodyException e) {
      throw new Rejection.Exception(
          new Rejection(400, "invalid_request_error", e.code(), e.getMessage(), e.param()));
    }
    if (parsed.model() == null || parsed.model().isEmpty()) {
      throw new Rejection.Exception(
          new Rejection(
              400,
              "invalid_request_error",
              "missing_model",
              "You must provide a model parameter.",
              "model"));
    }
    return parsed;
  }

  private Rejection tooLarge() {
    return Rejection.of(
        413,
        "request_too_large",
        "The request body is larger than the gateway's limit of " + maxBytes + " bytes.");
  }
}
