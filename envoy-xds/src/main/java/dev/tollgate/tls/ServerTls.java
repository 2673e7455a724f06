package dev.tollgate.tls;

import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

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

  private final ReloadingTls files;
  private final ServerCredentials credentials;

  private ServerTls(ReloadingTls files) {
    this.files = files;
    this.credentials =
        TlsServerCredentials.newBuilder()
            .keyManager(files.keys())
            .trustManager(new NoIssuerList(files.trust()))
            .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
            .build();
  }

  /**
   * Reads the files and starts re-reading them every {@code reloadEvery}.
   *
   * @throws IllegalArgumentException naming the files when they cannot be read or do not hold a
   *     certificate, an unencrypted key and a CA
   */
  public static ServerTls fromFiles(TlsFiles files, Duration reloadEvery) {
    // The client's certificate must chain to the CA; there is no host name to check on a client.
    return new ServerTls(
        ReloadingTls.start(
            files,
            reloadEvery,
            AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION));
  }

  /** Returns the credentials to build a gRPC server with. */
  public ServerCredentials credentials() {
    return credentials;
  }

  /** Stops re-reading the files. */
  @Override
  public void close() {
    files.close();
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
