package dev.tollgate.model;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Content hashes: of secrets (so the model never needs their values) and of the model itself. */
final class ModelHashing {
  private static final ObjectMapper CANONICAL_JSON =
      new ObjectMapper()
          .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
          .configure(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN, true);

  private ModelHashing() {}

  /** Returns the version of a model: the first 16 hex digits of its canonical JSON's SHA-256. */
  static String version(GatewayModel unversioned) {
    try {
      return sha256(CANONICAL_JSON.writeValueAsBytes(unversioned)).substring(0, 16);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize the model", e);
    }
  }

  /** Returns the lower-case hex SHA-256 of a UTF-8 string. */
  static String sha256(String text) {
    return sha256(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
