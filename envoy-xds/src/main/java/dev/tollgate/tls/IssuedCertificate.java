package dev.tollgate.tls;

import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;

/**
 * A certificate and its private key, as a {@link CertificateAuthority} issued them.
 *
 * @param certificate the certificate
 * @param key its private key
 */
public record IssuedCertificate(X509Certificate certificate, PrivateKey key) {
  /** Returns the certificate as PEM. */
  public String certificatePem() {
    return pem(certificate);
  }

  /** Returns the private key as unencrypted PKCS #8 PEM, which Envoy and gRPC Java both read. */
  public String keyPem() {
    return pem("PRIVATE KEY", key.getEncoded());
  }

  @Override
  public String toString() {
    return "IssuedCertificate[" + certificate.getSubjectX500Principal() + "]";
  }

  /** Returns a certificate as PEM. */
  public static String pem(X509Certificate certificate) {
    try {
      return pem("CERTIFICATE", certificate.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException("cannot encode " + certificate.getSubjectX500Principal(), e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
