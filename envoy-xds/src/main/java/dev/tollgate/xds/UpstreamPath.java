package dev.tollgate.xds;

import dev.tollgate.api.v1alpha1.ProviderType;
import dev.tollgate.model.GatewayModel.Provider;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

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

  /** The Lua upstream filter that applies an UpstreamPath from request headers. */
  static final String LUA = load("upstream-path.lua");

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
    return new UpstreamPath(base.isEmpty() ? NOTHING : base, NOTHING, NOTHING);
  }

  /** Returns whether the client's path goes upstream unchanged. */
  boolean isIdentity() {
    return prefix.equals(NOTHING) && strip.equals(NOTHING) && query.equals(NOTHING);
  }

  private static String load(String name) {
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
