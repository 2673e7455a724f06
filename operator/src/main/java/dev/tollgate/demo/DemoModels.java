package dev.tollgate.demo;

import dev.tollgate.api.v1alpha1.ProviderType;
import dev.tollgate.model.GatewayModel;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models the demo upstream serves: those that the accepted ModelProviders pointing at it (a
 * loopback host and the demo's port, without TLS) offer, by provider type, and for Azure OpenAI
 * providers their deployments. Anything else is refused as the real provider refuses an unknown
 * model. Updated with every published model; thread-safe.
 */
public final class DemoModels {
  private static final Logger LOG = LoggerFactory.getLogger(DemoModels.class);
  private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "localhost", "::1", "[::1]");

  /** What is served: model names per provider type, and Azure deployment to model. */
  private record Served(Map<ProviderType, Set<String>> names, Map<String, String> deployments) {}

  private final int port;
  private volatile Served served;

  private DemoModels(int port, Served served) {
    this.port = port;
    this.served = served;
  }

  /** Models taken from the providers that point at a demo on this port; none until updated. */
  public static DemoModels fromProvidersAt(int port) {
    return new DemoModels(port, new Served(Map.of(), Map.of()));
  }

  /** A fixed list of OpenAI-style models (for a demo started without manifests, as in bench). */
  public static DemoModels fixed(List<String> models) {
    return fixed(models, Map.of());
  }

  /** A fixed list of OpenAI-style models and Azure OpenAI deployments (deployment to model). */
  public static DemoModels fixed(List<String> models, Map<String, String> deployments) {
    return new DemoModels(
        -1,
        new Served(
            Map.of(ProviderType.OpenAICompatible, new TreeSet<>(models)), Map.copyOf(deployments)));
  }

  /** Takes the served models from a newly published gateway model. */
  public void update(GatewayModel model) {
    if (port < 0) {
      return;
    }
    Map<ProviderType, Set<String>> names = new TreeMap<>();
    Map<String, String> deployments = new TreeMap<>();
    for (GatewayModel.Provider provider : model.providers()) {
      GatewayModel.Upstream upstream = provider.upstream();
      if (upstream.tls() || upstream.port() != port || !LOOPBACK.contains(upstream.host())) {
        continue;
      }
      for (GatewayModel.OfferedModel offered : provider.models()) {
        names.computeIfAbsent(provider.type(), t -> new TreeSet<>()).add(offered.name());
        if (provider.type() == ProviderType.AzureOpenAI) {
          deployments.put(offered.deployment(), offered.name());
        }
      }
    }
    Served next = new Served(Map.copyOf(names), Map.copyOf(deployments));
    if (!next.equals(served)) {
      LOG.info("demo upstream serves {} and Azure deployments {}", next.names(), deployments);
    }
    served = next;
  }

  /** Returns the names served to providers of these types, sorted. */
  public List<String> names(ProviderType... types) {
    Served now = served;
    Set<String> all = new TreeSet<>();
    for (ProviderType type : types) {
      all.addAll(now.names().getOrDefault(type, Set.of()));
    }
    return List.copyOf(all);
  }

  /** Returns the Azure OpenAI deployments served, deployment name to model name. */
  public Map<String, String> deployments() {
    return served.deployments();
  }
}
