package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testkit.FakeUpstream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A team's ModelProvider aimed at an internal service on the gateway's host is refused under the
 * strict provider endpoint setting: the request never reaches it, and the log says why.
 */
class ProviderPolicyIT {
  static final String KEY = "tg-e2e-mallory-key-01";
  static FakeUpstream vault;
  static TollgateRun gateway;

  @BeforeAll
  static void start() {
    vault = FakeUpstream.echo("vault");
    gateway =
        TollgateRun.start(
            "provider-policy",
            Path.of("target/e2e/provider-policy").toAbsolutePath(),
            Map.of("VAULT_URL", "http://127.0.0.1:" + vault.port()),
            // Only the demo upstream's port, not the default loopback range.
            "--provider-endpoints=127.0.0.1:${DEMO_PORT}");
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (vault != null) {
      vault.close();
    }
  }

  static String chat(String model) {
    return "{\"model\":\""
        + model
        + "\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}";
  }

  @Test
  void theInternalServiceIsNeverReachedAndTheLogSaysWhy() throws Exception {
    HttpResponse<String> allowed =
        gateway.post("/v1/chat/completions", KEY, chat("demo-chat"), Map.of());
    assertThat(allowed.statusCode()).as(allowed.body()).isEqualTo(200);
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> stolen =
          gateway.post("/v1/chat/completions", KEY, chat("secrets"), Map.of());
      assertThat(stolen.statusCode()).as(stolen.body()).isEqualTo(404);
      assertThat(stolen.body()).contains("\"error\"").doesNotContain("vault");
    }
    assertThat(vault.lastBody()).as("the internal service was reached").isNull();
    assertThat(Files.readString(gateway.work.resolve("tollgate.log")))
        .contains("EndpointNotAllowed")
        .contains("127.0.0.1:" + vault.port() + " is a loopback address");
  }
}
