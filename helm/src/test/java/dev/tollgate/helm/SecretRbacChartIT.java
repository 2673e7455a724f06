package dev.tollgate.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Who may read which Secret in the chart's RBAC (docs/security.md, "Who reads which Secret"): the
 * rate-limit service no Secret at all, the processor only list and watch (its informer keeps the
 * client keys) and never get by name, the operator get, list and watch; with {@code
 * watch.namespaces} every Secret grant is a Role in a listed namespace, never cluster-wide.
 */
class SecretRbacChartIT {
  static final String PROCESSOR = "tollgate-processor";
  static final String RATELIMIT = "tollgate-ratelimit";
  static final String OPERATOR = "tollgate-operator";

  /** A grant on Secrets: where (a namespace, or "*" for a ClusterRole) and which names. */
  record Grant(String scope, Set<String> verbs, Set<String> names) {}

  /** Every Secret grant of every service account of the rendering, by account name. */
  static Map<String, List<Grant>> secretGrants(List<String> values) {
    List<JsonNode> objects = Manifests.parse(ChartIT.render(values));
    Map<String, JsonNode> roles = new TreeMap<>();
    for (JsonNode o : objects) {
      String kind = o.path("kind").asText();
      if (kind.equals("Role") || kind.equals("ClusterRole")) {
        roles.put(
            kind
                + "/"
                + o.at("/metadata/namespace").asText()
                + "/"
                + o.at("/metadata/name").asText(),
            o);
      }
    }
    Map<String, List<Grant>> grants = new TreeMap<>();
    for (JsonNode o : objects) {
      String kind = o.path("kind").asText();
      if (!kind.equals("RoleBinding") && !kind.equals("ClusterRoleBinding")) {
        continue;
      }
      String bindingNamespace =
          kind.equals("RoleBinding") ? o.at("/metadata/namespace").asText() : "";
      String refKind = o.at("/roleRef/kind").asText();
      JsonNode role =
          roles.get(
              refKind
                  + "/"
                  + (refKind.equals("Role") ? bindingNamespace : "")
                  + "/"
                  + o.at("/roleRef/name").asText());
      assertThat(role).as("the role of %s", Manifests.name(o)).isNotNull();
      for (JsonNode subject : o.path("subjects")) {
        if (!subject.path("kind").asText().equals("ServiceAccount")) {
          continue;
        }
        for (JsonNode rule : role.path("rules")) {
          Set<String> resources = texts(rule.path("resources"));
          Set<String> groups = texts(rule.path("apiGroups"));
          if ((resources.contains("secrets") || resources.contains("*"))
              && (groups.contains("") || groups.contains("*"))) {
            grants
                .computeIfAbsent(subject.path("name").asText(), k -> new ArrayList<>())
                .add(
                    new Grant(
                        bindingNamespace.isEmpty() ? "*" : bindingNamespace,
                        texts(rule.path("verbs")),
                        texts(rule.path("resourceNames"))));
          }
        }
      }
    }
    return grants;
  }

  static Set<String> texts(JsonNode array) {
    Set<String> out = new TreeSet<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** The verbs granted on any Secret (no resourceNames) in a scope. */
  static Set<String> anySecret(List<Grant> grants, String scope) {
    Set<String> verbs = new TreeSet<>();
    for (Grant g : grants) {
      if (g.names().isEmpty() && g.scope().equals(scope)) {
        verbs.addAll(g.verbs());
      }
    }
    return verbs;
  }

  @Test
  void byDefaultTheRateLimitServiceReadsNoSecretAndTheProcessorCannotGetOneByName() {
    Map<String, List<Grant>> grants = secretGrants(List.of());
    assertThat(grants).doesNotContainKey(RATELIMIT);
    assertThat(grants.get(PROCESSOR))
        .as("the processor's Secret grants")
        .containsExactly(new Grant("*", Set.of("list", "watch"), Set.of()));
    assertThat(anySecret(grants.get(OPERATOR), "*"))
        .containsExactlyInAnyOrder("get", "list", "watch");
  }

  @Test
  void withListedNamespacesEverySecretGrantIsARoleInOneOfThem() {
    Map<String, List<Grant>> grants =
        secretGrants(List.of("-f", ChartIT.CHART.resolve("ci/namespaced-values.yaml").toString()));
    assertThat(grants).doesNotContainKey(RATELIMIT);
    assertThat(grants.get(PROCESSOR))
        .containsExactlyInAnyOrder(
            new Grant("team-a", Set.of("list", "watch"), Set.of()),
            new Grant("team-b", Set.of("list", "watch"), Set.of()));
    for (Grant g : grants.get(OPERATOR)) {
      assertThat(g.scope()).as("operator grant %s", g).isNotEqualTo("*");
    }
    assertThat(anySecret(grants.get(OPERATOR), "team-a"))
        .containsExactlyInAnyOrder("get", "list", "watch");
  }

  @Test
  void theProcessorAndTheOperatorAreToldWhichLabelClientKeysCarry() {
    List<JsonNode> objects =
        Manifests.parse(ChartIT.render(List.of("--set", "watch.clientKeySelector=team=keys")));
    assertThat(args(objects, PROCESSOR)).contains("--client-key-selector=team=keys");
    assertThat(args(objects, OPERATOR)).contains("--client-key-selector=team=keys");
    List<JsonNode> defaults = Manifests.parse(ChartIT.render(List.of()));
    assertThat(args(defaults, PROCESSOR))
        .contains("--client-key-selector=tollgate.dev/client-key=true");
    assertThat(args(defaults, OPERATOR))
        .contains("--client-key-selector=tollgate.dev/client-key=true");
  }

  private static List<String> args(List<JsonNode> objects, String deployment) {
    List<String> args = new ArrayList<>();
    for (JsonNode o : objects) {
      if (Manifests.name(o).equals("Deployment " + deployment)) {
        o.at("/spec/template/spec/containers/0/args").forEach(a -> args.add(a.asText()));
      }
    }
    assertThat(args).as("args of Deployment %s", deployment).isNotEmpty();
    return args;
  }
}
