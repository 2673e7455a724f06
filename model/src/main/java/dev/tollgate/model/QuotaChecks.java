package dev.tollgate.model;

import dev.tollgate.api.v1alpha1.Api;
import dev.tollgate.api.v1alpha1.BucketDimension;
import dev.tollgate.api.v1alpha1.ClientAmount;
import dev.tollgate.api.v1alpha1.LimitType;
import dev.tollgate.api.v1alpha1.QuotaLimit;
import dev.tollgate.api.v1alpha1.TokenQuotaSpec;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

/** The spec checks of a TokenQuota: the CRD's schema and CEL rules, for folder mode too. */
final class QuotaChecks {
  private static final Pattern LIMIT_NAME = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");

  private static final Pattern TIME_ZONE = Pattern.compile(Api.TIME_ZONE);

  private QuotaChecks() {}

  /** Records every problem of a quota's spec. */
  static void check(TokenQuotaSpec spec, SpecChecks checks) {
    checks.size("spec.routes", spec.routes, 0, 32);
    for (int i = 0; spec.routes != null && i < spec.routes.size(); i++) {
      checks.matches(
          "spec.routes[" + i + "]",
          spec.routes.get(i),
          SpecChecks.DNS_SUBDOMAIN,
          "an AIRoute name");
    }
    if (spec.namespaceSelector != null && spec.routes != null && !spec.routes.isEmpty()) {
      checks.invalid(
          "spec.routes",
          "is not allowed with spec.namespaceSelector: a platform quota covers whole namespaces");
    }
    checks.size("spec.limits", spec.limits, 1, 16);
    Set<String> names = new HashSet<>();
    for (int i = 0; spec.limits != null && i < spec.limits.size(); i++) {
      QuotaLimit l = spec.limits.get(i);
      String field = "spec.limits[" + i + "]";
      if (l == null) {
        checks.invalid(field, "must not be empty");
        continue;
      }
      if (checks.required(field + ".name", l.name)) {
        checks.matches(
            field + ".name", l.name, LIMIT_NAME, "a lower-case name such as tokens-per-minute");
        if (!names.add(l.name)) {
          checks.invalid(
              field + ".name", "'" + l.name + "' is used twice: give each limit its own name");
        }
      }
      limit(field, l, checks);
    }
    checks.range("spec.warnAtPercent", spec.warnAtPercent, 1, 100);
    checks.matches(
        "spec.timeZone",
        spec.timeZone,
        TIME_ZONE,
        "an IANA time zone such as Europe/Berlin or UTC");
    if (spec.timeZone != null && TIME_ZONE.matcher(spec.timeZone).matches()) {
      try {
        ZoneId.of(spec.timeZone);
      } catch (DateTimeException e) {
        checks.invalid(
            "spec.timeZone",
            "'" + spec.timeZone + "' is not an IANA time zone such as Europe/Berlin or UTC");
      }
    }
  }

  private static void limit(String field, QuotaLimit l, SpecChecks checks) {
    checks.required(field + ".type", l.type);
    checks.required(field + ".window", l.window);
    if (checks.required(field + ".amount", l.amount)) {
      checks.matches(
          field + ".amount",
          l.amount,
          SpecChecks.DECIMAL,
          "an amount as a string, e.g. \"100000\"");
      if (l.type != LimitType.Cost && !l.amount.matches("^[0-9]+$")) {
        checks.invalid(field + ".amount", "must be a whole number unless type is Cost");
      }
    }
    if (l.type == LimitType.Cost && l.currency == null) {
      checks.invalid(field + ".currency", "is required for type Cost, e.g. USD");
    } else if (l.type != null && l.type != LimitType.Cost && l.currency != null) {
      checks.invalid(field + ".currency", "is only allowed for type Cost: remove it");
    }
    checks.matches(
        field + ".currency", l.currency, SpecChecks.CURRENCY, "an ISO 4217 code such as USD");
    checks.size(field + ".per", l.per, 0, BucketDimension.values().length);
    checks.size(field + ".clients", l.clients, 0, 64);
    if (l.clients != null && !l.clients.isEmpty()) {
      if (l.per == null || !l.per.contains(BucketDimension.Client)) {
        checks.invalid(field + ".clients", "needs per to include Client");
      }
      Set<String> seen = new HashSet<>();
      for (int c = 0; c < l.clients.size(); c++) {
        ClientAmount amount = l.clients.get(c);
        String at = field + ".clients[" + c + "]";
        if (amount == null) {
          checks.invalid(at, "must not be empty");
          continue;
        }
        if (checks.required(at + ".client", amount.client) && !seen.add(amount.client)) {
          checks.invalid(at + ".client", "'" + amount.client + "' is listed twice");
        }
        if (checks.required(at + ".amount", amount.amount)) {
          checks.matches(
              at + ".amount", amount.amount, SpecChecks.DECIMAL, "an amount as a string");
          if (l.type != LimitType.Cost && !amount.amount.matches("^[0-9]+$")) {
            checks.invalid(at + ".amount", "must be a whole number unless type is Cost");
          }
        }
      }
    }
    if (l.per != null && new HashSet<>(l.per).size() != l.per.size()) {
      checks.invalid(field + ".per", "lists a dimension twice");
    }
  }
}
