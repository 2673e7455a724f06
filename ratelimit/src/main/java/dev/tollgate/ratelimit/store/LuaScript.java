package dev.tollgate.ratelimit.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One of the store's Lua scripts (resources next to this class) and its SHA-1, computed once, for
 * {@code EVALSHA}.
 *
 * @param source the script's text
 * @param sha the hex SHA-1 of the text, as Redis names the script in its cache
 */
record LuaScript(String source, String sha) {
  static final LuaScript RESERVE = load("buckets.lua", "reserve.lua");
  static final LuaScript COMMIT = load("buckets.lua", "commit.lua");
  static final LuaScript READ = load("buckets.lua", "read.lua");
  static final LuaScript FALL = load("buckets.lua", "fall.lua");

  /** Loads a script from resources, the given files joined in order. */
  static LuaScript load(String... names) {
    StringBuilder joined = new StringBuilder();
    for (String name : names) {
      try (InputStream in = LuaScript.class.getResourceAsStream(name)) {
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
      return new LuaScript(source, HexFormat.of().formatHex(digest));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is part of every JDK", e);
    }
  }
}
