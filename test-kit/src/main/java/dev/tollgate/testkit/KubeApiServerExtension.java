package dev.tollgate.testkit;

import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit extension that starts one real kube-apiserver with Tollgate's CRDs before a test class
 * and stops it, with its admin client, after the class; register it as a static field with
 * {@code @RegisterExtension}.
 */
public final class KubeApiServerExtension implements BeforeAllCallback, AfterAllCallback {
  private KubeApiServer apiServer;
  private KubernetesClient admin;

  @Override
  public void beforeAll(ExtensionContext context) {
    apiServer = KubeApiServer.startWithCrds();
    admin = apiServer.adminClient();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (admin != null) {
      admin.close();
    }
    if (apiServer != null) {
      apiServer.close();
    }
  }

  /** Returns the cluster-admin client of the running API server. */
  public KubernetesClient admin() {
    return admin;
  }
}
