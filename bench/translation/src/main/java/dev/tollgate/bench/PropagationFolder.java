package dev.tollgate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The folder bench/compare's propagation step generates: 10 providers, N AIRoutes (one file each,
 * two requested names, a 90/10 split and a priority fallback) over N/100 team namespaces, each with
 * a client key and a TokenQuota.
 */
final class PropagationFolder {
  static final int PROVIDERS = 10;

  private PropagationFolder() {}

  /** Writes the folder afresh; returns the route file the bench edits. */
  static Path write(Path folder, int routes) throws IOException {
    if (Files.exists(folder)) {
      try (Stream<Path> walk = Files.walk(folder)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    Files.createDirectories(folder);
    StringBuilder providers = new StringBuilder();
    for (int p = 0; p < PROVIDERS; p++) {
      providers.append(
          """
          apiVersion: v1
          kind: Secret
          metadata: {name: key-%1$d, namespace: platform}
          stringData: {apiKey: upstream-key-%1$d}
          ---
          apiVersion: tollgate.dev/v1alpha1
          kind: ModelProvider
          metadata: {name: provider-%1$d, namespace: platform}
          spec:
            type: OpenAICompatible
            endpoint: {url: "http://127.0.0.1:9"}
            credentials: {name: key-%1$d}
            governance: {allowedNamespaces: All}
            models:
              - {name: model-a, contextWindow: 32768, pricing: {currency: USD, inputPerMillion: "0.50", outputPerMillion: "1.50"}}
              - {name: model-b, contextWindow: 32768, pricing: {currency: USD, inputPerMillion: "1.00", outputPerMillion: "3.00"}}
          ---
          """
              .formatted(p));
    }
    Files.writeString(folder.resolve("providers.yaml"), providers);
    int teams = Math.max(1, routes / 100);
    for (int team = 0; team < teams; team++) {
      String ns = "team-%03d".formatted(team);
      Path dir = Files.createDirectories(folder.resolve(ns));
      Files.writeString(
          dir.resolve("team.yaml"),
          """
          apiVersion: v1
          kind: Namespace
          metadata: {name: %1$s}
          ---
          apiVersion: v1
          kind: Secret
          metadata:
            name: client-key
            namespace: %1$s
            labels: {tollgate.dev/client-key: "true", tollgate.dev/client: app}
          stringData: {apiKey: tg-%1$s-app-key-0001}
          ---
          apiVersion: tollgate.dev/v1alpha1
          kind: TokenQuota
          metadata: {name: budget, namespace: %1$s}
          spec:
            limits:
              - {name: tokens, type: Tokens, amount: "1000000", window: 1m, per: [Client]}
              - {name: cost, type: Cost, amount: "1000.00", currency: USD, window: Month}
          """
              .formatted(ns));
    }
    for (int i = 0; i < routes; i++) {
      String ns = "team-%03d".formatted(i % teams);
      Files.writeString(
          folder.resolve(ns).resolve("route-%05d.yaml".formatted(i)), route(i, ns, "120s"));
    }
    return folder.resolve("team-000").resolve("route-00000.yaml");
  }

  /** One route file; the bench edits the timeout. */
  static String route(int i, String ns, String timeout) {
    return """
        apiVersion: tollgate.dev/v1alpha1
        kind: AIRoute
        metadata: {name: route-%1$05d, namespace: %2$s}
        spec:
          clients:
            apiKeys:
              secretSelector: {matchLabels: {tollgate.dev/client-key: "true"}}
          rules:
            - models: [r%1$d-fast, r%1$d-chat]
              backends:
                - {provider: {name: provider-%3$d, namespace: platform}, model: model-a, weight: 90}
                - {provider: {name: provider-%4$d, namespace: platform}, model: model-b, weight: 10}
                - {provider: {name: provider-%5$d, namespace: platform}, model: model-a, priority: 1}
              timeout: %6$s
        """
        .formatted(i, ns, i % PROVIDERS, (i + 1) % PROVIDERS, (i + 2) % PROVIDERS, timeout);
  }
}
