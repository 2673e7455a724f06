package dev.tollgate.ratelimit;

import dev.tollgate.api.v1alpha1.LimitType;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModel.Backend;
import dev.tollgate.model.GatewayModel.Limit;
import dev.tollgate.model.GatewayModel.OfferedModel;
import dev.tollgate.model.GatewayModel.Price;
import dev.tollgate.model.GatewayModel.Quota;
import dev.tollgate.model.GatewayModel.Route;
import dev.tollgate.model.GatewayModel.Rule;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The budgets of a {@link GatewayModel}: which limits apply to a request, in which bucket it
 * counts, and how much a reservation or a commit charges each of them.
 *
 * <p>A pure function of the model: immutable, thread-safe, no clock of its own (every method that
 * depends on time takes the instant).
 *
 * <p>What each limit type charges:
 *
 * <ul>
 *   <li>at reserve time the estimate E (prompt estimate plus output cap) is charged in full to
 *       Tokens, InputTokens and OutputTokens budgets alike, because the split is not known yet;
 *       Requests budgets are charged 1; Cost budgets E tokens at the highest per-token price (input
 *       or output) of any backend the route could send the requested model to;
 *   <li>at commit time Tokens are input plus output, InputTokens input (cached included),
 *       OutputTokens output, Requests 1, and Cost the served provider's prices: uncached input at
 *       the input price, cached input at the cached price (the input price when none is set),
 *       output at the output price. When the provider is unknown the reserve-time price applies to
 *       all tokens.
 * </ul>
 */
public final class BudgetPolicy {
  private static final MathContext MATH = MathContext.DECIMAL128;
  private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

  private final String version;
  private final Map<String, List<QuotaBudgets>> quotasByNamespace;
  private final Map<String, List<QuotaBudgets>> applyingByNamespace;
  private final Map<String, RoutePrices> routes;
  private final Map<String, List<BackendPrice>> pricesByNamespace;

  private BudgetPolicy(
      String version,
      Map<String, List<QuotaBudgets>> quotasByNamespace,
      Map<String, List<QuotaBudgets>> applyingByNamespace,
      Map<String, RoutePrices> routes,
      Map<String, List<BackendPrice>> pricesByNamespace) {
    this.version = version;
    this.quotasByNamespace = quotasByNamespace;
    this.applyingByNamespace = applyingByNamespace;
    this.routes = routes;
    this.pricesByNamespace = pricesByNamespace;
  }

  /** Returns the policy of a model. */
  public static BudgetPolicy of(GatewayModel model) {
    Map<String, List<QuotaBudgets>> quotas = new TreeMap<>();
    Map<String, List<QuotaBudgets>> applying = new TreeMap<>();
    for (Quota quota : model.quotas()) {
      ZoneId zone = ZoneId.of(quota.timeZone());
      List<Budget> budgets = new ArrayList<>();
      for (Limit limit : quota.limits()) {
        long units = Units.ofAmount(limit.type(), limit.amount());
        Map<String, Long> clientUnits = new TreeMap<>();
        limit
            .clients()
            .forEach(c -> clientUnits.put(c.client(), Units.ofAmount(limit.type(), c.amount())));
        budgets.add(
            new Budget(
                quota.namespace(),
                quota.name(),
                quota.mode(),
                quota.warnAtPercent(),
                zone,
                limit,
                units,
                Units.percentOf(units, quota.warnAtPercent()),
                Map.copyOf(clientUnits)));
      }
      if (!budgets.isEmpty()) {
        QuotaBudgets entry = new QuotaBudgets(quota, List.copyOf(budgets));
        quotas.computeIfAbsent(quota.namespace(), ns -> new ArrayList<>()).add(entry);
        for (String covered : quota.platform() ? quota.namespaces() : List.of(quota.namespace())) {
          applying.computeIfAbsent(covered, ns -> new ArrayList<>()).add(entry);
        }
      }
    }
    quotas.replaceAll((ns, list) -> List.copyOf(list));
    applying.replaceAll((ns, list) -> List.copyOf(list));
    Map<String, RoutePrices> routes = new TreeMap<>();
    Map<String, List<BackendPrice>> byNamespace = new TreeMap<>();
    for (Route route : model.routes()) {
      Map<String, List<BackendPrice>> byModel = new TreeMap<>();
      List<BackendPrice> all = new ArrayList<>();
      for (Rule rule : route.rules()) {
        List<BackendPrice> prices = new ArrayList<>();
        for (Backend backend : rule.backends()) {
          model
              .provider(backend.providerNamespace(), backend.providerName())
              .flatMap(p -> p.model(backend.model()))
              .map(OfferedModel::price)
              .ifPresent(
                  price ->
                      prices.add(
                          new BackendPrice(
                              backend.providerNamespace() + "/" + backend.providerName(), price)));
        }
        for (String requested : rule.models()) {
          byModel.computeIfAbsent(requested, m -> new ArrayList<>()).addAll(prices);
        }
        all.addAll(prices);
      }
      byModel.replaceAll((m, list) -> List.copyOf(list));
      routes.put(
          key(route.namespace(), route.name()),
          new RoutePrices(Map.copyOf(byModel), List.copyOf(all)));
      byNamespace.computeIfAbsent(route.namespace(), ns -> new ArrayList<>()).addAll(all);
    }
    byNamespace.replaceAll((ns, list) -> List.copyOf(list));
    return new BudgetPolicy(
        model.version(),
        Map.copyOf(quotas),
        Map.copyOf(applying),
        Map.copyOf(routes),
        Map.copyOf(byNamespace));
  }

  /** Returns the content hash of the model this policy was built from. */
  public String version() {
    return version;
  }

  /** Returns the namespaces whose routes have budgets (where buckets live), sorted. */
  public Set<String> namespaces() {
    return new TreeSet<>(applyingByNamespace.keySet());
  }

  /**
   * Returns the namespaces whose buckets hold a quota's usage: those a platform quota covers, or a
   * team quota's own; empty when the quota has no budgets.
   */
  public List<String> bucketNamespaces(String namespace, String quota) {
    return quotasByNamespace.getOrDefault(namespace, List.of()).stream()
        .filter(q -> q.quota().name().equals(quota))
        .findFirst()
        .map(q -> q.quota().platform() ? q.quota().namespaces() : List.of(namespace))
        .orElse(List.of());
  }

  /**
   * Returns the budgets that apply to a route, in quota and limit order: its namespace's own quotas
   * and every platform quota covering the namespace, so that a request must fit all.
   */
  public List<Budget> budgets(String namespace, String route) {
    List<Budget> matching = new ArrayList<>();
    for (QuotaBudgets quota : applyingByNamespace.getOrDefault(namespace, List.of())) {
      if (quota.quota().appliesTo(namespace, route)) {
        matching.addAll(quota.budgets());
      }
    }
    return matching;
  }

  /**
   * Returns whether a budget's quota applies to every route of the namespaces it covers (a platform
   * quota, or a team quota naming no routes), so that which route a request's body picks cannot
   * take it out of the budget.
   */
  public boolean coversEveryRoute(Budget budget) {
    return quotasByNamespace.getOrDefault(budget.namespace(), List.of()).stream()
        .filter(q -> q.quota().name().equals(budget.quota()))
        .findFirst()
        .map(q -> q.quota().platform() || q.quota().routes().isEmpty())
        .orElse(false);
  }

  /** Returns the budgets of one quota, in limit order; empty when the quota has none. */
  public List<Budget> budgetsOfQuota(String namespace, String quota) {
    return quotasByNamespace.getOrDefault(namespace, List.of()).stream()
        .filter(q -> q.quota().name().equals(quota))
        .flatMap(q -> q.budgets().stream())
        .toList();
  }

  /** Returns what reserving {@code estimateTokens} for a request charges each matching bucket. */
  public List<PlannedCharge> reserve(RequestIdentity request, long estimateTokens, Instant now) {
    List<Budget> budgets = budgets(request.namespace(), request.route());
    if (budgets.isEmpty()) {
      return List.of();
    }
    List<PlannedCharge> charges = new ArrayList<>(budgets.size());
    for (Budget budget : budgets) {
      long amount =
          switch (budget.limit().type()) {
            case Tokens, InputTokens, OutputTokens -> estimateTokens;
            case Requests -> 1;
            case Cost ->
                Units.costOf(estimateTokens, highestPrice(request).orElse(BigDecimal.ZERO));
          };
      charges.add(charge(budget, request, now, amount));
    }
    return charges;
  }

  /** Returns what the actual usage of a finished request charges each matching bucket. */
  public List<PlannedCharge> commit(RequestIdentity request, Usage usage, Instant now) {
    List<Budget> budgets = budgets(request.namespace(), request.route());
    if (budgets.isEmpty()) {
      return List.of();
    }
    long cost = -1;
    List<PlannedCharge> charges = new ArrayList<>(budgets.size());
    for (Budget budget : budgets) {
      long amount;
      if (budget.limit().type() == LimitType.Cost) {
        if (cost < 0) {
          cost = cost(request, usage).map(c -> Units.costUnits(c.amount())).orElse(0L);
        }
        amount = cost;
      } else {
        amount =
            switch (budget.limit().type()) {
              case Tokens -> usage.inputTokens() + usage.outputTokens();
              case InputTokens -> usage.inputTokens();
              case OutputTokens -> usage.outputTokens();
              default -> 1;
            };
      }
      charges.add(charge(budget, request, now, amount));
    }
    return charges;
  }

  /**
   * Returns what a finished request cost, from the served provider's prices for the model the route
   * sent it to; empty when no backend of the route is priced.
   */
  public Optional<Money> cost(RequestIdentity request, Usage usage) {
    Optional<BackendPrice> served =
        candidates(request).stream()
            .filter(b -> b.provider().equals(usage.provider()))
            .max(Comparator.comparing(b -> b.price().outputPerMillion()));
    if (served.isPresent()) {
      Price price = served.get().price();
      BigDecimal cachedPrice =
          price.cachedInputPerMillion() == null
              ? price.inputPerMillion()
              : price.cachedInputPerMillion();
      BigDecimal writePrice =
          price.cacheWriteInputPerMillion() == null
              ? price.inputPerMillion()
              : price.cacheWriteInputPerMillion();
      BigDecimal perMillion =
          BigDecimal.valueOf(
                  usage.inputTokens() - usage.cachedInputTokens() - usage.cacheWriteInputTokens())
              .multiply(price.inputPerMillion())
              .add(BigDecimal.valueOf(usage.cachedInputTokens()).multiply(cachedPrice))
              .add(BigDecimal.valueOf(usage.cacheWriteInputTokens()).multiply(writePrice))
              .add(BigDecimal.valueOf(usage.outputTokens()).multiply(price.outputPerMillion()));
      return Optional.of(new Money(price.currency(), perMillion.divide(MILLION, MATH)));
    }
    return highestPriced(request)
        .map(
            b ->
                new Money(
                    b.price().currency(),
                    BigDecimal.valueOf(usage.inputTokens() + usage.outputTokens())
                        .multiply(perTokenCeiling(b.price()))
                        .divide(MILLION, MATH)));
  }

  /**
   * Returns the requested model when the route serves it by that name, else {@code other}: the
   * value of the model tag of metrics, which must stay a small set.
   */
  public String knownModel(RequestIdentity request) {
    RoutePrices prices = routes.get(key(request.namespace(), request.route()));
    return prices != null && prices.byModel().containsKey(request.model())
        ? request.model()
        : "other";
  }

  private Optional<BigDecimal> highestPrice(RequestIdentity request) {
    return highestPriced(request).map(b -> perTokenCeiling(b.price()));
  }

  private Optional<BackendPrice> highestPriced(RequestIdentity request) {
    return candidates(request).stream()
        .max(Comparator.comparing((BackendPrice b) -> perTokenCeiling(b.price())));
  }

  /**
   * The backends a request may have been sent to: those of the rules that serve the requested
   * model; when the route or model is unknown (the model changed under a request), every priced
   * backend of the route, then of the namespace, so that a charge errs on the high side.
   */
  private List<BackendPrice> candidates(RequestIdentity request) {
    RoutePrices prices = routes.get(key(request.namespace(), request.route()));
    if (prices != null) {
      List<BackendPrice> forModel = prices.byModel().get(request.model());
      if (forModel != null && !forModel.isEmpty()) {
        return forModel;
      }
      if (!prices.all().isEmpty()) {
        return prices.all();
      }
    }
    return pricesByNamespace.getOrDefault(request.namespace(), List.of());
  }

  private static BigDecimal perTokenCeiling(Price price) {
    return price.inputPerMillion().max(price.outputPerMillion());
  }

  private static PlannedCharge charge(
      Budget budget, RequestIdentity request, Instant now, long amount) {
    Budget own = budget.forClient(request.client());
    return new PlannedCharge(own, own.bucket(request, now), own.span(now), amount);
  }

  private static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  /**
   * An amount of money.
   *
   * @param currency ISO 4217 code
   * @param amount the exact amount
   */
  public record Money(String currency, BigDecimal amount) {}

  private record QuotaBudgets(Quota quota, List<Budget> budgets) {}

  private record BackendPrice(String provider, Price price) {}

  private record RoutePrices(Map<String, List<BackendPrice>> byModel, List<BackendPrice> all) {}
}
