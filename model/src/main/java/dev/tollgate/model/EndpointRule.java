package dev.tollgate.model;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One entry of the provider endpoint allow-list: {@code *} (any endpoint), a host name ({@code
 * vllm.models.svc.cluster.local}), a host suffix ({@code *.openai.azure.com}), an IP address or a
 * CIDR range ({@code 10.20.0.0/16}, {@code fd00::/8}); host names and single addresses may end in
 * {@code :port} ({@code 127.0.0.1:10003}, {@code [::1]:8000}) to allow that port only.
 *
 * @param text the entry as written
 * @param host the lower-case host name, the suffix after {@code *.}, or null for addresses and any
 * @param suffix whether {@code host} is a suffix
 * @param network the first address of the range, or null for host names and any
 * @param prefix the range's prefix length in bits
 * @param port the only port allowed, or -1 for any
 */
public record EndpointRule(
    String text, String host, boolean suffix, InetAddress network, int prefix, int port) {
  private static final Pattern NAME =
      Pattern.compile("^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$");
  private static final Pattern PORT = Pattern.compile("^[0-9]{1,5}$");
  private static final Pattern IPV4 =
      Pattern.compile(
          "^(0|[1-9][0-9]{0,2})\\.(0|[1-9][0-9]{0,2})\\.(0|[1-9][0-9]{0,2})\\.(0|[1-9][0-9]{0,2})$");

  /**
   * Parses an entry.
   *
   * @throws IllegalArgumentException naming the entry and what is wrong with it
   */
  public static EndpointRule parse(String entry) {
    String text = entry.strip().toLowerCase(Locale.ROOT);
    if (text.equals("*")) {
      return new EndpointRule(text, null, false, null, 0, -1);
    }
    int slash = text.indexOf('/');
    if (slash >= 0) {
      InetAddress network = literal(text.substring(0, slash)).orElseThrow(() -> bad(entry));
      String bits = text.substring(slash + 1);
      int max = network.getAddress().length * 8;
      if (!PORT.matcher(bits).matches() || Integer.parseInt(bits) > max) {
        throw bad(entry);
      }
      return new EndpointRule(text, null, false, network, Integer.parseInt(bits), -1);
    }
    String hostPart = text;
    String portPart = null;
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0) {
        throw bad(entry);
      }
      hostPart = text.substring(1, close);
      String rest = text.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          throw bad(entry);
        }
        portPart = rest.substring(1);
      }
    } else if (text.indexOf(':') >= 0 && text.indexOf(':') == text.lastIndexOf(':')) {
      hostPart = text.substring(0, text.indexOf(':'));
      portPart = text.substring(text.indexOf(':') + 1);
    }
    int port = -1;
    if (portPart != null) {
      if (!PORT.matcher(portPart).matches()
          || Integer.parseInt(portPart) < 1
          || Integer.parseInt(portPart) > 65535) {
        throw bad(entry);
      }
      port = Integer.parseInt(portPart);
    }
    Optional<InetAddress> address = literal(hostPart);
    if (address.isPresent()) {
      return new EndpointRule(
          text, null, false, address.get(), address.get().getAddress().length * 8, port);
    }
    boolean suffix = hostPart.startsWith("*.");
    String name = suffix ? hostPart.substring(2) : hostPart;
    if (!NAME.matcher(name).matches() || name.length() > 253) {
      throw bad(entry);
    }
    return new EndpointRule(text, name, suffix, null, 0, port);
  }

  /** Returns whether an endpoint (a normalised host name or IP literal, and port) matches. */
  boolean matches(String endpointHost, Optional<InetAddress> endpointAddress, int endpointPort) {
    if (port >= 0 && port != endpointPort) {
      return false;
    }
    if (network != null) {
      return endpointAddress.isPresent() && contains(network, prefix, endpointAddress.get());
    }
    if (host == null) {
      return true;
    }
    if (endpointAddress.isPresent()) {
      return false;
    }
    return suffix ? endpointHost.endsWith("." + host) : endpointHost.equals(host);
  }

  /** Returns whether an address lies in the range {@code network/prefix}. */
  static boolean contains(InetAddress network, int prefix, InetAddress address) {
    byte[] a = network.getAddress();
    byte[] b = address.getAddress();
    if (a.length != b.length) {
      return false;
    }
    for (int bit = 0; bit < prefix; bit++) {
      int mask = 0x80 >>> (bit % 8);
      if ((a[bit / 8] & mask) != (b[bit / 8] & mask)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Reads an IP literal without any DNS look-up: a dotted quad of decimal numbers, or an IPv6
   * address with or without brackets; empty for anything else.
   */
  static Optional<InetAddress> literal(String text) {
    try {
      if (IPV4.matcher(text).matches()) {
        String[] parts = text.split("\\.");
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
          int n = Integer.parseInt(parts[i]);
          if (n > 255) {
            return Optional.empty();
          }
          bytes[i] = (byte) n;
        }
        return Optional.of(InetAddress.getByAddress(bytes));
      }
      if (text.contains(":") && text.matches("^\\[?[0-9a-f:.]+]?$")) {
        // With brackets, InetAddress parses the literal and never falls back to DNS.
        String bracketed = text.startsWith("[") ? text : "[" + text + "]";
        return Optional.of(InetAddress.getByName(bracketed));
      }
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  private static IllegalArgumentException bad(String entry) {
    return new IllegalArgumentException(
        "'"
            + entry
            + "' is not a provider endpoint entry: use *, a host name, *.suffix, an IP address or"
            + " CIDR range, optionally with :port (e.g. *.openai.azure.com, 10.0.0.0/8,"
            + " 127.0.0.1:10003)");
  }
}
