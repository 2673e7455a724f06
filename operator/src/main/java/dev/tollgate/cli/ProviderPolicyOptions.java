package dev.tollgate.cli;

import dev.tollgate.model.ProviderPolicy;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The flags that say where ModelProviders may point and which namespaces are the platform's, shared
 * by the operator, the data-plane roles (which must be given the operator's values) and {@code
 * tollgate run}.
 */
public final class ProviderPolicyOptions {
  @Option(
      names = "--provider-namespaces",
      split = ",",
      description =
          "Namespaces whose ModelProviders are honoured (comma-separated); a ModelProvider"
              + " elsewhere gets Accepted=False, NamespaceNotAllowed. Default: every namespace.")
  List<String> namespaces = List.of();

  @Option(
      names = "--provider-endpoints",
      split = ",",
      description =
          "Provider endpoints allowed besides public ones (comma-separated): host names,"
              + " *.suffix, IP addresses or CIDR ranges, optionally with :port, or * for any."
              + " Private, loopback, link-local and in-cluster endpoints are refused unless"
              + " listed (Accepted=False, EndpointNotAllowed).")
  List<String> endpoints;

  @Option(
      names = "--only-listed-provider-endpoints",
      description =
          "Refuse every provider endpoint that --provider-endpoints does not list, public ones"
              + " too (the only guard against public names that resolve to private addresses).")
  boolean onlyListed;

  @Option(
      names = "--platform-namespaces",
      split = ",",
      description =
          "The platform's namespaces (comma-separated): a TokenQuota there may carry"
              + " spec.namespaceSelector and then applies to the AIRoutes of every matching"
              + " namespace, on top of the teams' own quotas. Elsewhere such a quota gets"
              + " Accepted=False, NotPlatformNamespace. Default: none (the chart passes its"
              + " release namespace).")
  List<String> platformNamespaces = List.of();

  /**
   * Returns the policy the flags describe.
   *
   * @param defaultEndpoints the allow-list when {@code --provider-endpoints} is not given
   * @throws IllegalArgumentException naming an entry that cannot be read
   */
  public ProviderPolicy policy(List<String> defaultEndpoints) {
    return ProviderPolicy.of(
            namespaces, endpoints == null ? defaultEndpoints : endpoints, onlyListed)
        .withPlatformNamespaces(platformNamespaces);
  }

  /** Returns the policy, or a usage error for the command line that names the bad entry. */
  public ProviderPolicy policy(List<String> defaultEndpoints, picocli.CommandLine commandLine) {
    try {
      return policy(defaultEndpoints);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(commandLine, "--provider-endpoints: " + e.getMessage());
    }
  }
}
