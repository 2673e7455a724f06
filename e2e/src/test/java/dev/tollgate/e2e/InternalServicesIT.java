package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.testkit.RecordingObserver;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A local process without the run's certificates attacks ADS (which serves the provider key over
 * SDS), the rate-limit service (which would take a forged commit) and the processor: each refuses
 * it at the TLS handshake, while Envoy, which has a certificate, serves traffic.
 */
class InternalServicesIT {
  private static final String SECRETS =
      "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";
  private static final List<ChannelCredentials> WITHOUT_CERTIFICATE =
      List.of(
          InsecureChannelCredentials.create(),
          TlsChannelCredentials.newBuilder()
              .trustManager(InsecureTrustManagerFactory.INSTANCE.getTrustManagers())
              .build());

  static TollgateRun gateway;

  @BeforeAll
  static void start() {
    gateway =
        TollgateRun.start(
            "budgets",
            Path.of("target/e2e/internal-services").toAbsolutePath(),
            Map.of("ENFORCE_TOKENS", "100000"));
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  void envoyStillServesTrafficOverMutualTls() {
    assertThat(
            gateway
                .post("/v1/chat/completions", FaultsIT.BOB, BudgetIT.chat(5, false), Map.of())
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  void adsServesNoProviderKeyToAProcessWithoutCertificate() throws Exception {
    for (ChannelCredentials credentials : WITHOUT_CERTIFICATE) {
      Object answer =
          withChannel(gateway.services().ads(), credentials, InternalServicesIT::secrets);
      assertThat(answer)
          .as("ADS answer to %s", credentials)
          .isInstanceOf(StatusRuntimeException.class);
      assertThat(Status.fromThrowable((Throwable) answer).getCode())
          .isEqualTo(Status.Code.UNAVAILABLE);
    }
  }

  @Test
  void rateLimitServiceTakesNoCommitFromAProcessWithoutCertificate() throws Exception {
    RateLimitRequest forgedCommit =
        RateLimitRequest.newBuilder()
            .setDomain("tollgate")
            .setHitsAddend(0)
            .addDescriptors(
                RateLimitDescriptor.newBuilder()
                    .addEntries(
                        RateLimitDescriptor.Entry.newBuilder()
                            .setKey("request_id")
                            .setValue("forged")))
            .build();
    for (ChannelCredentials credentials : WITHOUT_CERTIFICATE) {
      withChannel(
          gateway.services().rateLimit(),
          credentials,
          channel -> {
            assertThatThrownBy(
                    () ->
                        RateLimitServiceGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(10, TimeUnit.SECONDS)
                            .shouldRateLimit(forgedCommit))
                .isInstanceOfSatisfying(
                    StatusRuntimeException.class,
                    e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
            return null;
          });
    }
  }

  @Test
  void processorOpensNoStreamForAProcessWithoutCertificate() throws Exception {
    for (ChannelCredentials credentials : WITHOUT_CERTIFICATE) {
      Object answer =
          withChannel(
              gateway.services().processor(), credentials, InternalServicesIT::processHeaders);
      assertThat(answer).isInstanceOf(StatusRuntimeException.class);
      assertThat(Status.fromThrowable((Throwable) answer).getCode())
          .isEqualTo(Status.Code.UNAVAILABLE);
    }
  }

  private static Object secrets(ManagedChannel channel) {
    RecordingObserver<DiscoveryResponse> answers = new RecordingObserver<>();
    StreamObserver<DiscoveryRequest> requests =
        AggregatedDiscoveryServiceGrpc.newStub(channel)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .streamAggregatedResources(answers);
    requests.onNext(
        DiscoveryRequest.newBuilder()
            .setNode(Node.newBuilder().setId("attacker").setCluster("tollgate"))
            .setTypeUrl(SECRETS)
            .build());
    return answers.next(Duration.ofSeconds(15));
  }

  private static Object processHeaders(ManagedChannel channel) {
    RecordingObserver<ProcessingResponse> answers = new RecordingObserver<>();
    StreamObserver<ProcessingRequest> requests =
        ExternalProcessorGrpc.newStub(channel)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .process(answers);
    requests.onNext(
        ProcessingRequest.newBuilder()
            .setRequestHeaders(
                HttpHeaders.newBuilder()
                    .setHeaders(
                        HeaderMap.newBuilder()
                            .addHeaders(
                                HeaderValue.newBuilder().setKey(":path").setValue("/v1/models"))))
            .build());
    return answers.next(Duration.ofSeconds(15));
  }

  private static Object withChannel(
      int port, ChannelCredentials credentials, Function<ManagedChannel, Object> call)
      throws InterruptedException {
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress("127.0.0.1", port, credentials).build();
    try {
      return call.apply(channel);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
