package dev.tollgate.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tollgate} program: one binary with a subcommand per role. */
@Command(
    name = "tollgate",
    mixinStandardHelpOptions = true,
    version = "tollgate 0.1.0",
    description = "Kubernetes-native AI gateway.",
    subcommands = {
      TranslateCommand.class,
      dev.tollgate.run.RunCommand.class,
      dev.tollgate.operator.OperatorCommand.class,
      dev.tollgate.roles.ProcessorCommand.class,
      dev.tollgate.roles.RateLimitCommand.class,
      dev.tollgate.usage.UsageCommand.class,
      dev.tollgate.keys.KeysCommand.class,
      dev.tollgate.usage.AuditCommand.class,
      dev.tollgate.demo.EmulatorCommand.class
    })
public final class TollgateCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Runs the program and exits with its status. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the program and returns its exit status; for tests and embedding. */
  public static int run(String... args) {
    return new CommandLine(new TollgateCommand()).execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
