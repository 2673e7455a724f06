package dev.tollgate.model;

import dev.tollgate.api.v1alpha1.AIRouteSpec;
import dev.tollgate.api.v1alpha1.Api;
import dev.tollgate.api.v1alpha1.Backend;
import dev.tollgate.api.v1alpha1.RouteRule;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** The spec checks of an AIRoute: the CRD's schema and CEL rules, for folder mode too. */
final class RouteChecks {
  private static final Pattern URL = Pattern.compile("^https?://\\S+$");

  private static final Pattern CLAIM = Pattern.compile(Api.CLAIM);

  private RouteChecks() {}

  /** Records every problem of a route's spec. */
  static void check(AIRouteSpec spec, SpecChecks checks) {
    clients(spec, checks);
    rules(spec, checks);
  }

  private static void clients(AIRouteSpec spec, SpecChecks checks) {
    if (checks.required("spec.clients", spec.clients)) {
      var clients = spec.clients;
      if (clients.apiKeys == null && clients.jwt == null) {
        checks.invalid("spec.clients", "set clients.apiKeys, clients.jwt, or both");
      }
      if (clients.apiKeys != null) {
        checks.required("spec.clients.apiKeys.secretSelector", clients.apiKeys.secretSelector);
        checks.matches(
            "spec.clients.apiKeys.key",
            clients.apiKeys.key,
            SpecChecks.SECRET_KEY,
            "a Secret data key (letters, digits, '-', '_' and '.')");
        String selectorProblem = LabelSelectors.validate(clients.apiKeys.secretSelector);
        if (selectorProblem != null) {
          checks.invalid("spec.clients.apiKeys.secretSelector", selectorProblem);
        }
      }
      if (clients.jwt != null) {
        var jwt = clients.jwt;
        if (checks.required("spec.clients.jwt.issuer", jwt.issuer)) {
          checks.matches("spec.clients.jwt.issuer", jwt.issuer, URL, "an http(s) URL");
        }
        if (checks.required("spec.clients.jwt.jwksUri", jwt.jwksUri)) {
          checks.matches("spec.clients.jwt.jwksUri", jwt.jwksUri, URL, "an http(s) URL");
        }
        checks.size("spec.clients.jwt.audiences", jwt.audiences, 0, 16);
        checks.matches(
            "spec.clients.jwt.clientClaim", jwt.clientClaim, CLAIM, "a claim name such as sub");
      }
    }
  }

  private static void rules(AIRouteSpec spec, SpecChecks checks) {
    checks.size("spec.rules", spec.rules, 1, 32);
    Set<String> models = new HashSet<>();
    for (int i = 0; spec.rules != null && i < spec.rules.size(); i++) {
      RouteRule rule = spec.rules.get(i);
      String field = "spec.rules[" + i + "]";
      if (rule == null) {
        checks.invalid(field, "must not be empty");
        continue;
      }
      checks.size(field + ".models", rule.models, 1, 16);
      for (int m = 0; rule.models != null && m < rule.models.size(); m++) {
        String model = rule.models.get(m);
        if (checks.required(field + ".models[" + m + "]", model)) {
          checks.matches(
              field + ".models[" + m + "]", model, SpecChecks.MODEL_NAME, "a model name");
          if (!models.add(model)) {
            checks.invalid(
                field + ".models[" + m + "]",
                "'"
                    + model
                    + "' appears in more than one place: list each model name once per route");
          }
        }
      }
      backends(field, rule, checks);
      if (rule.retry != null) {
        checks.range(field + ".retry.attempts", rule.retry.attempts, 0, 10);
        checks.size(field + ".retry.conditions", rule.retry.conditions, 0, 3);
        checks.matches(
            field + ".retry.perTryTimeout",
            rule.retry.perTryTimeout,
            SpecChecks.DURATION,
            "a duration such as 30s");
      }
      checks.matches(
          field + ".timeout", rule.timeout, SpecChecks.DURATION, "a duration such as 300s");
      checks.range(field + ".reserveOutputTokens", rule.reserveOutputTokens, 1, 10_000_000);
      if (rule.tier != null && checks.required(field + ".tier.model", rule.tier.model)) {
        checks.matches(
            field + ".tier.model", rule.tier.model, SpecChecks.MODEL_NAME, "a model name");
      }
    }
  }

  private static void backends(String field, RouteRule rule, SpecChecks checks) {
    checks.size(field + ".backends", rule.backends, 1, 16);
    int lowestPriority = Integer.MAX_VALUE;
    for (var backend : rule.backends == null ? List.<Backend>of() : rule.backends) {
      if (backend != null) {
        lowestPriority = Math.min(lowestPriority, Defaults.priority(backend));
      }
    }
    boolean anyWeight = false;
    for (int b = 0; rule.backends != null && b < rule.backends.size(); b++) {
      var backend = rule.backends.get(b);
      String bf = field + ".backends[" + b + "]";
      if (backend == null) {
        checks.invalid(bf, "must not be empty");
        continue;
      }
      if (checks.required(bf + ".provider", backend.provider)) {
        if (checks.required(bf + ".provider.name", backend.provider.name)) {
          checks.matches(
              bf + ".provider.name",
              backend.provider.name,
              SpecChecks.DNS_SUBDOMAIN,
              "a ModelProvider name");
        }
        checks.matches(
            bf + ".provider.namespace",
            backend.provider.namespace,
            SpecChecks.DNS_LABEL,
            "a namespace name");
      }
      if (checks.required(bf + ".model", backend.model)) {
        checks.matches(bf + ".model", backend.model, SpecChecks.MODEL_NAME, "a model name");
      }
      checks.range(bf + ".weight", backend.weight, 0, 10_000);
      checks.range(bf + ".priority", backend.priority, 0, 8);
      int priority = Defaults.priority(backend);
      if (priority == lowestPriority && Defaults.weight(backend) > 0) {
        anyWeight = true;
      }
    }
    if (rule.backends != null && !rule.backends.isEmpty() && !anyWeight) {
      checks.invalid(
          field + ".backends",
          "every backend of the first priority has weight 0: give one a weight above 0");
    }
  }
}
