package dev.tollgate.keys;

import picocli.CommandLine.Command;

/** {@code tollgate keys}: client API keys. */
@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    description = "Client API keys.",
    subcommands = {CreateKeyCommand.class})
public final class KeysCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
