package dev.tollgate.model;

import dev.tollgate.model.GatewayModel.Client;
import dev.tollgate.model.GatewayModel.Quota;
import dev.tollgate.model.source.ResourceSnapshot;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link GatewayModel} from a {@link ResourceSnapshot}: validates each resource, resolves
 * references, applies governance, detects conflicts and computes every resource's conditions. A bad
 * resource is left out with conditions that say why; the rest go through.
 *
 * <p>A pure function: no clients, no clock, no randomness. The same snapshot always yields a
 * byte-identical model and version. Thread-safe.
 *
 * <p>The steps run in this order because each reads what the earlier ones accepted: providers,
 * routes (which need providers), clients (which need accepted routes, and whose problems end up in
 * the routes' status), quotas (which need routes and their providers' prices).
 */
public final class GatewayModelBuilder {
  private GatewayModelBuilder() {}

  /**
   * Builds the model of a snapshot honouring every provider wherever it points: for tests and
   * offline translation; a serving mode passes its {@link ProviderPolicy}.
   */
  public static GatewayModel build(ResourceSnapshot snapshot) {
    return build(snapshot, ProviderPolicy.UNRESTRICTED);
  }

  /** Builds the model of a snapshot; providers the policy refuses are left out with a reason. */
  public static GatewayModel build(ResourceSnapshot snapshot, ProviderPolicy providerPolicy) {
    BuildContext context = new BuildContext(snapshot, providerPolicy);
    new Providers(context).acceptAll();
    Routes routes = new Routes(context);
    routes.acceptAll();
    List<Client> clients = new ClientIndex(context).build();
    routes.reportAll();
    List<Quota> quotas = new Quotas(context).acceptAll();
    GatewayModel unversioned =
        new GatewayModel(
            "",
            List.copyOf(context.acceptedProviders.values()),
            List.copyOf(context.acceptedRoutes.values()),
            clients,
            quotas,
            context.statuses.all(),
            Map.copyOf(context.credentialValues));
    return new GatewayModel(
        ModelHashing.version(unversioned),
        unversioned.providers(),
        unversioned.routes(),
        unversioned.clients(),
        unversioned.quotas(),
        unversioned.statuses(),
        unversioned.credentialValues());
  }

  /** Returns the lower-case hex SHA-256 of a UTF-8 string. */
  public static String sha256(String text) {
    return ModelHashing.sha256(text);
  }
}
