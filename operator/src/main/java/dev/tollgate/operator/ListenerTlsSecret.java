package dev.tollgate.operator;

import dev.tollgate.xds.AdsServer;
import dev.tollgate.xds.ListenerCertificate;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the one Kubernetes TLS Secret of the public listener ({@code --listener-tls-secret}) and
 * serves its {@code tls.crt} and {@code tls.key} to Envoy as the SDS secret {@code
 * tollgate/listener-certificate}: every change becomes a new certificate without a listener drain.
 * A Secret that is missing, deleted or does not hold a matching pair is reported by name, never by
 * content, and the last good certificate stays.
 */
final class ListenerTlsSecret implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ListenerTlsSecret.class);

  private final String reference;
  private final AdsServer ads;
  private final SharedIndexInformer<Secret> informer;

  private ListenerTlsSecret(KubernetesClient client, String reference, AdsServer ads) {
    this.reference = reference;
    this.ads = ads;
    String[] parts = reference.split("/", 2);
    this.informer =
        client
            .secrets()
            .inNamespace(parts[0])
            .withName(parts[1])
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Secret secret) {
                    serve(secret);
                  }

                  @Override
                  public void onUpdate(Secret before, Secret after) {
                    serve(after);
                  }

                  @Override
                  public void onDelete(Secret secret, boolean unknownFinalState) {
                    LOG.warn(
                        "listener TLS Secret {} deleted; Envoy keeps serving the last certificate",
                        reference);
                  }
                },
                0);
  }

  /** Starts watching {@code namespace/name}. */
  static ListenerTlsSecret watch(KubernetesClient client, String reference, AdsServer ads) {
    return new ListenerTlsSecret(client, reference, ads);
  }

  /** Serves a Secret's certificate; returns whether it was a valid pair. */
  boolean serve(Secret secret) {
    Map<String, String> data = secret.getData() == null ? Map.of() : secret.getData();
    String certificate = decode(data.get("tls.crt"));
    String key = decode(data.get("tls.key"));
    if (certificate == null || key == null) {
      LOG.warn("listener TLS Secret {} has no tls.crt or tls.key; not served", reference);
      return false;
    }
    try {
      ads.setListenerCertificate(new ListenerCertificate(certificate, key));
      return true;
    } catch (IllegalArgumentException e) {
      LOG.warn("listener TLS Secret {} not served: {}", reference, e.getMessage());
      return false;
    }
  }

  private static String decode(String base64) {
    if (base64 == null) {
      return null;
    }
    try {
      return new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  @Override
  public void close() {
    informer.close();
  }
}
