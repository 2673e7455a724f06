package dev.tollgate.processor;

import dev.tollgate.model.GatewayModel;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The output reserve of requests that set no output cap, per (namespace, requested model): the
 * rule's {@code reserveOutputTokens} when it sets one, else the {@link
 * CompletionHistogram#PERCENTILE} of that model's recent completions in this processor, else (cold
 * start) the cap written upstream. Always at most that cap, so a request uses at most {@code cap −
 * reserve} per choice more than it reserved.
 *
 * <p>Histograms are kept across model updates while a model's rule sends it to the same upstream
 * models, and dropped when the rule goes or changes them. The request path does two map lookups and
 * reads one volatile field; {@link #observe} runs once per finished request. Thread-safe.
 */
final class OutputReserves {
  /**
   * What one model's reserve comes from.
   *
   * @param fixed the rule's reserve per choice, or null to size it from history
   * @param upstreamModels the rule's upstream models, which its history belongs to
   * @param history the model's recent completions
   */
  private record Entry(Integer fixed, List<String> upstreamModels, CompletionHistogram history) {}

  /** Where a request's output reserve came from (the {@code tollgate.reserve.source} label). */
  enum Source {
    /** The request generates nothing (embeddings, count_tokens). */
    NONE("none"),
    /** The request's own output cap. */
    REQUEST("request"),
    /** The rule's {@code reserveOutputTokens}. */
    RULE("rule"),
    /** The percentile of the model's recent completions. */
    HISTORY("history"),
    /** No history yet: the cap written upstream. */
    CAP("cap");

    private final String label;

    Source(String label) {
      this.label = label;
    }

    /** The metric label. */
    String label() {
      return label;
    }
  }

  /**
   * A request's output reserve per choice.
   *
   * @param perChoice the tokens reserved for each choice's output
   * @param source where it came from
   */
  record Reserve(long perChoice, Source source) {}

  private volatile Map<String, Map<String, Entry>> entries = Map.of();
  private final ReserveSizing sizing;

  /** Reserves sized by the defaults. */
  OutputReserves() {
    this(ReserveSizing.DEFAULTS);
  }

  /** Reserves sized by {@code sizing}. */
  OutputReserves(ReserveSizing sizing) {
    this.sizing = sizing;
  }

  /** Applies a new model: the rules' fixed reserves, and which histograms to keep. */
  synchronized void update(GatewayModel model) {
    Map<String, Map<String, Entry>> next = new HashMap<>();
    for (GatewayModel.Route route : model.routes()) {
      for (GatewayModel.Rule rule : route.rules()) {
        List<String> upstream =
            rule.backends().stream().map(GatewayModel.Backend::model).distinct().sorted().toList();
        for (String requested : rule.models()) {
          Entry old = entry(entries, route.namespace(), requested);
          CompletionHistogram history =
              old != null && old.upstreamModels().equals(upstream)
                  ? old.history()
                  : new CompletionHistogram(sizing);
          next.computeIfAbsent(route.namespace(), k -> new HashMap<>())
              .put(requested, new Entry(rule.reserveOutputTokens(), upstream, history));
        }
      }
    }
    next.replaceAll((k, v) -> Map.copyOf(v));
    entries = Map.copyOf(next);
  }

  /**
   * The output reserve per choice of a request to {@code target} that set no output cap.
   *
   * @param cap the cap written upstream for it, which bounds the reserve
   */
  Reserve forUncapped(Policy.Target target, long cap) {
    Entry entry = entry(entries, target.route().namespace(), target.requestedModel());
    if (entry == null) {
      return new Reserve(cap, Source.CAP);
    }
    if (entry.fixed() != null) {
      return new Reserve(Math.min(entry.fixed(), cap), Source.RULE);
    }
    long p = entry.history().percentile();
    if (p < 0 || p >= cap) {
      return new Reserve(cap, p < 0 ? Source.CAP : Source.HISTORY);
    }
    return new Reserve(Math.max(1, p), Source.HISTORY);
  }

  /**
   * Adds a finished request to its model's history when it is one the reserve is for: no output cap
   * of its own, answered in full with a success status.
   *
   * @param outputTokens the output tokens it was committed at, all choices together
   */
  void observe(ModelRequest request, int status, boolean complete, long outputTokens) {
    if (request == null
        || !complete
        || status < 200
        || status >= 300
        || request.reserveSource() == Source.NONE
        || request.reserveSource() == Source.REQUEST) {
      return;
    }
    Entry entry =
        entry(entries, request.target().route().namespace(), request.target().requestedModel());
    if (entry != null) {
      int choices = Math.max(1, request.choices());
      entry.history().record((outputTokens + choices - 1) / choices);
    }
  }

  private static Entry entry(Map<String, Map<String, Entry>> all, String namespace, String model) {
    Map<String, Entry> byModel = all.get(namespace);
    return byModel == null ? null : byModel.get(model);
  }
}
