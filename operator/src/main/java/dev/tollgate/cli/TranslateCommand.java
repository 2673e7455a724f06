package dev.tollgate.cli;

import dev.tollgate.model.source.LoadResult;
import dev.tollgate.model.source.ManifestReader;
import dev.tollgate.xds.TranslationReport;
import dev.tollgate.xds.XdsSettings;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tollgate translate -f DIR}: prints the xDS a folder of manifests becomes, or the errors.
 * Exit status 0 when every resource is accepted and resolved, 1 otherwise.
 */
@Command(
    name = "translate",
    mixinStandardHelpOptions = true,
    description = {
      "Print the Envoy configuration (xDS) a folder of Tollgate manifests becomes.",
      "Exits 1 and names each failing resource, field and reason when anything is wrong."
    })
public final class TranslateCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = {"-f", "--folder"},
      required = true,
      description = "Folder of YAML manifests (searched recursively for .yaml and .yml).")
  Path folder;

  @Option(
      names = "--output",
      defaultValue = "xds",
      description =
          "What to print: xds (the xDS resources) or full (also every resource's"
              + " conditions and load errors). Default: ${DEFAULT-VALUE}.")
  Output output;

  @Option(names = "--listener-port", defaultValue = "10000", description = "Port of the listener.")
  int listenerPort;

  /** What the command prints. */
  enum Output {
    xds,
    full
  }

  @Override
  public Integer call() {
    LoadResult loaded = new ManifestReader().readFolder(folder);
    XdsSettings local = XdsSettings.local();
    XdsSettings settings = local.withListener(local.listenerAddress(), listenerPort);
    TranslationReport report = TranslationReport.of(loaded, settings);
    var out = spec.commandLine().getOut();
    out.print(output == Output.full ? report.toYaml() : report.xdsYaml());
    out.flush();
    if (report.hasErrors()) {
      var err = spec.commandLine().getErr();
      err.print(report.describeErrors());
      err.flush();
      return 1;
    }
    return 0;
  }
}
