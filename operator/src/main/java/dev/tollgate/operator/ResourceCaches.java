package dev.tollgate.operator;

import dev.tollgate.api.v1alpha1.AIRoute;
import dev.tollgate.api.v1alpha1.ModelProvider;
import dev.tollgate.api.v1alpha1.TokenQuota;
import dev.tollgate.kube.KubernetesSource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import java.util.List;
import java.util.stream.Stream;

/**
 * The three controllers' primary caches (owned by the Java Operator SDK), which the operator's
 * {@link KubernetesSource} reads ModelProviders, AIRoutes and TokenQuotas from instead of watching
 * them a second time.
 *
 * <p>Secrets and Namespaces are not mapped to primaries: one Secret can change a provider, through
 * it every route using the provider, and through those the quotas pricing them. The model builder
 * already resolves those references, so the gateway state rebuilds the model on any change and
 * re-reconciles exactly the resources whose status changes.
 *
 * <p>Thread-safe: caches are attached before the operator starts and read concurrently after.
 */
final class ResourceCaches implements KubernetesSource.Primaries {
  private volatile IndexerResourceCache<ModelProvider> providers;
  private volatile IndexerResourceCache<AIRoute> routes;
  private volatile IndexerResourceCache<TokenQuota> quotas;

  /** Attaches a controller's primary cache. */
  @SuppressWarnings("unchecked")
  <R extends HasMetadata> void attach(Class<R> kind, IndexerResourceCache<R> cache) {
    if (kind == ModelProvider.class) {
      providers = (IndexerResourceCache<ModelProvider>) cache;
    } else if (kind == AIRoute.class) {
      routes = (IndexerResourceCache<AIRoute>) cache;
    } else if (kind == TokenQuota.class) {
      quotas = (IndexerResourceCache<TokenQuota>) cache;
    } else {
      throw new IllegalArgumentException("not a Tollgate kind: " + kind);
    }
  }

  /** Returns whether every cache is attached. */
  boolean attached() {
    return providers != null && routes != null && quotas != null;
  }

  @Override
  public List<ModelProvider> providers() {
    return list(providers);
  }

  @Override
  public List<AIRoute> routes() {
    return list(routes);
  }

  @Override
  public List<TokenQuota> quotas() {
    return list(quotas);
  }

  /** Returns every cached resource of the three kinds. */
  Stream<HasMetadata> primaries() {
    return Stream.of(list(providers), list(routes), list(quotas)).flatMap(List::stream);
  }

  private static <R extends HasMetadata> List<R> list(IndexerResourceCache<R> cache) {
    return cache == null ? List.of() : cache.list().toList();
  }
}
