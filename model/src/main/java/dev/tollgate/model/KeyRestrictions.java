package dev.tollgate.model;

import dev.tollgate.api.v1alpha1.Api;
import io.fabric8.kubernetes.api.model.Secret;
import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a client key Secret's annotations restrict: the models the key may call ({@value
 * Api#KEY_MODELS_ANNOTATION}) and when it expires ({@value Api#KEY_EXPIRES_ANNOTATION}).
 *
 * @param models the requested model names the key may call, sorted; empty for all
 * @param expiresAt the expiry as an ISO-8601 instant in UTC, or null
 */
record KeyRestrictions(List<String> models, String expiresAt) {

  /**
   * Reads a Secret's restrictions; empty, with a problem recorded, when an annotation cannot be
   * read (the key is then left out rather than served without its restriction).
   */
  static Optional<KeyRestrictions> of(Secret secret, List<Problem> problems) {
    Map<String, String> annotations = secret.getMetadata().getAnnotations();
    String models = annotations == null ? null : annotations.get(Api.KEY_MODELS_ANNOTATION);
    String expires = annotations == null ? null : annotations.get(Api.KEY_EXPIRES_ANNOTATION);
    String secretId = secret.getMetadata().getNamespace() + "/" + secret.getMetadata().getName();
    List<String> allowed =
        models == null
            ? List.of()
            : Arrays.stream(models.split(","))
                .map(String::strip)
                .filter(m -> !m.isEmpty())
                .distinct()
                .sorted()
                .toList();
    if (models != null && allowed.isEmpty()) {
      problems.add(
          problem(
              secretId,
              Api.KEY_MODELS_ANNOTATION,
              "lists no model: list the model names the key may call, comma-separated, or remove"
                  + " the annotation"));
      return Optional.empty();
    }
    String expiresAt = null;
    if (expires != null) {
      try {
        expiresAt = OffsetDateTime.parse(expires.strip()).toInstant().toString();
      } catch (DateTimeException e) {
        problems.add(
            problem(
                secretId,
                Api.KEY_EXPIRES_ANNOTATION,
                "is not an RFC 3339 time such as 2026-12-31T00:00:00Z"));
        return Optional.empty();
      }
    }
    return Optional.of(new KeyRestrictions(allowed, expiresAt));
  }

  private static Problem problem(String secretId, String annotation, String what) {
    return new Problem(
        "spec.clients.apiKeys",
        Reasons.INVALID_CLIENT_KEY,
        "Secret "
            + secretId
            + ": annotation "
            + annotation
            + " "
            + what
            + "; that key cannot call");
  }
}
