package dev.tollgate.bench;

import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModelBuilder;
import dev.tollgate.model.source.LoadResult;
import dev.tollgate.model.source.ManifestReader;
import dev.tollgate.model.source.ResourceSnapshot;
import dev.tollgate.xds.XdsResources;
import dev.tollgate.xds.XdsSettings;
import dev.tollgate.xds.XdsTranslator;
import java.util.Arrays;

/**
 * Measures how long building the GatewayModel and translating it to xDS takes for a large gateway:
 * by default 200 providers, 2,000 routes (each with an alias, a 90/10 split and a fallback) and one
 * quota per namespace. Prints warm timings; not a test.
 */
public final class TranslationBench {
  private TranslationBench() {}

  /** Runs the benchmark: {@code [providers] [routes] [iterations]}. */
  public static void main(String[] args) {
    int providers = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int routes = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
    int iterations = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    LoadResult loaded = new ManifestReader().readString("bench.yaml", manifests(providers, routes));
    if (!loaded.errors().isEmpty()) {
      throw new IllegalStateException(
          "bench manifests do not load: " + loaded.errors().get(0).describe());
    }
    ResourceSnapshot snapshot = loaded.snapshot();
    XdsTranslator translator = new XdsTranslator(XdsSettings.local());
    for (int i = 0; i < 10; i++) {
      translator.translate(GatewayModelBuilder.build(snapshot));
    }
    long[] build = new long[iterations];
    long[] translate = new long[iterations];
    XdsResources last = null;
    for (int i = 0; i < iterations; i++) {
      long t0 = System.nanoTime();
      GatewayModel model = GatewayModelBuilder.build(snapshot);
      long t1 = System.nanoTime();
      last = translator.translate(model);
      long t2 = System.nanoTime();
      build[i] = t1 - t0;
      translate[i] = t2 - t1;
    }
    long accepted = last.clusters().size();
    System.out.printf(
        "providers=%d routes=%d (route entries=%d, clusters=%d) iterations=%d%n",
        snapshot.providers().size(),
        snapshot.routes().size(),
        last.routes().get(0).getVirtualHosts(0).getRoutesCount(),
        accepted,
        iterations);
    report("model build", build);
    report("xds translation", translate);
    long[] total = new long[iterations];
    for (int i = 0; i < iterations; i++) {
      total[i] = build[i] + translate[i];
    }
    report("total", total);
  }

  private static void report(String what, long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    System.out.printf(
        "%-16s median %7.1f ms   p90 %7.1f ms   max %7.1f ms%n",
        what,
        sorted[sorted.length / 2] / 1e6,
        sorted[(int) Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.9) - 1)] / 1e6,
        sorted[sorted.length - 1] / 1e6);
  }

  /** Synthetic manifests: providers in a platform namespace, routes spread over 50 teams. */
  static String manifests(int providers, int routes) {
    StringBuilder yaml = new StringBuilder();
    for (int p = 0; p < providers; p++) {
      yaml.append(
          """
          apiVersion: v1
          kind: Secret
          metadata: {name: key-%1$d, namespace: platform}
          stringData: {apiKey: sk-bench-%1$d-0123456789}
          ---
          apiVersion: tollgate.dev/v1alpha1
          kind: ModelProvider
          metadata: {name: provider-%1$d, namespace: platform}
          spec:
            type: %2$s
            endpoint: {url: "https://provider-%1$d.example.com"}
            %3$s
            credentials: {name: key-%1$d}
            models:
              - {name: model-a, pricing: {currency: USD, inputPerMillion: "0.15", outputPerMillion: "0.60"}}
              - {name: model-b, pricing: {currency: USD, inputPerMillion: "2.50", outputPerMillion: "10"}}
            governance: {allowedNamespaces: All, dataClassification: Confidential}
          ---
          """
              .formatted(
                  p,
                  p % 5 == 0 ? "AzureOpenAI" : "OpenAI",
                  p % 5 == 0 ? "azure: {apiVersion: \"2024-10-21\"}" : ""));
    }
    int teams = 50;
    for (int t = 0; t < teams; t++) {
      yaml.append(
          """
          apiVersion: v1
          kind: Secret
          metadata: {name: client, namespace: team-%1$d, labels: {tollgate.dev/client-key: "true"}}
          stringData: {apiKey: tg-bench-team-%1$d-0123456789}
          ---
          apiVersion: tollgate.dev/v1alpha1
          kind: TokenQuota
          metadata: {name: budget, namespace: team-%1$d}
          spec:
            limits:
              - {name: tokens, type: Tokens, amount: "100000", window: 1m, per: [Client]}
              - {name: cost, type: Cost, amount: "1000", currency: USD, window: Month}
          ---
          """
              .formatted(t));
    }
    for (int r = 0; r < routes; r++) {
      int team = r % teams;
      yaml.append(
          """
          apiVersion: tollgate.dev/v1alpha1
          kind: AIRoute
          metadata: {name: route-%1$d, namespace: team-%2$d}
          spec:
            clients: {apiKeys: {secretSelector: {matchLabels: {tollgate.dev/client-key: "true"}}}}
            rules:
              - models: [m-%1$d, alias-%1$d]
                backends:
                  - {provider: {name: provider-%3$d, namespace: platform}, model: model-a, weight: 90}
                  - {provider: {name: provider-%4$d, namespace: platform}, model: model-a, weight: 10}
                  - {provider: {name: provider-%5$d, namespace: platform}, model: model-b, priority: 1}
          ---
          """
              .formatted(r, team, r % providers, (r + 1) % providers, (r + 2) % providers));
    }
    return yaml.toString();
  }
}
