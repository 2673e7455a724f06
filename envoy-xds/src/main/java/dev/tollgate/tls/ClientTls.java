package dev.tollgate.tls;

import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.time.Duration;

/**
 * Client side of mutual TLS for a Tollgate role calling another (the processor calling the
 * rate-limit service): presents the client certificate of {@link TlsFiles} and accepts only a
 * server certificate from the CA that names the host dialled. The files are read again every {@code
 * reloadEvery}, as {@link ServerTls} does. Thread-safe.
 */
public final class ClientTls implements AutoCloseable {
  private final ReloadingTls files;
  private final ChannelCredentials credentials;

  private ClientTls(ReloadingTls files) {
    this.files = files;
    this.credentials =
        TlsChannelCredentials.newBuilder()
            .keyManager(files.keys())
            .trustManager(files.trust())
            .build();
  }

  /**
   * Reads the files and starts re-reading them every {@code reloadEvery}.
   *
   * @throws IllegalArgumentException naming the files when they cannot be read
   */
  public static ClientTls fromFiles(TlsFiles files, Duration reloadEvery) {
    return new ClientTls(
        ReloadingTls.start(
            files,
            reloadEvery,
            AdvancedTlsX509TrustManager.Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION));
  }

  /** Returns the credentials to build a gRPC channel with. */
  public ChannelCredentials credentials() {
    return credentials;
  }

  /** Stops re-reading the files. */
  @Override
  public void close() {
    files.close();
  }
}
