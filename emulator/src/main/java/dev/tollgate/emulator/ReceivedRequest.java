package dev.tollgate.emulator;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One request as an emulator received it, kept so that a test can assert what the provider got.
 *
 * @param method the HTTP method
 * @param path the path, without the query
 * @param query the raw query string, or empty
 * @param headers header names lower-cased, each with its values in arrival order
 * @param body the body bytes, as sent
 */
public record ReceivedRequest(
    String method, String path, String query, Map<String, List<String>> headers, byte[] body) {

  /** Copies the maps so the record stays immutable. */
  public ReceivedRequest {
    headers = Map.copyOf(headers);
    body = body.clone();
  }

  /** Returns the first value of a header (name in any case), if present. */
  public Optional<String> header(String name) {
    List<String> values = headers.get(name.toLowerCase(java.util.Locale.ROOT));
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
  }

  /**
   * Returns the names of the headers a gateway's components use between themselves ({@value
   * #GATEWAY_HEADER_PREFIX}...), sorted: a provider must never receive one.
   */
  public List<String> gatewayHeaders() {
    return headers.keySet().stream()
        .filter(h -> h.startsWith(GATEWAY_HEADER_PREFIX))
        .sorted()
        .toList();
  }

  /** The prefix of Tollgate's internal headers, which no provider may receive. */
  public static final String GATEWAY_HEADER_PREFIX = "x-tollgate-";

  /** Returns the first value of a query parameter, decoded, if present. */
  public Optional<String> queryParameter(String name) {
    if (query.isEmpty()) {
      return Optional.empty();
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      if (URLDecoder.decode(key, StandardCharsets.UTF_8).equals(name)) {
        return Optional.of(
            eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return Optional.empty();
  }

  /** Returns the body as UTF-8 text. */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }
}
