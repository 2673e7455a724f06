package dev.tollgate.roles;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.cli.TollgateCommand;
import dev.tollgate.processor.ProcessorConfig;
import dev.tollgate.ratelimit.RateLimitSettings;
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

  /**
   * The processor refuses reservations over the limit itself; were its limit higher than the
   * rate-limit service's, a larger reservation would reach the service as invalid input, which
   * Envoy lets through when it fails open.
   */
  @Test
  void bothRolesReadOnePerRequestTokenLimitWithTheSameDefault() {
    ProcessorCommand processor = new ProcessorCommand();
    new CommandLine(processor).parseArgs();
    RateLimitCommand rateLimit = new RateLimitCommand();
    new CommandLine(rateLimit).parseArgs();
    long processorDefault =
        processor.tokenLimit.processor(ProcessorConfig.defaults()).maxTokensPerRequest();
    assertThat(processorDefault)
        .isEqualTo(ProcessorConfig.defaults().maxTokensPerRequest())
        .isEqualTo(RateLimitSettings.defaults().maxTokensPerRequest())
        .isEqualTo(
            rateLimit.tokenLimit.rateLimit(RateLimitSettings.defaults()).maxTokensPerRequest());

    new CommandLine(processor).parseArgs("--max-tokens-per-request=500000");
    new CommandLine(rateLimit).parseArgs("--max-tokens-per-request=500000");
    assertThat(processor.tokenLimit.processor(ProcessorConfig.defaults()).maxTokensPerRequest())
        .isEqualTo(500_000);
    assertThat(rateLimit.tokenLimit.rateLimit(RateLimitSettings.defaults()).maxTokensPerRequest())
        .isEqualTo(500_000);
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
