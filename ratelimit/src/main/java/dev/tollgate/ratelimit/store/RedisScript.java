package dev.tollgate.ratelimit.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A Lua script of the Redis store, with the SHA-1 that {@code EVALSHA} names it by.
 *
 * @param source the script's text
 * @param sha its SHA-1, in hex
 */
record RedisScript(String source, String sha) {
  /** Loads a script from resources, the given files joined in order. */
  static RedisScript load(String... names) {
    StringBuilder joined = new StringBuilder();
    for (String name : names) {
      try (InputStream in = RedisScript.class.getResourceAsStream(name)) {
        if (in == null) {
          throw new IllegalStateException("missing resource " + name);
        }
        joined.append(new String(in.readAllBytes(), StandardCharsets.UTF_8)).append('\n');
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    String source = joined.toString();
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
      return new RedisScript(source, HexFormat.of().formatHex(digest));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is part of every JDK", e);
    }
  }
}
