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
 * @param responses for Responses API paths ({@code /v1/responses...}) only: the base that replaces
 *     {@code /v1}, with no query and instead of the three above, e.g. Azure OpenAI's v1 API {@code
 *     /openai/v1}
 */
record UpstreamPath(String prefix, String strip, String query, String responses) {
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
          "PATH_RESPONSES_HEADER", Wire.PATH_RESPONSES_HEADER,
          "PATH_NAMESPACE", Wire.UPSTREAM_PATH_NAMESPACE,
          "CLIENT_PATH_KEY", Wire.CLIENT_PATH,
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
      // The Responses API is not under the deployment: Azure's GA v1 API serves it at
      // /openai/v1/responses, without api-version, with the deployment as the body's model.
      return new UpstreamPath(
          base + "/openai/deployments/" + deployment,
          "/v1",
          "api-version=" + provider.azureApiVersion(),
          base + "/openai/v1");
    }
    String apiPath = provider.upstream().apiPath();
    if (apiPath != null) {
      // Client paths are MeteredApis' /v1/...: the provider's API path takes /v1's place.
      return new UpstreamPath(base + apiPath, "/v1", NOTHING, NOTHING);
    }
    return new UpstreamPath(base.isEmpty() ? NOTHING : base, NOTHING, NOTHING, NOTHING);
  }

  /**
   * Returns the model name an attempt to this provider writes into the body, when the body is
   * rewritten per attempt: an Azure OpenAI deployment's name (its Responses API reads the
   * deployment from the body's {@code model}; its deployment paths ignore the body's model), else
   * the upstream model.
   */
  static String bodyModel(Provider provider, String model) {
    if (provider.type() == ProviderType.AzureOpenAI) {
      return provider.model(model).orElseThrow().deployment();
    }
    return model;
  }

  /**
   * Returns whether every request body to this provider that the processor marks needs the upstream
   * model filter, whatever its rule: Azure OpenAI's Responses API takes the deployment as model.
   */
  static boolean namesDeploymentInBody(Provider provider) {
    return provider.type() == ProviderType.AzureOpenAI;
  }

  /** Returns whether the client's path goes upstream unchanged. */
  boolean isIdentity() {
    return prefix.equals(NOTHING)
        && strip.equals(NOTHING)
        && query.equals(NOTHING)
        && responses.equals(NOTHING);
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
