package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EnvoyRejectionTest {
  static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";

  @Test
  void aProtoValidationFailureNamesTheResourceAndTheInnermostReason() {
    String detail =
        "goo.gle/debugonly   \n"
            + "name: \"provider/team-b/bad-port/model/tiny\"\n"
            + "type: LOGICAL_DNS\n"
            + "load_assignment {\n  cluster_name: \"provider/team-b/bad-port/model/tiny\"\n}\n"
            + ": Proto constraint validation failed (ClusterValidationError.LoadAssignment:"
            + " embedded message failed validation | caused by"
            + " SocketAddressValidationError.PortValue: value must be less than or equal to"
            + " 65535)";

    assertThat(EnvoyRejection.describe(CDS, detail))
        .isEqualTo(
            "Cluster provider/team-b/bad-port/model/tiny: Proto constraint validation failed:"
                + " SocketAddressValidationError.PortValue: value must be less than or equal to"
                + " 65535");
  }

  @Test
  void aClusterEnvoyCouldNotAddIsNamedWithItsReason() {
    String detail =
        "Error adding/updating cluster(s) provider/team-b/bad/model/tiny: Invalid path:"
            + " /etc/envoy/missing-ca.crt";

    assertThat(EnvoyRejection.describe(CDS, detail))
        .isEqualTo(
            "Cluster provider/team-b/bad/model/tiny: Invalid path: /etc/envoy/missing-ca.crt");
  }

  @Test
  void aDetailEnvoyCutShortBeforeTheReasonStillNamesTheResource() {
    String detail =
        "goo.gle/debugproto \nname: \"provider/a/b/model/c\"\ntype: LOGICAL_DNS\n"
            + "connect_timeout {\n  seconds: 5\n}\n...(truncated)";

    assertThat(EnvoyRejection.describe(CDS, detail))
        .isEqualTo(
            "Cluster provider/a/b/model/c: Envoy cut its detail short before the reason; its log"
                + " has it");
  }

  @Test
  void aPlainMessageIsKeptOnOneLine() {
    assertThat(
            EnvoyRejection.describe(
                "type.googleapis.com/envoy.config.listener.v3.Listener",
                "error adding listener 'tollgate-http':\n  cannot bind 0.0.0.0:80"))
        .isEqualTo("Listener: error adding listener 'tollgate-http': cannot bind 0.0.0.0:80");
  }
}
