package dev.tollgate.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A private certificate authority held in memory only, which issues the short-lived server and
 * client certificates of Tollgate's internal gRPC hops (ECDSA P-256).
 *
 * <p>Thread-safe.
 */
public final class CertificateAuthority {
  /** How far back a certificate's validity starts, so a clock a little behind still accepts it. */
  private static final Duration BACKDATE = Duration.ofMinutes(5);

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Clock clock;
  private final KeyPair key;
  private final X509Certificate certificate;

  private CertificateAuthority(Clock clock, KeyPair key, X509Certificate certificate) {
    this.clock = clock;
    this.key = key;
    this.certificate = certificate;
  }

  /** Makes a new self-signed CA named {@code commonName}, valid for {@code validity}. */
  public static CertificateAuthority create(String commonName, Duration validity, Clock clock) {
    KeyPair key = newKey();
    X500Name name = new X500Name("CN=" + commonName);
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          builder(name, name, key, clock.instant(), validity)
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
              .addExtension(
                  Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  extensions.createSubjectKeyIdentifier(key.getPublic()));
      return new CertificateAuthority(clock, key, sign(builder, key));
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot make the certificate authority", e);
    }
  }

  /**
   * Restores a CA kept outside memory (the operator's CA Secret) from its certificate and private
   * key, so that it goes on issuing certificates the same trust anchor accepts.
   *
   * @throws IllegalArgumentException if the certificate is not a CA's or the key is not its own
   */
  public static CertificateAuthority restore(
      X509Certificate certificate, PrivateKey key, Clock clock) {
    if (certificate.getBasicConstraints() < 0) {
      throw new IllegalArgumentException(
          "not a CA certificate: " + certificate.getSubjectX500Principal());
    }
    CertificateAuthority ca =
        new CertificateAuthority(clock, new KeyPair(certificate.getPublicKey(), key), certificate);
    try {
      certificate.verify(certificate.getPublicKey());
      ca.issueClient("key-check", Duration.ofMinutes(1))
          .certificate()
          .verify(certificate.getPublicKey());
    } catch (GeneralSecurityException | IllegalStateException e) {
      throw new IllegalArgumentException(
          "the key does not belong to the CA " + certificate.getSubjectX500Principal());
    }
    return ca;
  }

  /** Returns the CA's own certificate and key, to be stored where it is kept (a Secret). */
  public IssuedCertificate asIssued() {
    return new IssuedCertificate(certificate, key.getPrivate());
  }

  /** Returns the CA's certificate, which both sides trust. */
  public X509Certificate certificate() {
    return certificate;
  }

  /**
   * Issues a server certificate (extended key usage serverAuth only).
   *
   * @param commonName the subject's common name
   * @param dnsNames DNS names the certificate is valid for
   * @param ipAddresses IP addresses the certificate is valid for
   * @param validity how long it is valid from now
   */
  public IssuedCertificate issueServer(
      String commonName, List<String> dnsNames, List<String> ipAddresses, Duration validity) {
    List<GeneralName> names = new ArrayList<>();
    dnsNames.forEach(n -> names.add(new GeneralName(GeneralName.dNSName, n)));
    ipAddresses.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
    return issue(commonName, names, KeyPurposeId.id_kp_serverAuth, validity);
  }

  /** Issues a client certificate (extended key usage clientAuth only) named {@code commonName}. */
  public IssuedCertificate issueClient(String commonName, Duration validity) {
    return issue(commonName, List.of(), KeyPurposeId.id_kp_clientAuth, validity);
  }

  private IssuedCertificate issue(
      String commonName, List<GeneralName> names, KeyPurposeId purpose, Duration validity) {
    KeyPair subjectKey = newKey();
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          builder(
                  X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()),
                  new X500Name("CN=" + commonName),
                  subjectKey,
                  clock.instant(),
                  validity)
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(
                  Extension.keyUsage,
                  true,
                  new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
              .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
              .addExtension(
                  Extension.authorityKeyIdentifier,
                  false,
                  extensions.createAuthorityKeyIdentifier(certificate));
      if (!names.isEmpty()) {
        builder.addExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(names.toArray(GeneralName[]::new)));
      }
      return new IssuedCertificate(sign(builder, key), subjectKey.getPrivate());
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot issue a certificate for " + commonName, e);
    }
  }

  private static X509v3CertificateBuilder builder(
      X500Name issuer, X500Name subject, KeyPair subjectKey, Instant now, Duration validity) {
    return new JcaX509v3CertificateBuilder(
        issuer,
        new BigInteger(127, RANDOM),
        Date.from(now.minus(BACKDATE)),
        Date.from(now.plus(validity)),
        subject,
        subjectKey.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer)
      throws GeneralSecurityException {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(
              builder.build(
                  new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private static KeyPair newKey() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no ECDSA P-256 key generator in this JVM", e);
    }
  }
}
