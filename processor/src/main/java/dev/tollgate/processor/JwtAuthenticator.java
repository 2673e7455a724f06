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
import java.util.concurrent.CompletableFuture;

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

  JwtAuthenticator(JwksSource keys, Clock clock, Duration skew) {
    this.keys = keys;
    this.clock = clock;
    this.skew = skew;
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
   * issuer's keys cannot be fetched).
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
    // Routes of one issuer normally share one key set; a token must verify against each it uses.
    Set<String> uris = new LinkedHashSet<>();
    issuerRoutes.forEach(r -> uris.add(r.jwt().jwksUri()));
    CompletableFuture<Set<String>> verified =
        CompletableFuture.completedFuture(new LinkedHashSet<>());
    for (String uri : uris) {
      verified =
          verified.thenCompose(
              ok ->
                  verify(parsed, uri)
                      .thenApply(
                          good -> {
                            if (good) {
                              ok.add(uri);
                            }
                            return ok;
                          }));
    }
    return verified.thenApply(goodUris -> caller(parsed, issuerRoutes, goodUris));
  }

  private CompletableFuture<Boolean> verify(Parsed token, String uri) {
    return keys.keys(uri)
        .handle((jwks, failure) -> failure == null ? jwks : null)
        .thenCompose(
            jwks -> {
              if (jwks == null) {
                return CompletableFuture.failedFuture(
                    new Rejection.Exception(
                        Rejection.of(
                            503,
                            "identity_provider_unavailable",
                            "The keys of the token's issuer could not be fetched; retry"
                                + " shortly.")));
              }
              Boolean result = check(token, jwks);
              if (result != null) {
                return CompletableFuture.completedFuture(result);
              }
              // No key with the token's kid: the issuer may have rotated its keys.
              return keys.refresh(uri)
                  .handle((fresh, f) -> f == null && Boolean.TRUE.equals(check(token, fresh)));
            });
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

  private Caller caller(Parsed token, List<Policy.RouteView> issuerRoutes, Set<String> goodUris) {
    if (goodUris.isEmpty()) {
      throw new java.util.concurrent.CompletionException(
          unauthorized("The token's signature does not verify with its issuer's keys."));
    }
    long now = clock.instant().getEpochSecond();
    long skewSeconds = skew.toSeconds();
    if (token.exp == null) {
      throw new java.util.concurrent.CompletionException(
          unauthorized("The token has no exp claim; Tollgate accepts only tokens that expire."));
    }
    if (now - skewSeconds >= token.exp) {
      throw new java.util.concurrent.CompletionException(unauthorized("The token has expired."));
    }
    if (token.nbf != null && now + skewSeconds < token.nbf) {
      throw new java.util.concurrent.CompletionException(
          unauthorized("The token is not valid yet (nbf)."));
    }
    List<Policy.RouteView> routes = new ArrayList<>();
    for (Policy.RouteView route : issuerRoutes) {
      var jwt = route.jwt();
      boolean audienceOk =
          jwt.audiences().isEmpty() || jwt.audiences().stream().anyMatch(token.audiences::contains);
      String client = token.claims.get(jwt.clientClaim());
      if (goodUris.contains(jwt.jwksUri()) && audienceOk && client != null && !client.isEmpty()) {
        routes.add(route);
      }
    }
    if (routes.isEmpty()) {
      throw new java.util.concurrent.CompletionException(
          new Rejection.Exception(
              Rejection.of(
                  403,
                  "token_not_accepted",
                  "The token is valid but no route accepts it: check its audience (aud) and that"
                      + " it carries the claim that names the client.")));
    }
    String namespace = routes.get(0).namespace();
    boolean oneNamespace = routes.stream().allMatch(r -> r.namespace().equals(namespace));
    return new Caller(
        Caller.JWT, oneNamespace ? namespace : null, null, List.copyOf(routes), token.claims);
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
