package dev.tollgate.operator;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns Envoy's error detail of a rejected configuration into one line a person can act on. Envoy
 * 1.40 reports a proto validation failure as a debug dump of the whole rejected resource followed
 * by the reason; the line keeps the resource's name and the innermost reason.
 *
 * <p>Pure functions; thread-safe.
 */
final class EnvoyRejection {
  /** Longest line kept, so that conditions and Events stay readable. */
  static final int MAX_LENGTH = 600;

  /** Protobuf starts debug dumps with a marker whose last word varies on purpose. */
  private static final Pattern DUMP_MARKER = Pattern.compile("goo\\.gle/debug\\w*");

  private static final Pattern NAME = Pattern.compile("(?m)^\\s*name:\\s*\"([^\"]+)\"");

  /**
   * Envoy's summary of resources it could not add: "Error adding/updating cluster(s) a, b: why".
   */
  private static final Pattern ADDING =
      Pattern.compile("(?s)^Error adding/updating (?:cluster|listener)\\(s\\) ([^:]+): (.*)$");

  private EnvoyRejection() {}

  /**
   * Describes a rejection.
   *
   * @param typeUrl the type of the rejected resources
   * @param message Envoy's error detail
   */
  static String describe(String typeUrl, String message) {
    String type = typeUrl.substring(typeUrl.lastIndexOf('.') + 1);
    String reason = message;
    String resource = null;
    Matcher adding = ADDING.matcher(message.strip());
    if (adding.matches()) {
      resource = adding.group(1).strip();
      reason = adding.group(2);
    } else if (DUMP_MARKER.matcher(message).find()) {
      Matcher name = NAME.matcher(message);
      if (name.find()) {
        resource = name.group(1);
      }
      int end = message.lastIndexOf("\n:");
      reason =
          end >= 0
              ? message.substring(end + 2)
              : "Envoy cut its detail short before the reason; its log has it";
    }
    reason = reason.replaceAll("\\s+", " ").strip();
    int cause = reason.lastIndexOf("caused by ");
    if (cause >= 0 && reason.startsWith("Proto constraint validation failed")) {
      String innermost = reason.substring(cause + "caused by ".length());
      reason =
          "Proto constraint validation failed: "
              + (innermost.endsWith(")")
                  ? innermost.substring(0, innermost.length() - 1)
                  : innermost);
    }
    // Envoy cuts long details short; say where the rest is.
    reason = reason.replace("...(truncated)", "… (cut short by Envoy; its log has the rest)");
    String line = type + (resource == null ? "" : " " + resource) + ": " + reason;
    return line.length() <= MAX_LENGTH ? line : line.substring(0, MAX_LENGTH) + "…";
  }
}
