package dev.tollgate.ratelimit;

import dev.tollgate.model.Wire;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** One descriptor of Tollgate's budget protocol, parsed and checked. */
public sealed interface BudgetDescriptor {

  /** Most descriptors in one request; Tollgate's routes send one. */
  int MAX_DESCRIPTORS = 8;

  /** Most entries in one descriptor; Tollgate's commit descriptor has ten. */
  int MAX_ENTRIES = 16;

  /** Longest descriptor value: longer than any Kubernetes name, client id or request id. */
  int MAX_VALUE_LENGTH = 512;

  /** Returns who asks for what. */
  RequestIdentity identity();

  /** Returns the request id, the key of the reservation. */
  String requestId();

  /**
   * A reservation at request start.
   *
   * @param identity who asks for what
   * @param requestId the reservation's key
   * @param estimateTokens the tokens to reserve
   */
  record Reserve(RequestIdentity identity, String requestId, long estimateTokens)
      implements BudgetDescriptor {}

  /**
   * A commit at stream done.
   *
   * @param identity who asked for what
   * @param requestId the reservation's key
   * @param usage what the request used
   */
  record Commit(RequestIdentity identity, String requestId, Usage usage)
      implements BudgetDescriptor {}

  /**
   * Parses the descriptors of a request.
   *
   * @param request the request from Envoy
   * @param maxTokens largest estimate or token count accepted
   * @throws InvalidDescriptorException when the request is not one Tollgate's routes send
   */
  static List<BudgetDescriptor> parse(RateLimitRequest request, long maxTokens) {
    if (!Wire.RATE_LIMIT_DOMAIN.equals(request.getDomain())) {
      throw new InvalidDescriptorException(
          "unknown domain '"
              + Parsing.shorten(request.getDomain())
              + "': this service answers domain '"
              + Wire.RATE_LIMIT_DOMAIN
              + "' only");
    }
    if (request.getDescriptorsCount() > MAX_DESCRIPTORS) {
      throw new InvalidDescriptorException(
          request.getDescriptorsCount() + " descriptors; at most " + MAX_DESCRIPTORS);
    }
    List<BudgetDescriptor> parsed = new ArrayList<>(request.getDescriptorsCount());
    for (int i = 0; i < request.getDescriptorsCount(); i++) {
      parsed.add(Parsing.descriptor(request, i, maxTokens));
    }
    return parsed;
  }

  /** The checks behind {@link #parse}. */
  final class Parsing {
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,18}");

    private Parsing() {}

    private static BudgetDescriptor descriptor(
        RateLimitRequest request, int index, long maxTokens) {
      RateLimitDescriptor descriptor = request.getDescriptors(index);
      String where = "descriptor " + index;
      if (descriptor.getEntriesCount() > MAX_ENTRIES) {
        throw new InvalidDescriptorException(
            where + " has " + descriptor.getEntriesCount() + " entries; at most " + MAX_ENTRIES);
      }
      Map<String, String> entries = new HashMap<>();
      for (RateLimitDescriptor.Entry entry : descriptor.getEntriesList()) {
        String key = entry.getKey();
        if (key.isEmpty() || key.length() > 64) {
          throw new InvalidDescriptorException(where + " has an entry with an empty or long key");
        }
        if (entry.getValue().isEmpty()) {
          throw new InvalidDescriptorException(where + ": entry '" + key + "' is empty");
        }
        if (entry.getValue().length() > MAX_VALUE_LENGTH) {
          throw new InvalidDescriptorException(
              where
                  + ": entry '"
                  + key
                  + "' is "
                  + entry.getValue().length()
                  + " characters long; at most "
                  + MAX_VALUE_LENGTH);
        }
        if (entries.put(key, entry.getValue()) != null) {
          throw new InvalidDescriptorException(where + " repeats entry '" + key + "'");
        }
      }
      String phase = required(entries, Wire.PHASE, where);
      String namespace = required(entries, Wire.NAMESPACE_KEY, where);
      if (!DNS_LABEL.matcher(namespace).matches()) {
        throw new InvalidDescriptorException(
            where + ": namespace '" + shorten(namespace) + "' is not a Kubernetes namespace name");
      }
      RequestIdentity identity =
          new RequestIdentity(
              namespace,
              required(entries, Wire.ROUTE_KEY, where),
              required(entries, Wire.CLIENT_KEY, where),
              required(entries, Wire.MODEL_KEY, where));
      String requestId = required(entries, Wire.REQUEST_ID_KEY, where);
      return switch (phase) {
        case Wire.RESERVE -> {
          long hits;
          if (descriptor.hasHitsAddend()) {
            hits = descriptor.getHitsAddend().getValue();
          } else {
            // Envoy's convention: a request-level hits_addend of 0 means 1.
            hits =
                request.getHitsAddend() == 0 ? 1 : Integer.toUnsignedLong(request.getHitsAddend());
          }
          if (hits < 0 || hits > maxTokens) {
            throw new InvalidDescriptorException(
                where
                    + ": hits_addend "
                    + Long.toUnsignedString(hits)
                    + " is not a token estimate between 0 and "
                    + maxTokens);
          }
          yield new Reserve(identity, requestId, hits);
        }
        case Wire.COMMIT -> {
          String provider = entries.get(Wire.PROVIDER_KEY);
          yield new Commit(
              identity,
              requestId,
              new Usage(
                  tokens(entries, Wire.INPUT_TOKENS_KEY, where, maxTokens),
                  tokens(entries, Wire.CACHED_INPUT_TOKENS_KEY, where, maxTokens),
                  tokens(entries, Wire.CACHE_WRITE_INPUT_TOKENS_KEY, where, maxTokens),
                  tokens(entries, Wire.OUTPUT_TOKENS_KEY, where, maxTokens),
                  provider == null || provider.equals(Wire.UNKNOWN_PROVIDER) ? null : provider));
        }
        default ->
            throw new InvalidDescriptorException(
                where
                    + ": "
                    + Wire.PHASE
                    + " is '"
                    + shorten(phase)
                    + "'; expected '"
                    + Wire.RESERVE
                    + "' or '"
                    + Wire.COMMIT
                    + "'");
      };
    }

    private static String required(Map<String, String> entries, String key, String where) {
      String value = entries.get(key);
      if (value == null) {
        throw new InvalidDescriptorException(where + " lacks entry '" + key + "'");
      }
      return value;
    }

    private static long tokens(
        Map<String, String> entries, String key, String where, long maxTokens) {
      String value = entries.get(key);
      if (value == null) {
        return 0;
      }
      if (!DIGITS.matcher(value).matches() || Long.parseLong(value) > maxTokens) {
        throw new InvalidDescriptorException(
            where
                + ": "
                + key
                + " is '"
                + shorten(value)
                + "'; expected a token count between 0 and "
                + maxTokens);
      }
      return Long.parseLong(value);
    }

    static String shorten(String value) {
      return value.length() <= 64 ? value : value.substring(0, 64) + "...";
    }
  }
}
