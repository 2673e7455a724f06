package dev.tollgate.model;

import dev.tollgate.api.v1alpha1.AIRoute;
import dev.tollgate.api.v1alpha1.BucketDimension;
import dev.tollgate.api.v1alpha1.LimitType;
import dev.tollgate.api.v1alpha1.QuotaLimit;
import dev.tollgate.api.v1alpha1.TokenQuota;
import dev.tollgate.api.v1alpha1.TokenQuotaSpec;
import dev.tollgate.model.GatewayModel.Backend;
import dev.tollgate.model.GatewayModel.Limit;
import dev.tollgate.model.GatewayModel.OfferedModel;
import dev.tollgate.model.GatewayModel.Price;
import dev.tollgate.model.GatewayModel.Provider;
import dev.tollgate.model.GatewayModel.Quota;
import dev.tollgate.model.GatewayModel.Route;
import dev.tollgate.model.GatewayModel.Rule;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The quota step: checks each TokenQuota, resolves the routes it names and checks that a cost
 * budget can price every model those routes reach.
 *
 * <p>A missing route only narrows a quota; a model without a price in the budget's currency takes
 * the quota out.
 */
final class Quotas {
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
    if (!specProblems.isEmpty()) {
      context.statuses.report(resource, specProblems, List.of());
      return Optional.empty();
    }
    List<String> routes =
        spec.routes == null ? List.of() : new TreeSet<>(spec.routes).stream().toList();
    List<Problem> refProblems = missingRoutes(ref, spec);
    List<Problem> invalid = new ArrayList<>();
    for (int i = 0; i < spec.limits.size(); i++) {
      QuotaLimit limit = spec.limits.get(i);
      if (limit.type == LimitType.Cost) {
        invalid.addAll(unpriced(ref, routes, i, limit));
      }
    }
    if (!invalid.isEmpty()) {
      context.statuses.report(resource, StatusReports.dedupe(invalid), refProblems);
      return Optional.empty();
    }
    context.statuses.report(resource, List.of(), refProblems);
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
                            .stream().toList()))
            .toList();
    return Optional.of(
        new Quota(
            ref.namespace(),
            ref.name(),
            routes,
            Defaults.mode(spec),
            Defaults.warnAtPercent(spec),
            Defaults.timeZone(spec),
            limits));
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

  /** Returns a problem for every backend of the quota's routes a cost limit cannot price. */
  private List<Problem> unpriced(ResourceRef ref, List<String> routes, int i, QuotaLimit limit) {
    List<Problem> problems = new ArrayList<>();
    for (Route route : context.acceptedRoutes.values()) {
      if (!route.namespace().equals(ref.namespace())
          || !(routes.isEmpty() || routes.contains(route.name()))) {
        continue;
      }
      for (Rule rule : route.rules()) {
        for (Backend backend : rule.backends()) {
          Provider provider =
              context.acceptedProviders.get(
                  BuildContext.key(backend.providerNamespace(), backend.providerName()));
          Price price = provider.model(backend.model()).map(OfferedModel::price).orElse(null);
          if (price == null || !price.currency().equals(limit.currency)) {
            problems.add(
                new Problem(
                    "spec.limits[" + i + "]",
                    Reasons.INVALID,
                    "cost budget in "
                        + limit.currency
                        + " cannot count model '"
                        + backend.model()
                        + "' of ModelProvider "
                        + backend.providerNamespace()
                        + "/"
                        + backend.providerName()
                        + " (AIRoute "
                        + route.name()
                        + "), which has "
                        + (price == null ? "no price" : "prices in " + price.currency())
                        + ": add spec.models[].pricing in "
                        + limit.currency
                        + " to the provider"));
          }
        }
      }
    }
    return problems;
  }
}
