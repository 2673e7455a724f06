package dev.tollgate.processor;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.tollgate.model.Wire;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import java.util.Locale;

/**
 * The small pieces of ext_proc messages every stage of an exchange reads or writes: header values,
 * header mutations, dynamic metadata and immediate answers.
 */
final class ExtProcMessages {
  private ExtProcMessages() {}

  /** A header's value, whichever of its two fields Envoy filled. */
  static String value(HeaderValue h) {
    return h.getRawValue().isEmpty() ? h.getValue() : h.getRawValue().toStringUtf8();
  }

  /** A header to set, replacing any value it has. */
  static HeaderValueOption set(String key, String value) {
    return HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey(key).setRawValue(ByteString.copyFromUtf8(value)))
        .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)
        .build();
  }

  /** Adds a string field to a metadata struct. */
  static void put(Struct.Builder struct, String key, String value) {
    struct.putFields(key, Value.newBuilder().setStringValue(value).build());
  }

  /** Dynamic metadata with these fields under Tollgate's namespace. */
  static Struct wrap(Struct.Builder fields) {
    return Struct.newBuilder()
        .putFields(Wire.METADATA_NAMESPACE, Value.newBuilder().setStructValue(fields).build())
        .build();
  }

  /**
   * Sets one field of an answer's dynamic metadata under Tollgate's namespace, keeping the rest.
   */
  static void putMetadata(ProcessingResponse.Builder answer, String key, String value) {
    Struct.Builder metadata = answer.getDynamicMetadataBuilder();
    Struct.Builder fields =
        metadata
            .getFieldsOrDefault(Wire.METADATA_NAMESPACE, Value.getDefaultInstance())
            .getStructValue()
            .toBuilder();
    put(fields, key, value);
    metadata.putFields(Wire.METADATA_NAMESPACE, Value.newBuilder().setStructValue(fields).build());
  }

  /** Dynamic metadata with one field under Tollgate's namespace. */
  static Struct metadata(String key, String value) {
    Struct.Builder fields = Struct.newBuilder();
    put(fields, key, value);
    return wrap(fields);
  }

  /**
   * An answer Envoy sends to the client instead of forwarding the request, as JSON.
   *
   * @param challenge whether to ask for a bearer token ({@code www-authenticate})
   * @param allow the {@code allow} header of a 405, or null
   */
  static ProcessingResponse immediate(
      int status, String requestId, boolean challenge, String allow, byte[] body, String details) {
    HeaderMutation.Builder headers =
        HeaderMutation.newBuilder().addSetHeaders(set("content-type", "application/json"));
    if (requestId != null) {
      headers.addSetHeaders(set(Wire.REQUEST_ID_HEADER, requestId));
    }
    if (challenge) {
      headers.addSetHeaders(set("www-authenticate", "Bearer realm=\"tollgate\""));
    }
    if (allow != null) {
      headers.addSetHeaders(set("allow", allow));
    }
    return ProcessingResponse.newBuilder()
        .setImmediateResponse(
            ImmediateResponse.newBuilder()
                .setStatus(HttpStatus.newBuilder().setCodeValue(status))
                .setHeaders(headers)
                .setBody(ByteString.copyFrom(body))
                .setDetails(details))
        .build();
  }

  /** An immediate JSON answer with extra headers (name, value pairs). */
  static ProcessingResponse immediate(
      int status, String requestId, java.util.List<String[]> extra, byte[] body, String details) {
    ProcessingResponse plain = immediate(status, requestId, false, null, body, details);
    HeaderMutation.Builder headers = plain.getImmediateResponse().getHeaders().toBuilder();
    for (String[] h : extra) {
      headers.addSetHeaders(set(h[0], h[1]));
    }
    return plain.toBuilder()
        .setImmediateResponse(plain.getImmediateResponse().toBuilder().setHeaders(headers))
        .build();
  }

  /** A decimal header value, or -1 when it is not one. */
  static long parseLength(String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Whether a content type is JSON ({@code application/json} or any {@code +json}). */
  static boolean isJson(String contentType) {
    String type = contentType.toLowerCase(Locale.ROOT);
    int semicolon = type.indexOf(';');
    String media = (semicolon < 0 ? type : type.substring(0, semicolon)).trim();
    return media.equals("application/json") || media.endsWith("+json");
  }

  /** Whether a content type is a stream of server-sent events. */
  static boolean isEventStream(String contentType) {
    String prefix = "text/event-stream";
    return contentType.regionMatches(true, 0, prefix, 0, prefix.length());
  }
}
