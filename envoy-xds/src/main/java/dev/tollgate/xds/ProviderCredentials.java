package dev.tollgate.xds;

import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModel.Provider;

/**
 * How a provider's key reaches the provider through Envoy: held in one SDS secret per provider and
 * injected as the header the provider's API expects, {@code api-key: <key>} for Azure OpenAI and
 * {@code Authorization: Bearer <key>} for the others, unless an OpenAICompatible provider names its
 * header ({@code openAICompatible.keyHeader}) and scheme ({@code keyScheme}).
 */
final class ProviderCredentials {
  private ProviderCredentials() {}

  /** Returns the name of the SDS secret with the provider's header value. */
  static String sdsSecretName(Provider provider) {
    return XdsNames.providerCredential(provider.namespace(), provider.name());
  }

  /** Returns the request header the provider reads its key from. */
  static String header(Provider provider) {
    if (provider.credential() != null && provider.credential().header() != null) {
      return provider.credential().header();
    }
    return switch (provider.type()) {
      case AzureOpenAI -> "api-key";
      case Anthropic -> "x-api-key";
      default -> "Authorization";
    };
  }

  /** Returns the value of {@link #header}: the key, with the scheme the provider expects. */
  static String headerValue(GatewayModel model, Provider provider) {
    String key = model.credentialValue(provider);
    String scheme = scheme(provider);
    return scheme.isEmpty() ? key : scheme + " " + key;
  }

  /**
   * The word before the key: the one the spec names; else Bearer in Authorization, the bare key in
   * a header the spec names and in Azure's api-key.
   */
  private static String scheme(Provider provider) {
    GatewayModel.Credential credential = provider.credential();
    if (credential != null && credential.scheme() != null) {
      return credential.scheme();
    }
    return header(provider).equalsIgnoreCase("authorization") ? "Bearer" : "";
  }
}
