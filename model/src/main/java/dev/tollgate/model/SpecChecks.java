package dev.tollgate.model;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

/**
 * Collects the problems of one resource while its spec is checked field by field.
 *
 * <p>The checks mirror the CRD's OpenAPI and CEL rules, so that a folder of manifests (which no API
 * server validates) is held to the same rules as a cluster; operator's {@code ValidationParityIT}
 * holds both to the same fixtures. A few checks go further than a schema can: an endpoint URL's
 * host and port, label selector operators, and whether a time zone exists. Not thread-safe; one per
 * resource.
 */
final class SpecChecks {
  static final Pattern DNS_SUBDOMAIN = Pattern.compile(dev.tollgate.api.v1alpha1.Api.DNS_SUBDOMAIN);
  static final Pattern DNS_LABEL = Pattern.compile(dev.tollgate.api.v1alpha1.Api.DNS_LABEL);
  static final Pattern DURATION = Pattern.compile(dev.tollgate.api.v1alpha1.Api.DURATION);
  static final Pattern DECIMAL = Pattern.compile(dev.tollgate.api.v1alpha1.Api.DECIMAL);
  static final Pattern MODEL_NAME = Pattern.compile(dev.tollgate.api.v1alpha1.Api.MODEL_NAME);
  static final Pattern SECRET_KEY = Pattern.compile(dev.tollgate.api.v1alpha1.Api.SECRET_KEY);
  static final Pattern CURRENCY = Pattern.compile("^[A-Z]{3}$");

  private final List<Problem> problems = new ArrayList<>();

  /** Returns the problems of a resource's spec: missing, or what the kind's checks find. */
  static <S> List<Problem> check(S spec, BiConsumer<S, SpecChecks> kindChecks) {
    SpecChecks checks = new SpecChecks();
    if (checks.required("spec", spec)) {
      kindChecks.accept(spec, checks);
    }
    return checks.problems();
  }

  /** Records a problem with the given reason. */
  void add(String field, String reason, String message) {
    problems.add(new Problem(field, reason, message));
  }

  /** Records an invalid-value problem. */
  void invalid(String field, String message) {
    add(field, Reasons.INVALID, message);
  }

  /** Checks that a required value is present; returns whether it is. */
  boolean required(String field, Object value) {
    if (value == null) {
      invalid(field, "is required");
      return false;
    }
    return true;
  }

  /** Checks a value, if present, against a pattern; {@code form} describes the expected form. */
  void matches(String field, String value, Pattern pattern, String form) {
    if (value != null && !pattern.matcher(value).matches()) {
      invalid(field, "'" + abbreviate(value) + "' is not " + form);
    }
  }

  /**
   * Checks a duration, if present: its form, and that it is more than zero (Envoy refuses a zero
   * connect timeout or ejection time, which would hold back every other change of the push).
   */
  void positiveDuration(String field, String value, String example) {
    if (value == null) {
      return;
    }
    if (!DURATION.matcher(value).matches()) {
      invalid(field, "'" + abbreviate(value) + "' is not a duration such as " + example);
    } else if (Durations.toMillis(value, 0) <= 0) {
      invalid(field, "must be more than 0, e.g. " + example);
    }
  }

  /** Checks the size of a list. */
  void size(String field, List<?> list, int min, int max) {
    int n = list == null ? 0 : list.size();
    if (n < min) {
      invalid(field, min == 1 ? "needs at least one entry" : "needs at least " + min + " entries");
    } else if (n > max) {
      invalid(field, "has " + n + " entries; at most " + max + " are allowed");
    }
  }

  /** Checks that a number, if present, lies in a range. */
  void range(String field, Number value, long min, long max) {
    if (value != null && (value.longValue() < min || value.longValue() > max)) {
      invalid(field, value + " is out of range: use " + min + " to " + max);
    }
  }

  boolean isEmpty() {
    return problems.isEmpty();
  }

  List<Problem> problems() {
    return List.copyOf(problems);
  }

  private static String abbreviate(String value) {
    return value.length() <= 64 ? value : value.substring(0, 61) + "...";
  }
}
