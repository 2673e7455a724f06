package dev.tollgate.certs;

import dev.tollgate.tls.CertificateAuthority;
import dev.tollgate.tls.IssuedCertificate;
import dev.tollgate.tls.Pem;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator as the certificate authority of Tollgate's internal gRPC hops in a cluster: it keeps
 * a CA in one Secret of its namespace and the certificate of each role (processor, rate-limit
 * service, ADS, Envoy's client certificate) in another, in the layout of a Kubernetes TLS Secret
 * with its CA ({@code tls.crt}, {@code tls.key}, {@code ca.crt}, as cert-manager writes them), and
 * reissues a certificate when a third of its validity is left, when the CA changed, or when the
 * names asked for changed. The roles mount their Secret and re-read the files; nothing restarts.
 *
 * <p>With an owner (the operator's Deployment) every Secret carries an owner reference to it, so
 * Kubernetes' garbage collector deletes them with it ({@code helm uninstall}); Secrets written
 * before without one get it at the next check.
 *
 * <p>Several operator replicas may run it at once: every write carries the resourceVersion it read,
 * so a replica that loses a race reads the winner's Secret at its next check.
 *
 * <p>Keys are never logged. Thread-safe: {@link #ensure()} is synchronized.
 */
public final class ServiceCertificates {
  /** How long the CA is valid; replacing it means deleting its Secret (docs/security.md). */
  public static final Duration CA_VALIDITY = Duration.ofDays(3650);

  /** How long a role's certificate is valid. */
  public static final Duration DEFAULT_VALIDITY = Duration.ofDays(7);

  /** Label on every Secret this class writes. */
  public static final String LABEL = "tollgate.dev/service-certificate";

  /** Annotation naming what a certificate was issued for. */
  public static final String PURPOSE_ANNOTATION = "tollgate.dev/certificate-purpose";

  static final String CA_KEY = "ca.crt";
  static final String CERT_KEY = "tls.crt";
  static final String KEY_KEY = "tls.key";

  private static final Logger LOG = LoggerFactory.getLogger(ServiceCertificates.class);

  private final KubernetesClient client;
  private final String namespace;
  private final String caSecret;
  private final List<CertificateRequest> requests;
  private final Duration validity;
  private final Clock clock;
  private final String ownerDeployment;

  /**
   * @param client the API client (the operator's service account)
   * @param namespace the namespace of every Secret (the release namespace)
   * @param caSecret the name of the CA's Secret
   * @param requests the certificates to keep
   * @param validity how long each issued certificate is valid
   * @param clock the clock that decides what is due for renewal
   */
  public ServiceCertificates(
      KubernetesClient client,
      String namespace,
      String caSecret,
      List<CertificateRequest> requests,
      Duration validity,
      Clock clock) {
    this(client, namespace, caSecret, requests, validity, clock, null);
  }

  /**
   * As the other constructor, with the Secrets owned by a Deployment.
   *
   * @param ownerDeployment the Deployment in {@code namespace} (the operator's) whose deletion
   *     deletes the Secrets, or null for Secrets without an owner
   */
  public ServiceCertificates(
      KubernetesClient client,
      String namespace,
      String caSecret,
      List<CertificateRequest> requests,
      Duration validity,
      Clock clock,
      String ownerDeployment) {
    this.ownerDeployment = ownerDeployment;
    this.client = client;
    this.namespace = namespace;
    this.caSecret = caSecret;
    this.requests = List.copyOf(requests);
    this.validity = validity;
    this.clock = clock;
  }

  /**
   * Creates what is missing and reissues what is due, then returns the PEM contents of every
   * certificate's Secret by name, as they are now in the API server.
   *
   * @throws KubernetesClientException if the API server refuses a read or a write (another
   *     replica's concurrent write included: the next call reads it)
   */
  public synchronized Map<String, TlsSecret> ensure() {
    OwnerReference owner = owner();
    CertificateAuthority ca = authority(owner);
    String caPem = IssuedCertificate.pem(ca.certificate());
    Map<String, TlsSecret> out = new LinkedHashMap<>();
    for (CertificateRequest request : requests) {
      Secret current = read(request.secretName());
      TlsSecret held = current == null ? null : TlsSecret.of(current);
      String due = held == null ? "missing" : renewalReason(held, request, caPem);
      if (due == null) {
        adopt(current, held, owner);
        out.put(request.secretName(), held);
        continue;
      }
      IssuedCertificate issued =
          request.server()
              ? ca.issueServer(request.commonName(), request.dnsNames(), List.of(), validity)
              : ca.issueClient(request.commonName(), validity);
      TlsSecret fresh =
          new TlsSecret(issued.certificatePem(), issued.keyPem(), caPem, request.describe());
      write(current, request.secretName(), fresh, request.describe(), owner);
      LOG.info(
          "issued the certificate in Secret {}/{} ({}), valid until {}: {}",
          namespace,
          request.secretName(),
          request.describe(),
          issued.certificate().getNotAfter().toInstant(),
          due);
      out.put(request.secretName(), fresh);
    }
    return out;
  }

  /**
   * The reference to the owner Deployment, read now (its uid changes when it is made again), or
   * null without an owner.
   */
  private OwnerReference owner() {
    if (ownerDeployment == null) {
      return null;
    }
    Deployment deployment =
        client.apps().deployments().inNamespace(namespace).withName(ownerDeployment).get();
    if (deployment == null) {
      throw new IllegalStateException(
          "the owner of the certificate Secrets, Deployment "
              + namespace
              + "/"
              + ownerDeployment
              + ", does not exist: check --certificates-owner");
    }
    return new OwnerReferenceBuilder()
        .withApiVersion("apps/v1")
        .withKind("Deployment")
        .withName(ownerDeployment)
        .withUid(deployment.getMetadata().getUid())
        .build();
  }

  /** Gives a Secret that is still good the owner reference it lacks (written before owners). */
  private void adopt(Secret current, TlsSecret held, OwnerReference owner) {
    if (owner == null || owned(current, owner)) {
      return;
    }
    write(current, current.getMetadata().getName(), held, held.purpose(), owner);
    LOG.info(
        "Secret {}/{} is now owned by Deployment {}",
        namespace,
        current.getMetadata().getName(),
        ownerDeployment);
  }

  private static boolean owned(Secret secret, OwnerReference owner) {
    List<OwnerReference> refs = secret.getMetadata().getOwnerReferences();
    return refs != null && refs.stream().anyMatch(r -> owner.getUid().equals(r.getUid()));
  }

  private CertificateAuthority authority(OwnerReference owner) {
    Secret current = read(caSecret);
    if (current != null) {
      TlsSecret held = TlsSecret.of(current);
      try {
        X509Certificate certificate = Pem.certificates(held.certificatePem())[0];
        if (certificate.getNotAfter().toInstant().isAfter(clock.instant())) {
          CertificateAuthority restored =
              CertificateAuthority.restore(certificate, Pem.privateKey(held.keyPem()), clock);
          adopt(current, held, owner);
          return restored;
        }
        LOG.warn("the CA in Secret {}/{} has expired; making a new one", namespace, caSecret);
      } catch (GeneralSecurityException | IOException | RuntimeException e) {
        LOG.warn(
            "the CA in Secret {}/{} cannot be read ({}); making a new one",
            namespace,
            caSecret,
            e.getClass().getSimpleName());
      }
    }
    CertificateAuthority ca =
        CertificateAuthority.create("tollgate internal CA " + namespace, CA_VALIDITY, clock);
    IssuedCertificate self = ca.asIssued();
    String pem = self.certificatePem();
    write(current, caSecret, new TlsSecret(pem, self.keyPem(), pem, "ca"), "ca", owner);
    LOG.info("made the internal CA in Secret {}/{}", namespace, caSecret);
    return ca;
  }

  /** Returns why the held certificate must be reissued, or null when it is still good. */
  private String renewalReason(TlsSecret held, CertificateRequest request, String caPem) {
    if (!caPem.equals(held.caPem())) {
      return "issued by another CA";
    }
    X509Certificate certificate;
    try {
      certificate = Pem.certificates(held.certificatePem())[0];
      Pem.privateKey(held.keyPem());
    } catch (GeneralSecurityException | IOException | RuntimeException e) {
      return "unreadable";
    }
    if (!request.describe().equals(held.purpose())) {
      return "issued for " + held.purpose();
    }
    Instant notAfter = certificate.getNotAfter().toInstant();
    Instant renewAt = notAfter.minus(validity.dividedBy(3));
    return clock.instant().isBefore(renewAt) ? null : "due for renewal (expires " + notAfter + ")";
  }

  private Secret read(String name) {
    return client.secrets().inNamespace(namespace).withName(name).get();
  }

  private void write(
      Secret current, String name, TlsSecret content, String purpose, OwnerReference owner) {
    // The CA's own Secret holds its certificate as both tls.crt and ca.crt.
    Base64.Encoder b64 = Base64.getEncoder();
    Map<String, String> data = new LinkedHashMap<>();
    data.put(
        CERT_KEY, b64.encodeToString(content.certificatePem().getBytes(StandardCharsets.US_ASCII)));
    data.put(KEY_KEY, b64.encodeToString(content.keyPem().getBytes(StandardCharsets.US_ASCII)));
    data.put(CA_KEY, b64.encodeToString(content.caPem().getBytes(StandardCharsets.US_ASCII)));
    SecretBuilder secret =
        new SecretBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .addToLabels(LABEL, purpose.equals("ca") ? "ca" : "leaf")
            .addToLabels("app.kubernetes.io/managed-by", "tollgate-operator")
            .addToAnnotations(PURPOSE_ANNOTATION, purpose)
            .withResourceVersion(
                current == null ? null : current.getMetadata().getResourceVersion())
            .withOwnerReferences(ownerReferences(current, owner))
            .endMetadata()
            .withType("kubernetes.io/tls")
            .withData(data);
    if (current == null) {
      client.secrets().inNamespace(namespace).resource(secret.build()).create();
    } else {
      client.secrets().inNamespace(namespace).resource(secret.build()).update();
    }
  }

  /** The Secret's owner references with {@code owner} in place of an older one of the same name. */
  private static List<OwnerReference> ownerReferences(Secret current, OwnerReference owner) {
    List<OwnerReference> out = new ArrayList<>();
    if (current != null && current.getMetadata().getOwnerReferences() != null) {
      for (OwnerReference ref : current.getMetadata().getOwnerReferences()) {
        boolean replaced =
            owner != null
                && owner.getKind().equals(ref.getKind())
                && owner.getName().equals(ref.getName());
        if (!replaced) {
          out.add(ref);
        }
      }
    }
    if (owner != null) {
      out.add(owner);
    }
    return out;
  }

  /**
   * The PEM texts of one TLS Secret and what it was issued for.
   *
   * @param certificatePem {@code tls.crt}
   * @param keyPem {@code tls.key}
   * @param caPem {@code ca.crt}
   * @param purpose the {@link #PURPOSE_ANNOTATION}, or null
   */
  public record TlsSecret(String certificatePem, String keyPem, String caPem, String purpose) {
    static TlsSecret of(Secret secret) {
      Map<String, String> data = secret.getData() == null ? Map.of() : secret.getData();
      Map<String, String> annotations =
          secret.getMetadata().getAnnotations() == null
              ? Map.of()
              : secret.getMetadata().getAnnotations();
      return new TlsSecret(
          decode(data.get(CERT_KEY)),
          decode(data.get(KEY_KEY)),
          decode(data.get(CA_KEY)),
          annotations.get(PURPOSE_ANNOTATION));
    }

    private static String decode(String base64) {
      if (base64 == null) {
        return "";
      }
      try {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII);
      } catch (IllegalArgumentException e) {
        return "";
      }
    }

    @Override
    public String toString() {
      return "TlsSecret[" + purpose + "]";
    }
  }
}
