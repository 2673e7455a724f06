package dev.tollgate.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModel.Route;
import dev.tollgate.model.GatewayModel.Rule;
import dev.tollgate.model.Wire;
import dev.tollgate.xds.XdsNames;
import dev.tollgate.xds.XdsResources;
import dev.tollgate.xds.XdsSettings;
import dev.tollgate.xds.XdsTranslator;
import io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimitPerRoute;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The rate-limit actions the xDS translator puts on a route make, through Envoy's rate-limit
 * filter, the descriptors this service parses: the route's own identity, the reservation's key and
 * estimate, the usage and the serving provider.
 */
class TranslatedDescriptorsTest {
  private static final long MAX_TOKENS = 10_000_000;
  private static final GatewayModel MODEL = Fixtures.multiTeam();
  private static final XdsResources XDS = new XdsTranslator(XdsSettings.local()).translate(MODEL);
  private static final Map<String, String> HEADERS = Map.of(Wire.REQUEST_ID_HEADER, "req-7");

  @Test
  void everyBudgetedRouteEntryReservesAndCommitsForItsOwnIdentity() throws Exception {
    EnvoyRateLimitFilter filter = EnvoyRateLimitFilter.of(XDS.listeners().get(0));
    int budgeted = 0;
    for (Route route : MODEL.routes()) {
      for (Rule rule : route.rules()) {
        for (String requested : rule.models()) {
          RateLimitPerRoute actions = actions(XdsNames.route(route, rule.index(), requested));
          boolean hasQuota =
              MODEL.quotas().stream().anyMatch(q -> q.appliesTo(route.namespace(), route.name()));
          assertThat(actions != null).as("rate-limit actions of %s", requested).isEqualTo(hasQuota);
          if (actions == null) {
            continue;
          }
          budgeted++;
          RequestIdentity identity =
              new RequestIdentity(route.namespace(), route.name(), "ci-bot", requested);

          RateLimitRequest atStart = filter.request(actions, false, HEADERS, metadata(true));
          assertThat(BudgetDescriptor.parse(atStart, MAX_TOKENS))
              .containsExactly(new BudgetDescriptor.Reserve(identity, "req-7", 1234));

          RateLimitRequest atEnd = filter.request(actions, true, HEADERS, metadata(true));
          assertThat(BudgetDescriptor.parse(atEnd, MAX_TOKENS))
              .containsExactly(
                  new BudgetDescriptor.Commit(
                      identity, "req-7", new Usage(900, 100, 300, "platform/openai")));
        }
      }
    }
    assertThat(budgeted).as("budgeted route entries in the example").isGreaterThan(2);
  }

  @Test
  void aCommitWithoutUsageOrProviderChargesNothingKnownAndAMissingClientSendsNothing()
      throws Exception {
    EnvoyRateLimitFilter filter = EnvoyRateLimitFilter.of(XDS.listeners().get(0));
    Route route = budgetedRoute();
    Rule rule = route.rules().get(0);
    String requested = rule.models().get(0);
    RateLimitPerRoute actions = actions(XdsNames.route(route, rule.index(), requested));

    RateLimitRequest atEnd = filter.request(actions, true, HEADERS, metadata(false));
    assertThat(BudgetDescriptor.parse(atEnd, MAX_TOKENS))
        .containsExactly(
            new BudgetDescriptor.Commit(
                new RequestIdentity(route.namespace(), route.name(), "ci-bot", requested),
                "req-7",
                new Usage(0, 0, 0, null)));

    Map<String, Map<String, String>> noClient = metadata(true);
    noClient.get(Wire.METADATA_NAMESPACE).remove(Wire.CLIENT_KEY);
    assertThat(filter.request(actions, false, HEADERS, noClient).getDescriptorsList()).isEmpty();
    assertThat(filter.request(actions, true, HEADERS, noClient).getDescriptorsList()).isEmpty();
  }

  @Test
  void aRequestTheProcessorSettlesItselfGetsNoCommitFromEnvoy() throws Exception {
    EnvoyRateLimitFilter filter = EnvoyRateLimitFilter.of(XDS.listeners().get(0));
    Route route = budgetedRoute();
    Rule rule = route.rules().get(0);
    RateLimitPerRoute actions = actions(XdsNames.route(route, rule.index(), rule.models().get(0)));

    // The processor's answer to the response's last message empties the phase.
    Map<String, Map<String, String>> settled = metadata(true);
    settled.get(Wire.METADATA_NAMESPACE).put(Wire.ENVOY_COMMIT_PHASE, "");
    assertThat(filter.request(actions, true, HEADERS, settled).getDescriptorsList())
        .as("Envoy's stream-done commit once the processor settles")
        .isEmpty();
    assertThat(BudgetDescriptor.parse(filter.request(actions, false, HEADERS, settled), MAX_TOKENS))
        .as("the reserve does not read the phase")
        .hasSize(1);
  }

  /** The example's first route a TokenQuota applies to. */
  private static Route budgetedRoute() {
    return MODEL.routes().stream()
        .filter(r -> MODEL.quotas().stream().anyMatch(q -> q.appliesTo(r.namespace(), r.name())))
        .findFirst()
        .orElseThrow();
  }

  /** The processor's metadata: identity and estimate, and with {@code usage} what it counted. */
  private static Map<String, Map<String, String>> metadata(boolean usage) {
    Map<String, String> tollgate = new HashMap<>();
    tollgate.put(Wire.CLIENT_KEY, "ci-bot");
    tollgate.put(Wire.RESERVE_TOKENS, "1234");
    tollgate.put(Wire.ENVOY_COMMIT_PHASE, Wire.COMMIT);
    if (usage) {
      tollgate.put(Wire.INPUT_TOKENS, "900");
      tollgate.put(Wire.CACHED_INPUT_TOKENS, "100");
      tollgate.put(Wire.OUTPUT_TOKENS, "300");
      tollgate.put(Wire.PROVIDER, "platform/openai");
    }
    Map<String, Map<String, String>> metadata = new HashMap<>();
    metadata.put(Wire.METADATA_NAMESPACE, tollgate);
    return metadata;
  }

  private static RateLimitPerRoute actions(String routeName) throws InvalidProtocolBufferException {
    List<io.envoyproxy.envoy.config.route.v3.Route> entries =
        XDS.routes().get(0).getVirtualHosts(0).getRoutesList().stream()
            .filter(r -> r.getName().equals(routeName))
            .toList();
    assertThat(entries).as("route entry %s", routeName).hasSize(1);
    var config = entries.get(0).getTypedPerFilterConfigMap().get(EnvoyRateLimitFilter.FILTER);
    return config == null ? null : config.unpack(RateLimitPerRoute.class);
  }
}
