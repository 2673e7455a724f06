package dev.tollgate.roles;

import dev.tollgate.tls.ServerTls;
import dev.tollgate.tls.TlsFiles;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * Where a data-plane role listens, besides its gRPC port: the bind address, the probe port, the
 * port of {@code /usage} (the rate-limit service's; the chart opens it to the operator only), and
 * the mutual TLS of the gRPC port.
 */
public final class ServeOptions {
  private static final Logger LOG = LoggerFactory.getLogger(ServeOptions.class);

  @Option(names = "--address", defaultValue = "0.0.0.0", description = "gRPC bind address.")
  String address = "0.0.0.0";

  @Option(
      names = "--probe-port",
      defaultValue = "8080",
      description = "Port of /healthz, /readyz and /metrics; -1 for none.")
  int probePort = 8080;

  @Option(
      names = "--usage-port",
      defaultValue = "9091",
      description =
          "Port of /usage (the rate-limit service's budget usage, read by the operator's"
              + " --quota-usage-url); -1 for none. Default: 9091.")
  int usagePort = 9091;

  @Option(
      names = "--shutdown-delay-seconds",
      defaultValue = "5",
      description =
          "On SIGTERM, how long the role keeps serving while /readyz answers 503 and the gRPC"
              + " health service NOT_SERVING, so Envoy's health checks (every 2 s) leave it out. Default: 5.")
  int shutdownDelaySeconds = 5;

  @Option(
      names = "--drain-seconds",
      defaultValue = "10",
      description =
          "After that delay the gRPC server sends GOAWAY and stops accepting streams; how long the"
              + " open ones may still finish before they are ended. Default: 10.")
  int drainSeconds = 10;

  @Option(
      names = "--tls-dir",
      description =
          "Directory with tls.crt, tls.key and ca.crt (a Kubernetes TLS Secret with its CA): the"
              + " gRPC port serves mutual TLS, refuses clients without a certificate from ca.crt,"
              + " and re-reads the files when they change. Without it the port is plaintext.")
  Path tlsDir;

  /**
   * Returns the gRPC port's credentials: mutual TLS from {@code --tls-dir}, whose reloading stops
   * with the role, else plaintext with a warning.
   */
  ServerCredentials credentials(RoleProcess role, String service) {
    if (tlsDir == null) {
      LOG.warn("{} serves plaintext gRPC without client authentication: pass --tls-dir", service);
      return InsecureServerCredentials.create();
    }
    return role.add(ServerTls.fromFiles(TlsFiles.in(tlsDir), ServerTls.DEFAULT_RELOAD))
        .credentials();
  }

  /** Returns the address the gRPC service and the probes bind. */
  public String address() {
    return address;
  }

  /** Returns the port of the role's extra JSON endpoints ({@code /usage}), or -1 for none. */
  public int usagePort() {
    return usagePort;
  }

  /** Returns how long a stopping role keeps serving while it reports that it is stopping. */
  public Duration shutdownDelay() {
    return Duration.ofSeconds(Math.max(0, shutdownDelaySeconds));
  }

  /** Returns how long a stopping role's open streams may finish after GOAWAY. */
  public Duration drain() {
    return Duration.ofSeconds(Math.max(0, drainSeconds));
  }

  /** Returns the probe port, or -1 for none. */
  public int probePort() {
    return probePort;
  }
}
