package dev.tollgate.roles;

import dev.tollgate.tls.ClientTls;
import dev.tollgate.tls.ServerTls;
import dev.tollgate.tls.TlsFiles;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * The processor role's flags for its client of the rate-limit service ({@link RateLimitClient}):
 * where the service is, the client certificate it presents, and the deadline of each call.
 */
public final class RateLimitClientOptions {
  private static final Logger LOG = LoggerFactory.getLogger(RateLimitClientOptions.class);

  @Option(
      names = "--ratelimit-address",
      paramLabel = "HOST:PORT",
      description =
          "The rate-limit service's gRPC address (the chart's headless Service: every ready Pod is"
              + " used). With it tiered rules fall to their tier when a budget runs low, and each"
              + " request's usage is settled there for the ledger. Default: none (tiers are never"
              + " used; the ledger keeps the processor's own figures).")
  String address;

  @Option(
      names = "--ratelimit-tls-dir",
      description =
          "Directory with the processor's client certificate (tls.crt, tls.key) and the CA"
              + " (ca.crt) for mutual TLS to the rate-limit service, re-read when they change."
              + " Without it the client speaks plaintext.")
  Path tlsDir;

  @Option(
      names = "--tier-check-timeout-ms",
      defaultValue = "250",
      description =
          "Deadline of a tier check in milliseconds; past it the request stays on its model and"
              + " the reserve decides (the plain 429 when the budget is exhausted). Default: 250.")
  long tierCheckTimeoutMs = 250;

  @Option(
      names = "--settle-timeout-ms",
      defaultValue = "2000",
      description =
          "Deadline of a request's settlement in milliseconds; past it the ledger keeps the"
              + " processor's own figure. Default: 2000.")
  long settleTimeoutMs = 2000;

  /** Returns the client, closed with the role, or null when no address is given. */
  RateLimitClient client(RoleProcess role) {
    if (address == null) {
      return null;
    }
    ChannelCredentials credentials;
    if (tlsDir == null) {
      LOG.warn("the processor calls the rate-limit service in plaintext: pass --ratelimit-tls-dir");
      credentials = InsecureChannelCredentials.create();
    } else {
      credentials =
          role.add(ClientTls.fromFiles(TlsFiles.in(tlsDir), ServerTls.DEFAULT_RELOAD))
              .credentials();
    }
    return role.add(
        new RateLimitClient(
            address,
            credentials,
            Duration.ofMillis(tierCheckTimeoutMs),
            Duration.ofMillis(settleTimeoutMs)));
  }
}
