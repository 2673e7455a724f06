package dev.tollgate.keys;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tollgate keys create}: generates a strong client key, writes its Secret through the
 * kubeconfig (or prints it as YAML for a GitOps repository), and prints the key once.
 */
@Command(
    name = "create",
    mixinStandardHelpOptions = true,
    description = {
      "Generate a client API key, write its Secret and print the key once.",
      "Rotation: create a second key for the same --client, move the callers, then delete the"
          + " old Secret (or give it --expires)."
    })
public final class CreateKeyCommand implements Callable<Integer> {
  private static final DateTimeFormatter SUFFIX =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--namespace", required = true, description = "The team's namespace.")
  String namespace;

  @Option(names = "--client", required = true, description = "The client id (budgets per client).")
  String client;

  @Option(
      names = "--models",
      split = ",",
      description =
          "Models the key may call (comma-separated). Default: every model of its routes.")
  List<String> models = List.of();

  @Option(
      names = "--expires",
      description = "When the key stops working: an RFC 3339 time or a duration (90d, 12h).")
  String expires;

  @Option(
      names = "--name",
      description = "The Secret's name. Default: <client>-<UTC time of creation>.")
  String name;

  @Option(
      names = "--selector",
      defaultValue = "tollgate.dev/client-key=true",
      description =
          "The label the routes' spec.clients.apiKeys.secretSelector matches. Default:"
              + " ${DEFAULT-VALUE}.")
  String selector;

  @Option(
      names = "--output",
      defaultValue = "apply",
      description =
          "apply (create the Secret through the kubeconfig) or yaml (print it, for a"
              + " GitOps repository). Default: ${DEFAULT-VALUE}.")
  Output output;

  /** Where the Secret goes. */
  enum Output {
    apply,
    yaml
  }

  private final Supplier<KubernetesClient> clients;
  private final Clock clock;

  /** The command as the program runs it. */
  public CreateKeyCommand() {
    this(() -> new KubernetesClientBuilder().build(), Clock.systemUTC());
  }

  /** The command with another API client and clock: for tests. */
  CreateKeyCommand(Supplier<KubernetesClient> clients, Clock clock) {
    this.clients = clients;
    this.clock = clock;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Instant now = clock.instant();
    Secret secret;
    String key = ClientKeys.generate(new SecureRandom());
    try {
      Instant expiresAt = expires == null ? null : ClientKeys.expiry(expires, now);
      String secretName =
          name != null
              ? name
              : client.toLowerCase().replaceAll("[^a-z0-9-]", "-") + "-" + SUFFIX.format(now);
      secret =
          ClientKeys.secret(
              namespace,
              secretName,
              client,
              selector,
              models.stream().sorted().toList(),
              expiresAt,
              key);
    } catch (IllegalArgumentException e) {
      err.println("tollgate keys create: " + e.getMessage());
      err.flush();
      return 2;
    }
    if (output == Output.yaml) {
      out.print(Serialization.asYaml(secret));
      out.flush();
      err.println(
          "The key is in the YAML above (stringData.apiKey): encrypt it (e.g. SealedSecrets, SOPS)"
              + " before committing it.");
      err.flush();
      return 0;
    }
    try (KubernetesClient kube = clients.get()) {
      kube.secrets().inNamespace(namespace).resource(secret).create();
    } catch (KubernetesClientException e) {
      err.println(
          "tollgate keys create: could not create Secret "
              + namespace
              + "/"
              + secret.getMetadata().getName()
              + ": "
              + (e.getStatus() != null && e.getStatus().getMessage() != null
                  ? e.getStatus().getMessage()
                  : e.getMessage()));
      err.flush();
      return 1;
    }
    err.println(
        "Created Secret "
            + namespace
            + "/"
            + secret.getMetadata().getName()
            + " for client "
            + client
            + ". The key is shown once; store it now:");
    err.flush();
    out.println(key);
    out.flush();
    return 0;
  }
}
