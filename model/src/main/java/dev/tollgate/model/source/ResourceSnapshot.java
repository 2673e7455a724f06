package dev.tollgate.model.source;

import dev.tollgate.api.v1alpha1.AIRoute;
import dev.tollgate.api.v1alpha1.ModelProvider;
import dev.tollgate.api.v1alpha1.TokenQuota;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.List;

/**
 * An immutable set of resources that a GatewayModel is built from: Tollgate's custom resources plus
 * the Secrets and Namespaces they may refer to.
 *
 * <p>The lists are unmodifiable; callers must treat the objects in them as read-only.
 *
 * @param providers ModelProviders
 * @param routes AIRoutes
 * @param quotas TokenQuotas
 * @param secrets Secrets holding provider credentials or client keys
 * @param namespaces Namespaces, for their labels
 */
public record ResourceSnapshot(
    List<ModelProvider> providers,
    List<AIRoute> routes,
    List<TokenQuota> quotas,
    List<Secret> secrets,
    List<Namespace> namespaces) {

  /** Copies the lists so that the snapshot cannot change under its reader. */
  public ResourceSnapshot {
    providers = List.copyOf(providers);
    routes = List.copyOf(routes);
    quotas = List.copyOf(quotas);
    secrets = List.copyOf(secrets);
    namespaces = List.copyOf(namespaces);
  }

  /** Returns a snapshot with nothing in it. */
  public static ResourceSnapshot empty() {
    return new ResourceSnapshot(List.of(), List.of(), List.of(), List.of(), List.of());
  }
}
