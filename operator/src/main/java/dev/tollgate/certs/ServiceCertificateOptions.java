package dev.tollgate.certs;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The operator's flags for acting as the CA of the internal gRPC hops ({@link
 * ServiceCertificates}); the chart sets them unless it uses cert-manager.
 */
public final class ServiceCertificateOptions {
  @Option(
      names = "--ca-secret",
      description =
          "Name of the Secret (in --certificates-namespace) holding the internal CA the operator"
              + " makes and keeps; with it the operator issues the certificates of"
              + " --server-certificate and --client-certificate into their Secrets and renews"
              + " them. Default: none (no certificates issued).")
  String caSecret;

  @Option(
      names = "--certificates-namespace",
      description = "Namespace of those Secrets. Default: $POD_NAMESPACE.")
  String namespace;

  @Option(
      names = "--server-certificate",
      paramLabel = "SECRET=DNSNAME[,DNSNAME...]",
      description =
          "A server certificate to keep in SECRET, valid for the names given; repeatable.")
  List<String> servers = new ArrayList<>();

  @Option(
      names = "--client-certificate",
      paramLabel = "SECRET",
      description = "A client certificate (Envoy's) to keep in SECRET; repeatable.")
  List<String> clients = new ArrayList<>();

  @Option(
      names = "--ads-certificate-secret",
      description =
          "Which of the --server-certificate Secrets is ADS's own: the operator writes it into"
              + " --tls-dir itself and rewrites it when renewed.")
  String adsSecret;

  @Option(
      names = "--certificates-owner",
      description =
          "Name of a Deployment in --certificates-namespace (the operator's own) that owns those"
              + " Secrets: deleting it (helm uninstall) deletes them. Default: none (they stay).")
  String ownerDeployment;

  @Option(
      names = "--certificate-check-interval",
      defaultValue = "60",
      description = "Minutes between checks for certificates due for renewal. Default: 60.")
  long checkMinutes = 60;

  /** Returns whether the operator issues certificates. */
  public boolean enabled() {
    return caSecret != null;
  }

  /** Returns the requested certificates, checking the flags. */
  List<CertificateRequest> requests() {
    List<CertificateRequest> out = new ArrayList<>();
    servers.forEach(s -> out.add(CertificateRequest.parse(s, true)));
    clients.forEach(c -> out.add(CertificateRequest.parse(c, false)));
    if (out.isEmpty()) {
      throw new IllegalArgumentException(
          "--ca-secret needs at least one --server-certificate or --client-certificate");
    }
    if (adsSecret != null
        && out.stream().noneMatch(r -> r.server() && r.secretName().equals(adsSecret))) {
      throw new IllegalArgumentException(
          "--ads-certificate-secret " + adsSecret + " is not a --server-certificate");
    }
    return out;
  }

  /**
   * Starts keeping the certificates, or returns null when {@code --ca-secret} is not given.
   *
   * @param adsTlsDir the ADS server's {@code --tls-dir}, which must be given with {@code
   *     --ads-certificate-secret}
   */
  public CertificateKeeper start(KubernetesClient client, Path adsTlsDir, Clock clock)
      throws InterruptedException {
    if (!enabled()) {
      if (adsSecret != null || !servers.isEmpty() || !clients.isEmpty()) {
        throw new IllegalArgumentException("certificates need --ca-secret");
      }
      return null;
    }
    if (adsSecret != null && adsTlsDir == null) {
      throw new IllegalArgumentException("--ads-certificate-secret needs --tls-dir");
    }
    String ns = namespace != null ? namespace : System.getenv("POD_NAMESPACE");
    if (ns == null || ns.isBlank()) {
      ns = client.getNamespace();
    }
    if (checkMinutes < 1) {
      throw new IllegalArgumentException("--certificate-check-interval must be at least 1");
    }
    ServiceCertificates certificates =
        new ServiceCertificates(
            client,
            ns,
            caSecret,
            requests(),
            ServiceCertificates.DEFAULT_VALIDITY,
            clock,
            ownerDeployment);
    return CertificateKeeper.start(
        certificates, adsSecret, adsTlsDir, Duration.ofMinutes(checkMinutes));
  }
}
