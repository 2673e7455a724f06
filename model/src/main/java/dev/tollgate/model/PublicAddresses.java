package dev.tollgate.model;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * Tells public internet addresses from loopback, private, link-local, shared, documentation and
 * reserved ones: the one rule that provider endpoints and the processor's JWKS fetches apply.
 */
public final class PublicAddresses {
  /** Ranges that are not the public internet (RFC 6890 and friends). */
  private static final List<EndpointRule> NOT_PUBLIC =
      List.of(
              "0.0.0.0/8",
              "10.0.0.0/8",
              "100.64.0.0/10",
              "127.0.0.0/8",
              "169.254.0.0/16",
              "172.16.0.0/12",
              "192.0.0.0/24",
              "192.0.2.0/24",
              "192.168.0.0/16",
              "198.18.0.0/15",
              "198.51.100.0/24",
              "203.0.113.0/24",
              "224.0.0.0/3",
              "::/8",
              "64:ff9b::/96",
              "100::/64",
              "2001:db8::/32",
              "fc00::/7",
              "fe80::/10",
              "ff00::/8")
          .stream()
          .map(EndpointRule::parse)
          .toList();

  private PublicAddresses() {}

  /**
   * Whether an address is public unicast. IPv4-mapped IPv6 addresses count as their IPv4 address
   * (the JDK reads them as such); every other address under {@code ::/8}, and NAT64, is not public.
   */
  public static boolean isPublic(InetAddress address) {
    if (address.isAnyLocalAddress()
        || address.isLoopbackAddress()
        || address.isLinkLocalAddress()
        || address.isSiteLocalAddress()
        || address.isMulticastAddress()) {
      return false;
    }
    Optional<InetAddress> candidate = Optional.of(address);
    for (EndpointRule range : NOT_PUBLIC) {
      if (range.matches("", candidate, -1)) {
        return false;
      }
    }
    return true;
  }
}
