package dev.tollgate.tls;

import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key and trust managers of one side of a mutual-TLS hop, read from {@link TlsFiles} and read
 * again every so often, so a rewritten certificate, key or CA applies to new connections without a
 * restart ({@link ServerTls}, {@link ClientTls}). Thread-safe.
 */
final class ReloadingTls implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReloadingTls.class);

  private final TlsFiles files;
  private final AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
  private final AdvancedTlsX509TrustManager trust;
  private final ScheduledExecutorService reloader;
  private List<byte[]> loaded;

  private ReloadingTls(
      TlsFiles files, Duration reloadEvery, AdvancedTlsX509TrustManager.Verification verification)
      throws GeneralSecurityException, IOException {
    this.files = files;
    this.trust = AdvancedTlsX509TrustManager.newBuilder().setVerification(verification).build();
    List<byte[]> contents = read(files);
    apply(files);
    this.loaded = contents;
    this.reloader =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tollgate-tls-reload");
              t.setDaemon(true);
              return t;
            });
    // gRPC's own file watching polls once a minute at the fastest; this one is as often as asked.
    reloader.scheduleWithFixedDelay(
        this::reloadIfChanged,
        reloadEvery.toMillis(),
        reloadEvery.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /**
   * Reads the files and starts re-reading them every {@code reloadEvery}.
   *
   * @throws IllegalArgumentException naming the files when they cannot be read or do not hold a
   *     certificate, an unencrypted key and a CA
   */
  static ReloadingTls start(
      TlsFiles files, Duration reloadEvery, AdvancedTlsX509TrustManager.Verification verification) {
    try {
      return new ReloadingTls(files, reloadEvery, verification);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "cannot read the TLS files "
              + files.certificate()
              + ", "
              + files.key()
              + " and "
              + files.ca()
              + " (PEM certificate, unencrypted PEM key, CA): "
              + e.getMessage(),
          e);
    }
  }

  AdvancedTlsX509KeyManager keys() {
    return keys;
  }

  AdvancedTlsX509TrustManager trust() {
    return trust;
  }

  private synchronized void reloadIfChanged() {
    try {
      List<byte[]> contents = read(files);
      boolean changed = false;
      for (int i = 0; i < contents.size(); i++) {
        changed |= !Arrays.equals(contents.get(i), loaded.get(i));
      }
      if (changed) {
        apply(files);
        loaded = contents;
        LOG.info("reloaded the TLS certificate {} and CA {}", files.certificate(), files.ca());
      }
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      // A half-written set is tried again at the next poll; the last good one stays in use.
      LOG.warn("cannot reload the TLS files, keeping the previous ones: {}", e.getMessage());
    }
  }

  private void apply(TlsFiles files) throws IOException, GeneralSecurityException {
    X509Certificate[] chain = certificates(files.certificate());
    keys.updateIdentityCredentials(chain, privateKey(files.key()));
    trust.updateTrustCredentials(certificates(files.ca()));
  }

  private static X509Certificate[] certificates(Path file)
      throws IOException, GeneralSecurityException {
    try {
      return Pem.certificates(Files.readString(file, StandardCharsets.US_ASCII));
    } catch (CertificateException e) {
      throw new CertificateException(e.getMessage() + " in " + file, e);
    }
  }

  private static PrivateKey privateKey(Path file) throws IOException {
    try {
      return Pem.privateKey(Files.readString(file, StandardCharsets.US_ASCII));
    } catch (IOException e) {
      throw new IOException(e.getMessage() + " in " + file, e);
    }
  }

  private static List<byte[]> read(TlsFiles files) throws IOException {
    return List.of(
        Files.readAllBytes(files.certificate()),
        Files.readAllBytes(files.key()),
        Files.readAllBytes(files.ca()));
  }

  /** Stops re-reading the files. */
  @Override
  public void close() {
    reloader.shutdownNow();
  }
}
