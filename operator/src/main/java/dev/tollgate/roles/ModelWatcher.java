package dev.tollgate.roles;

import dev.tollgate.api.v1alpha1.AIRoute;
import dev.tollgate.api.v1alpha1.ModelProvider;
import dev.tollgate.api.v1alpha1.TokenQuota;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModelBuilder;
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
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Read-only informers on ModelProviders, AIRoutes, TokenQuotas, Secrets and Namespaces that build
 * the GatewayModel the way the operator does and hand every new version to the data-plane services
 * (processor, rate-limit service) running as their own deployments.
 *
 * <p>The first model is built only once every informer has listed, so a starting replica never
 * serves a model built from half-filled caches. Changes are coalesced; a model whose version did
 * not change (a status write by the operator) is not handed on. Thread-safe.
 */
public final class ModelWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelWatcher.class);

  private final List<SharedIndexInformer<ModelProvider>> providers = new ArrayList<>();
  private final List<SharedIndexInformer<AIRoute>> routes = new ArrayList<>();
  private final List<SharedIndexInformer<TokenQuota>> quotas = new ArrayList<>();
  private final List<SharedIndexInformer<Secret>> secrets = new ArrayList<>();
  private final List<SharedIndexInformer<?>> all = new ArrayList<>();
  private final List<Consumer<GatewayModel>> listeners = new CopyOnWriteArrayList<>();
  private final Duration coalesce;
  private final ScheduledExecutorService executor;
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private SharedIndexInformer<Namespace> namespaces;
  private volatile boolean listed;
  private volatile GatewayModel current;

  private ModelWatcher(Duration coalesce) {
    this.coalesce = coalesce;
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tollgate-model-watcher");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Starts the informers, waits until every one has listed, and builds the first model.
   *
   * @param client the client; needs get, list and watch on the five kinds, nothing else
   * @param watched namespaces whose resources and Secrets are read; empty for all
   * @param secretSelector label selector the Secrets must match, or blank for all
   * @param coalesce how long changes are collected before the model is rebuilt
   * @param timeout how long to wait for the first list of each kind
   */
  public static ModelWatcher start(
      KubernetesClient client,
      Set<String> watched,
      String secretSelector,
      Duration coalesce,
      Duration timeout) {
    ModelWatcher watcher = new ModelWatcher(coalesce);
    try {
      watcher.startInformers(client, watched, secretSelector, timeout);
      // From here on every change schedules a rebuild after the first one, on the same thread.
      watcher.listed = true;
      watcher.executor.submit(watcher::rebuild).get();
    } catch (ExecutionException e) {
      watcher.close();
      throw new IllegalStateException("cannot build the first model", e.getCause());
    } catch (InterruptedException e) {
      watcher.close();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting", e);
    } catch (RuntimeException e) {
      watcher.close();
      throw e;
    }
    return watcher;
  }

  private void startInformers(
      KubernetesClient client, Set<String> watched, String secretSelector, Duration timeout) {
    List<String> scopes = watched.isEmpty() ? List.of("") : watched.stream().sorted().toList();
    for (String namespace : scopes) {
      providers.add(informer(client.resources(ModelProvider.class), namespace, null));
      routes.add(informer(client.resources(AIRoute.class), namespace, null));
      quotas.add(informer(client.resources(TokenQuota.class), namespace, null));
      secrets.add(informer(client.secrets(), namespace, secretSelector));
    }
    namespaces = client.namespaces().runnableInformer(0);
    namespaces.addEventHandler(handler());
    all.add(namespaces);
    for (SharedIndexInformer<?> informer : all) {
      awaitStart(informer, timeout);
    }
  }

  private <T extends HasMetadata, L extends KubernetesResourceList<T>>
      SharedIndexInformer<T> informer(
          MixedOperation<T, L, Resource<T>> kind, String namespace, String selector) {
    var scoped = namespace.isEmpty() ? kind.inAnyNamespace() : kind.inNamespace(namespace);
    SharedIndexInformer<T> informer =
        (selector == null || selector.isBlank() ? scoped : scoped.withLabelSelector(selector))
            .runnableInformer(0);
    informer.addEventHandler(handler());
    all.add(informer);
    return informer;
  }

  private <T extends HasMetadata> ResourceEventHandler<T> handler() {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T object) {
        changed();
      }

      @Override
      public void onUpdate(T before, T after) {
        if (!Objects.equals(
            before.getMetadata().getResourceVersion(), after.getMetadata().getResourceVersion())) {
          changed();
        }
      }

      @Override
      public void onDelete(T object, boolean finalStateUnknown) {
        changed();
      }
    };
  }

  private static void awaitStart(SharedIndexInformer<?> informer, Duration timeout) {
    String kind = informer.getApiTypeClass().getSimpleName();
    try {
      informer.start().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "cannot list and watch "
              + kind
              + "s: "
              + e.getCause().getMessage()
              + " (check the role's RBAC: get, list, watch)",
          e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "no list of " + kind + "s within " + timeout.toSeconds() + "s: is the API reachable?", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting informers", e);
    }
  }

  private void changed() {
    if (listed && scheduled.compareAndSet(false, true)) {
      try {
        executor.schedule(
            () -> {
              scheduled.set(false);
              try {
                rebuild();
              } catch (RuntimeException e) {
                LOG.error("cannot build the gateway model", e);
              }
            },
            coalesce.toMillis(),
            TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        scheduled.set(false);
      }
    }
  }

  private void rebuild() {
    GatewayModel model = GatewayModelBuilder.build(snapshot());
    GatewayModel previous = current;
    if (previous != null && previous.version().equals(model.version())) {
      return;
    }
    current = model;
    LOG.info(
        "model {}: {} providers, {} routes, {} quotas, {} client keys",
        model.version(),
        model.providers().size(),
        model.routes().size(),
        model.quotas().size(),
        model.clients().size());
    for (Consumer<GatewayModel> listener : listeners) {
      notify(listener, model);
    }
  }

  private static void notify(Consumer<GatewayModel> listener, GatewayModel model) {
    try {
      listener.accept(model);
    } catch (RuntimeException e) {
      LOG.error("a model listener failed on version {}", model.version(), e);
    }
  }

  /** Returns the resources in the caches now. */
  ResourceSnapshot snapshot() {
    return new ResourceSnapshot(
        items(providers),
        items(routes),
        items(quotas),
        items(secrets),
        namespaces.getStore().list());
  }

  private static <T> List<T> items(List<SharedIndexInformer<T>> informers) {
    return informers.stream().flatMap(i -> i.getStore().list().stream()).toList();
  }

  /**
   * Registers a service that receives every new model, at once with the current one; called on the
   * watcher's thread.
   */
  public void addListener(Consumer<GatewayModel> listener) {
    try {
      executor
          .submit(
              () -> {
                listeners.add(listener);
                notify(listener, current);
              })
          .get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot register a listener", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while registering a listener", e);
    }
  }

  /** Returns the model built last (never null once started). */
  public GatewayModel current() {
    return current;
  }

  /** Returns whether every informer is watching. */
  public boolean healthy() {
    return all.stream().allMatch(SharedIndexInformer::isWatching);
  }

  @Override
  public void close() {
    executor.shutdownNow();
    all.forEach(SharedIndexInformer::close);
  }
}
