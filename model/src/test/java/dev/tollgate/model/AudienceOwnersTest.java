package dev.tollgate.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.model.GatewayModel.Route;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An audience of one issuer belongs to the namespace of the oldest route pinning it: later routes
 * of other namespaces lose it, stay accepted, and say who owns it and what to do.
 */
class AudienceOwnersTest {
  static String route(String namespace, String created, String audiences) {
    return """
        ---
        apiVersion: tollgate.dev/v1alpha1
        kind: AIRoute
        metadata: {name: chat, namespace: %s, creationTimestamp: "%s"}
        spec:
          clients:
            jwt: {issuer: "https://i.example", jwksUri: "https://i.example/jwks", audiences: %s}
          rules:
            - models: [m]
              backends: [{provider: {name: p, namespace: ai}, model: m}]
        """
        .formatted(namespace, created, audiences);
  }

  static final String PROVIDER =
      """
      apiVersion: tollgate.dev/v1alpha1
      kind: ModelProvider
      metadata: {name: p, namespace: ai}
      spec:
        type: OpenAICompatible
        endpoint: {url: "http://127.0.0.1:9000"}
        governance: {allowedNamespaces: All}
        models: [{name: m}]
      """;

  static GatewayModel build(String... routes) {
    return GatewayModelBuilder.build(Fixtures.snapshot(PROVIDER + String.join("", routes)));
  }

  static Route routeOf(GatewayModel model, String namespace) {
    return model.routes().stream()
        .filter(r -> r.namespace().equals(namespace))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no accepted route in " + namespace));
  }

  @Test
  void theOldestRouteOwnsTheAudienceWhateverTheOrderTheyAreListed() {
    for (GatewayModel model :
        List.of(
            build(
                route("team-b", "2026-02-01T00:00:00Z", "[team-b, shared]"),
                route("team-a", "2026-01-01T00:00:00Z", "[shared]")),
            build(
                route("team-a", "2026-01-01T00:00:00Z", "[shared]"),
                route("team-b", "2026-02-01T00:00:00Z", "[team-b, shared]")))) {
      assertThat(routeOf(model, "team-a").jwt().audiences()).containsExactly("shared");
      assertThat(routeOf(model, "team-b").jwt().audiences()).containsExactly("team-b");
      var later = model.status(new ResourceRef("AIRoute", "team-b", "chat")).orElseThrow();
      assertThat(later.accepted()).isTrue();
      var refs = later.conditions().get(1);
      assertThat(refs.type()).isEqualTo("ResolvedRefs");
      assertThat(refs.reason()).isEqualTo(Reasons.CONFLICTED);
      assertThat(refs.message())
          .contains("spec.clients.jwt.audiences[1]")
          .contains("\"shared\"")
          .contains("AIRoute team-a/chat")
          .contains("give this route an audience of its own");
      var owner = model.status(new ResourceRef("AIRoute", "team-a", "chat")).orElseThrow();
      assertThat(owner.conditions()).allMatch(c -> c.status().equals("True"));
    }
  }

  @Test
  void aRouteLeftWithoutAudiencesAcceptsNoJwtRatherThanEveryToken() {
    GatewayModel model =
        build(
            route("team-a", "2026-01-01T00:00:00Z", "[shared]"),
            route("team-c", "2026-03-01T00:00:00Z", "[shared]"));
    assertThat(routeOf(model, "team-c").jwt()).isNull();
  }

  @Test
  void routesOfOneNamespaceShareTheirAudience() {
    GatewayModel model =
        build(
            route("team-a", "2026-01-01T00:00:00Z", "[shared]"),
            route("team-a", "2026-01-01T00:00:00Z", "[shared]")
                .replace("name: chat", "name: chat-2")
                .replace("models: [m]", "models: [m2]"));
    assertThat(model.routes())
        .hasSize(2)
        .allMatch(r -> r.jwt().audiences().equals(List.of("shared")));
  }
}
