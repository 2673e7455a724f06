package dev.tollgate.model;

import dev.tollgate.api.v1alpha1.AIRoute;
import dev.tollgate.api.v1alpha1.AIRouteSpec;
import dev.tollgate.api.v1alpha1.DataClassification;
import dev.tollgate.api.v1alpha1.ModelProvider;
import dev.tollgate.api.v1alpha1.RouteRule;
import dev.tollgate.model.GatewayModel.Backend;
import dev.tollgate.model.GatewayModel.Jwt;
import dev.tollgate.model.GatewayModel.OfferedModel;
import dev.tollgate.model.GatewayModel.Provider;
import dev.tollgate.model.GatewayModel.Retry;
import dev.tollgate.model.GatewayModel.Route;
import dev.tollgate.model.GatewayModel.Rule;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The route step: checks each AIRoute, resolves its backends against the accepted providers,
 * applies governance (allowed namespaces, data classification) and settles model-name conflicts.
 *
 * <p>A backend whose provider is missing, not accepted, not permitted or does not offer its model
 * is left out, with ResolvedRefs=False naming it; the route serves through its other backends (the
 * weights of a split are shared among the backends that remain). A rule left with no backend is
 * left out; a route left with no rule is not accepted.
 *
 * <p>A route's status is written only after the client step, which may add problems of its own.
 */
final class Routes {
  private static final Comparator<Backend> BACKEND_ORDER =
      Comparator.comparingInt(Backend::priority)
          .thenComparing(Comparator.comparingInt(Backend::weight).reversed())
          .thenComparing(Backend::providerNamespace)
          .thenComparing(Backend::providerName)
          .thenComparing(Backend::model);

  private final BuildContext context;
  private final Map<String, String> modelOwners = new HashMap<>();
  private final AudienceOwners audienceOwners = new AudienceOwners();
  private final Map<ResourceRef, PendingReport> pendingReports = new HashMap<>();

  private record PendingReport(
      HasMetadata resource, List<Problem> invalid, List<Problem> refs, boolean accepted) {}

  Routes(BuildContext context) {
    this.context = context;
  }

  /** Accepts every valid route of the snapshot, the oldest first, and holds back their status. */
  void acceptAll() {
    context.snapshot.routes().stream().sorted(BuildContext.OLDEST_FIRST).forEach(this::accept);
  }

  /** Reports every route's status, with the client problems the client step found. */
  void reportAll() {
    for (AIRoute resource : context.snapshot.routes()) {
      ResourceRef ref = BuildContext.ref(resource);
      PendingReport pending = pendingReports.get(ref);
      List<Problem> refs = new ArrayList<>(pending.refs());
      refs.addAll(context.clientProblemsOf(ref));
      if (pending.accepted()) {
        context.statuses.report(resource, pending.invalid(), refs, true);
      } else {
        context.statuses.report(resource, pending.invalid(), refs);
      }
    }
  }

  private void accept(AIRoute resource) {
    ResourceRef ref = BuildContext.ref(resource);
    AIRouteSpec spec = resource.getSpec();
    List<Problem> specProblems = SpecChecks.check(spec, RouteChecks::check);
    if (!specProblems.isEmpty()) {
      pendingReports.put(ref, new PendingReport(resource, specProblems, List.of(), false));
      return;
    }
    DataClassification classification = Defaults.classification(spec);
    List<Problem> invalid = new ArrayList<>();
    List<Problem> refProblems = new ArrayList<>();
    List<Rule> rules = new ArrayList<>();
    for (int i = 0; i < spec.rules.size(); i++) {
      RouteRule rule = spec.rules.get(i);
      List<Backend> backends = new ArrayList<>();
      for (int b = 0; b < rule.backends.size(); b++) {
        Backend backend =
            backend(ref, classification, i, b, rule.backends.get(b), invalid, refProblems);
        if (backend != null) {
          backends.add(backend);
        }
      }
      if (backends.isEmpty()) {
        continue;
      }
      backends.sort(BACKEND_ORDER);
      rules.add(
          new Rule(
              i,
              rule.models.stream().sorted().toList(),
              List.copyOf(backends),
              new Retry(
                  Defaults.retryAttempts(rule.retry),
                  Defaults.retryOn(rule.retry),
                  Defaults.perTryTimeoutMillis(rule.retry)),
              Defaults.timeoutMillis(rule),
              rule.reserveOutputTokens,
              null));
    }
    rules = RouteTiers.resolve(spec, rules, refProblems);
    if (invalid.isEmpty() && !rules.isEmpty()) {
      invalid.addAll(conflicts(ref, rules));
    }
    if (!invalid.isEmpty() || rules.isEmpty()) {
      pendingReports.put(ref, new PendingReport(resource, invalid, refProblems, false));
      return;
    }
    for (Rule rule : rules) {
      for (String model : rule.models()) {
        modelOwners.put(BuildContext.key(ref.namespace(), model), ref.namespacedName());
      }
    }
    var jwtSpec = spec.clients.jwt;
    Jwt jwt =
        jwtSpec == null
            ? null
            : new Jwt(
                jwtSpec.issuer,
                jwtSpec.jwksUri,
                jwtSpec.audiences == null
                    ? List.of()
                    : jwtSpec.audiences.stream().sorted().toList(),
                Defaults.clientClaim(jwtSpec));
    if (jwt != null) {
      jwt = audienceOwners.claim(ref, jwt, jwtSpec.audiences, refProblems);
    }
    context.acceptedRoutes.put(
        ref.namespacedName(),
        new Route(ref.namespace(), ref.name(), classification, List.copyOf(rules), jwt));
    pendingReports.put(ref, new PendingReport(resource, List.of(), refProblems, true));
  }

  /**
   * Resolves one backend: its provider must exist, be accepted, allow the route's namespace, offer
   * the model and be cleared for the route's data. Returns null, with the problem recorded, when
   * one of these fails.
   */
  private Backend backend(
      ResourceRef ref,
      DataClassification classification,
      int i,
      int b,
      dev.tollgate.api.v1alpha1.Backend backend,
      List<Problem> invalid,
      List<Problem> refProblems) {
    String field = "spec.rules[" + i + "].backends[" + b + "]";
    String providerNs = Defaults.providerNamespace(backend.provider, ref.namespace());
    String providerKey = BuildContext.key(providerNs, backend.provider.name);
    ModelProvider providerResource = context.providerResource(providerKey);
    Provider provider = context.acceptedProviders.get(providerKey);
    if (providerResource == null) {
      refProblems.add(
          new Problem(
              field + ".provider",
              Reasons.PROVIDER_NOT_FOUND,
              "ModelProvider " + providerKey + " does not exist: create it or fix the reference"));
      return null;
    }
    if (provider == null) {
      refProblems.add(
          new Problem(
              field + ".provider",
              Reasons.PROVIDER_NOT_FOUND,
              "ModelProvider " + providerKey + " is not accepted: see its status conditions"));
      return null;
    }
    if (!namespaceAllowed(providerResource, ref.namespace())) {
      refProblems.add(
          new Problem(
              field + ".provider",
              Reasons.REF_NOT_PERMITTED,
              "ModelProvider "
                  + providerKey
                  + " does not allow namespace "
                  + ref.namespace()
                  + ": ask its owner to add it to spec.governance.allowedNamespaces"));
      return null;
    }
    if (provider.model(backend.model).isEmpty()) {
      refProblems.add(
          new Problem(
              field + ".model",
              Reasons.MODEL_NOT_OFFERED,
              "ModelProvider "
                  + providerKey
                  + " does not offer model '"
                  + backend.model
                  + "'; it offers "
                  + provider.models().stream().map(OfferedModel::name).toList()));
      return null;
    }
    if (classification.compareTo(provider.clearance()) > 0) {
      invalid.add(
          new Problem(
              "spec.dataClassification",
              Reasons.CLASSIFICATION_NOT_CLEARED,
              "the route carries "
                  + classification
                  + " data but ModelProvider "
                  + providerKey
                  + " ("
                  + field
                  + ") is cleared only up to "
                  + provider.clearance()
                  + ": use a provider cleared for "
                  + classification
                  + " or lower the route's classification"));
      return null;
    }
    return new Backend(
        providerNs,
        backend.provider.name,
        backend.model,
        Defaults.weight(backend),
        Defaults.priority(backend));
  }

  /** Returns a problem for every model name an older route of the namespace already claims. */
  private List<Problem> conflicts(ResourceRef ref, List<Rule> rules) {
    List<Problem> conflicts = new ArrayList<>();
    for (Rule rule : rules) {
      for (String model : rule.models()) {
        String owner = modelOwners.get(BuildContext.key(ref.namespace(), model));
        if (owner != null) {
          conflicts.add(
              new Problem(
                  "spec.rules[" + rule.index() + "].models",
                  Reasons.CONFLICTED,
                  "model '"
                      + model
                      + "' is already routed by AIRoute "
                      + owner
                      + ", which is older: rename the model here or remove it there"));
        }
      }
    }
    return conflicts;
  }

  private boolean namespaceAllowed(ModelProvider provider, String namespace) {
    var governance = provider.getSpec().governance;
    return switch (Defaults.allowedNamespaces(governance)) {
      case All -> true;
      case Same -> provider.getMetadata().getNamespace().equals(namespace);
      case Selector ->
          LabelSelectors.matches(governance.namespaceSelector, context.namespaceLabels(namespace));
    };
  }
}
