package dev.tollgate.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.tollgate.model.GatewayModelBuilder;
import dev.tollgate.model.Wire;
import dev.tollgate.model.source.ManifestReader;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutation;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Lua path filter and the translator name the same headers, because the Lua gets every name
 * from Java: a renamed header cannot leave the Lua reading a header nobody sets.
 */
class UpstreamPathTest {
  private static final Pattern LUA_HEADER =
      Pattern.compile("headers:(?:get|add|remove|replace)\\(\"([^\"]+)\"");

  @Test
  void luaTemplateSpellsNoHeaderNameOrMarkerItself() {
    String code =
        UpstreamPath.LUA_TEMPLATE.substring(UpstreamPath.LUA_TEMPLATE.indexOf("function"));
    assertThat(code).doesNotContain("\"" + Wire.HEADER_PREFIX).doesNotContain("\"-\"");
    assertThat(UpstreamPath.LUA).doesNotContain("${");
  }

  @Test
  void everyHeaderTheLuaReadsIsSetByTheTranslatorAndRemovedFromClients() throws IOException {
    Set<String> lua = luaHeaders();
    lua.remove(":path");
    assertThat(lua)
        .containsExactlyInAnyOrder(
            Wire.PATH_PREFIX_HEADER,
            Wire.PATH_STRIP_HEADER,
            Wire.PATH_QUERY_HEADER,
            Wire.PATH_RESPONSES_HEADER,
            Wire.CREDENTIAL_HEADER);
    assertThat(Wire.IDENTITY_HEADERS).containsAll(lua);
    // It only removes the headers it reads: the client's path it keeps across attempts is in
    // the request's metadata, and no header it adds can reach the provider.
    assertThat(UpstreamPath.LUA).doesNotContain("headers:add(");

    // A rule with fallbacks across an Azure and an OpenAI provider: both a provider cluster that
    // rewrites the path and an aggregate cluster that reads it from endpoint metadata.
    XdsResources xds = translate("route-fallback-priority");
    Set<String> setByProviderClusters = new TreeSet<>();
    Set<String> setByAggregates = new TreeSet<>();
    for (Cluster cluster : xds.clusters()) {
      if (cluster.hasClusterType()) {
        setByAggregates.addAll(headersSet(cluster));
      } else if (cluster.getName().startsWith("provider/")) {
        setByProviderClusters.addAll(headersSet(cluster));
      }
    }
    Set<String> read = new TreeSet<>(lua);
    read.remove(Wire.CREDENTIAL_HEADER);
    assertThat(setByProviderClusters).containsAll(read);
    assertThat(setByAggregates).containsAll(read).contains(Wire.CREDENTIAL_HEADER);
  }

  @Test
  void theModelLuaReadsOnlyHeadersTheProcessorAndTheClusterSetAndClientsCannot()
      throws IOException {
    String template = UpstreamFilters.MODEL_LUA_TEMPLATE;
    assertThat(template.substring(template.indexOf("function")))
        .doesNotContain("\"" + Wire.HEADER_PREFIX);
    String lua = UpstreamPath.substitute(template, UpstreamFilters.MODEL_LUA_NAMES);
    Set<String> read = new TreeSet<>();
    Matcher m = LUA_HEADER.matcher(lua);
    while (m.find()) {
      read.add(m.group(1));
    }
    assertThat(read).containsExactlyInAnyOrder(Wire.MODEL_SPAN_HEADER, Wire.UPSTREAM_MODEL_HEADER);
    assertThat(Wire.IDENTITY_HEADERS).containsAll(read);
    // Every cluster with the model filter sets the upstream model header before it.
    XdsResources xds = translate("route-weighted-split");
    long withFilter = 0;
    for (Cluster cluster : xds.clusters()) {
      if (filterNames(cluster).contains("tollgate.upstream_model")) {
        withFilter++;
        assertThat(headersSet(cluster))
            .contains(Wire.UPSTREAM_MODEL_HEADER, Wire.MODEL_SPAN_HEADER);
        assertThat(filterNames(cluster))
            .endsWith("tollgate.upstream_internal_headers", "envoy.filters.http.upstream_codec");
      }
    }
    assertThat(withFilter).isPositive();
  }

  @Test
  void substitutionRefusesUnknownAndUnusedPlaceholders() {
    assertThat(UpstreamPath.substitute("a ${X} b ${X}", Map.of("X", "1"))).isEqualTo("a 1 b 1");
    assertThatThrownBy(() -> UpstreamPath.substitute("${Y}", Map.of("X", "1")))
        .hasMessageContaining("${Y}");
    assertThatThrownBy(() -> UpstreamPath.substitute("none", Map.of("X", "1")))
        .hasMessageContaining("X");
  }

  private static Set<String> luaHeaders() {
    Set<String> names = new TreeSet<>();
    Matcher m = LUA_HEADER.matcher(UpstreamPath.LUA);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  private static java.util.List<String> filterNames(Cluster cluster) {
    try {
      return cluster
          .getTypedExtensionProtocolOptionsOrThrow(XdsProtos.HTTP_PROTOCOL_OPTIONS)
          .unpack(HttpProtocolOptions.class)
          .getHttpFiltersList()
          .stream()
          .map(HttpFilter::getName)
          .toList();
    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
      return java.util.List.of();
    }
  }

  private static Set<String> headersSet(Cluster cluster) {
    Set<String> names = new TreeSet<>();
    try {
      HttpProtocolOptions options =
          cluster
              .getTypedExtensionProtocolOptionsOrThrow(XdsProtos.HTTP_PROTOCOL_OPTIONS)
              .unpack(HttpProtocolOptions.class);
      for (HttpFilter filter : options.getHttpFiltersList()) {
        if (filter.getName().equals("tollgate.upstream_headers")) {
          filter
              .getTypedConfig()
              .unpack(HeaderMutation.class)
              .getMutations()
              .getRequestMutationsList()
              .stream()
              .filter(mutation -> mutation.hasAppend())
              .forEach(mutation -> names.add(mutation.getAppend().getHeader().getKey()));
        }
      }
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
    return names;
  }

  private static XdsResources translate(String goldenCase) throws IOException {
    Path input = Path.of("src", "test", "resources", "golden", goldenCase + ".in.yaml");
    var loaded = new ManifestReader().readString(goldenCase, Files.readString(input));
    return new XdsTranslator(XdsSettings.local())
        .translate(GatewayModelBuilder.build(loaded.snapshot()));
  }
}
