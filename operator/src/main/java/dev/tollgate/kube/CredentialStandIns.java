package dev.tollgate.kube;

import dev.tollgate.api.v1alpha1.ModelProvider;
import dev.tollgate.model.Defaults;
import dev.tollgate.model.Reasons;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Stand-ins for the provider credential Secrets that a data-plane role does not read.
 *
 * <p>Neither the processor nor the rate-limit service uses a provider key (Envoy gets it from the
 * operator over SDS), but the model accepts a provider only when its credential resolves. A role
 * that may not read those Secrets therefore puts a stand-in in its snapshot for each credential a
 * ModelProvider names, so that its model holds the same providers, routes and budgets as the
 * operator's. Its model version differs from the operator's, which is fine: {@code Programmed}
 * compares only the operator's xDS versions with what Envoy acknowledged.
 *
 * <p>A provider whose status (written by the operator, which does read the Secret) says {@code
 * ResolvedRefs=False, reason SecretNotFound} for its current generation gets no stand-in, so the
 * roles leave it out as the operator does once that status is written.
 *
 * <p>The stand-in value is random per process and never leaves it: should a route's client-key
 * selector match a stand-in, the key it would index cannot be presented by anyone. Thread-safe.
 */
final class CredentialStandIns {
  private final String value;

  CredentialStandIns() {
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    this.value = HexFormat.of().formatHex(random);
  }

  /** Returns {@code read} plus a stand-in for every credential of {@code providers} not in it. */
  List<Secret> around(List<ModelProvider> providers, List<Secret> read) {
    Map<String, Secret> byName = new LinkedHashMap<>();
    for (Secret s : read) {
      byName.put(key(s.getMetadata().getNamespace(), s.getMetadata().getName()), s);
    }
    for (ModelProvider provider : providers) {
      if (provider.getSpec() == null
          || provider.getSpec().credentials == null
          || provider.getSpec().credentials.name == null
          || operatorFoundNoSecret(provider)) {
        continue;
      }
      String namespace = provider.getMetadata().getNamespace();
      String name = provider.getSpec().credentials.name;
      String dataKey = Defaults.secretKey(provider.getSpec().credentials.key);
      Secret existing = byName.get(key(namespace, name));
      if (existing == null) {
        byName.put(key(namespace, name), standIn(namespace, name, dataKey));
      } else if (!holds(existing, dataKey)) {
        byName.put(
            key(namespace, name),
            new SecretBuilder(existing).addToStringData(dataKey, value).build());
      }
    }
    return new ArrayList<>(byName.values());
  }

  private Secret standIn(String namespace, String name, String dataKey) {
    ObjectMeta meta = new ObjectMeta();
    meta.setNamespace(namespace);
    meta.setName(name);
    return new SecretBuilder().withMetadata(meta).addToStringData(dataKey, value).build();
  }

  private static boolean holds(Secret secret, String dataKey) {
    return (secret.getData() != null && secret.getData().containsKey(dataKey))
        || (secret.getStringData() != null && secret.getStringData().containsKey(dataKey));
  }

  /** Whether the operator's status says, for the current spec, that the Secret is missing. */
  private static boolean operatorFoundNoSecret(ModelProvider provider) {
    if (provider.getStatus() == null || provider.getStatus().conditions == null) {
      return false;
    }
    Long generation = provider.getMetadata().getGeneration();
    for (Condition c : provider.getStatus().conditions) {
      if (Reasons.RESOLVED_REFS.equals(c.getType())
          && "False".equals(c.getStatus())
          && Reasons.SECRET_NOT_FOUND.equals(c.getReason())
          && (generation == null || Objects.equals(generation, c.getObservedGeneration()))) {
        return true;
      }
    }
    return false;
  }

  private static String key(String namespace, String name) {
    return namespace + "/" + name;
  }
}
