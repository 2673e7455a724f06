package dev.tollgate.processor;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.EdECPoint;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A JSON Web Key Set (RFC 7517) reduced to the signature keys it holds: RSA, EC (P-256, P-384,
 * P-521) and Ed25519 public keys. Keys of other types, for encryption, or malformed are left out
 * rather than failing the whole set, and only the first {@link #MAX_KEYS} usable keys are kept.
 * Immutable.
 *
 * @param keys the usable keys, in the set's order
 */
record Jwks(List<Key> keys) {
  /**
   * Most keys kept of one set: a token without a key id is tried against every key of its
   * algorithm, so a route's huge key set would cost every request signature checks without end.
   */
  static final int MAX_KEYS = 32;

  /**
   * One public key.
   *
   * @param kid its key id, or null
   * @param kty its key type: RSA, EC or OKP
   * @param crv its curve for EC and OKP keys, else null
   * @param alg the algorithm it is restricted to, or null
   * @param key the key
   */
  record Key(String kid, String kty, String crv, String alg, PublicKey key) {}

  /** Parses a key set. */
  static Jwks parse(byte[] json) throws IOException {
    List<Key> keys = new ArrayList<>();
    try (JsonParser p = Json.LENIENT.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("a JWKS must be a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals("keys") && value == JsonToken.START_ARRAY) {
          while (p.nextToken() == JsonToken.START_OBJECT) {
            Key key = key(strings(p));
            if (key != null && keys.size() < MAX_KEYS) {
              keys.add(key);
            }
          }
        } else {
          p.skipChildren();
        }
      }
    }
    return new Jwks(List.copyOf(keys));
  }

  private static Map<String, String> strings(JsonParser p) throws IOException {
    Map<String, String> fields = new HashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      if (p.nextToken() == JsonToken.VALUE_STRING) {
        fields.put(name, p.getText());
      } else {
        p.skipChildren();
      }
    }
    return fields;
  }

  private static Key key(Map<String, String> f) {
    String use = f.get("use");
    if (use != null && !use.equals("sig")) {
      return null;
    }
    String kty = f.getOrDefault("kty", "");
    try {
      PublicKey key =
          switch (kty) {
            case "RSA" ->
                KeyFactory.getInstance("RSA")
                    .generatePublic(
                        new RSAPublicKeySpec(unsigned(f.get("n")), unsigned(f.get("e"))));
            case "EC" -> ec(f.get("crv"), f.get("x"), f.get("y"));
            case "OKP" -> "Ed25519".equals(f.get("crv")) ? ed25519(f.get("x")) : null;
            default -> null;
          };
      return key == null ? null : new Key(f.get("kid"), kty, f.get("crv"), f.get("alg"), key);
    } catch (GeneralSecurityException | IllegalArgumentException | NullPointerException e) {
      return null;
    }
  }

  private static PublicKey ec(String crv, String x, String y) throws GeneralSecurityException {
    String curve =
        switch (crv == null ? "" : crv) {
          case "P-256" -> "secp256r1";
          case "P-384" -> "secp384r1";
          case "P-521" -> "secp521r1";
          default -> null;
        };
    if (curve == null) {
      return null;
    }
    AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
    parameters.init(new ECGenParameterSpec(curve));
    ECParameterSpec spec = parameters.getParameterSpec(ECParameterSpec.class);
    return KeyFactory.getInstance("EC")
        .generatePublic(new ECPublicKeySpec(new ECPoint(unsigned(x), unsigned(y)), spec));
  }

  /** RFC 8037: x is the little-endian y coordinate with the sign of x in its top bit. */
  private static PublicKey ed25519(String x) throws GeneralSecurityException {
    byte[] bytes = Base64.getUrlDecoder().decode(x);
    if (bytes.length != 32) {
      return null;
    }
    boolean xOdd = (bytes[31] & 0x80) != 0;
    byte[] bigEndian = new byte[32];
    for (int i = 0; i < 32; i++) {
      bigEndian[i] = bytes[31 - i];
    }
    bigEndian[0] &= 0x7f;
    return KeyFactory.getInstance("Ed25519")
        .generatePublic(
            new EdECPublicKeySpec(
                NamedParameterSpec.ED25519, new EdECPoint(xOdd, new BigInteger(1, bigEndian))));
  }

  private static BigInteger unsigned(String base64url) {
    return new BigInteger(1, Base64.getUrlDecoder().decode(base64url));
  }
}
