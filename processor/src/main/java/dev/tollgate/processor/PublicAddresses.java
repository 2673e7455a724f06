package dev.tollgate.processor;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/** Tells public internet addresses from loopback, private, link-local and reserved ones. */
final class PublicAddresses {
  private PublicAddresses() {}

  /** Whether an address is a public unicast address a key set may be fetched from. */
  static boolean isPublic(InetAddress address) {
    if (address.isAnyLocalAddress()
        || address.isLoopbackAddress()
        || address.isLinkLocalAddress()
        || address.isSiteLocalAddress()
        || address.isMulticastAddress()) {
      return false;
    }
    byte[] b = address.getAddress();
    if (address instanceof Inet4Address) {
      int a0 = b[0] & 0xff;
      int a1 = b[1] & 0xff;
      return a0 != 0 // this network
          && !(a0 == 100 && (a1 & 0xc0) == 64) // carrier-grade NAT 100.64/10
          && !(a0 == 192 && a1 == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments
          && !(a0 == 198 && (a1 & 0xfe) == 18) // benchmarking 198.18/15
          && a0 < 240; // reserved and broadcast
    }
    if (address instanceof Inet6Address) {
      int a0 = b[0] & 0xff;
      if ((a0 & 0xfe) == 0xfc) {
        return false; // unique local fc00::/7
      }
      if (isEmbeddedIpv4(b)) {
        try {
          return isPublic(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
        } catch (java.net.UnknownHostException e) {
          return false;
        }
      }
      return a0 != 0; // ::/8 holds only reserved, loopback and compatibility addresses
    }
    return false;
  }

  /** IPv4-compatible ::a.b.c.d, IPv4-mapped ::ffff:a.b.c.d and NAT64 64:ff9b::a.b.c.d. */
  private static boolean isEmbeddedIpv4(byte[] b) {
    boolean zeros = true;
    for (int i = 0; i < 10; i++) {
      zeros &= b[i] == 0;
    }
    boolean mapped = zeros && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    boolean nat64 =
        (b[0] & 0xff) == 0x00
            && (b[1] & 0xff) == 0x64
            && (b[2] & 0xff) == 0xff
            && (b[3] & 0xff) == 0x9b;
    return mapped || nat64;
  }
}
