package dev.tollgate.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class PublicAddressesTest {
  @Test
  void tellsPublicAddressesFromInternalOnes() throws Exception {
    for (String internal :
        new String[] {
          "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
          "0.0.0.0", "255.255.255.255", "::1", "fe80::1", "fd00::1", "::ffff:10.0.0.1",
          "64:ff9b::a9fe:a9fe", "224.0.0.1"
        }) {
      assertThat(PublicAddresses.isPublic(InetAddress.getByName(internal))).as(internal).isFalse();
    }
    for (String external : new String[] {"8.8.8.8", "1.1.1.1", "2606:4700::1111"}) {
      assertThat(PublicAddresses.isPublic(InetAddress.getByName(external))).as(external).isTrue();
    }
  }
}
