package dev.tollgate.xds;

import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModel.Provider;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.GenericSecret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.ArrayList;
import java.util.List;

/** Translates provider keys into SDS secrets, the only xDS resources that carry a key. */
final class SecretTranslator {
  private SecretTranslator() {}

  /** Returns one generic secret per provider with a credential, in provider order. */
  static List<Secret> secrets(GatewayModel model) {
    List<Secret> secrets = new ArrayList<>();
    for (Provider provider : model.providers()) {
      if (provider.credential() != null) {
        String value = ProviderCredentials.headerValue(model, provider);
        secrets.add(
            Secret.newBuilder()
                .setName(ProviderCredentials.sdsSecretName(provider))
                .setGenericSecret(GenericSecret.newBuilder().setSecret(XdsProtos.inline(value)))
                .build());
      }
    }
    return secrets;
  }
}
