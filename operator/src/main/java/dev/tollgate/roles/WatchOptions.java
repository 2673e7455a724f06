package dev.tollgate.roles;

import dev.tollgate.cli.ProviderPolicyOptions;
import dev.tollgate.model.ProviderPolicy;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The flags that choose what a data-plane role reads from the Kubernetes API, as the operator's.
 */
public final class WatchOptions {
  @Option(
      names = "--namespaces",
      split = ",",
      description =
          "Namespaces whose resources and Secrets are read (comma-separated); default: all. Use"
              + " the operator's value.")
  List<String> namespaces = List.of();

  @Option(
      names = "--secret-selector",
      defaultValue = "",
      description =
          "Label selector every Secret read must match; default: none. Use the operator's value."
              + " The rate-limit service reads no Secret; the processor only client keys.")
  String secretSelector = "";

  @Mixin ProviderPolicyOptions providerPolicy = new ProviderPolicyOptions();

  /** Returns where ModelProviders may point: the operator's policy, given by the same flags. */
  public ProviderPolicy providerPolicy() {
    return providerPolicy.policy(List.of());
  }

  /** Returns the watched namespaces, empty for all. */
  public Set<String> namespaces() {
    Set<String> watched = new TreeSet<>();
    namespaces.stream().map(String::strip).filter(s -> !s.isEmpty()).forEach(watched::add);
    return watched;
  }

  /** Returns the Secret label selector, blank for all. */
  public String secretSelector() {
    return secretSelector;
  }
}
