package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class OperatorCommandTest {
  static OperatorSettings parse(String... args) {
    OperatorCommand command = new OperatorCommand();
    new CommandLine(command).parseArgs(args);
    return command.settings();
  }

  @Test
  void defaultsSuitAnInClusterDeployment() {
    OperatorSettings s = parse();

    assertThat(s.namespaces()).isEmpty();
    assertThat(s.secretSelector()).isEmpty();
    assertThat(s.adsPort()).isEqualTo(18000);
    assertThat(s.leaderElection()).isTrue();
    assertThat(s.leaseName()).isEqualTo("tollgate-operator");
    assertThat(s.xds().processorHost()).isEqualTo("tollgate-processor");
    assertThat(s.xds().processorPort()).isEqualTo(10001);
    assertThat(s.xds().rateLimitHost()).isEqualTo("tollgate-ratelimit");
    assertThat(s.statusWithServerSideApply()).isTrue();
    assertThat(s.usagePort()).as("the ledger's reports, on a port of their own").isEqualTo(9091);
    assertThat(parse("--usage-port=-1").usagePort()).isEqualTo(-1);
  }

  @Test
  void flagsMapOntoSettings() {
    OperatorSettings s =
        parse(
            "--namespaces=team-a, team-b,platform",
            "--secret-selector=tollgate.dev/secret=true",
            "--ads-port=19000",
            "--processor=proc.tollgate:7001",
            "--ratelimit=rls.tollgate:7002",
            "--no-leader-election",
            "--quota-usage-interval=1m",
            "--coalesce=500ms");

    assertThat(s.namespaces()).containsExactly("platform", "team-a", "team-b");
    assertThat(s.secretSelector()).isEqualTo("tollgate.dev/secret=true");
    assertThat(s.adsPort()).isEqualTo(19000);
    assertThat(s.xds().processorHost()).isEqualTo("proc.tollgate");
    assertThat(s.xds().rateLimitPort()).isEqualTo(7002);
    assertThat(s.leaderElection()).isFalse();
    assertThat(s.quotaUsageInterval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(s.coalesce()).isEqualTo(Duration.ofMillis(500));
  }

  @Test
  void tlsFlagsServeAdsOverMutualTlsAndPutItOnTheGrpcClusters() {
    OperatorSettings s =
        parse(
            "--tls-dir=/etc/tollgate/tls",
            "--envoy-tls-dir=/etc/envoy/tls",
            "--envoy-sds-dir=/etc/envoy/sds");

    assertThat(s.adsTls()).isEqualTo(java.nio.file.Path.of("/etc/tollgate/tls"));
    assertThat(s.xds().serviceTls())
        .isEqualTo(new dev.tollgate.xds.ServiceTls("/etc/envoy/tls", "/etc/envoy/sds"));
  }

  @Test
  void withoutTlsFlagsEverythingStaysPlaintext() {
    OperatorSettings s = parse();

    assertThat(s.adsTls()).isNull();
    assertThat(s.xds().serviceTls()).isNull();
  }

  @Test
  void aBadAddressIsRefusedWithTheFlagAndAnExample() {
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new OperatorCommand());
    cli.setErr(new PrintWriter(err));

    int status = cli.execute("--processor=no-port");

    assertThat(status).isEqualTo(2);
    assertThat(err.toString())
        .contains("--processor must be host:port, e.g. tollgate-processor:10001; got 'no-port'");
  }

  @Test
  void theOperatorIsToldTheProcessorsClientKeySelectorWithTheSameDefault() {
    assertThat(parse().providerPolicy().clientKeys().text())
        .isEqualTo(dev.tollgate.model.ClientKeyWatch.DEFAULT_SELECTOR);
    assertThat(parse("--client-key-selector=team=keys").providerPolicy().clientKeys().text())
        .isEqualTo("team=keys");
    assertThat(parse("--client-key-selector=").providerPolicy().clientKeys().everySecret())
        .isTrue();
  }

  @Test
  void anUnreadableClientKeySelectorIsAUsageError() {
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new OperatorCommand());
    cli.setErr(new PrintWriter(err));

    int status = cli.execute("--client-key-selector=a b");

    assertThat(status).isEqualTo(2);
    assertThat(err.toString()).contains("--client-key-selector: cannot read 'a b'");
  }
}
