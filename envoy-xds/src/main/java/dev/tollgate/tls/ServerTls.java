package dev.tollgate.tls;

import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.io.IOException;
import java.net.Socket;
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
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server side of mutual TLS for Tollgate's gRPC services: the server presents its certificate and
 * refuses every client that does not present one issued by the CA (extended key usage clientAuth).
 * The files are read again every {@code reloadEvery}, so a rewritten certificate, key or CA applies
 * to new connections without a restart.
 *
 * <p>Thread-safe.
 */
public final class ServerTls implements AutoCloseable {
  /** How often the servers of the cluster roles look at their files. */
  public static final Duration DEFAULT_RELOAD = Duration.ofSeconds(10);

  private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);

  private final TlsFiles files;
  private final AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
  private final AdvancedTlsX509TrustManager trust;
  private final ServerCredentials credentials;
  private final ScheduledExecutorService reloader;
  private List<byte[]> loaded;

  private ServerTls(TlsFiles files, Duration reloadEvery)
      throws GeneralSecurityException, IOException {
    this.files = files;
    // The client's certificate must chain to the CA; there is no host name to check on a client.
    this.trust =
        AdvancedTlsX509TrustManager.newBuilder()
            .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION)
            .build();
    List<byte[]> contents = read(files);
    apply(files);
    this.loaded = contents;
    this.credentials =
        TlsServerCredentials.newBuilder()
            .keyManager(keys)
            .trustManager(new NoIssuerList(trust))
            .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
            .build();
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
  public static ServerTls fromFiles(TlsFiles files, Duration reloadEvery) {
    try {
      return new ServerTls(files, reloadEvery);
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

  /** Returns the credentials to build a gRPC server with. */
  public ServerCredentials credentials() {
    return credentials;
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

  /**
   * Checks client certificates with the reloading trust manager but names no acceptable issuers:
   * OpenSSL fixes the list it sends in its certificate request when the server starts, and a client
   * that picks its certificate by that list would offer none after a CA rotation.
   */
  private static final class NoIssuerList extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager delegate;

    NoIssuerList(X509ExtendedTrustManager delegate) {
      this.delegate = delegate;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      delegate.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      delegate.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      delegate.checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      delegate.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      delegate.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      delegate.checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
