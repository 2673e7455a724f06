package dev.tollgate.processor;

import dev.tollgate.model.PublicAddresses;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One key set fetch over HTTP/1.1 to an address checked once: the host is resolved a single time,
 * every address it resolves to is checked against the {@link JwksFetchPolicy}, and the connection
 * goes to that checked address, so a name that resolves to a public address at the check and to a
 * private one a moment later (DNS rebinding) cannot redirect the fetch. TLS still sends the host
 * name (SNI) and verifies the certificate against it, not against the address.
 *
 * <p>Only what a key set needs: {@code GET}, {@code Connection: close}, status 200 only (so no
 * redirect is followed), a body by {@code Content-Length}, chunks or the connection's end, never
 * more than {@code maxBytes} read. Blocking; runs on the fetch pool of {@link HttpJwksSource},
 * which ends a fetch that outlives its time by closing the socket it was handed. Thread-safe.
 */
final class PinnedJwksFetch {
  private static final int MAX_LINE = 8 * 1024;
  private static final int MAX_HEADERS = 100;

  /** Resolves a host name to its addresses, as {@link InetAddress#getAllByName} does. */
  interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  /** Opens a TCP connection to an address within a timeout. */
  interface Connector {
    Socket connect(InetSocketAddress address, int timeoutMillis) throws IOException;
  }

  /** The JVM's resolver and plain sockets. */
  static final Resolver SYSTEM_RESOLVER = InetAddress::getAllByName;

  static final Connector PLAIN_SOCKETS =
      (address, timeoutMillis) -> {
        Socket socket = new Socket();
        try {
          socket.connect(address, timeoutMillis);
        } catch (IOException e) {
          socket.close();
          throw e;
        }
        return socket;
      };

  private final JwksFetchPolicy policy;
  private final Resolver resolver;
  private final Connector connector;
  private final SSLSocketFactory tls;

  PinnedJwksFetch(
      JwksFetchPolicy policy, Resolver resolver, Connector connector, SSLSocketFactory tls) {
    this.policy = policy;
    this.resolver = resolver;
    this.connector = connector;
    this.tls = tls;
  }

  /**
   * Fetches the body of {@code target}; hands every socket it opens to {@code opened}, for the
   * caller to close when it gives up. Fails with an {@link IllegalStateException} or an {@link
   * IOException} whose message names {@code uri} and the reason.
   */
  byte[] fetch(String uri, URI target, Consumer<Socket> opened) throws IOException {
    String host = target.getHost();
    boolean https = target.getScheme().toLowerCase(Locale.ROOT).equals("https");
    int port = target.getPort() >= 0 ? target.getPort() : https ? 443 : 80;
    InetAddress address = checkedAddress(uri, host);
    Socket socket =
        connector.connect(
            new InetSocketAddress(address, port), (int) policy.connectTimeout().toMillis());
    opened.accept(socket);
    socket.setSoTimeout((int) policy.totalTimeout().toMillis());
    if (https) {
      SSLSocket ssl = (SSLSocket) tls.createSocket(socket, unbracketed(host), port, true);
      opened.accept(ssl);
      SSLParameters parameters = ssl.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      if (!isLiteral(host)) {
        parameters.setServerNames(List.of(new SNIHostName(host)));
      }
      ssl.setSSLParameters(parameters);
      ssl.startHandshake();
      socket = ssl;
    }
    OutputStream out = socket.getOutputStream();
    out.write(request(target, host, https).getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return response(uri, new BufferedInputStream(socket.getInputStream()));
  }

  /** Resolves once and checks every address; returns the first, the one connected to. */
  private InetAddress checkedAddress(String uri, String host) {
    InetAddress[] addresses;
    try {
      addresses = resolver.resolve(unbracketed(host));
    } catch (UnknownHostException e) {
      throw new IllegalStateException("the host of the key set at " + uri + " does not resolve");
    }
    if (addresses == null || addresses.length == 0) {
      throw new IllegalStateException("the host of the key set at " + uri + " does not resolve");
    }
    if (!policy.allowPrivateAddresses()) {
      for (InetAddress address : addresses) {
        if (!PublicAddresses.isPublic(address)) {
          throw new IllegalStateException(
              "the key set at "
                  + uri
                  + " resolves to a non-public address (allowed only with"
                  + " --jwks-allow-private-addresses)");
        }
      }
    }
    return addresses[0];
  }

  private static String request(URI target, String host, boolean https) {
    String path =
        target.getRawPath() == null || target.getRawPath().isEmpty() ? "/" : target.getRawPath();
    if (target.getRawQuery() != null) {
      path += "?" + target.getRawQuery();
    }
    int port = target.getPort();
    boolean defaultPort = port < 0 || port == (https ? 443 : 80);
    return "GET "
        + path
        + " HTTP/1.1\r\nHost: "
        + host
        + (defaultPort ? "" : ":" + port)
        + "\r\nAccept: application/json\r\nAccept-Encoding: identity\r\nConnection: close\r\n"
        + "User-Agent: tollgate-processor\r\n\r\n";
  }

  private byte[] response(String uri, InputStream in) throws IOException {
    String status = line(uri, in);
    String[] parts = status.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IllegalStateException("the key set at " + uri + " did not answer HTTP/1.1");
    }
    if (!parts[1].equals("200")) {
      throw new IllegalStateException("the key set at " + uri + " answered HTTP " + parts[1]);
    }
    long length = -1;
    boolean chunked = false;
    for (int i = 0; ; i++) {
      String header = line(uri, in);
      if (header.isEmpty()) {
        break;
      }
      if (i >= MAX_HEADERS) {
        throw new IllegalStateException("the key set at " + uri + " sent too many headers");
      }
      int colon = header.indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String name = header.substring(0, colon).strip().toLowerCase(Locale.ROOT);
      String value = header.substring(colon + 1).strip();
      if (name.equals("content-length")) {
        try {
          length = Long.parseLong(value);
        } catch (NumberFormatException e) {
          throw new IllegalStateException("the key set at " + uri + " sent a bad Content-Length");
        }
      } else if (name.equals("transfer-encoding")) {
        chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
      }
    }
    if (!chunked && length > policy.maxBytes()) {
      throw tooLarge(uri);
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (chunked) {
      while (true) {
        String size = line(uri, in);
        int semicolon = size.indexOf(';');
        long chunk;
        try {
          chunk = Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).strip(), 16);
        } catch (NumberFormatException e) {
          throw new IllegalStateException("the key set at " + uri + " sent a bad chunk");
        }
        if (chunk < 0) {
          throw new IllegalStateException("the key set at " + uri + " sent a bad chunk");
        }
        if (chunk == 0) {
          break;
        }
        copy(uri, in, body, chunk);
        line(uri, in);
      }
    } else if (length >= 0) {
      copy(uri, in, body, length);
    } else {
      copy(uri, in, body, Long.MAX_VALUE);
    }
    return body.toByteArray();
  }

  /** Copies {@code count} bytes (or up to the end when MAX_VALUE), never past the size limit. */
  private void copy(String uri, InputStream in, ByteArrayOutputStream body, long count)
      throws IOException {
    byte[] buffer = new byte[8192];
    long left = count;
    while (left > 0) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) {
        if (count == Long.MAX_VALUE) {
          return;
        }
        throw new IOException("the key set at " + uri + " ended early");
      }
      if (body.size() + n > policy.maxBytes()) {
        throw tooLarge(uri);
      }
      body.write(buffer, 0, n);
      left -= n;
    }
  }

  private IllegalStateException tooLarge(String uri) {
    return new IllegalStateException(
        "the key set at " + uri + " is larger than " + policy.maxBytes() + " bytes");
  }

  /** Reads a CRLF- (or LF-) terminated line of at most {@link #MAX_LINE} bytes. */
  private static String line(String uri, InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("the key set at " + uri + " ended early");
      }
      if (b == '\n') {
        int end = line.length();
        if (end > 0 && line.charAt(end - 1) == '\r') {
          line.setLength(end - 1);
        }
        return line.toString();
      }
      if (line.length() >= MAX_LINE) {
        throw new IllegalStateException("the key set at " + uri + " sent a line too long");
      }
      line.append((char) b);
    }
  }

  private static String unbracketed(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  private static boolean isLiteral(String host) {
    String h = unbracketed(host);
    return h.contains(":") || h.chars().allMatch(c -> c == '.' || Character.isDigit(c));
  }
}
