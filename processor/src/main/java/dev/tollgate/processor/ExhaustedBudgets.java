package dev.tollgate.processor;

import dev.tollgate.model.Wire;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the processor remembers of budgets the rate-limit service reported exhausted by settled
 * usage, so that a client over such a budget is refused at its request headers, before its body is
 * read, parsed and tokenised.
 *
 * <p>The rate-limit service says so ({@link Wire#BUDGET_EXHAUSTED_HEADER} on its refusal) only for
 * an enforced Tokens, InputTokens, OutputTokens or Requests budget that applies to every route of
 * the namespace, is not kept per model, and whose committed usage alone reaches its limit: no
 * request can fit in it until its window ends, whatever the body, and no settlement can free room
 * (settlements only return reservations, never committed usage). Learnt from answers the processor
 * sees anyway, so the common path gets no extra round trip. Everything is forgotten when a new
 * model arrives, since a changed quota may have raised the limit.
 *
 * <p>Bounded like other per-client state: at most {@code maxPerNamespace} entries per namespace;
 * when a namespace is full, ended entries are dropped first and a new one is otherwise not kept
 * (its client is then refused after the body, as without this memory). Thread-safe.
 */
final class ExhaustedBudgets {
  /** The default bound of remembered budgets per namespace. */
  static final int MAX_PER_NAMESPACE = 1000;

  /** The refusal, in the words of the rate-limit filter's own 429 (envoy-xds LocalReplies). */
  static final Rejection REFUSAL =
      Rejection.of(
          429,
          "rate_limit_exceeded",
          "Budget exceeded: this request does not fit the remaining token, request or cost budget."
              + " Retry after the time in the Retry-After header.");

  /** A namespace-wide budget's entry key: no client id is empty. */
  private static final String WHOLE_NAMESPACE = "";

  /**
   * One exhausted budget.
   *
   * @param until when its window ends
   * @param family {@code tokens} or {@code requests}, the {@code x-ratelimit-*-FAMILY} headers
   * @param limit the limit as the refusal's {@code x-ratelimit-limit-FAMILY} header spells it
   */
  record Exhausted(Instant until, String family, String limit) {
    /** The headers of the refusal at {@code now}, as the rate-limit service's refusal has them. */
    List<String[]> headers(Instant now) {
      Duration left = Duration.between(now, until);
      long seconds = Math.max(1, left.getSeconds() + (left.getNano() > 0 ? 1 : 0));
      List<String[]> headers = new ArrayList<>(4);
      headers.add(new String[] {"x-ratelimit-limit-" + family, limit});
      headers.add(new String[] {"x-ratelimit-remaining-" + family, "0"});
      headers.add(new String[] {"x-ratelimit-reset-" + family, resetText(left)});
      headers.add(new String[] {"retry-after", Long.toString(seconds)});
      return headers;
    }
  }

  private final Clock clock;
  private final int maxPerNamespace;
  private final ConcurrentHashMap<String, Map<String, Exhausted>> byNamespace =
      new ConcurrentHashMap<>();

  ExhaustedBudgets(Clock clock, int maxPerNamespace) {
    this.clock = clock;
    this.maxPerNamespace = maxPerNamespace;
  }

  /**
   * Learns from the rate-limit service's refusal of a request of {@code client} in {@code
   * namespace}; a header that cannot be read is ignored.
   *
   * @param header the value of {@link Wire#BUDGET_EXHAUSTED_HEADER}: {@code scope=client|namespace;
   *     until=EPOCH_SECONDS; family=tokens|requests; limit=AMOUNT}
   */
  void learn(String namespace, String client, String header) {
    Map<String, String> parts = new HashMap<>();
    for (String part : header.split(";")) {
      int eq = part.indexOf('=');
      if (eq > 0) {
        parts.put(part.substring(0, eq).strip(), part.substring(eq + 1).strip());
      }
    }
    String scope = parts.get("scope");
    String family = parts.get("family");
    String limit = parts.get("limit");
    Instant until;
    try {
      until = Instant.ofEpochSecond(Long.parseLong(parts.getOrDefault("until", "")));
    } catch (NumberFormatException e) {
      return;
    }
    if (namespace == null
        || limit == null
        || !limit.matches("[0-9.]{1,40}")
        || !("tokens".equals(family) || "requests".equals(family))) {
      return;
    }
    String key;
    if ("namespace".equals(scope)) {
      key = WHOLE_NAMESPACE;
    } else if ("client".equals(scope) && client != null && !client.isEmpty()) {
      key = client;
    } else {
      return;
    }
    Instant now = clock.instant();
    if (!until.isAfter(now)) {
      return;
    }
    Map<String, Exhausted> entries = byNamespace.computeIfAbsent(namespace, ns -> new HashMap<>());
    synchronized (entries) {
      Exhausted known = entries.get(key);
      if (known != null && !known.until().isBefore(until)) {
        return;
      }
      if (known == null && entries.size() >= maxPerNamespace) {
        entries.values().removeIf(e -> !e.until().isAfter(now));
        if (entries.size() >= maxPerNamespace) {
          return;
        }
      }
      entries.put(key, new Exhausted(until, family, limit));
    }
  }

  /**
   * Returns the exhausted budget that refuses a caller now, the one ending last, or null when none
   * does (or the caller's namespace or client is not known before the body).
   */
  Exhausted refusing(Caller caller) {
    if (caller == null || caller.namespace() == null) {
      return null;
    }
    Map<String, Exhausted> entries = byNamespace.get(caller.namespace());
    if (entries == null) {
      return null;
    }
    String client = clientOf(caller);
    Instant now = clock.instant();
    synchronized (entries) {
      Exhausted refusing = null;
      for (String key :
          client == null ? List.of(WHOLE_NAMESPACE) : List.of(WHOLE_NAMESPACE, client)) {
        Exhausted e = entries.get(key);
        if (e == null) {
          continue;
        }
        if (!e.until().isAfter(now)) {
          entries.remove(key);
        } else if (refusing == null || e.until().isAfter(refusing.until())) {
          refusing = e;
        }
      }
      return refusing;
    }
  }

  /** Forgets everything: a new model may have changed the quotas. */
  void clear() {
    byNamespace.clear();
  }

  /** Returns how many budgets are remembered for a namespace, for tests. */
  int size(String namespace) {
    Map<String, Exhausted> entries = byNamespace.get(namespace);
    if (entries == null) {
      return 0;
    }
    synchronized (entries) {
      return entries.size();
    }
  }

  /** The caller's client id when every route of its namespace gives the same one, else null. */
  private static String clientOf(Caller caller) {
    if (caller.clientId() != null) {
      return caller.clientId();
    }
    String client = null;
    for (Policy.RouteView route : caller.routes()) {
      if (!caller.namespace().equals(route.namespace())) {
        continue;
      }
      String on = caller.clientOn(route);
      if (on == null || (client != null && !client.equals(on))) {
        return null;
      }
      client = on;
    }
    return client;
  }

  /** A duration the way the rate-limit service's reset headers spell it: 1s, 6m0s, 26h3m12s. */
  static String resetText(Duration duration) {
    return dev.tollgate.model.ResetText.of(duration);
  }
}
