package dev.tollgate.operator;

import dev.tollgate.api.v1alpha1.AIRoute;
import dev.tollgate.api.v1alpha1.ModelProvider;
import dev.tollgate.api.v1alpha1.TokenQuota;
import dev.tollgate.model.ResourceRef;
import dev.tollgate.model.source.ResourceSnapshot;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * The informer caches a GatewayModel is built from: the three controllers' primary caches (owned by
 * the Java Operator SDK) and the operator's own informers on Secrets and Namespaces.
 *
 * <p>Secrets and Namespaces are not mapped to primaries here: one Secret can change a provider,
 * through it every route using the provider, and through those the quotas pricing them. The model
 * builder already resolves those references, so the gateway state rebuilds the model on any change
 * and re-reconciles exactly the resources whose status changes.
 *
 * <p>Thread-safe: caches are attached before the operator starts and read concurrently after.
 */
final class ResourceCaches implements AutoCloseable {
  private volatile IndexerResourceCache<ModelProvider> providers;
  private volatile IndexerResourceCache<AIRoute> routes;
  private volatile IndexerResourceCache<TokenQuota> quotas;
  private final List<SharedIndexInformer<Secret>> secrets = new ArrayList<>();
  private SharedIndexInformer<Namespace> namespaces;

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

  /**
   * Starts the Secret and Namespace informers and waits until their caches are filled.
   *
   * @param client the client
   * @param watched namespaces whose Secrets are read; empty for all
   * @param secretSelector label selector the Secrets must match, or blank for all
   * @param timeout how long to wait for the first list
   * @param onChange called after any change that can affect the model
   */
  void startInformers(
      KubernetesClient client,
      Set<String> watched,
      String secretSelector,
      Duration timeout,
      Runnable onChange) {
    ResourceEventHandler<Secret> secretHandler =
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(Secret secret) {
            onChange.run();
          }

          @Override
          public void onUpdate(Secret before, Secret after) {
            if (!Objects.equals(
                before.getMetadata().getResourceVersion(),
                after.getMetadata().getResourceVersion())) {
              onChange.run();
            }
          }

          @Override
          public void onDelete(Secret secret, boolean finalStateUnknown) {
            onChange.run();
          }
        };
    ResourceEventHandler<Namespace> namespaceHandler =
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(Namespace namespace) {
            onChange.run();
          }

          @Override
          public void onUpdate(Namespace before, Namespace after) {
            // Only labels matter: providers admit namespaces by label.
            if (!Objects.equals(
                before.getMetadata().getLabels(), after.getMetadata().getLabels())) {
              onChange.run();
            }
          }

          @Override
          public void onDelete(Namespace namespace, boolean finalStateUnknown) {
            onChange.run();
          }
        };
    if (watched.isEmpty()) {
      secrets.add(secretInformer(client.secrets().inAnyNamespace(), secretSelector));
    } else {
      for (String namespace : watched.stream().sorted().toList()) {
        secrets.add(secretInformer(client.secrets().inNamespace(namespace), secretSelector));
      }
    }
    namespaces = client.namespaces().runnableInformer(0);
    namespaces.addEventHandler(namespaceHandler);
    for (SharedIndexInformer<Secret> informer : secrets) {
      informer.addEventHandler(secretHandler);
    }
    awaitStart(namespaces, timeout);
    for (SharedIndexInformer<Secret> informer : secrets) {
      awaitStart(informer, timeout);
    }
  }

  private static SharedIndexInformer<Secret> secretInformer(
      FilterWatchListDeletable<Secret, SecretList, Resource<Secret>> secrets, String selector) {
    return (selector == null || selector.isBlank() ? secrets : secrets.withLabelSelector(selector))
        .runnableInformer(0);
  }

  private static void awaitStart(SharedIndexInformer<?> informer, Duration timeout) {
    try {
      informer.start().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "cannot list and watch "
              + informer.getApiTypeClass().getSimpleName()
              + "s: "
              + e.getCause().getMessage()
              + " (check the operator's RBAC: helm/tollgate/templates/rbac.yaml)",
          e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "no list of "
              + informer.getApiTypeClass().getSimpleName()
              + "s within "
              + timeout.toSeconds()
              + "s: is the API server reachable?",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting informers", e);
    }
  }

  /** Returns whether every cache is attached and the operator's own informers are watching. */
  boolean healthy() {
    return providers != null
        && routes != null
        && quotas != null
        && namespaces != null
        && namespaces.isWatching()
        && secrets.stream().allMatch(SharedIndexInformer::isWatching);
  }

  /** Returns the resources in the caches now. */
  ResourceSnapshot snapshot() {
    return new ResourceSnapshot(
        list(providers),
        list(routes),
        list(quotas),
        secrets.stream().flatMap(i -> i.getStore().list().stream()).toList(),
        namespaces == null ? List.of() : namespaces.getStore().list());
  }

  /** Returns every cached resource of the three kinds. */
  Stream<HasMetadata> primaries() {
    return Stream.of(list(providers), list(routes), list(quotas)).flatMap(List::stream);
  }

  /** Returns the cached resource a reference names, if any. */
  Optional<? extends HasMetadata> get(ResourceRef ref) {
    ResourceID id = new ResourceID(ref.name(), ref.namespace());
    return switch (ref.kind()) {
      case "ModelProvider" -> providers == null ? Optional.empty() : providers.get(id);
      case "AIRoute" -> routes == null ? Optional.empty() : routes.get(id);
      case "TokenQuota" -> quotas == null ? Optional.empty() : quotas.get(id);
      default -> Optional.empty();
    };
  }

  private static <R extends HasMetadata> List<R> list(IndexerResourceCache<R> cache) {
    return cache == null ? List.of() : cache.list().toList();
  }

  @Override
  public void close() {
    secrets.forEach(SharedIndexInformer::close);
    if (namespaces != null) {
      namespaces.close();
    }
  }
}
