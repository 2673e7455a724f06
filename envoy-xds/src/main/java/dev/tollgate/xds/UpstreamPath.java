package dev.tollgate.xds;

import dev.tollgate.api.v1alpha1.ProviderType;
import dev.tollgate.model.GatewayModel.Provider;
import dev.tollgate.model.Wire;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a client's {@code /v1/...} path becomes a provider's path: strip a leading part, prepend a
 * prefix, append a query. {@code "-"} stands for "nothing", because Envoy's header formatters
 * cannot carry an empty value through endpoint metadata.
 *
 * @param prefix prepended to the path, e.g. {@code /openai/deployments/gpt-4o-eu}
 * @param strip removed from the start of the path first, e.g. {@code /v1}
 * @param query appended as query parameters, e.g. {@code api-version=2024-10-21}
 */
record UpstreamPath(String prefix, String strip, String query) {
  static final String NOTHING = "-";

  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z_]+)}");

  /**
   * Where the Lua template's {@code ${NAME}} placeholders come from: the header names are {@link
   * Wire}'s, which the translator's header edits and the early removal of client headers use too.
   */
  static final Map<String, String> LUA_NAMES =
      Map.of(
          "PATH_PREFIX_HEADER", Wire.PATH_PREFIX_HEADER,
          "PATH_STRIP_HEADER", Wire.PATH_STRIP_HEADER,
          "PATH_QUERY_HEADER", Wire.PATH_QUERY_HEADER,
          "CLIENT_PATH_HEADER", Wire.CLIENT_PATH_HEADER,
          "CREDENTIAL_HEADER", Wire.CREDENTIAL_HEADER,
          "NOTHING", NOTHING);

  /** The Lua template of the upstream path filter, with placeholders. */
  static final String LUA_TEMPLATE = load("upstream-path.lua");

  /** The Lua upstream filter that applies an UpstreamPath from request headers. */
  static final String LUA = substitute(LUA_TEMPLATE, LUA_NAMES);

  /** Returns the path rule for one model of a provider. */
  static UpstreamPath of(Provider provider, String model) {
    String base = provider.upstream().basePath();
    if (provider.type() == ProviderType.AzureOpenAI) {
      String deployment = provider.model(model).orElseThrow().deployment();
      return new UpstreamPath(
          base + "/openai/deployments/" + deployment,
          "/v1",
          "api-version=" + provider.azureApiVersion());
    }
    String apiPath = provider.upstream().apiPath();
    if (apiPath != null) {
      // Client paths are MeteredApis' /v1/...: the provider's API path takes /v1's place.
      return new UpstreamPath(base + apiPath, "/v1", NOTHING);
    }
    return new UpstreamPath(base.isEmpty() ? NOTHING : base, NOTHING, NOTHING);
  }

  /** Returns whether the client's path goes upstream unchanged. */
  boolean isIdentity() {
    return prefix.equals(NOTHING) && strip.equals(NOTHING) && query.equals(NOTHING);
  }

  /**
   * Replaces every {@code ${NAME}} of a template by its value.
   *
   * @throws IllegalStateException when a placeholder has no value or a value no placeholder, so
   *     that a renamed placeholder fails at class load rather than in Envoy
   */
  static String substitute(String template, Map<String, String> values) {
    Set<String> unused = new TreeSet<>(values.keySet());
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = values.get(m.group(1));
      if (value == null) {
        throw new IllegalStateException("no value for placeholder ${" + m.group(1) + "}");
      }
      unused.remove(m.group(1));
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    if (!unused.isEmpty()) {
      throw new IllegalStateException("no placeholder for " + unused);
    }
    return out.toString();
  }

  /** Reads a resource of this package as UTF-8. */
  static String load(String name) {
    try (InputStream in = UpstreamPath.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
