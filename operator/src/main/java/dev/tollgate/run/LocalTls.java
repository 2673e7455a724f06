package dev.tollgate.run;

import dev.tollgate.tls.CertificateAuthority;
import dev.tollgate.tls.ServerTls;
import dev.tollgate.tls.TlsFiles;
import dev.tollgate.xds.ServiceTls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mutual TLS of {@code tollgate run}: a CA made at start whose key never leaves memory, a
 * server certificate for 127.0.0.1 that ADS, the processor and the rate-limit service present,
 * Envoy's client certificate, and the processor's own client certificate for its calls to a
 * rate-limit service run elsewhere ({@code --ratelimit-address}). The files live in a 0700
 * temporary directory removed on close; the certificates are valid for a day and renewed every
 * eight hours, and both sides pick up the new files without a restart.
 *
 * <p>Thread-safe.
 */
final class LocalTls implements AutoCloseable {
  static final Duration CERTIFICATE_VALIDITY = Duration.ofHours(24);
  static final Duration RENEW_EVERY = Duration.ofHours(8);
  private static final Duration SERVER_RELOAD_EVERY = Duration.ofMinutes(1);
  private static final Logger LOG = LoggerFactory.getLogger(LocalTls.class);

  private final Path root;
  private final CertificateAuthority ca;
  private final ServerTls server;
  private final ServiceTls envoy;
  private final ScheduledExecutorService renewal;

  private LocalTls(
      Path root,
      CertificateAuthority ca,
      ServerTls server,
      ServiceTls envoy,
      ScheduledExecutorService renewal) {
    this.root = root;
    this.ca = ca;
    this.server = server;
    this.envoy = envoy;
    this.renewal = renewal;
  }

  /** Makes the CA and the certificates and writes them into a new 0700 temporary directory. */
  static LocalTls start(Clock clock) {
    try {
      Path root =
          Files.createTempDirectory(
              "tollgate-tls-",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      CertificateAuthority ca =
          CertificateAuthority.create("tollgate run local CA", Duration.ofDays(365), clock);
      ServiceTls envoy =
          new ServiceTls(root.resolve("envoy").toString(), root.resolve("envoy-sds").toString());
      writeCertificates(root, ca);
      Path sds = Files.createDirectory(Path.of(envoy.sdsDirectory()));
      for (Map.Entry<String, String> file : envoy.sdsFiles().entrySet()) {
        Files.writeString(sds.resolve(file.getKey()), file.getValue());
      }
      ServerTls server =
          ServerTls.fromFiles(TlsFiles.in(root.resolve("server")), SERVER_RELOAD_EVERY);
      ScheduledExecutorService renewal =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "tollgate-tls-renewal");
                t.setDaemon(true);
                return t;
              });
      LocalTls tls = new LocalTls(root, ca, server, envoy, renewal);
      renewal.scheduleWithFixedDelay(
          tls::renew, RENEW_EVERY.toMinutes(), RENEW_EVERY.toMinutes(), TimeUnit.MINUTES);
      LOG.info("mutual TLS between Envoy and the services, certificates in {}", root);
      return tls;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the TLS certificates", e);
    }
  }

  /** The credentials of ADS, the processor and the rate-limit service. */
  io.grpc.ServerCredentials serverCredentials() {
    return server.credentials();
  }

  /**
   * The processor's client certificate (and the CA) for its calls to a rate-limit service run
   * elsewhere, which must present a certificate of this run's CA for 127.0.0.1 or localhost.
   */
  TlsFiles processorClient() {
    return TlsFiles.in(root.resolve("processor-client"));
  }

  /** Where Envoy finds its client certificate. */
  ServiceTls envoy() {
    return envoy;
  }

  private void renew() {
    try {
      writeCertificates(root, ca);
      LOG.info("renewed the TLS certificates of Envoy, the services and the processor's client");
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot renew the TLS certificates: {}", e.getMessage());
    }
  }

  private static void writeCertificates(Path root, CertificateAuthority ca) throws IOException {
    TlsFiles.write(
        root.resolve("server"),
        ca.issueServer(
            "tollgate-run", List.of("localhost"), List.of("127.0.0.1"), CERTIFICATE_VALIDITY),
        ca.certificate());
    TlsFiles.write(
        root.resolve("envoy"),
        ca.issueClient("tollgate-run-envoy", CERTIFICATE_VALIDITY),
        ca.certificate());
    TlsFiles.write(
        root.resolve("processor-client"),
        ca.issueClient("tollgate-run-processor", CERTIFICATE_VALIDITY),
        ca.certificate());
  }

  @Override
  public void close() throws IOException {
    renewal.shutdownNow();
    server.close();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(file);
      }
    }
  }
}
