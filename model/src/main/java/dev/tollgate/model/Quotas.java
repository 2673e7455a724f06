package dev.tollgate.model;

import dev.tollgate.api.v1alpha1.AIRoute;
import dev.tollgate.api.v1alpha1.BucketDimension;
import dev.tollgate.api.v1alpha1.LimitType;
import dev.tollgate.api.v1alpha1.QuotaLimit;
import dev.tollgate.api.v1alpha1.TokenQuota;
import dev.tollgate.api.v1alpha1.TokenQuotaSpec;
import dev.tollgate.model.GatewayModel.Backend;
import dev.tollgate.model.GatewayModel.ClientAmount;
import dev.tollgate.model.GatewayModel.Limit;
import dev.tollgate.model.GatewayModel.OfferedModel;
import dev.tollgate.model.GatewayModel.Price;
import dev.tollgate.model.GatewayModel.Provider;
import dev.tollgate.model.GatewayModel.Quota;
import dev.tollgate.model.GatewayModel.Route;
import dev.tollgate.model.GatewayModel.Rule;
import dev.tollgate.model.GatewayModel.Unpriced;
import io.fabric8.kubernetes.api.model.Namespace;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The quota step: checks each TokenQuota, resolves the routes (or, for a platform quota, the
 * namespaces) it covers and finds what its cost budgets cannot price.
 *
 * <p>A missing route only narrows a quota. A model without a price in a Cost budget's currency
 * leaves the quota in force: the model is listed in {@link Quota#unpriced()}, requests for it are
 * refused, and the quota's ResolvedRefs condition names the provider and model to price.
 */
final class Quotas {
  private static final Comparator<Unpriced> UNPRICED_ORDER =
      Comparator.comparing(Unpriced::routeNamespace)
          .thenComparing(Unpriced::route)
          .thenComparing(Unpriced::model)
          .thenComparing(Unpriced::limit)
          .thenComparing(Unpriced::provider)
          .thenComparing(Unpriced::upstreamModel);

  private final BuildContext context;

  Quotas(BuildContext context) {
    this.context = context;
  }

  /** Returns every valid quota of the snapshot, ordered by namespace and name. */
  List<Quota> acceptAll() {
    List<Quota> quotas = new ArrayList<>();
    context.snapshot.quotas().stream()
        .sorted(
            Comparator.comparing(
                (TokenQuota q) ->
                    BuildContext.key(q.getMetadata().getNamespace(), q.getMetadata().getName())))
        .forEach(q -> accept(q).ifPresent(quotas::add));
    return List.copyOf(quotas);
  }

  private Optional<Quota> accept(TokenQuota resource) {
    ResourceRef ref = BuildContext.ref(resource);
    TokenQuotaSpec spec = resource.getSpec();
    List<Problem> specProblems = SpecChecks.check(spec, QuotaChecks::check);
    if (specProblems.isEmpty() && spec.namespaceSelector != null) {
      specProblems = selectorProblems(ref, spec);
    }
    if (!specProblems.isEmpty()) {
      context.statuses.report(resource, specProblems, List.of());
      return Optional.empty();
    }
    List<String> routes =
        spec.routes == null ? List.of() : new TreeSet<>(spec.routes).stream().toList();
    List<String> namespaces = spec.namespaceSelector == null ? null : selected(spec);
    List<Limit> limits =
        spec.limits.stream()
            .map(
                l ->
                    new Limit(
                        l.name,
                        l.type,
                        new BigDecimal(l.amount),
                        l.currency,
                        l.window,
                        new TreeSet<>(l.per == null ? List.<BucketDimension>of() : l.per)
                            .stream().toList(),
                        l.clients == null
                            ? List.of()
                            : l.clients.stream()
                                .map(c -> new ClientAmount(c.client, new BigDecimal(c.amount)))
                                .sorted(Comparator.comparing(ClientAmount::client))
                                .toList()))
            .toList();
    Quota quota =
        new Quota(
            ref.namespace(),
            ref.name(),
            routes,
            namespaces,
            Defaults.mode(spec),
            Defaults.warnAtPercent(spec),
            Defaults.timeZone(spec),
            limits,
            List.of());
    List<Problem> refProblems = missingRoutes(ref, spec);
    TreeSet<Unpriced> unpriced = new TreeSet<>(UNPRICED_ORDER);
    for (int i = 0; i < spec.limits.size(); i++) {
      QuotaLimit limit = spec.limits.get(i);
      if (limit.type == LimitType.Cost) {
        refProblems.addAll(unpriced(quota, i, limit, unpriced));
      }
    }
    if (namespaces != null) {
      context.statuses.acceptedDetail(ref, coverage(namespaces));
    }
    context.statuses.report(resource, List.of(), StatusReports.dedupe(refProblems));
    return Optional.of(
        new Quota(
            quota.namespace(),
            quota.name(),
            quota.routes(),
            quota.namespaces(),
            quota.mode(),
            quota.warnAtPercent(),
            quota.timeZone(),
            quota.limits(),
            List.copyOf(unpriced)));
  }

  private List<Problem> selectorProblems(ResourceRef ref, TokenQuotaSpec spec) {
    if (!context.providerPolicy.isPlatform(ref.namespace())) {
      return List.of(
          new Problem(
              "spec.namespaceSelector",
              Reasons.NOT_PLATFORM_NAMESPACE,
              "only a TokenQuota in a platform namespace may select namespaces, and "
                  + ref.namespace()
                  + " is not one ("
                  + ProviderPolicy.PLATFORM_NAMESPACES_SETTING
                  + "): remove spec.namespaceSelector to limit this namespace's routes"));
    }
    String problem = LabelSelectors.validate(spec.namespaceSelector);
    return problem == null
        ? List.of()
        : List.of(new Problem("spec.namespaceSelector", Reasons.INVALID, problem));
  }

  /** How many namespaces a platform quota covers, and the first of them. */
  private static String coverage(List<String> namespaces) {
    int shown = Math.min(namespaces.size(), 10);
    return "covers "
        + namespaces.size()
        + (namespaces.size() == 1 ? " namespace" : " namespaces")
        + (namespaces.isEmpty() ? "" : ": " + String.join(", ", namespaces.subList(0, shown)))
        + (namespaces.size() > shown ? ", ..." : "");
  }

  /** The namespaces a platform quota covers: every known one whose labels match, sorted. */
  private List<String> selected(TokenQuotaSpec spec) {
    Set<String> known = new TreeSet<>();
    for (Namespace n : context.snapshot.namespaces()) {
      known.add(n.getMetadata().getName());
    }
    for (AIRoute r : context.snapshot.routes()) {
      known.add(r.getMetadata().getNamespace());
    }
    return known.stream()
        .filter(ns -> LabelSelectors.matches(spec.namespaceSelector, context.namespaceLabels(ns)))
        .toList();
  }

  private List<Problem> missingRoutes(ResourceRef ref, TokenQuotaSpec spec) {
    List<Problem> problems = new ArrayList<>();
    Set<String> routeNames = new HashSet<>();
    for (AIRoute r : context.snapshot.routes()) {
      if (r.getMetadata().getNamespace().equals(ref.namespace())) {
        routeNames.add(r.getMetadata().getName());
      }
    }
    for (int i = 0; spec.routes != null && i < spec.routes.size(); i++) {
      if (!routeNames.contains(spec.routes.get(i))) {
        problems.add(
            new Problem(
                "spec.routes[" + i + "]",
                Reasons.ROUTE_NOT_FOUND,
                "AIRoute "
                    + ref.namespace()
                    + "/"
                    + spec.routes.get(i)
                    + " does not exist; the budgets apply to the other routes listed"));
      }
    }
    return problems;
  }

  /**
   * Adds every requested model of the quota's routes that a cost limit cannot price to {@code
   * found}, and returns a problem for each backend behind them.
   */
  private List<Problem> unpriced(Quota quota, int i, QuotaLimit limit, Set<Unpriced> found) {
    List<Problem> problems = new ArrayList<>();
    for (Route route : context.acceptedRoutes.values()) {
      if (!quota.appliesTo(route.namespace(), route.name())) {
        continue;
      }
      for (Rule rule : route.rules()) {
        for (Backend backend : rule.backends()) {
          String providerKey =
              BuildContext.key(backend.providerNamespace(), backend.providerName());
          Provider provider = context.acceptedProviders.get(providerKey);
          Price price = provider.model(backend.model()).map(OfferedModel::price).orElse(null);
          if (price != null && price.currency().equals(limit.currency)) {
            continue;
          }
          for (String model : rule.models()) {
            found.add(
                new Unpriced(
                    route.namespace(),
                    route.name(),
                    model,
                    limit.name,
                    providerKey,
                    backend.model()));
          }
          problems.add(
              new Problem(
                  "spec.limits[" + i + "]",
                  Reasons.MODEL_NOT_PRICED,
                  "cost budget in "
                      + limit.currency
                      + " cannot count model '"
                      + backend.model()
                      + "' of ModelProvider "
                      + providerKey
                      + " (AIRoute "
                      + route.namespace()
                      + "/"
                      + route.name()
                      + "), which has "
                      + (price == null ? "no price" : "prices in " + price.currency())
                      + ": requests for "
                      + rule.models()
                      + " are refused until spec.models[].pricing in "
                      + limit.currency
                      + " is added to the provider"));
        }
      }
    }
    return problems;
  }
}
