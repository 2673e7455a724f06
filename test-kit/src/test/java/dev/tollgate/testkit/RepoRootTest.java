package dev.tollgate.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RepoRootTest {
  @Test
  void findsTheCheckoutThatListsThisModule() throws Exception {
    assertThat(RepoRoot.path()).isAbsolute();
    assertThat(RepoRoot.resolve("pom.xml")).content().contains("<module>test-kit</module>");
    assertThat(RepoRoot.resolve("examples/quickstart")).isDirectory();
  }

  @Test
  void walksUpFromTheWorkingDirectoryWithoutTheProperty() {
    String given = System.clearProperty("tollgate.root");
    try {
      assertThat(RepoRoot.resolve("mvnw")).isRegularFile();
    } finally {
      if (given != null) {
        System.setProperty("tollgate.root", given);
      }
    }
  }
}
