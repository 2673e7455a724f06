package dev.tollgate.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;

/**
 * The PEM files of one side of a mutual-TLS hop, in the layout of a Kubernetes TLS Secret that also
 * carries its CA (cert-manager's): {@code tls.crt}, {@code tls.key} and {@code ca.crt}.
 *
 * @param certificate the certificate chain this side presents
 * @param key its private key
 * @param ca the CA certificates the other side's certificate must chain to
 */
public record TlsFiles(Path certificate, Path key, Path ca) {
  /** File name of the certificate in a directory. */
  public static final String CERTIFICATE = "tls.crt";

  /** File name of the private key in a directory. */
  public static final String KEY = "tls.key";

  /** File name of the CA certificate in a directory. */
  public static final String CA = "ca.crt";

  /** The files {@code tls.crt}, {@code tls.key} and {@code ca.crt} of a directory. */
  public static TlsFiles in(Path directory) {
    return new TlsFiles(
        directory.resolve(CERTIFICATE), directory.resolve(KEY), directory.resolve(CA));
  }

  /**
   * Writes an issued certificate and the CA into {@code directory} (created 0700), each file by an
   * atomic move, so that a reader never sees half a file and a directory watch sees the move. The
   * key is readable by the owner only.
   */
  public static TlsFiles write(Path directory, IssuedCertificate issued, X509Certificate ca)
      throws IOException {
    return write(directory, issued.certificatePem(), issued.keyPem(), IssuedCertificate.pem(ca));
  }

  /**
   * Writes PEM texts (as a Kubernetes TLS Secret holds them) into {@code directory} the same way as
   * {@link #write(Path, IssuedCertificate, X509Certificate)}.
   */
  public static TlsFiles write(Path directory, String certificatePem, String keyPem, String caPem)
      throws IOException {
    if (!Files.isDirectory(directory)) {
      Files.createDirectories(
          directory,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    TlsFiles files = in(directory);
    replace(files.ca(), caPem);
    replace(files.key(), keyPem);
    replace(files.certificate(), certificatePem);
    return files;
  }

  private static void replace(Path target, String content) throws IOException {
    Path temporary =
        Files.createTempFile(
            target.getParent(),
            "." + target.getFileName(),
            ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(temporary, content);
    Files.move(
        temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
