package dev.tollgate.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModel.Backend;
import dev.tollgate.model.GatewayModel.Quota;
import dev.tollgate.model.GatewayModel.Route;
import dev.tollgate.model.GatewayModel.Rule;
import dev.tollgate.model.GatewayModelBuilder;
import dev.tollgate.model.ProviderPolicy;
import dev.tollgate.model.source.LoadResult;
import dev.tollgate.model.source.ManifestReader;
import dev.tollgate.testkit.RepoRoot;
import dev.tollgate.xds.TranslationReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The budget policy of every xDS golden case: each {@code envoy-xds/.../golden/<case>.in.yaml}
 * gives {@code golden/<case>.policy.yaml} here, the budgets of each namespace and, for every
 * requested model of every route, what a sample request reserves and commits. Run with {@code
 * -Dtollgate.update=true} to rewrite the outputs and delete outputs whose input is gone.
 *
 * <p>The inputs stay with the xDS goldens and this module writes only its own files, as Envoy
 * Gateway keeps its rate-limit config goldens apart from its xDS goldens.
 */
class PolicyGoldenTest {
  private static final Path INPUTS = RepoRoot.resolve("envoy-xds/src/test/resources/golden");
  private static final Path DIR = Path.of("src", "test", "resources", "golden");
  private static final boolean UPDATE = Boolean.getBoolean("tollgate.update");
  private static final String SUFFIX = ".policy.yaml";

  /** A fixed request: the instant of its windows, its client, estimate and usage. */
  private static final Instant NOW = Instant.parse("2026-03-10T10:00:30Z");

  private static final String CLIENT = "golden-client";
  private static final long ESTIMATE = 1000;
  private static final long INPUT = 800;
  private static final long CACHED = 200;
  private static final long OUTPUT = 400;

  private static final ObjectMapper JSON = new ObjectMapper();

  @TestFactory
  Stream<DynamicTest> rendersEveryCasesPolicyAsItsGoldenOutput() throws IOException {
    Files.createDirectories(DIR);
    return inputs().stream()
        .map(
            input ->
                DynamicTest.dynamicTest(
                    caseName(input),
                    () -> {
                      LoadResult loaded = load(input);
                      GatewayModel model =
                          GatewayModelBuilder.build(
                              loaded.snapshot(), ProviderPolicy.ofHeader(Files.readString(input)));
                      String actual = render(model);
                      Path expected = DIR.resolve(caseName(input) + SUFFIX);
                      if (UPDATE) {
                        Files.writeString(expected, actual);
                      }
                      assertThat(expected)
                          .as("golden output; run with -Dtollgate.update=true")
                          .exists();
                      assertThat(actual).isEqualTo(Files.readString(expected));
                      for (String key : model.credentialValues().values()) {
                        assertThat(actual).as("provider key in %s", expected).doesNotContain(key);
                      }
                    }));
  }

  @Test
  void everyOutputHasAnInputAndEveryInputIsRead() throws IOException {
    List<String> cases = inputs().stream().map(PolicyGoldenTest::caseName).toList();
    assertThat(cases).hasSizeGreaterThanOrEqualTo(20);
    try (Stream<Path> files = Files.list(DIR)) {
      for (Path output : files.filter(p -> p.toString().endsWith(SUFFIX)).toList()) {
        String name = output.getFileName().toString().replace(SUFFIX, "");
        if (!cases.contains(name) && UPDATE) {
          Files.delete(output);
        } else {
          assertThat(cases).as("orphan golden output %s", output).contains(name);
        }
      }
    }
  }

  @Test
  void renderingIsByteIdenticalWhenRepeated() throws IOException {
    for (Path input : inputs()) {
      GatewayModel model = GatewayModelBuilder.build(load(input).snapshot());
      assertThat(render(model)).isEqualTo(render(model));
    }
  }

  private static String render(GatewayModel model) throws IOException {
    BudgetPolicy policy = BudgetPolicy.of(model);
    ObjectNode root = JSON.createObjectNode();
    root.put("version", policy.version());
    root.set("sampleRequest", sample());
    ArrayNode namespaces = root.putArray("namespaces");
    TreeSet<String> quotaNamespaces = new TreeSet<>();
    model.quotas().forEach(q -> quotaNamespaces.add(q.namespace()));
    for (String namespace : quotaNamespaces) {
      ObjectNode ns = namespaces.addObject().put("namespace", namespace);
      ArrayNode quotas = ns.putArray("quotas");
      for (Quota quota : model.quotas()) {
        if (quota.namespace().equals(namespace)) {
          ArrayNode budgets = quotas.addObject().put("quota", quota.name()).putArray("budgets");
          policy.budgetsOfQuota(namespace, quota.name()).forEach(b -> budgets.add(budget(b)));
        }
      }
    }
    ArrayNode routes = root.putArray("routes");
    for (Route route : model.routes()) {
      ObjectNode node = routes.addObject().put("route", route.namespace() + "/" + route.name());
      ArrayNode applies = node.putArray("budgets");
      policy.budgets(route.namespace(), route.name()).forEach(b -> applies.add(name(b)));
      ArrayNode models = node.putArray("models");
      for (Rule rule : route.rules()) {
        for (String requested : rule.models()) {
          models.add(requested(policy, route, rule, requested));
        }
      }
    }
    return TranslationReport.yaml(root);
  }

  private static ObjectNode requested(
      BudgetPolicy policy, Route route, Rule rule, String requested) {
    RequestIdentity identity =
        new RequestIdentity(route.namespace(), route.name(), CLIENT, requested);
    ObjectNode node = JSON.createObjectNode().put("model", requested);
    node.put("metricsModel", policy.knownModel(identity));
    node.set("reserve", charges(policy.reserve(identity, ESTIMATE, NOW)));
    ArrayNode commits = node.putArray("commit");
    List<String> providers = new ArrayList<>(servingProviders(rule));
    providers.add(null);
    for (String provider : providers) {
      Usage usage = new Usage(INPUT, CACHED, OUTPUT, provider);
      ObjectNode commit =
          commits.addObject().put("provider", provider == null ? "unknown" : provider);
      policy
          .cost(identity, usage)
          .ifPresent(
              money ->
                  commit.put(
                      "cost",
                      money.amount().stripTrailingZeros().toPlainString()
                          + " "
                          + money.currency()));
      commit.set("charges", charges(policy.commit(identity, usage, NOW)));
    }
    return node;
  }

  private static TreeSet<String> servingProviders(Rule rule) {
    TreeSet<String> providers = new TreeSet<>();
    for (Backend backend : rule.backends()) {
      providers.add(backend.providerNamespace() + "/" + backend.providerName());
    }
    return providers;
  }

  private static ArrayNode charges(List<PlannedCharge> charges) {
    ArrayNode array = JSON.createArrayNode();
    for (PlannedCharge charge : charges) {
      array
          .addObject()
          .put("budget", name(charge.budget()))
          .put("bucket", charge.bucket().id())
          .put("window", charge.window().start() + "/" + charge.window().end())
          .put("amount", charge.amount());
    }
    return array;
  }

  private static ObjectNode budget(Budget budget) {
    ObjectNode node = JSON.createObjectNode().put("limit", budget.limit().name());
    node.put("type", budget.limit().type().name());
    node.put("window", budget.limit().window().name());
    ArrayNode per = node.putArray("per");
    budget.limit().per().forEach(d -> per.add(d.name()));
    node.put("mode", budget.mode().name());
    node.put("zone", budget.zone().getId());
    node.put("unit", budget.unit());
    node.put("amount", budget.limit().amount().toPlainString());
    node.put("limitUnits", budget.limitUnits());
    node.put("warnAtUnits", budget.warnAtUnits());
    if (!budget.clientUnits().isEmpty()) {
      ObjectNode clients = node.putObject("clientUnits");
      new TreeMap<>(budget.clientUnits()).forEach(clients::put);
    }
    return node;
  }

  private static String name(Budget budget) {
    return budget.quota() + "/" + budget.limit().name();
  }

  private static ObjectNode sample() {
    ObjectNode sample = JSON.createObjectNode().put("client", CLIENT).put("at", NOW.toString());
    sample.put("reserveTokens", ESTIMATE);
    sample.put("inputTokens", INPUT).put("cachedInputTokens", CACHED).put("outputTokens", OUTPUT);
    return sample;
  }

  private static LoadResult load(Path input) throws IOException {
    return new ManifestReader().readString(input.getFileName().toString(), Files.readString(input));
  }

  private static List<Path> inputs() throws IOException {
    try (Stream<Path> files = Files.list(INPUTS)) {
      return files.filter(p -> p.toString().endsWith(".in.yaml")).sorted().toList();
    }
  }

  private static String caseName(Path input) {
    return input.getFileName().toString().replace(".in.yaml", "");
  }
}
