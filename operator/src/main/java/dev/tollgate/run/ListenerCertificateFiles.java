package dev.tollgate.run;

import dev.tollgate.xds.AdsServer;
import dev.tollgate.xds.ListenerCertificate;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener certificate of {@code tollgate run}: reads the PEM certificate and key files at
 * start and every second after, and serves each new valid pair through the ADS server's SDS. A pair
 * that does not parse or match (a half-finished rewrite) is reported by path, never by content, and
 * the last good certificate stays.
 */
final class ListenerCertificateFiles implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ListenerCertificateFiles.class);

  private final Path certificate;
  private final Path key;
  private final AdsServer ads;
  private final ScheduledExecutorService poller;
  private String lastCertificate;
  private String lastKey;

  private ListenerCertificateFiles(Path certificate, Path key, AdsServer ads) {
    this.certificate = certificate;
    this.key = key;
    this.ads = ads;
    this.poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tollgate-listener-certificate");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Serves the files' certificate and watches them.
   *
   * @throws IllegalArgumentException if the files cannot be read or are not a matching pair
   */
  static ListenerCertificateFiles start(Path certificate, Path key, AdsServer ads) {
    ListenerCertificateFiles files = new ListenerCertificateFiles(certificate, key, ads);
    try {
      files.load();
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read the listener certificate " + certificate + " or key " + key, e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage() + " (" + certificate + ", " + key + ")", e);
    }
    files.poller.scheduleWithFixedDelay(files::poll, 1, 1, TimeUnit.SECONDS);
    return files;
  }

  private synchronized void load() throws IOException {
    String chain = Files.readString(certificate);
    String privateKey = Files.readString(key);
    if (chain.equals(lastCertificate) && privateKey.equals(lastKey)) {
      return;
    }
    lastCertificate = chain;
    lastKey = privateKey;
    ads.setListenerCertificate(new ListenerCertificate(chain, privateKey));
  }

  private void poll() {
    try {
      load();
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("cannot read the listener certificate {} or key {}", certificate, key);
    } catch (IllegalArgumentException e) {
      LOG.warn("listener certificate {} not reloaded: {}", certificate, e.getMessage());
    }
  }

  @Override
  public void close() {
    poller.shutdownNow();
  }
}
