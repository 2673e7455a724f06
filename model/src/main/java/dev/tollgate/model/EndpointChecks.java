package dev.tollgate.model;

import dev.tollgate.model.GatewayModel.Upstream;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** Decides whether a provider may be honoured under a {@link ProviderPolicy}. */
final class EndpointChecks {
  private static final List<String> INTERNAL_SUFFIXES =
      List.of(".local", ".internal", ".svc", ".localdomain", ".localhost", ".arpa");

  /** A last label that a resolver may read as a number: {@code 127.1}, {@code 0x7f000001}. */
  private static final Pattern NUMERIC_LABEL = Pattern.compile("^(0x[0-9a-f]*|[0-9]+)$");

  private EndpointChecks() {}

  /** Returns why a provider in a namespace is not honoured, or nothing when it is. */
  static Optional<Problem> check(
      ProviderPolicy policy, String namespace, Upstream upstream, boolean service) {
    if (!policy.honours(namespace)) {
      return Optional.of(
          new Problem(
              "metadata.namespace",
              Reasons.NAMESPACE_NOT_ALLOWED,
              "ModelProviders are honoured only in the namespaces "
                  + String.join(", ", policy.namespaces())
                  + ": create it there, or add "
                  + namespace
                  + " to "
                  + ProviderPolicy.NAMESPACES_SETTING));
    }
    String field = service ? "spec.endpoint.service" : "spec.endpoint.url";
    String host = upstream.host().toLowerCase(Locale.ROOT);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    Optional<InetAddress> address = EndpointRule.literal(host);
    String endpoint = (host.contains(":") ? "[" + host + "]" : host) + ":" + upstream.port();
    if (address.isEmpty() && NUMERIC_LABEL.matcher(lastLabel(host)).matches()) {
      return Optional.of(
          new Problem(
              field,
              Reasons.ENDPOINT_NOT_ALLOWED,
              "host "
                  + host
                  + " looks like an IP address in a non-canonical form: write IP addresses as four"
                  + " decimal numbers"));
    }
    for (EndpointRule rule : policy.endpoints()) {
      if (rule.matches(host, address, upstream.port())) {
        return Optional.empty();
      }
    }
    String kind = internal(host, address, service);
    if (kind == null && !policy.onlyListed()) {
      return Optional.empty();
    }
    return Optional.of(
        new Problem(
            field,
            Reasons.ENDPOINT_NOT_ALLOWED,
            "endpoint "
                + endpoint
                + (kind == null ? " is not listed" : " is " + kind + ", refused unless listed")
                + " in the provider endpoint allow-list "
                + ProviderPolicy.ENDPOINTS_SETTING));
  }

  /** Returns what makes an endpoint internal, or null when it is public. */
  private static String internal(String host, Optional<InetAddress> address, boolean service) {
    if (service) {
      return "an in-cluster Service";
    }
    if (address.isPresent()) {
      InetAddress a = address.get();
      if (a.isLoopbackAddress()) {
        return "a loopback address";
      }
      if (a.isLinkLocalAddress()) {
        return "a link-local address";
      }
      return PublicAddresses.isPublic(a) ? null : "a private or reserved address";
    }
    if (host.equals("localhost") || host.endsWith(".localhost")) {
      return "a loopback name";
    }
    if (!host.contains(".")) {
      return "a single-label name (resolved through the cluster's search domains)";
    }
    for (String suffix : INTERNAL_SUFFIXES) {
      if (host.endsWith(suffix)) {
        return "a cluster-internal name";
      }
    }
    return null;
  }

  private static String lastLabel(String host) {
    return host.substring(host.lastIndexOf('.') + 1);
  }
}
