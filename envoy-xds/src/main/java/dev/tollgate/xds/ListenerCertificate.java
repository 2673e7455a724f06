package dev.tollgate.xds;

import dev.tollgate.tls.Pem;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;

/**
 * The public listener's certificate chain and private key, as PEM (the {@code tls.crt} and {@code
 * tls.key} of a Kubernetes TLS Secret), checked on creation: the chain parses, the key parses and
 * belongs to the first certificate. Neither {@link #toString()} nor an error shows the key.
 *
 * @param certificateChainPem the certificate chain, leaf first
 * @param privateKeyPem the leaf's private key (PKCS #8, PKCS #1 or SEC 1)
 */
public record ListenerCertificate(String certificateChainPem, String privateKeyPem) {
  /**
   * Checks the chain and the key.
   *
   * @throws IllegalArgumentException naming what is wrong, never quoting either
   */
  public ListenerCertificate {
    X509Certificate leaf = leaf(certificateChainPem);
    PrivateKey key = key(privateKeyPem);
    if (!matches(key, leaf)) {
      throw new IllegalArgumentException(
          "the listener's private key does not belong to its certificate");
    }
  }

  /** A version of the certificate for SDS: the first 12 hex digits of the chain's SHA-256. */
  public String version() {
    return XdsNames.sha256Hex(certificateChainPem, 6);
  }

  /** The SDS secret {@link ListenerTls#SECRET}. */
  public Secret secret() {
    return Secret.newBuilder()
        .setName(ListenerTls.SECRET)
        .setTlsCertificate(
            TlsCertificate.newBuilder()
                .setCertificateChain(XdsProtos.inline(certificateChainPem))
                .setPrivateKey(XdsProtos.inline(privateKeyPem)))
        .build();
  }

  @Override
  public String toString() {
    return "ListenerCertificate[" + leaf(certificateChainPem).getSubjectX500Principal() + "]";
  }

  private static X509Certificate leaf(String pem) {
    try {
      return Pem.certificates(pem)[0];
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException("the listener certificate is not a PEM X.509 chain");
    }
  }

  private static PrivateKey key(String pem) {
    try {
      return Pem.privateKey(pem);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("the listener key is not an unencrypted PEM private key");
    }
  }

  private static boolean matches(PrivateKey key, X509Certificate leaf) {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "EC", "ECDSA" -> "SHA256withECDSA";
          case "RSA" -> "SHA256withRSA";
          case "Ed25519", "EdDSA" -> "Ed25519";
          default ->
              throw new IllegalArgumentException(
                  "the listener key's algorithm is not RSA, ECDSA or Ed25519");
        };
    try {
      byte[] probe = "tollgate listener key check".getBytes(StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(leaf.getPublicKey());
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
