package dev.tollgate.certs;

import java.util.List;

/**
 * One certificate the operator keeps in a Secret of its namespace: a server certificate for the DNS
 * names a role's Service is reached by, or a client certificate (Envoy's).
 *
 * @param secretName the Secret it is kept in ({@code tls.crt}, {@code tls.key}, {@code ca.crt})
 * @param server true for a server certificate (serverAuth), false for a client's (clientAuth)
 * @param dnsNames the names a server certificate is valid for; empty for a client certificate
 */
public record CertificateRequest(String secretName, boolean server, List<String> dnsNames) {
  /** Checks the values and copies the names. */
  public CertificateRequest {
    if (!secretName.matches("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")) {
      throw new IllegalArgumentException("not a Secret name: '" + secretName + "'");
    }
    dnsNames = List.copyOf(dnsNames);
    if (server == dnsNames.isEmpty()) {
      throw new IllegalArgumentException(
          server
              ? "the server certificate of " + secretName + " needs at least one DNS name"
              : "a client certificate names no DNS names");
    }
  }

  /**
   * Reads {@code SECRET=NAME,NAME} (a server certificate) or {@code SECRET} (with {@code server}
   * false: a client certificate), as the operator's flags give them.
   */
  public static CertificateRequest parse(String value, boolean server) {
    if (!server) {
      return new CertificateRequest(value.strip(), false, List.of());
    }
    int eq = value.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException(
          "a server certificate is SECRET=DNSNAME[,DNSNAME...]; got '" + value + "'");
    }
    List<String> names =
        List.of(value.substring(eq + 1).split(",")).stream()
            .map(String::strip)
            .filter(n -> !n.isEmpty())
            .toList();
    return new CertificateRequest(value.substring(0, eq).strip(), true, names);
  }

  /** What the certificate is for, kept in an annotation so a changed request is reissued. */
  String describe() {
    return server ? "server:" + String.join(",", dnsNames) : "client";
  }

  /** The subject's common name. */
  String commonName() {
    return server ? dnsNames.get(0) : secretName;
  }
}
