package dev.tollgate.model;

import dev.tollgate.api.v1alpha1.ModelProvider;
import dev.tollgate.model.GatewayModel.Provider;
import dev.tollgate.model.GatewayModel.Route;
import dev.tollgate.model.source.ResourceSnapshot;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The state of one build: the snapshot, its lookups, and what the steps have accepted so far.
 *
 * <p>Each step (providers, routes, clients, quotas) reads what the earlier steps left here and adds
 * its own results. Not thread-safe; one per build.
 */
final class BuildContext {
  /** The order in which conflicts are decided: the oldest object keeps what it claims. */
  static final Comparator<HasMetadata> OLDEST_FIRST =
      Comparator.comparing(
              (HasMetadata o) -> Objects.toString(o.getMetadata().getCreationTimestamp(), ""))
          .thenComparing(o -> o.getMetadata().getNamespace())
          .thenComparing(o -> o.getMetadata().getName());

  final ResourceSnapshot snapshot;
  final ProviderPolicy providerPolicy;
  final StatusReports statuses = new StatusReports();
  final Map<String, Provider> acceptedProviders = new TreeMap<>();
  final Map<String, Route> acceptedRoutes = new TreeMap<>();
  final Map<String, String> credentialValues = new TreeMap<>();
  private final Map<String, Secret> secrets = new HashMap<>();
  private final Map<String, Map<String, String>> namespaceLabels = new HashMap<>();
  private final Map<String, ModelProvider> providerResources = new HashMap<>();
  private final Map<String, List<Problem>> routeClientProblems = new HashMap<>();

  BuildContext(ResourceSnapshot snapshot, ProviderPolicy providerPolicy) {
    this.snapshot = snapshot;
    this.providerPolicy = providerPolicy;
    for (Secret s : snapshot.secrets()) {
      secrets.put(key(s.getMetadata().getNamespace(), s.getMetadata().getName()), s);
    }
    for (Namespace n : snapshot.namespaces()) {
      namespaceLabels.put(n.getMetadata().getName(), labelsOf(n));
    }
    for (ModelProvider p : snapshot.providers()) {
      providerResources.put(key(p.getMetadata().getNamespace(), p.getMetadata().getName()), p);
    }
  }

  /** Returns the provider resource with this {@code namespace/name}, accepted or not. */
  ModelProvider providerResource(String key) {
    return providerResources.get(key);
  }

  /** Returns the labels of a namespace; none when the snapshot does not hold it. */
  Map<String, String> namespaceLabels(String namespace) {
    return namespaceLabels.getOrDefault(namespace, Map.of());
  }

  /** Returns the client-key problems collected for a route so far (a live, mutable list). */
  List<Problem> clientProblems(ResourceRef route) {
    return routeClientProblems.computeIfAbsent(route.namespacedName(), k -> new ArrayList<>());
  }

  /** Returns the client-key problems of a route, or none. */
  List<Problem> clientProblemsOf(ResourceRef route) {
    return routeClientProblems.getOrDefault(route.namespacedName(), List.of());
  }

  /** Returns a Secret's trimmed non-empty value under a data key, if there is one. */
  Optional<String> secretValue(String namespace, String name, String dataKey) {
    Secret secret = secrets.get(key(namespace, name));
    if (secret == null) {
      return Optional.empty();
    }
    String value = null;
    if (secret.getStringData() != null && secret.getStringData().get(dataKey) != null) {
      value = secret.getStringData().get(dataKey);
    } else if (secret.getData() != null && secret.getData().get(dataKey) != null) {
      try {
        value =
            new String(
                Base64.getMimeDecoder().decode(secret.getData().get(dataKey)),
                StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    }
    if (value == null) {
      return Optional.empty();
    }
    String trimmed = value.strip();
    return trimmed.isEmpty() ? Optional.empty() : Optional.of(trimmed);
  }

  static ResourceRef ref(HasMetadata resource) {
    return new ResourceRef(
        resource.getKind(),
        resource.getMetadata().getNamespace(),
        resource.getMetadata().getName());
  }

  static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  private static Map<String, String> labelsOf(HasMetadata o) {
    return o.getMetadata().getLabels() == null ? Map.of() : o.getMetadata().getLabels();
  }
}
