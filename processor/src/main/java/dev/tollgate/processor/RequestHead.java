package dev.tollgate.processor;

import dev.tollgate.model.Wire;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import java.util.ArrayList;
import java.util.List;

/**
 * What the processor reads from a request's headers, read in one pass.
 *
 * @param method the HTTP method, empty when none was sent
 * @param path the path without its query, empty when none was sent
 * @param requestId Envoy's request id, or null
 * @param operation the kind of request, from the path
 * @param headersOnly whether the request has no body
 * @param contentLength the declared body length, or -1
 * @param contentType the request's content type, or null
 * @param authorization the Authorization header, or null
 * @param apiKey the x-api-key or api-key header, or null
 * @param credentials how many credential headers were sent
 * @param removeHeaders headers to remove before the request goes on: credentials, {@code
 *     accept-encoding} and anything named {@code x-tollgate-*}
 * @param query the path's query (after {@code ?}), or null
 * @param anthropicVersion the {@code anthropic-version} header, or null
 * @param anthropicBeta the {@code anthropic-beta} header, or null
 */
record RequestHead(
    String method,
    String path,
    String requestId,
    Operation operation,
    boolean headersOnly,
    long contentLength,
    String contentType,
    String authorization,
    String apiKey,
    int credentials,
    List<String> removeHeaders,
    String query,
    String anthropicVersion,
    String anthropicBeta) {

  /** Before any request headers arrived. */
  static final RequestHead NONE =
      new RequestHead(
          "",
          "",
          null,
          Operation.OTHER,
          false,
          -1,
          null,
          null,
          null,
          0,
          List.of(),
          null,
          null,
          null);

  /** Reads the request headers Envoy sent. */
  static RequestHead of(HttpHeaders headers) {
    String method = "";
    String path = "";
    String query = null;
    String anthropicVersion = null;
    String anthropicBeta = null;
    String requestId = null;
    long contentLength = -1;
    String contentType = null;
    String authorization = null;
    String apiKey = null;
    int credentials = 0;
    List<String> remove = new ArrayList<>(4);
    for (HeaderValue h : headers.getHeaders().getHeadersList()) {
      String key = h.getKey();
      switch (key) {
        case ":path" -> {
          String full = ExtProcMessages.value(h);
          int mark = full.indexOf('?');
          path = mark < 0 ? full : full.substring(0, mark);
          query = mark < 0 ? null : full.substring(mark + 1);
        }
        case ":method" -> method = ExtProcMessages.value(h);
        case Wire.REQUEST_ID_HEADER -> requestId = ExtProcMessages.value(h);
        case "authorization" -> {
          authorization = ExtProcMessages.value(h);
          credentials++;
          remove.add(key);
        }
        case "x-api-key", "api-key" -> {
          apiKey = ExtProcMessages.value(h);
          credentials++;
          remove.add(key);
        }
        case "content-length" ->
            contentLength = ExtProcMessages.parseLength(ExtProcMessages.value(h));
        case "content-type" -> contentType = ExtProcMessages.value(h);
        case AnthropicApi.VERSION_HEADER -> anthropicVersion = ExtProcMessages.value(h);
        case AnthropicApi.BETA_HEADER -> anthropicBeta = ExtProcMessages.value(h);
        // Upstream compression would hide usage from the processor; Envoy may still compress
        // towards the client.
        case "accept-encoding" -> remove.add(key);
        default -> {
          if (key.startsWith(Wire.HEADER_PREFIX)) {
            remove.add(key);
          }
        }
      }
    }
    return new RequestHead(
        method,
        path,
        requestId,
        Operation.ofPath(path),
        headers.getEndOfStream(),
        contentLength,
        contentType,
        authorization,
        apiKey,
        credentials,
        remove,
        query,
        anthropicVersion,
        anthropicBeta);
  }
}
