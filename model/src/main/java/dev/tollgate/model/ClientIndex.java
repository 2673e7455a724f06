package dev.tollgate.model;

import dev.tollgate.api.v1alpha1.AIRoute;
import dev.tollgate.api.v1alpha1.Api;
import dev.tollgate.model.GatewayModel.Client;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The client step: indexes the API keys of the accepted routes' client Secrets by hash, with the
 * routes each key may call.
 *
 * <p>A key too short or held by two Secrets is left out and recorded as a problem of the route; the
 * older Secret keeps a shared key.
 */
final class ClientIndex {
  private final BuildContext context;

  ClientIndex(BuildContext context) {
    this.context = context;
  }

  /** Returns every client with the routes it may call, ordered by namespace, id and Secret. */
  List<Client> build() {
    Map<String, String> ownerSecretByKeyHash = new HashMap<>();
    Map<String, Client> clients = new TreeMap<>();
    Map<String, Set<String>> routesByClient = new HashMap<>();
    List<Secret> sortedSecrets =
        context.snapshot.secrets().stream().sorted(BuildContext.OLDEST_FIRST).toList();
    for (AIRoute resource :
        context.snapshot.routes().stream().sorted(BuildContext.OLDEST_FIRST).toList()) {
      ResourceRef ref = BuildContext.ref(resource);
      if (!context.acceptedRoutes.containsKey(ref.namespacedName())) {
        continue;
      }
      var apiKeys = resource.getSpec().clients.apiKeys;
      if (apiKeys == null) {
        continue;
      }
      String dataKey = Defaults.secretKey(apiKeys.key);
      List<Problem> problems = context.clientProblems(ref);
      int selected = 0;
      for (Secret secret : sortedSecrets) {
        if (!secret.getMetadata().getNamespace().equals(ref.namespace())
            || !LabelSelectors.matches(apiKeys.secretSelector, secret.getMetadata().getLabels())) {
          continue;
        }
        selected++;
        String secretName = secret.getMetadata().getName();
        if (!context.providerPolicy.clientKeys().reads(secret.getMetadata().getLabels())) {
          problems.add(notWatched(ref.namespace(), secretName));
          continue;
        }
        Optional<String> value = context.secretValue(ref.namespace(), secretName, dataKey);
        if (value.isEmpty() || value.get().length() < Defaults.MIN_CLIENT_KEY_LENGTH) {
          problems.add(
              new Problem(
                  "spec.clients.apiKeys",
                  Reasons.INVALID_CLIENT_KEY,
                  "Secret "
                      + ref.namespace()
                      + "/"
                      + secretName
                      + " has no key '"
                      + dataKey
                      + "' of at least "
                      + Defaults.MIN_CLIENT_KEY_LENGTH
                      + " characters: that client cannot call; set a longer key"));
          continue;
        }
        String hash = ModelHashing.sha256(value.get());
        String secretId = ref.namespace() + "/" + secretName;
        String owner = ownerSecretByKeyHash.putIfAbsent(hash, secretId);
        if (owner != null && !owner.equals(secretId)) {
          problems.add(
              new Problem(
                  "spec.clients.apiKeys",
                  Reasons.CONFLICTED,
                  "Secret "
                      + secretId
                      + " holds the same key as Secret "
                      + owner
                      + ", which is older and keeps it: give this client a new key"));
          continue;
        }
        Optional<KeyRestrictions> restrictions = KeyRestrictions.of(secret, problems);
        if (restrictions.isEmpty()) {
          continue;
        }
        String clientId = clientId(secret);
        String clientKey = ref.namespace() + "\0" + clientId + "\0" + secretName;
        clients.putIfAbsent(
            clientKey,
            new Client(
                ref.namespace(),
                clientId,
                hash,
                secretName,
                List.of(),
                restrictions.get().models(),
                restrictions.get().expiresAt()));
        routesByClient.computeIfAbsent(clientKey, k -> new TreeSet<>()).add(ref.name());
      }
      if (selected == 0) {
        problems.add(
            new Problem(
                "spec.clients.apiKeys.secretSelector",
                Reasons.INVALID_CLIENT_KEY,
                "no Secret in namespace "
                    + ref.namespace()
                    + " matches the selector, so no API key can call this route: label the"
                    + " client Secrets or fix the selector"));
      }
    }
    List<Client> withRoutes = new ArrayList<>(clients.size());
    clients.forEach(
        (clientKey, c) ->
            withRoutes.add(
                new Client(
                    c.namespace(),
                    c.clientId(),
                    c.keySha256(),
                    c.secretName(),
                    List.copyOf(routesByClient.get(clientKey)),
                    c.models(),
                    c.expiresAt())));
    return List.copyOf(withRoutes);
  }

  /**
   * The problem of a client Secret the processor does not read: the processor never learns its key,
   * so leaving it out here keeps the operator's clients what the processor holds.
   */
  private Problem notWatched(String namespace, String secretName) {
    ClientKeyWatch watch = context.providerPolicy.clientKeys();
    String labels = watch.labelArguments();
    String fix =
        labels == null
            ? "label the Secret so that it matches '" + watch.text() + "'"
            : "label it (kubectl label secret -n "
                + namespace
                + " "
                + secretName
                + " "
                + labels
                + ")";
    return new Problem(
        "spec.clients.apiKeys.secretSelector",
        Reasons.CLIENT_KEY_NOT_WATCHED,
        "Secret "
            + namespace
            + "/"
            + secretName
            + " does not match '"
            + watch.text()
            + "', "
            + ClientKeyWatch.SETTING
            + ", so the processor never reads it and its key gets 401 invalid_api_key: "
            + fix
            + ", or narrow this route's selector to labelled Secrets");
  }

  /** The client id of a key: its Secret's client label, else the Secret's name. */
  private static String clientId(Secret secret) {
    Map<String, String> labels = secret.getMetadata().getLabels();
    return labels != null && labels.get(Api.CLIENT_LABEL) != null
        ? labels.get(Api.CLIENT_LABEL)
        : secret.getMetadata().getName();
  }
}
