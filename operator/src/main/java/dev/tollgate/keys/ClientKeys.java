package dev.tollgate.keys;

import dev.tollgate.api.v1alpha1.Api;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Client API keys and the Secrets that hold them, as routes read them: the key under {@code
 * apiKey}, the client id in the {@code tollgate.dev/client} label, the selector label routes
 * select, and the optional model allow-list and expiry annotations. Pure apart from the random
 * source.
 */
public final class ClientKeys {
  /** The data key the routes read by default ({@code spec.clients.apiKeys.key}). */
  public static final String DATA_KEY = "apiKey";

  private static final Pattern DAYS_OR_HOURS = Pattern.compile("^([1-9][0-9]{0,4})([dh])$");
  private static final Pattern NAME = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,50}[a-z0-9])?$");

  private ClientKeys() {}

  /** Returns a new key: {@code tg-} and 32 random bytes, URL-safe base64 (256 bits). */
  public static String generate(SecureRandom random) {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return "tg-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /**
   * Reads an expiry: an RFC 3339 time, or a duration from {@code now} such as {@code 90d} or {@code
   * 12h}.
   *
   * @throws IllegalArgumentException naming the accepted forms
   */
  public static Instant expiry(String text, Instant now) {
    Matcher m = DAYS_OR_HOURS.matcher(text.strip());
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return now.plus(m.group(2).equals("d") ? Duration.ofDays(n) : Duration.ofHours(n));
    }
    try {
      return OffsetDateTime.parse(text.strip()).toInstant();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "'" + text + "' is neither an RFC 3339 time (2026-12-31T00:00:00Z) nor 90d or 12h");
    }
  }

  /**
   * Returns the Secret of a key.
   *
   * @param namespace the team's namespace
   * @param name the Secret's name
   * @param client the client id
   * @param selector the label ({@code key=value}) the routes' {@code secretSelector} matches
   * @param models the models the key may call; empty for all
   * @param expiresAt when the key stops working, or null
   * @param key the key
   * @throws IllegalArgumentException when the client id, name or selector cannot be used
   */
  public static Secret secret(
      String namespace,
      String name,
      String client,
      String selector,
      List<String> models,
      Instant expiresAt,
      String key) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "Secret name '" + name + "' must be lower-case letters, digits and '-', 52 at most");
    }
    if (!client.matches("^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")) {
      throw new IllegalArgumentException(
          "client id '" + client + "' must be a label value: letters, digits, '-', '_', '.'");
    }
    int eq = selector.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException(
          "selector '" + selector + "' must be key=value, e.g. tollgate.dev/client-key=true");
    }
    Map<String, String> labels = new TreeMap<>();
    labels.put(selector.substring(0, eq), selector.substring(eq + 1));
    labels.put(Api.CLIENT_LABEL, client);
    Map<String, String> annotations = new TreeMap<>();
    if (!models.isEmpty()) {
      annotations.put(Api.KEY_MODELS_ANNOTATION, String.join(",", models));
    }
    if (expiresAt != null) {
      annotations.put(Api.KEY_EXPIRES_ANNOTATION, expiresAt.toString());
    }
    return new SecretBuilder()
        .withNewMetadata()
        .withNamespace(namespace)
        .withName(name)
        .withLabels(labels)
        .withAnnotations(annotations.isEmpty() ? null : annotations)
        .endMetadata()
        .withType("Opaque")
        .withStringData(Map.of(DATA_KEY, key))
        .build();
  }
}
