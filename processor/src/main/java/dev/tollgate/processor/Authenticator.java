package dev.tollgate.processor;

import dev.tollgate.model.GatewayModel;
import java.time.Clock;
import java.time.Instant;
import java.util.Collections;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Finds who is calling from the credential of a request: an API key by its hash in the policy, a
 * JWT through the {@link JwtAuthenticator}. Stateless and thread-safe.
 */
final class Authenticator {
  private static final int MAX_CREDENTIAL_CHARS = 16 * 1024;

  /**
   * The caller of a request: known at once (an API key), or a JWT check under way.
   *
   * @param caller the caller, or null while {@code pending}
   * @param pending the JWT check, or null when {@code caller} is known
   */
  record CallerResolution(Caller caller, CompletionStage<Caller> pending) {}

  private final JwtAuthenticator jwt;
  private final Clock clock;

  Authenticator(JwtAuthenticator jwt, Clock clock) {
    this.jwt = jwt;
    this.clock = clock;
  }

  /** Resolves the caller of a request; throws the answer when the credential is refused. */
  CallerResolution resolve(Policy policy, RequestHead head) throws Rejection.Exception {
    if (head.credentials() > 1) {
      throw new Rejection.Exception(
          Rejection.of(
              401,
              "invalid_api_key",
              "Send one credential: either Authorization: Bearer or x-api-key, not both."));
    }
    String credential = head.apiKey();
    String authorization = head.authorization();
    if (authorization != null) {
      if (authorization.length() < 7 || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
        throw new Rejection.Exception(
            Rejection.of(
                401,
                "invalid_api_key",
                "The Authorization header must be 'Bearer <key or token>'."));
      }
      credential = authorization.substring(7).trim();
    }
    if (credential == null || credential.isEmpty()) {
      throw new Rejection.Exception(
          Rejection.of(
              401,
              "missing_api_key",
              "You didn't provide an API key. Send it as 'Authorization: Bearer <key>' or in the"
                  + " x-api-key header."));
    }
    if (credential.length() > MAX_CREDENTIAL_CHARS) {
      throw new Rejection.Exception(invalidKey());
    }
    GatewayModel.Client key = policy.clientByKeyHash(Policy.sha256(credential));
    if (key != null) {
      Instant expiry = policy.expiryOf(key);
      if (expiry != null && !clock.instant().isBefore(expiry)) {
        throw new Rejection.Exception(
            Rejection.of(
                401,
                "key_expired",
                "This API key expired at "
                    + key.expiresAt()
                    + ". Ask your platform team for a new key."));
      }
      return new CallerResolution(
          new Caller(
              Caller.API_KEY,
              key.namespace(),
              key.clientId(),
              policy.routesOf(key),
              Collections.emptyMap(),
              key.models()),
          null);
    }
    if (policy.acceptsJwt() && JwtAuthenticator.looksLikeJwt(credential)) {
      return new CallerResolution(null, jwt.authenticate(credential, policy));
    }
    throw new Rejection.Exception(invalidKey());
  }

  /**
   * The answer to a failed JWT check: the rejection it carries, or null when it failed for another
   * reason (a bug or an outage), which the caller logs and answers with {@link #invalidKey}.
   */
  static Rejection rejectionOf(Throwable failure) {
    Throwable cause = unwrap(failure);
    return cause instanceof Rejection.Exception r ? r.rejection() : null;
  }

  /** The cause of a failed future, without the wrapping of the future. */
  static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  /** The answer to a credential that is no key and no token the gateway accepts. */
  static Rejection invalidKey() {
    return Rejection.of(
        401,
        "invalid_api_key",
        "Incorrect API key provided. Ask your platform team for a Tollgate key or token.");
  }
}
