package dev.tollgate.certs;

import dev.tollgate.certs.ServiceCertificates.TlsSecret;
import dev.tollgate.tls.TlsFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link ServiceCertificates} in the operator: once at start (retried, since ADS cannot serve
 * before its certificate exists), then at a fixed interval; and keeps the operator's own ADS
 * certificate, read from its Secret, in the directory its server re-reads ({@code --tls-dir}), so
 * the operator needs no Secret volume of its own (it creates that Secret).
 *
 * <p>Thread-safe.
 */
public final class CertificateKeeper implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CertificateKeeper.class);
  private static final int START_ATTEMPTS = 10;

  private final ServiceCertificates certificates;
  private final String ownSecret;
  private final Path ownDirectory;
  private final ScheduledExecutorService timer;
  private TlsSecret written;

  private CertificateKeeper(ServiceCertificates certificates, String ownSecret, Path ownDirectory) {
    this.certificates = certificates;
    this.ownSecret = ownSecret;
    this.ownDirectory = ownDirectory;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tollgate-certificates");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Ensures every certificate (retrying for a bounded time), writes the operator's own, and checks
   * again every {@code checkEvery}.
   *
   * @param ownSecret the Secret of the ADS server certificate, or null for none
   * @param ownDirectory where the ADS server reads it ({@code --tls-dir}), or null for none
   * @throws IllegalStateException if the certificates cannot be made at start
   */
  public static CertificateKeeper start(
      ServiceCertificates certificates, String ownSecret, Path ownDirectory, Duration checkEvery)
      throws InterruptedException {
    CertificateKeeper keeper = new CertificateKeeper(certificates, ownSecret, ownDirectory);
    RuntimeException last = null;
    for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      try {
        keeper.check();
        last = null;
        break;
      } catch (RuntimeException e) {
        last = e;
        LOG.warn(
            "cannot ensure the internal certificates yet (attempt {}): {}",
            attempt,
            e.getMessage());
        Thread.sleep(Math.min(200L << attempt, 5_000));
      }
    }
    if (last != null) {
      keeper.close();
      throw new IllegalStateException("cannot make the internal certificates", last);
    }
    long every = checkEvery.toMillis();
    keeper.timer.scheduleWithFixedDelay(keeper::checkQuietly, every, every, TimeUnit.MILLISECONDS);
    return keeper;
  }

  /** Ensures the certificates and rewrites the operator's own when it changed. */
  void check() {
    Map<String, TlsSecret> now = certificates.ensure();
    if (ownSecret == null || ownDirectory == null) {
      return;
    }
    TlsSecret own = now.get(ownSecret);
    if (own == null) {
      throw new IllegalStateException("no certificate is requested for Secret " + ownSecret);
    }
    if (own.equals(written) && Files.exists(ownDirectory.resolve(TlsFiles.KEY))) {
      return;
    }
    try {
      TlsFiles.write(ownDirectory, own.certificatePem(), own.keyPem(), own.caPem());
      written = own;
    } catch (IOException e) {
      throw new IllegalStateException("cannot write the ADS certificate into " + ownDirectory, e);
    }
  }

  private void checkQuietly() {
    try {
      check();
    } catch (RuntimeException e) {
      LOG.warn("cannot renew the internal certificates: {}", e.getMessage());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
