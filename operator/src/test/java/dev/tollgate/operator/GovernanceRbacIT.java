package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tollgate.api.v1alpha1.LimitType;
import dev.tollgate.api.v1alpha1.ModelProvider;
import dev.tollgate.api.v1alpha1.QuotaLimit;
import dev.tollgate.api.v1alpha1.TokenQuota;
import dev.tollgate.api.v1alpha1.TokenQuotaSpec;
import dev.tollgate.api.v1alpha1.Window;
import dev.tollgate.testkit.KubeApiServer;
import dev.tollgate.testkit.RepoRoot;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.InputStream;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The chart's roles for people and its platform-quota admission policy (deploy/tollgate.yaml) on a
 * real kube-apiserver: a team editor manages its own routes and quotas but cannot write a quota in
 * the platform namespace, nor a selector quota in its own; a viewer only reads.
 */
class GovernanceRbacIT {
  static final Set<String> KINDS =
      Set.of("ClusterRole", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding");
  static KubeApiServer apiServer;
  static KubernetesClient admin;
  static KubernetesClient editor;
  static KubernetesClient viewer;

  @BeforeAll
  static void start() throws Exception {
    apiServer = KubeApiServer.startWithCrds();
    admin = apiServer.adminClient();
    for (String ns : List.of("tollgate-system", "team-a")) {
      admin
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .create();
    }
    try (InputStream in = Files.newInputStream(RepoRoot.resolve("deploy/tollgate.yaml"))) {
      for (HasMetadata object : admin.load(in).items()) {
        if (KINDS.contains(object.getKind())
            && object.getMetadata().getName().startsWith("tollgate-")) {
          admin.resource(object).create();
        }
      }
    }
    bind("alice", "tollgate-team-editor");
    bind("bob", "tollgate-team-viewer");
    editor = apiServer.clientAs("team-a", "alice");
    viewer = apiServer.clientAs("team-a", "bob");
  }

  @AfterAll
  static void stop() {
    for (KubernetesClient c : new KubernetesClient[] {editor, viewer, admin}) {
      if (c != null) {
        c.close();
      }
    }
    if (apiServer != null) {
      apiServer.close();
    }
  }

  static void bind(String account, String role) {
    admin
        .rbac()
        .roleBindings()
        .inNamespace("team-a")
        .resource(
            new RoleBindingBuilder()
                .withNewMetadata()
                .withName(account)
                .withNamespace("team-a")
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", role)
                .addNewSubject()
                .withKind("ServiceAccount")
                .withName(account)
                .withNamespace("team-a")
                .endSubject()
                .build())
        .create();
  }

  static TokenQuota quota(String namespace, String name, boolean selector) {
    TokenQuota quota = new TokenQuota();
    quota.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
    TokenQuotaSpec spec = new TokenQuotaSpec();
    QuotaLimit limit = new QuotaLimit();
    limit.name = "tokens-per-day";
    limit.type = LimitType.Tokens;
    limit.amount = "100000";
    limit.window = Window.DAY;
    spec.limits = List.of(limit);
    spec.namespaceSelector = selector ? new LabelSelector() : null;
    quota.setSpec(spec);
    return quota;
  }

  static KubernetesClientException refusal(Runnable call) {
    return catchThrowableOfType(KubernetesClientException.class, call::run);
  }

  @Test
  void aTeamEditorManagesItsOwnQuotasButNotThePlatformsNorSelectorQuotas() throws Exception {
    editor.resource(quota("team-a", "own", false)).create();

    KubernetesClientException inPlatform =
        refusal(() -> editor.resource(quota("tollgate-system", "mine", false)).create());
    assertThat(inPlatform.getCode()).isEqualTo(403);

    // The admission policy is read by the API server a moment after it is created.
    KubernetesClientException selector = null;
    Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
    for (int i = 0; selector == null && Instant.now().isBefore(deadline); i++) {
      try {
        editor.resource(quota("team-a", "grab-" + i, true)).create();
        Thread.sleep(200);
      } catch (KubernetesClientException e) {
        selector = e;
      }
    }
    assertThat(selector).as("a selector quota in team-a was never refused").isNotNull();
    assertThat(selector.getMessage()).contains("only allowed in a platform namespace");

    admin.resource(quota("tollgate-system", "default-budget", true)).create();
    assertThat(admin.resources(TokenQuota.class).inNamespace("tollgate-system").list().getItems())
        .extracting(q -> q.getMetadata().getName())
        .contains("default-budget");
  }

  @Test
  void aTeamEditorCannotWriteProvidersAndAViewerOnlyReads() {
    ModelProvider provider = new ModelProvider();
    provider.setMetadata(new ObjectMetaBuilder().withNamespace("team-a").withName("p").build());
    assertThat(refusal(() -> editor.resource(provider).create()).getCode()).isEqualTo(403);

    assertThat(viewer.resources(TokenQuota.class).inNamespace("team-a").list()).isNotNull();
    assertThat(refusal(() -> viewer.resource(quota("team-a", "v", false)).create()).getCode())
        .isEqualTo(403);
    assertThat(
            refusal(() -> viewer.resources(TokenQuota.class).inNamespace("tollgate-system").list())
                .getCode())
        .isEqualTo(403);
  }
}
