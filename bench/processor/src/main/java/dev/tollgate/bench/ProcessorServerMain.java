package dev.tollgate.bench;

import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModelBuilder;
import dev.tollgate.model.source.ManifestReader;
import dev.tollgate.processor.Processor;
import dev.tollgate.processor.ProcessorConfig;
import dev.tollgate.processor.ProcessorServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The processor in a JVM of its own, so that the benchmark can read its CPU time apart from the
 * load generator, Envoy and the stand-in provider. Arguments: the manifests file and a file to
 * write the port to.
 */
public final class ProcessorServerMain {
  private ProcessorServerMain() {}

  /** Starts the processor and serves until killed. */
  public static void main(String[] args) throws Exception {
    String yaml = Files.readString(Path.of(args[0]));
    GatewayModel model =
        GatewayModelBuilder.build(new ManifestReader().readString("bench", yaml).snapshot());
    Processor processor =
        new Processor(
            ProcessorConfig.defaults(),
            Clock.systemUTC(),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    processor.update(model);
    ProcessorServer server = ProcessorServer.start("127.0.0.1", 0, processor);
    Path portFile = Path.of(args[1]);
    Files.writeString(
        portFile.resolveSibling(portFile.getFileName() + ".tmp"), Integer.toString(server.port()));
    Files.move(portFile.resolveSibling(portFile.getFileName() + ".tmp"), portFile);
    Thread.currentThread().join();
  }
}
