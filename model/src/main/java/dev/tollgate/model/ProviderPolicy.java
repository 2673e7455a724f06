package dev.tollgate.model;

import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where the platform lets ModelProviders point: which namespaces' providers are honoured, and which
 * endpoints beyond the public internet they may use. Every mode builds its model with one; the
 * data-plane roles use the operator's so that all three build the same model.
 *
 * <p>An endpoint is allowed when an entry of {@code endpoints} matches it. Otherwise a private,
 * loopback, link-local or cluster-internal endpoint (a {@code service:} reference, an IP literal
 * outside the public ranges, {@code localhost}, a single-label name, or a name under {@code
 * .local}, {@code .internal}, {@code .svc}, {@code .localdomain} or {@code .home.arpa}) is refused,
 * and any other one is allowed unless {@code onlyListed}.
 *
 * @param namespaces the namespaces whose ModelProviders are honoured; empty for every namespace
 * @param endpoints the endpoints allowed besides public ones, sorted by their text
 * @param onlyListed whether an endpoint must match an entry even when it is public
 * @param platformNamespaces the platform's namespaces, whose TokenQuotas may select other
 *     namespaces with {@code spec.namespaceSelector}; empty for none
 * @param clientKeys which Secrets the processor reads client keys from; a route's client Secret
 *     outside it is left out and reported ({@code ClientKeyNotWatched}), as the processor never
 *     sees it. Like the platform namespaces, a platform setting every build needs, kept here so
 *     that every mode passes it along with the rest.
 */
public record ProviderPolicy(
    Set<String> namespaces,
    List<EndpointRule> endpoints,
    boolean onlyListed,
    Set<String> platformNamespaces,
    ClientKeyWatch clientKeys) {

  /** Honours every namespace and every endpoint: for tests and offline translation only. */
  public static final ProviderPolicy UNRESTRICTED =
      new ProviderPolicy(
          Set.of(), List.of(EndpointRule.parse("*")), false, Set.of(), ClientKeyWatch.EVERY_SECRET);

  /** The flag that names the platform namespaces, as status messages cite it. */
  public static final String PLATFORM_NAMESPACES_SETTING =
      "--platform-namespaces (chart: platformNamespaces)";

  /** The flag that names the honoured namespaces, as status messages cite it. */
  public static final String NAMESPACES_SETTING =
      "--provider-namespaces (chart: providerPolicy.namespaces)";

  /** The flag that lists the allowed endpoints, as status messages cite it. */
  public static final String ENDPOINTS_SETTING =
      "--provider-endpoints (chart: providerPolicy.endpoints)";

  /** Copies and sorts the values. */
  public ProviderPolicy {
    clientKeys = clientKeys == null ? ClientKeyWatch.EVERY_SECRET : clientKeys;
    namespaces = Collections.unmodifiableSortedSet(new TreeSet<>(namespaces));
    platformNamespaces = Collections.unmodifiableSortedSet(new TreeSet<>(platformNamespaces));
    endpoints =
        endpoints.stream().sorted(Comparator.comparing(EndpointRule::text)).distinct().toList();
  }

  /**
   * Returns a policy from its settings' text.
   *
   * @param namespaces the honoured namespaces, blank entries ignored; none for every namespace
   * @param endpoints allow-list entries, blank ones ignored (see {@link EndpointRule})
   * @throws IllegalArgumentException when an entry cannot be read
   */
  public static ProviderPolicy of(
      List<String> namespaces, List<String> endpoints, boolean onlyListed) {
    return new ProviderPolicy(
        new TreeSet<>(namespaces.stream().map(String::strip).filter(s -> !s.isEmpty()).toList()),
        endpoints.stream()
            .map(String::strip)
            .filter(s -> !s.isEmpty())
            .map(EndpointRule::parse)
            .toList(),
        onlyListed,
        Set.of(),
        ClientKeyWatch.EVERY_SECRET);
  }

  /** Returns this policy with the given platform namespaces, blank entries ignored. */
  public ProviderPolicy withPlatformNamespaces(List<String> names) {
    return new ProviderPolicy(
        namespaces,
        endpoints,
        onlyListed,
        new TreeSet<>(names.stream().map(String::strip).filter(s -> !s.isEmpty()).toList()),
        clientKeys);
  }

  /**
   * Returns this policy with the processor's client-key selector.
   *
   * @throws IllegalArgumentException when the selector cannot be read
   */
  public ProviderPolicy withClientKeySelector(String selector) {
    return new ProviderPolicy(
        namespaces, endpoints, onlyListed, platformNamespaces, ClientKeyWatch.parse(selector));
  }

  /** Returns whether a namespace is one of the platform's. */
  public boolean isPlatform(String namespace) {
    return platformNamespaces.contains(namespace);
  }

  /**
   * Returns the policy that a golden case's first line asks for, {@code # provider-policy:
   * namespaces=a,b endpoints=x,y only-listed platform=p,q client-keys=k=v} (each part optional; the
   * client-key selector without spaces), or {@link #UNRESTRICTED} when the first line is not one.
   *
   * @throws IllegalArgumentException on a part it does not know
   */
  public static ProviderPolicy ofHeader(String text) {
    String first = text.lines().findFirst().orElse("");
    String prefix = "# provider-policy:";
    if (!first.startsWith(prefix)) {
      return UNRESTRICTED;
    }
    List<String> namespaces = List.of();
    List<String> endpoints = List.of();
    boolean onlyListed = false;
    List<String> platform = List.of();
    String clientKeys = "";
    for (String part : first.substring(prefix.length()).trim().split("\\s+")) {
      if (part.startsWith("namespaces=")) {
        namespaces = List.of(part.substring("namespaces=".length()).split(","));
      } else if (part.startsWith("endpoints=")) {
        endpoints = List.of(part.substring("endpoints=".length()).split(","));
      } else if (part.startsWith("platform=")) {
        platform = List.of(part.substring("platform=".length()).split(","));
      } else if (part.startsWith("client-keys=")) {
        clientKeys = part.substring("client-keys=".length());
      } else if (part.equals("only-listed")) {
        onlyListed = true;
      } else if (!part.isEmpty()) {
        throw new IllegalArgumentException("unknown provider-policy part: " + part);
      }
    }
    return of(namespaces, endpoints, onlyListed)
        .withPlatformNamespaces(platform)
        .withClientKeySelector(clientKeys);
  }

  /** Returns whether ModelProviders in a namespace are honoured. */
  public boolean honours(String namespace) {
    return namespaces.isEmpty() || namespaces.contains(namespace);
  }
}
