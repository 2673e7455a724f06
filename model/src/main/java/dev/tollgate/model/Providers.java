package dev.tollgate.model;

import dev.tollgate.api.v1alpha1.ModelProvider;
import dev.tollgate.api.v1alpha1.ModelProviderSpec;
import dev.tollgate.api.v1alpha1.ProviderType;
import dev.tollgate.model.GatewayModel.Connection;
import dev.tollgate.model.GatewayModel.Credential;
import dev.tollgate.model.GatewayModel.OfferedModel;
import dev.tollgate.model.GatewayModel.OutlierDetection;
import dev.tollgate.model.GatewayModel.Price;
import dev.tollgate.model.GatewayModel.Provider;
import dev.tollgate.model.GatewayModel.Upstream;
import java.math.BigDecimal;
import java.net.URI;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** The provider step: checks each ModelProvider, resolves its credential and accepts it. */
final class Providers {
  private final BuildContext context;

  Providers(BuildContext context) {
    this.context = context;
  }

  /** Accepts every valid provider of the snapshot, the oldest first. */
  void acceptAll() {
    context.snapshot.providers().stream().sorted(BuildContext.OLDEST_FIRST).forEach(this::accept);
  }

  private void accept(ModelProvider resource) {
    ResourceRef ref = BuildContext.ref(resource);
    ModelProviderSpec spec = resource.getSpec();
    List<Problem> specProblems = SpecChecks.check(spec, ProviderChecks::check);
    if (!specProblems.isEmpty()) {
      context.statuses.report(resource, specProblems, List.of());
      return;
    }
    Optional<Problem> refused =
        EndpointChecks.check(
            context.providerPolicy,
            ref.namespace(),
            upstream(ref, spec),
            spec.endpoint != null && spec.endpoint.service != null);
    if (refused.isPresent()) {
      context.statuses.report(resource, List.of(refused.get()), List.of());
      return;
    }
    Credential credential = null;
    if (spec.credentials != null) {
      String keyName = Defaults.secretKey(spec.credentials.key);
      Optional<String> value = context.secretValue(ref.namespace(), spec.credentials.name, keyName);
      if (value.isEmpty()) {
        Problem missing =
            new Problem(
                "spec.credentials",
                Reasons.SECRET_NOT_FOUND,
                "Secret "
                    + ref.namespace()
                    + "/"
                    + spec.credentials.name
                    + " with a non-empty key '"
                    + keyName
                    + "' does not exist: create it, or fix spec.credentials");
        context.statuses.report(resource, List.of(), List.of(missing));
        return;
      }
      var compatible = spec.openAICompatible;
      credential =
          new Credential(
              spec.credentials.name,
              keyName,
              ModelHashing.sha256(value.get()),
              compatible == null ? null : compatible.keyHeader,
              compatible == null ? null : compatible.keyScheme);
      context.credentialValues.put(ref.namespacedName(), value.get());
    }
    context.acceptedProviders.put(ref.namespacedName(), toProvider(ref, spec, credential));
    context.statuses.report(resource, List.of(), List.of());
  }

  private static Provider toProvider(
      ResourceRef ref, ModelProviderSpec spec, Credential credential) {
    boolean azure = spec.type == ProviderType.AzureOpenAI;
    List<OfferedModel> models =
        spec.models.stream()
            .map(
                m ->
                    new OfferedModel(
                        m.name,
                        azure ? Defaults.deployment(m) : null,
                        m.contextWindow,
                        m.pricing == null
                            ? null
                            : new Price(
                                m.pricing.currency,
                                new BigDecimal(m.pricing.inputPerMillion),
                                new BigDecimal(m.pricing.outputPerMillion),
                                new BigDecimal(Defaults.cachedInputPerMillion(m.pricing)),
                                new BigDecimal(Defaults.cacheWriteInputPerMillion(m.pricing)))))
            .sorted(Comparator.comparing(OfferedModel::name))
            .toList();
    var c = spec.connection;
    OutlierDetection outlier = null;
    if (c != null && c.outlierDetection != null) {
      var o = c.outlierDetection;
      outlier =
          new OutlierDetection(
              Defaults.consecutive5xx(o),
              Defaults.baseEjectionMillis(o),
              Defaults.maxEjectionPercent(o));
    }
    return new Provider(
        ref.namespace(),
        ref.name(),
        spec.type,
        upstream(ref, spec),
        credential,
        azure ? spec.azure.apiVersion : null,
        spec.type == ProviderType.Anthropic ? Defaults.anthropic(spec.anthropic) : null,
        models,
        new Connection(
            Defaults.connectTimeoutMillis(c), Defaults.maxConcurrentRequests(c), outlier),
        Defaults.clearance(spec.governance));
  }

  private static Upstream upstream(ResourceRef ref, ModelProviderSpec spec) {
    if (spec.endpoint == null) {
      // Only Anthropic may omit it (ProviderChecks).
      return new Upstream(Defaults.ANTHROPIC_HOST, 443, true, "", null);
    }
    if (spec.endpoint.url != null) {
      URI uri = URI.create(spec.endpoint.url);
      boolean tls = uri.getScheme().equals("https");
      int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
      String path = uri.getRawPath() == null ? "" : uri.getRawPath();
      while (path.endsWith("/")) {
        path = path.substring(0, path.length() - 1);
      }
      return new Upstream(uri.getHost(), port, tls, path, apiPath(spec));
    }
    var service = spec.endpoint.service;
    return new Upstream(
        service.name + "." + ref.namespace() + ".svc.cluster.local",
        service.port,
        Defaults.tls(service),
        "",
        apiPath(spec));
  }

  private static String apiPath(ModelProviderSpec spec) {
    return spec.openAICompatible == null ? null : spec.openAICompatible.apiPath;
  }
}
