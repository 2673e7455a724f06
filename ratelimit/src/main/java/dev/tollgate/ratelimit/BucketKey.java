package dev.tollgate.ratelimit;

import dev.tollgate.api.v1alpha1.LimitType;
import dev.tollgate.api.v1alpha1.Window;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The identity of one counter: a limit of a quota, in one window, for one combination of the
 * limit's dimensions.
 *
 * <p>The amount of the limit is deliberately not part of the key, so raising or lowering a budget
 * keeps the usage already counted. The type and the window are, because a count of tokens must not
 * become a count of requests, nor a minute's count a month's.
 *
 * @param namespace namespace of the request, where the counter lives (for a team quota, the quota's
 *     namespace too)
 * @param quotaNamespace namespace of the TokenQuota: a platform namespace for a platform quota
 * @param quota name of the TokenQuota
 * @param limit name of the limit within the quota
 * @param type what is counted
 * @param window the window kind
 * @param windowStart start of the window, in epoch seconds
 * @param client the client id when counted per client, else null
 * @param model the requested model when counted per model, else null
 */
public record BucketKey(
    String namespace,
    String quotaNamespace,
    String quota,
    String limit,
    LimitType type,
    Window window,
    long windowStart,
    String client,
    String model) {

  private static final String NO_DIMENSIONS = "-";

  /**
   * Returns the key within its namespace, e.g. {@code team-a-budgets/tokens/Tokens/1m/1764500000/
   * client=alice}; values are URL-encoded so the separators cannot occur inside them. A platform
   * quota's buckets start with its namespace and a colon, which no Kubernetes name contains: {@code
   * tollgate-system:default/tokens/...}.
   */
  public String id() {
    return quotaId()
        + "/"
        + limit
        + "/"
        + type.name()
        + "/"
        + windowCode(window)
        + "/"
        + windowStart
        + "/"
        + dimensions(true);
  }

  /**
   * Returns the bucket as a person reads it, e.g. {@code client=alice,model=fast}; a platform
   * quota's buckets name their namespace first, e.g. {@code namespace=team-a,client=alice}.
   */
  public String label() {
    if (client == null && model == null) {
      return "namespace=" + namespace;
    }
    return platform() ? "namespace=" + namespace + "," + dimensions(false) : dimensions(false);
  }

  /** Returns whether the bucket belongs to a quota of another namespace (a platform quota). */
  public boolean platform() {
    return !quotaNamespace.equals(namespace);
  }

  private String quotaId() {
    return platform() ? quotaNamespace + ":" + quota : quota;
  }

  /** Parses an {@link #id()} back; empty when the text is not one. */
  public static Optional<BucketKey> parse(String namespace, String id) {
    String[] parts = id.split("/", -1);
    if (parts.length != 6) {
      return Optional.empty();
    }
    try {
      LimitType type = LimitType.valueOf(parts[2]);
      Window window = windowOf(parts[3]);
      long start = Long.parseLong(parts[4]);
      String client = null;
      String model = null;
      if (!parts[5].equals(NO_DIMENSIONS)) {
        for (String pair : parts[5].split(",", -1)) {
          int eq = pair.indexOf('=');
          if (eq < 0) {
            return Optional.empty();
          }
          String value = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
          switch (pair.substring(0, eq)) {
            case "client" -> client = value;
            case "model" -> model = value;
            default -> {
              return Optional.empty();
            }
          }
        }
      }
      int colon = parts[0].indexOf(':');
      String quotaNamespace = colon < 0 ? namespace : parts[0].substring(0, colon);
      String quota = parts[0].substring(colon + 1);
      return Optional.of(
          new BucketKey(
              namespace, quotaNamespace, quota, parts[1], type, window, start, client, model));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Returns the manifest spelling of a window: 1m, 1h, 1d or Month. */
  public static String windowCode(Window window) {
    return switch (window) {
      case MINUTE -> "1m";
      case HOUR -> "1h";
      case DAY -> "1d";
      case MONTH -> "Month";
    };
  }

  private static Window windowOf(String code) {
    for (Window w : Window.values()) {
      if (windowCode(w).equals(code)) {
        return w;
      }
    }
    throw new IllegalArgumentException("unknown window " + code);
  }

  private String dimensions(boolean encoded) {
    List<String> pairs = new ArrayList<>(2);
    if (client != null) {
      pairs.add("client=" + (encoded ? encode(client) : client));
    }
    if (model != null) {
      pairs.add("model=" + (encoded ? encode(model) : model));
    }
    return pairs.isEmpty() ? NO_DIMENSIONS : String.join(",", pairs);
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
