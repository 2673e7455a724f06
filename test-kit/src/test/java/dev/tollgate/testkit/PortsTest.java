package dev.tollgate.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PortsTest {
  @Test
  void handsOutDistinctPortsBelowTheEphemeralRange() {
    Set<Integer> ports = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      int port = Ports.free();
      assertThat(port).isBetween(Ports.FIRST, Ports.LAST);
      assertThat(ports.add(port)).as("port %d handed out twice", port).isTrue();
    }
  }

  @Test
  void neverTakesAPortAnotherJvmHolds() throws Exception {
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                HoldPorts.class.getName(),
                "20")
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    try {
      List<Integer> theirs = new ArrayList<>();
      BufferedReader out =
          new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      for (int i = 0; i < 20; i++) {
        theirs.add(Integer.parseInt(out.readLine().trim()));
      }
      for (int port : theirs) {
        assertThat(Ports.reserve(port)).as("port %d, held by the other JVM", port).isFalse();
      }
      child.getOutputStream().close();
      assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
      assertThat(Ports.reserve(theirs.get(0))).as("given back when the other JVM exits").isTrue();
    } finally {
      child.destroyForcibly();
    }
  }

  /** Holds the ports it takes until its stdin closes, as a concurrent test JVM would. */
  public static final class HoldPorts {
    public static void main(String[] args) throws Exception {
      for (int i = 0; i < Integer.parseInt(args[0]); i++) {
        System.out.println(Ports.free());
      }
      System.out.flush();
      System.in.readAllBytes();
    }
  }
}
