package dev.tollgate.processor;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Base64;

/** Builds signed JWTs for tests. */
final class Tokens {
  private Tokens() {}

  static String b64(String s) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  /** Signs header and payload JSON with a JCA algorithm such as SHA256withRSA. */
  static String sign(String headerJson, String payloadJson, PrivateKey key, String algorithm)
      throws Exception {
    String input = b64(headerJson) + "." + b64(payloadJson);
    Signature signature = Signature.getInstance(algorithm);
    signature.initSign(key);
    signature.update(input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(signature.sign());
  }

  static String rs256(KeyPair keys, String kid, String payloadJson) throws Exception {
    return sign(
        "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}",
        payloadJson,
        keys.getPrivate(),
        "SHA256withRSA");
  }
}
