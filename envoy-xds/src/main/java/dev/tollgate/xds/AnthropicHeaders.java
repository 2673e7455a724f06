package dev.tollgate.xds;

import dev.tollgate.api.v1alpha1.ProviderType;
import dev.tollgate.model.GatewayModel.Provider;
import dev.tollgate.model.Wire;
import io.envoyproxy.envoy.config.common.mutation_rules.v3.HeaderMutation;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code anthropic-version} and {@code anthropic-beta} headers on the way to a provider: they
 * reach Anthropic providers only. A cluster whose every member is an Anthropic provider keeps the
 * client's {@code anthropic-beta} (the processor has already cut it to the betas the rule's
 * providers allow) and adds the provider's {@code anthropic-version} when the client sent none;
 * every other cluster removes both, and an aggregate mixing Anthropic and other providers gives an
 * Anthropic attempt the client's version (or the chosen endpoint's when the client sent none) and
 * the client's allowed betas, both from the processor's metadata.
 */
final class AnthropicHeaders {
  static final String VERSION = "anthropic-version";
  static final String BETA = "anthropic-beta";

  private AnthropicHeaders() {}

  /**
   * The header edits of a cluster whose attempts go to these providers: {@link
   * UpstreamFilters#REMOVED_BEFORE_THE_PROVIDER} with the Anthropic headers handled as above.
   */
  static List<HeaderMutation> edits(List<Provider> providers) {
    boolean anthropic =
        !providers.isEmpty()
            && providers.stream().allMatch(p -> p.type() == ProviderType.Anthropic);
    Set<String> versions = new TreeSet<>();
    providers.forEach(p -> versions.add(p.anthropic() == null ? "" : p.anthropic().version()));
    List<HeaderMutation> edits = new ArrayList<>();
    for (HeaderMutation removal : UpstreamFilters.REMOVED_BEFORE_THE_PROVIDER) {
      if (!(anthropic && removal.getRemove().equals(BETA))) {
        edits.add(removal);
      }
    }
    boolean someAnthropic = providers.stream().anyMatch(p -> p.type() == ProviderType.Anthropic);
    if (!anthropic) {
      edits.add(HeaderMutation.newBuilder().setRemove(VERSION).build());
      if (someAnthropic) {
        // A mixed aggregate: an Anthropic attempt gets its provider's version; the formatter
        // yields nothing for the other members' endpoints, which then get no header. The
        // client's own version (kept by the processor in metadata, as these edits persist into
        // the next attempt) replaces it only where there is one, so never at an OpenAI endpoint.
        edits.add(UpstreamFilters.set(VERSION, UpstreamFilters.endpointMetadata(META_VERSION)));
        edits.add(
            overwriteIfExists(
                VERSION, UpstreamFilters.requestMetadata(Wire.CLIENT_ANTHROPIC_VERSION)));
        // The client's allowed betas; the attempt translator removes them (and the version) from
        // the attempts it translates to OpenAI, which are all of a Messages client's OpenAI
        // attempts, the only client they are kept for.
        edits.add(
            UpstreamFilters.set(BETA, UpstreamFilters.requestMetadata(Wire.CLIENT_ANTHROPIC_BETA)));
      }
    } else if (versions.size() == 1) {
      edits.add(addIfAbsent(VERSION, versions.iterator().next()));
    } else {
      edits.add(addIfAbsent(VERSION, UpstreamFilters.endpointMetadata(META_VERSION)));
    }
    return edits;
  }

  /** Endpoint metadata key: an Anthropic provider's {@code anthropic-version}. */
  static final String META_VERSION = "anthropic_version";

  private static HeaderMutation overwriteIfExists(String header, String value) {
    return HeaderMutation.newBuilder()
        .setAppend(
            HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey(header).setValue(value))
                .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS))
        .build();
  }

  private static HeaderMutation addIfAbsent(String header, String value) {
    return HeaderMutation.newBuilder()
        .setAppend(
            HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey(header).setValue(value))
                .setAppendAction(HeaderValueOption.HeaderAppendAction.ADD_IF_ABSENT))
        .build();
  }
}
