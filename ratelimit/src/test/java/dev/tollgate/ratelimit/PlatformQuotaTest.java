package dev.tollgate.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModelBuilder;
import dev.tollgate.model.ProviderPolicy;
import dev.tollgate.model.source.LoadResult;
import dev.tollgate.model.source.ManifestReader;
import dev.tollgate.ratelimit.store.BudgetStore;
import dev.tollgate.ratelimit.store.MemoryBudgetStore;
import dev.tollgate.testkit.MutableClock;
import dev.tollgate.testkit.RepoRoot;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A platform quota over three namespaces with a team quota narrowing it (the golden case
 * quota-platform-namespaces): every applying quota is enforced, buckets are per namespace.
 */
class PlatformQuotaTest {
  private final BudgetStore store = MemoryBudgetStore.withDefaults();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-10T10:00:10Z"));
  private final RateLimitService service =
      new RateLimitService(
          model(), store, RateLimitSettings.defaults(), clock, new SimpleMeterRegistry());

  @AfterEach
  void close() {
    store.close();
  }

  private static GatewayModel model() {
    try {
      Path input =
          RepoRoot.resolve("envoy-xds/src/test/resources/golden/quota-platform-namespaces.in.yaml");
      String yaml = Files.readString(input);
      LoadResult loaded = new ManifestReader().readString("platform", yaml);
      return GatewayModelBuilder.build(loaded.snapshot(), ProviderPolicy.ofHeader(yaml));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private Code reserve(String namespace, String client, String id, long tokens) {
    return service
        .decide(Requests.reserve(namespace, "chat", client, "m1", id, tokens))
        .join()
        .getOverallCode();
  }

  @Test
  void aTeamQuotaNarrowsThePlatformCeilingButCannotRaiseIt() {
    for (int i = 0; i < 5; i++) {
      assertThat(reserve("team-b", "client-" + i, "b" + i, 19_000)).isEqualTo(Code.OK);
      assertThat(reserve("team-a", "client-" + i, "a" + i, 19_000)).isEqualTo(Code.OK);
    }
    assertThat(reserve("team-b", "client-5", "b5", 19_000))
        .as("team-b's own 100000 a day")
        .isEqualTo(Code.OVER_LIMIT);
    assertThat(reserve("team-a", "client-5", "a5", 19_000))
        .as("team-a has only the platform's 1000000 a day")
        .isEqualTo(Code.OK);
    assertThat(reserve("team-a", "client-5", "a6", 2_000))
        .as("the platform's per-client 20000 a minute, in team-a")
        .isEqualTo(Code.OVER_LIMIT);
  }

  @Test
  void eachCoveredNamespaceHasItsOwnBucketAndUncoveredOnesNone() {
    assertThat(reserve("team-a", "app", "a1", 15_000)).isEqualTo(Code.OK);
    assertThat(reserve("team-c", "app", "c1", 15_000)).isEqualTo(Code.OK);
    assertThat(service.policy().budgets("sandbox", "chat")).isEmpty();

    List<BucketUsageReport> usage = service.usage("tollgate-system", "team-ceiling").join();

    assertThat(usage)
        .filteredOn(r -> r.limit().equals("tokens-per-day"))
        .extracting(BucketUsageReport::bucket)
        .containsExactly("namespace=team-a", "namespace=team-c");
    assertThat(usage)
        .filteredOn(r -> r.limit().equals("client-tokens-per-minute"))
        .extracting(BucketUsageReport::bucket)
        .containsExactly("namespace=team-a,client=app", "namespace=team-c,client=app");
    assertThat(service.usage("team-b", "narrower").join()).isEmpty();
  }
}
