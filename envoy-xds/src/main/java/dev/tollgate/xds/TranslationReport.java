package dev.tollgate.xds;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModelBuilder;
import dev.tollgate.model.ProviderPolicy;
import dev.tollgate.model.ResourceStatusReport;
import dev.tollgate.model.source.LoadError;
import dev.tollgate.model.source.LoadResult;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.List;

/**
 * The whole outcome of translating a folder of manifests: documents that could not be read, the
 * conditions of every resource, and the xDS resources, rendered as YAML for people, golden files
 * and GitOps pipelines. Secret values are replaced by a hash in the rendering, and the model's
 * rendering never holds them.
 *
 * @param loadErrors documents that could not be read
 * @param model the GatewayModel
 * @param xds the xDS resources
 */
public record TranslationReport(List<LoadError> loadErrors, GatewayModel model, XdsResources xds) {
  private static final ObjectMapper YAML =
      new ObjectMapper(
              YAMLFactory.builder()
                  .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                  .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                  .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                  .build())
          .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
          .configure(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN, true);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Translates what a manifest folder held, honouring every provider wherever it points. */
  public static TranslationReport of(LoadResult loaded, XdsSettings settings) {
    return of(loaded, settings, ProviderPolicy.UNRESTRICTED);
  }

  /** Translates what a manifest folder held under a provider policy. */
  public static TranslationReport of(
      LoadResult loaded, XdsSettings settings, ProviderPolicy providerPolicy) {
    GatewayModel model = GatewayModelBuilder.build(loaded.snapshot(), providerPolicy);
    return new TranslationReport(
        loaded.errors(), model, new XdsTranslator(settings).translate(model));
  }

  /** Returns whether any document failed to load or any resource is not accepted or resolved. */
  public boolean hasErrors() {
    return !loadErrors.isEmpty() || !failingResources().isEmpty();
  }

  /** Returns the resources with a condition that is not True. */
  public List<ResourceStatusReport> failingResources() {
    return model.statuses().stream()
        .filter(s -> s.conditions().stream().anyMatch(c -> !c.holds()))
        .toList();
  }

  /** Renders the errors for a terminal: one line per problem, naming resource and field. */
  public String describeErrors() {
    StringBuilder out = new StringBuilder();
    for (LoadError e : loadErrors) {
      out.append("error: ").append(e.describe()).append('\n');
    }
    for (ResourceStatusReport s : failingResources()) {
      for (var c : s.conditions()) {
        if (!c.holds()) {
          out.append("error: ")
              .append(s.resource())
              .append(": ")
              .append(c.type())
              .append("=False (")
              .append(c.reason())
              .append("): ")
              .append(c.message())
              .append('\n');
        }
      }
    }
    return out.toString();
  }

  /** Renders errors, statuses and xDS as one YAML document. */
  public String toYaml() {
    ObjectNode root = YAML.createObjectNode();
    ArrayNode errors = root.putArray("loadErrors");
    loadErrors.forEach(e -> errors.add(JSON.valueToTree(e)));
    root.set("statuses", JSON.valueToTree(model.statuses()));
    root.set("xds", xdsTree());
    return yaml(root);
  }

  /** Renders only the xDS resources as YAML. */
  public String xdsYaml() {
    return yaml(xdsTree());
  }

  /** Renders the model as YAML; credential values are not part of its serialized form. */
  public String modelYaml() {
    return yaml(model);
  }

  /**
   * Renders a value in this report's YAML: keys of maps sorted, decimals plain, no document marker,
   * so that the same value always renders to the same bytes.
   */
  public static String yaml(Object value) {
    try {
      return YAML.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render YAML", e);
    }
  }

  private JsonNode xdsTree() {
    ObjectNode xdsNode = JSON.createObjectNode();
    xdsNode.put("version", xds.version());
    xdsNode.set("listeners", protos(xds.listeners()));
    xdsNode.set("routes", protos(xds.routes()));
    xdsNode.set("clusters", protos(xds.clusters()));
    xdsNode.set(
        "secrets", protos(xds.secrets().stream().map(TranslationReport::redacted).toList()));
    return xdsNode;
  }

  /**
   * A secret as the report shows it: a provider key as its hash; a TLS certificate holds only file
   * paths and is shown whole.
   */
  private static Secret redacted(Secret s) {
    if (!s.hasGenericSecret()) {
      return s;
    }
    return Secret.newBuilder(s)
        .setGenericSecret(
            s.getGenericSecret().toBuilder()
                .setSecret(
                    s.getGenericSecret().getSecret().toBuilder()
                        .setInlineString(
                            "redacted sha256:"
                                + GatewayModelBuilder.sha256(
                                        s.getGenericSecret().getSecret().getInlineString())
                                    .substring(0, 12))))
        .build();
  }

  private static ArrayNode protos(List<? extends Message> messages) {
    ArrayNode array = JSON.createArrayNode();
    for (Message m : messages) {
      try {
        array.add(JSON.readTree(XdsJson.PRINTER.print(m)));
      } catch (InvalidProtocolBufferException | JsonProcessingException e) {
        throw new IllegalStateException("cannot render " + m.getDescriptorForType().getName(), e);
      }
    }
    return array;
  }

  /** The JSON printer that knows every message type Tollgate packs into {@code Any}. */
  static final class XdsJson {
    static final JsonFormat.Printer PRINTER =
        JsonFormat.printer()
            .usingTypeRegistry(
                JsonFormat.TypeRegistry.newBuilder()
                    .add(
                        io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3
                            .HttpConnectionManager.getDescriptor())
                    .add(
                        io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor
                            .getDescriptor())
                    .add(
                        io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimit
                            .getDescriptor())
                    .add(
                        io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimitPerRoute
                            .getDescriptor())
                    .add(
                        io.envoyproxy.envoy.extensions.filters.http.router.v3.Router
                            .getDescriptor())
                    .add(
                        io.envoyproxy.envoy.extensions.network.dns_resolver.cares.v3
                            .CaresDnsResolverConfig.getDescriptor())
                    .add(
                        io.envoyproxy.envoy.extensions.access_loggers.filters.cel.v3
                            .ExpressionFilter.getDescriptor())
                    .add(
                        io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3
                            .HeaderMutation.getDescriptor())
                    .add(
                        io.envoyproxy.envoy.extensions.filters.http.credential_injector.v3
                            .CredentialInjector.getDescriptor())
                    .add(
                        io.envoyproxy.envoy.extensions.http.injected_credentials.generic.v3.Generic
                            .getDescriptor())
                    .add(
                        io.envoyproxy.envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec
                            .getDescriptor())
                    .add(
                        io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                            .getDescriptor())
                    .add(
                        io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                            .getDescriptor())
                    .add(
                        io.envoyproxy.envoy.extensions.clusters.aggregate.v3.ClusterConfig
                            .getDescriptor())
                    .add(
                        io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3
                            .PreviousHostsPredicate.getDescriptor())
                    .add(
                        io.envoyproxy.envoy.extensions.retry.priority.previous_priorities.v3
                            .PreviousPrioritiesConfig.getDescriptor())
                    .add(
                        io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog
                            .getDescriptor())
                    .add(io.envoyproxy.envoy.extensions.filters.http.lua.v3.Lua.getDescriptor())
                    .add(
                        io.envoyproxy.envoy.extensions.filters.http.composite.v3.Composite
                            .getDescriptor())
                    .add(
                        io.envoyproxy.envoy.extensions.filters.http.composite.v3.ExecuteFilterAction
                            .getDescriptor())
                    .add(
                        io.envoyproxy.envoy.extensions.common.matching.v3.ExtensionWithMatcher
                            .getDescriptor())
                    .add(
                        io.envoyproxy.envoy.type.matcher.v3.HttpRequestHeaderMatchInput
                            .getDescriptor())
                    .add(
                        io.envoyproxy.envoy.extensions.http.early_header_mutation.header_mutation.v3
                            .HeaderMutation.getDescriptor())
                    .add(io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig.getDescriptor())
                    .build())
            .preservingProtoFieldNames()
            .sortingMapKeys();

    private XdsJson() {}
  }
}
