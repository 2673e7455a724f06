package dev.tollgate.processor;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Authenticates JSON Web Tokens against the routes that accept them: the issuer selects the routes
 * and their key set, the signature is checked with the issuer's keys (RS, PS and ES with SHA-256,
 * -384 or -512, and EdDSA; never {@code none} or HMAC), {@code exp} is required and {@code nbf}
 * honoured with a clock skew, and a route is kept only when the token carries one of its audiences
 * and the claim that names its client.
 *
 * <p>Key sets come from a {@link JwksSource} as futures, so no gRPC thread waits for a fetch.
 * Thread-safe.
 */
final class JwtAuthenticator {
  private static final int MAX_TOKEN_CHARS = 16 * 1024;
  private static final int MAX_CLAIM_CHARS = 256;

  private final JwksSource keys;
  private final Clock clock;
  private final Duration skew;
  private final long maxWaitMillis;

  JwtAuthenticator(JwksSource keys, Clock clock, Duration skew, Duration maxWait) {
    this.keys = keys;
    this.clock = clock;
    this.skew = skew;
    this.maxWaitMillis = maxWait.toMillis();
  }

  /** A key set future as this request waits for it: at most the longest wait, never cancelled. */
  private CompletableFuture<Jwks> bounded(CompletableFuture<Jwks> keySet) {
    return keySet.isDone()
        ? keySet
        : keySet.copy().orTimeout(maxWaitMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** Whether a credential has the shape of a JWT (three base64url parts), not of an API key. */
  static boolean looksLikeJwt(String credential) {
    int first = credential.indexOf('.');
    int second = first < 0 ? -1 : credential.indexOf('.', first + 1);
    return first > 0
        && second > first + 1
        && credential.indexOf('.', second + 1) < 0
        && second < credential.length() - 1
        && credential.startsWith("eyJ");
  }

  /**
   * Authenticates a token. The future completes with the caller, or fails with a {@link
   * Rejection.Exception} (401 for a bad token, 403 for a good token no route accepts, 503 when the
   * keys of a route that would accept it cannot be fetched).
   *
   * <p>Each route is judged with its own key set: a route accepts the token only when the route's
   * {@code jwksUri} verifies the signature. The routes are tried in tiers, decided by the token's
   * claims before any key is fetched: first those that list an audience the token carries, then
   * those that list none; later tiers are never tried once a tier accepts the token or cannot fetch
   * its keys. So a route of another namespace that names the same issuer with a broken or slow key
   * set URL, or without audiences, never changes the answer for a route that pins an audience of
   * the token.
   */
  CompletableFuture<Caller> authenticate(String token, Policy policy) {
    Parsed parsed;
    try {
      parsed = parse(token);
    } catch (Rejection.Exception e) {
      return CompletableFuture.failedFuture(e);
    }
    List<Policy.RouteView> issuerRoutes = policy.jwtRoutes(parsed.issuer);
    if (issuerRoutes.isEmpty()) {
      return CompletableFuture.failedFuture(
          unauthorized("The token's issuer is not accepted by any route."));
    }
    // The unverified claims only narrow the candidates; a route accepts only what its keys verify.
    List<Policy.RouteView> pinned = new ArrayList<>();
    List<Policy.RouteView> open = new ArrayList<>();
    List<Policy.RouteView> others = new ArrayList<>();
    for (Policy.RouteView route : issuerRoutes) {
      var jwt = route.jwt();
      String client = parsed.claims.get(jwt.clientClaim());
      if (client == null || client.isEmpty()) {
        others.add(route);
      } else if (jwt.audiences().isEmpty()) {
        open.add(route);
      } else if (jwt.audiences().stream().anyMatch(parsed.audiences::contains)) {
        pinned.add(route);
      } else {
        others.add(route);
      }
    }
    return tier(parsed, pinned)
        .thenCompose(accepted -> accepted != null ? done(accepted) : tier(parsed, open))
        .thenCompose(accepted -> accepted != null ? done(accepted) : notAccepted(parsed, others))
        .thenApply(routes -> caller(parsed, routes));
  }

  private static CompletableFuture<List<Policy.RouteView>> done(List<Policy.RouteView> routes) {
    return CompletableFuture.completedFuture(routes);
  }

  /**
   * The routes of a tier whose key sets verify the token, null when none does; fails with 503 when
   * none does and the keys of one could not be fetched. The tier's key sets are checked together.
   */
  private CompletableFuture<List<Policy.RouteView>> tier(
      Parsed token, List<Policy.RouteView> routes) {
    if (routes.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return verifyAll(token, routes)
        .thenApply(
            results -> {
              List<Policy.RouteView> accepted = new ArrayList<>();
              for (Policy.RouteView route : routes) {
                if (results.get(route.jwt().jwksUri()) == Verdict.VERIFIED) {
                  accepted.add(route);
                }
              }
              if (!accepted.isEmpty()) {
                return accepted;
              }
              if (results.containsValue(Verdict.UNAVAILABLE)) {
                throw new CompletionException(
                    new Rejection.Exception(
                        Rejection.of(
                            503,
                            "identity_provider_unavailable",
                            "The keys of the token's issuer could not be fetched; retry"
                                + " shortly.")));
              }
              return null;
            });
  }

  /** No route accepts the token: 403 when some route's keys verify it, else 401. */
  private CompletableFuture<List<Policy.RouteView>> notAccepted(
      Parsed token, List<Policy.RouteView> routes) {
    CompletableFuture<Map<String, Verdict>> results =
        routes.isEmpty() ? CompletableFuture.completedFuture(Map.of()) : verifyAll(token, routes);
    return results.thenApply(
        r -> {
          if (!r.containsValue(Verdict.VERIFIED)) {
            throw new CompletionException(
                unauthorized("The token's signature does not verify with its issuer's keys."));
          }
          checkTimes(token);
          throw new CompletionException(
              new Rejection.Exception(
                  Rejection.of(
                      403,
                      "token_not_accepted",
                      "The token is valid but no route accepts it: check its audience (aud) and"
                          + " that it carries the claim that names the client.")));
        });
  }

  private enum Verdict {
    VERIFIED,
    INVALID,
    UNAVAILABLE
  }

  private CompletableFuture<Map<String, Verdict>> verifyAll(
      Parsed token, List<Policy.RouteView> routes) {
    Map<String, CompletableFuture<Verdict>> checks = new TreeMap<>();
    for (Policy.RouteView route : routes) {
      checks.computeIfAbsent(route.jwt().jwksUri(), uri -> verify(token, uri));
    }
    return CompletableFuture.allOf(checks.values().toArray(CompletableFuture[]::new))
        .thenApply(
            ignored -> {
              Map<String, Verdict> results = new TreeMap<>();
              checks.forEach((uri, check) -> results.put(uri, check.join()));
              return results;
            });
  }

  private CompletableFuture<Verdict> verify(Parsed token, String uri) {
    return bounded(keys.keys(uri))
        .handle((jwks, failure) -> failure == null ? jwks : null)
        .thenCompose(
            jwks -> {
              if (jwks == null) {
                return CompletableFuture.completedFuture(Verdict.UNAVAILABLE);
              }
              Boolean result = check(token, jwks);
              if (result != null) {
                return CompletableFuture.completedFuture(verdict(result));
              }
              // No key with the token's kid: the issuer may have rotated its keys.
              return bounded(keys.refresh(uri))
                  .handle(
                      (fresh, f) ->
                          f != null
                              ? Verdict.UNAVAILABLE
                              : verdict(Boolean.TRUE.equals(check(token, fresh))));
            });
  }

  private static Verdict verdict(boolean verified) {
    return verified ? Verdict.VERIFIED : Verdict.INVALID;
  }

  /** True or false when a matching key was tried, null when the set holds no matching key. */
  private static Boolean check(Parsed token, Jwks jwks) {
    boolean tried = false;
    for (Jwks.Key key : jwks.keys()) {
      if (token.kid != null && !token.kid.equals(key.kid())) {
        continue;
      }
      if (!fits(token.alg, key)) {
        continue;
      }
      tried = true;
      if (verifies(token, key)) {
        return true;
      }
    }
    return tried ? false : null;
  }

  private static boolean fits(String alg, Jwks.Key key) {
    if (key.alg() != null && !key.alg().equals(alg)) {
      return false;
    }
    return switch (alg) {
      case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512" -> key.kty().equals("RSA");
      case "ES256" -> key.kty().equals("EC") && "P-256".equals(key.crv());
      case "ES384" -> key.kty().equals("EC") && "P-384".equals(key.crv());
      case "ES512" -> key.kty().equals("EC") && "P-521".equals(key.crv());
      case "EdDSA" -> key.kty().equals("OKP");
      default -> false;
    };
  }

  private static boolean verifies(Parsed token, Jwks.Key key) {
    try {
      Signature signature =
          switch (token.alg) {
            case "RS256" -> Signature.getInstance("SHA256withRSA");
            case "RS384" -> Signature.getInstance("SHA384withRSA");
            case "RS512" -> Signature.getInstance("SHA512withRSA");
            case "PS256" -> pss("SHA-256", MGF1ParameterSpec.SHA256, 32);
            case "PS384" -> pss("SHA-384", MGF1ParameterSpec.SHA384, 48);
            case "PS512" -> pss("SHA-512", MGF1ParameterSpec.SHA512, 64);
            case "ES256" -> Signature.getInstance("SHA256withECDSAinP1363Format");
            case "ES384" -> Signature.getInstance("SHA384withECDSAinP1363Format");
            case "ES512" -> Signature.getInstance("SHA512withECDSAinP1363Format");
            case "EdDSA" -> Signature.getInstance("Ed25519");
            default -> null;
          };
      if (signature == null) {
        return false;
      }
      signature.initVerify(key.key());
      signature.update(token.signingInput);
      return signature.verify(token.signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  private static Signature pss(String hash, MGF1ParameterSpec mgf, int saltLength)
      throws GeneralSecurityException {
    Signature signature = Signature.getInstance("RSASSA-PSS");
    signature.setParameter(new PSSParameterSpec(hash, "MGF1", mgf, saltLength, 1));
    return signature;
  }

  private Caller caller(Parsed token, List<Policy.RouteView> routes) {
    checkTimes(token);
    String namespace = routes.get(0).namespace();
    boolean oneNamespace = routes.stream().allMatch(r -> r.namespace().equals(namespace));
    return new Caller(
        Caller.JWT, oneNamespace ? namespace : null, null, List.copyOf(routes), token.claims);
  }

  private void checkTimes(Parsed token) {
    long now = clock.instant().getEpochSecond();
    long skewSeconds = skew.toSeconds();
    if (token.exp == null) {
      throw new CompletionException(
          unauthorized("The token has no exp claim; Tollgate accepts only tokens that expire."));
    }
    if (now - skewSeconds >= token.exp) {
      throw new CompletionException(unauthorized("The token has expired."));
    }
    if (token.nbf != null && now + skewSeconds < token.nbf) {
      throw new CompletionException(unauthorized("The token is not valid yet (nbf)."));
    }
  }

  // ------------------------------------------------------------------------------ parsing

  private static final class Parsed {
    String alg;
    String kid;
    String issuer;
    Long exp;
    Long nbf;
    final Set<String> audiences = new LinkedHashSet<>();
    final Map<String, String> claims = new HashMap<>();
    byte[] signingInput;
    byte[] signature;
  }

  private static Rejection.Exception unauthorized(String message) {
    return new Rejection.Exception(Rejection.of(401, "invalid_token", message));
  }

  private static Parsed parse(String token) throws Rejection.Exception {
    if (token.length() > MAX_TOKEN_CHARS || !looksLikeJwt(token)) {
      throw unauthorized("The token is not a well-formed JWT.");
    }
    int first = token.indexOf('.');
    int second = token.indexOf('.', first + 1);
    Parsed parsed = new Parsed();
    try {
      Base64.Decoder decoder = Base64.getUrlDecoder();
      header(decoder.decode(token.substring(0, first)), parsed);
      payload(decoder.decode(token.substring(first + 1, second)), parsed);
      parsed.signature = decoder.decode(token.substring(second + 1));
      parsed.signingInput = token.substring(0, second).getBytes(StandardCharsets.US_ASCII);
    } catch (IOException | IllegalArgumentException e) {
      throw unauthorized("The token is not a well-formed JWT.");
    }
    if (parsed.alg == null || parsed.issuer == null) {
      throw unauthorized("The token has no alg or no iss.");
    }
    return parsed;
  }

  private static void header(byte[] json, Parsed parsed) throws IOException {
    try (JsonParser p = Json.STRICT.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not an object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        switch (name) {
          case "alg" -> parsed.alg = value == JsonToken.VALUE_STRING ? p.getText() : null;
          case "kid" -> parsed.kid = value == JsonToken.VALUE_STRING ? p.getText() : null;
          // RFC 7515: a recipient must reject critical extensions it does not understand.
          case "crit" -> throw new IOException("critical header parameters are not supported");
          default -> p.skipChildren();
        }
      }
      if (p.nextToken() != null) {
        throw new IOException("trailing data");
      }
    }
  }

  private static void payload(byte[] json, Parsed parsed) throws IOException {
    try (JsonParser p = Json.STRICT.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not an object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        switch (name) {
          case "exp" -> parsed.exp = seconds(p, value);
          case "nbf" -> parsed.nbf = seconds(p, value);
          case "aud" -> {
            if (value == JsonToken.VALUE_STRING) {
              parsed.audiences.add(p.getText());
            } else if (value == JsonToken.START_ARRAY) {
              JsonToken t;
              while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                if (t == JsonToken.VALUE_STRING) {
                  parsed.audiences.add(p.getText());
                } else {
                  p.skipChildren();
                }
              }
            } else {
              p.skipChildren();
            }
          }
          default -> {
            if ((value == JsonToken.VALUE_STRING || value == JsonToken.VALUE_NUMBER_INT)
                && p.getTextLength() <= MAX_CLAIM_CHARS) {
              parsed.claims.put(name, p.getText());
              if (name.equals("iss") && value == JsonToken.VALUE_STRING) {
                parsed.issuer = p.getText();
              }
            } else {
              p.skipChildren();
            }
          }
        }
      }
      if (p.nextToken() != null) {
        throw new IOException("trailing data");
      }
    }
  }

  private static Long seconds(JsonParser p, JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_NUMBER_INT
        && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
      return p.getLongValue();
    }
    if (value == JsonToken.VALUE_NUMBER_FLOAT) {
      double d = p.getDoubleValue();
      return Double.isFinite(d) ? (long) Math.floor(d) : null;
    }
    p.skipChildren();
    return null;
  }
}
