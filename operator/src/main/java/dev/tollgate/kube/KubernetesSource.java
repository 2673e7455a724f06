package dev.tollgate.kube;

import dev.tollgate.api.v1alpha1.AIRoute;
import dev.tollgate.api.v1alpha1.ModelProvider;
import dev.tollgate.api.v1alpha1.TokenQuota;
import dev.tollgate.model.source.ConfigSource;
import dev.tollgate.model.source.ResourceSnapshot;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The Kubernetes API as a {@link ConfigSource}: Fabric8 informers on Namespaces, on the Secrets a
 * {@link SecretReading} names, and on ModelProviders, AIRoutes and TokenQuotas unless someone else
 * already caches those (the operator's controllers, see {@link Primaries}).
 *
 * <p>{@link #start} returns only once every informer has listed, so no model is built from
 * half-filled caches. Any add, delete or new resourceVersion is a change; of a Namespace only its
 * labels, because providers admit namespaces by label. Thread-safe.
 */
public final class KubernetesSource implements ConfigSource {
  /** The three Tollgate kinds, when they are cached outside this source. */
  public interface Primaries {
    /** Returns the cached ModelProviders. */
    List<ModelProvider> providers();

    /** Returns the cached AIRoutes. */
    List<AIRoute> routes();

    /** Returns the cached TokenQuotas. */
    List<TokenQuota> quotas();
  }

  private final KubernetesClient client;
  private final Set<String> watched;
  private final SecretReading secretReading;
  private final CredentialStandIns standIns = new CredentialStandIns();
  private final Duration timeout;
  private final String rbacHint;
  private final Primaries primaries;
  private final List<SharedIndexInformer<ModelProvider>> providers = new ArrayList<>();
  private final List<SharedIndexInformer<AIRoute>> routes = new ArrayList<>();
  private final List<SharedIndexInformer<TokenQuota>> quotas = new ArrayList<>();
  private final List<SharedIndexInformer<Secret>> secrets = new ArrayList<>();
  private final List<SharedIndexInformer<?>> all = new CopyOnWriteArrayList<>();
  private volatile SharedIndexInformer<Namespace> namespaces;

  private KubernetesSource(
      KubernetesClient client,
      Set<String> watched,
      SecretReading secretReading,
      Duration timeout,
      String rbacHint,
      Primaries primaries) {
    this.client = client;
    this.watched = watched;
    this.secretReading = secretReading;
    this.timeout = timeout;
    this.rbacHint = rbacHint;
    this.primaries = primaries;
  }

  /**
   * Watches the three Tollgate kinds, Namespaces and the Secrets {@code secrets} says itself, the
   * way the data-plane roles do.
   *
   * @param client the client; needs list and watch on the kinds it reads, nothing else
   * @param watched namespaces whose resources and Secrets are read; empty for all
   * @param secrets which Secrets are read, and whether provider credentials get stand-ins
   * @param timeout how long to wait for the first list of each kind
   * @param rbacHint where to look when a list is forbidden, for the error message
   */
  public static KubernetesSource allKinds(
      KubernetesClient client,
      Set<String> watched,
      SecretReading secrets,
      Duration timeout,
      String rbacHint) {
    return new KubernetesSource(client, watched, secrets, timeout, rbacHint, null);
  }

  /**
   * Watches Secrets and Namespaces and reads the three Tollgate kinds from caches kept elsewhere,
   * the way the operator does; their changes are the caller's to report.
   */
  public static KubernetesSource aroundPrimaries(
      Primaries primaries,
      KubernetesClient client,
      Set<String> watched,
      String secretSelector,
      Duration timeout,
      String rbacHint) {
    return new KubernetesSource(
        client, watched, SecretReading.all(secretSelector), timeout, rbacHint, primaries);
  }

  @Override
  public synchronized void start(Runnable onChange) {
    List<String> scopes = watched.isEmpty() ? List.of("") : watched.stream().sorted().toList();
    for (String namespace : scopes) {
      if (primaries == null) {
        providers.add(informer(client.resources(ModelProvider.class), namespace, null, onChange));
        routes.add(informer(client.resources(AIRoute.class), namespace, null, onChange));
        quotas.add(informer(client.resources(TokenQuota.class), namespace, null, onChange));
      }
      if (secretReading.reads()) {
        secrets.add(informer(client.secrets(), namespace, secretReading.selector(), onChange));
      }
    }
    SharedIndexInformer<Namespace> namespaceInformer = client.namespaces().runnableInformer(0);
    namespaceInformer.addEventHandler(
        KubernetesSource.<Namespace>handler(onChange, n -> n.getMetadata().getLabels()));
    all.add(namespaceInformer);
    namespaces = namespaceInformer;
    for (SharedIndexInformer<?> informer : all) {
      awaitStart(informer);
    }
  }

  private <T extends HasMetadata, L extends KubernetesResourceList<T>>
      SharedIndexInformer<T> informer(
          MixedOperation<T, L, Resource<T>> kind,
          String namespace,
          String selector,
          Runnable onChange) {
    var scoped = namespace.isEmpty() ? kind.inAnyNamespace() : kind.inNamespace(namespace);
    SharedIndexInformer<T> informer =
        (selector == null || selector.isBlank() ? scoped : scoped.withLabelSelector(selector))
            .runnableInformer(0);
    informer.addEventHandler(
        KubernetesSource.<T>handler(onChange, o -> o.getMetadata().getResourceVersion()));
    all.add(informer);
    return informer;
  }

  /**
   * Returns a handler reporting adds, deletes and updates that change what {@code relevant} says.
   */
  private static <T> ResourceEventHandler<T> handler(
      Runnable onChange, Function<T, Object> relevant) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T object) {
        onChange.run();
      }

      @Override
      public void onUpdate(T before, T after) {
        if (!Objects.equals(relevant.apply(before), relevant.apply(after))) {
          onChange.run();
        }
      }

      @Override
      public void onDelete(T object, boolean finalStateUnknown) {
        onChange.run();
      }
    };
  }

  private void awaitStart(SharedIndexInformer<?> informer) {
    String kind = informer.getApiTypeClass().getSimpleName();
    try {
      informer.start().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "cannot list and watch " + kind + "s: " + e.getCause().getMessage() + " " + rbacHint,
          e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "no list of "
              + kind
              + "s within "
              + timeout.toSeconds()
              + "s: is the API server reachable?",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting informers", e);
    }
  }

  @Override
  public ResourceSnapshot snapshot() {
    SharedIndexInformer<Namespace> ns = namespaces;
    List<ModelProvider> providerItems =
        primaries == null ? items(providers) : primaries.providers();
    List<Secret> secretItems = items(secrets);
    return new ResourceSnapshot(
        providerItems,
        primaries == null ? items(routes) : primaries.routes(),
        primaries == null ? items(quotas) : primaries.quotas(),
        secretReading.standInForCredentials()
            ? standIns.around(providerItems, secretItems)
            : secretItems,
        ns == null ? List.of() : ns.getStore().list());
  }

  private synchronized <T> List<T> items(List<SharedIndexInformer<T>> informers) {
    return informers.stream().flatMap(i -> i.getStore().list().stream()).toList();
  }

  /** Returns whether every informer of this source is watching. */
  @Override
  public boolean healthy() {
    return namespaces != null && all.stream().allMatch(SharedIndexInformer::isWatching);
  }

  @Override
  public void close() {
    all.forEach(SharedIndexInformer::close);
  }
}
