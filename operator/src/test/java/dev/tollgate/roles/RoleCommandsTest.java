package dev.tollgate.roles;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.cli.TollgateCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class RoleCommandsTest {
  @Test
  void defaultsMatchThePortsTheOperatorPointsEnvoyAt() {
    ProcessorCommand processor = new ProcessorCommand();
    new CommandLine(processor).parseArgs();
    RateLimitCommand rateLimit = new RateLimitCommand();
    new CommandLine(rateLimit).parseArgs();

    assertThat(processor.port).isEqualTo(10001);
    assertThat(rateLimit.port).isEqualTo(10002);
    assertThat(processor.watch.namespaces()).isEmpty();
    assertThat(rateLimit.redis).isNull();
    assertThat(rateLimit.failOpen).isFalse();
  }

  @Test
  void watchFlagsAreTheOperatorsFlags() {
    RateLimitCommand rateLimit = new RateLimitCommand();
    new CommandLine(rateLimit)
        .parseArgs(
            "--namespaces=team-b, team-a,,platform",
            "--secret-selector=tollgate.dev/secret=true",
            "--redis=redis://redis:6379",
            "--fail-open");

    assertThat(rateLimit.watch.namespaces()).containsExactly("platform", "team-a", "team-b");
    assertThat(rateLimit.watch.secretSelector()).isEqualTo("tollgate.dev/secret=true");
    assertThat(rateLimit.redis).isEqualTo("redis://redis:6379");
    assertThat(rateLimit.failOpen).isTrue();
  }

  @Test
  void tollgateListsBothRolesAsSubcommands() {
    CommandLine cli = new CommandLine(new TollgateCommand());
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out));

    cli.execute("--help");

    assertThat(cli.getSubcommands()).containsKeys("processor", "ratelimit");
    assertThat(out.toString()).contains("processor").contains("ratelimit");
  }
}
