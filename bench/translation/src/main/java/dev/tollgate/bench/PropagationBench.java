package dev.tollgate.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.tollgate.model.ProviderPolicy;
import dev.tollgate.model.source.FolderWatcher;
import dev.tollgate.model.source.ModelPublisher;
import dev.tollgate.xds.AdsServer;
import dev.tollgate.xds.EnvoyBootstrap;
import dev.tollgate.xds.EnvoyProcess;
import dev.tollgate.xds.XdsResources;
import dev.tollgate.xds.XdsSettings;
import dev.tollgate.xds.XdsTranslator;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Control-plane propagation the way {@code tollgate run} does it, without the processor and
 * rate-limit service (which are not on the path to Envoy): a folder of N AIRoute files (the layout
 * of bench/compare's propagation step), the folder source, the model publisher, xDS translation,
 * the ADS server and a real Envoy. Measures the time to ready (folder read, first build and
 * publish, Envoy's ACK of every type) and, for each of several edits of one route file, write →
 * published and write → Envoy's ACK of the new version, with the JVM's CPU time in between (robust
 * to a loaded machine, unlike wall time). Not a test.
 *
 * <p>Arguments: {@code [routes,routes...] [edits] [work folder]}; default {@code 1000,5000 5}.
 */
public final class PropagationBench {
  private static final String NODE = "bench";
  private static final OperatingSystemMXBean OS =
      (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private PropagationBench() {}

  /** Runs the benchmark. */
  public static void main(String[] args) throws Exception {
    int[] counts =
        Arrays.stream((args.length > 0 ? args[0] : "1000,5000").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
    int edits = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Path work = Path.of(args.length > 2 ? args[2] : "target/propagation-bench").toAbsolutePath();
    System.out.printf("load average before: %.2f%n", OS.getSystemLoadAverage());
    for (int n : counts) {
      run(n, edits, work.resolve("routes-" + n));
    }
    System.out.printf("load average after: %.2f%n", OS.getSystemLoadAverage());
  }

  private static void run(int routes, int edits, Path folder) throws Exception {
    Path edited = PropagationFolder.write(folder, routes);
    AtomicReference<String> published = new AtomicReference<>();
    AtomicLong publishedAt = new AtomicLong();
    long t0 = System.nanoTime();
    long cpu0 = OS.getProcessCpuTime();
    try (FolderWatcher watcher = new FolderWatcher(folder);
        AdsServer ads = AdsServer.start("127.0.0.1", 0, Clock.systemUTC())) {
      long tRead = System.nanoTime();
      XdsTranslator translator =
          new XdsTranslator(
              XdsSettings.local()
                  .withListener("127.0.0.1", freePort())
                  .withServices("127.0.0.1", freePort(), "127.0.0.1", freePort()));
      ModelPublisher.Gate gate =
          build -> {
            if (!build.newVersion()) {
              return false;
            }
            XdsResources xds = translator.translate(build.model());
            ads.publish(AdsServer.DEFAULT_GROUP, xds);
            publishedAt.set(System.nanoTime());
            published.set(xds.version());
            return true;
          };
      try (ModelPublisher pipeline =
          new ModelPublisher(
              watcher,
              ProviderPolicy.UNRESTRICTED,
              Duration.ZERO,
              ModelPublisher.Scheduler.ownThread("bench-publisher"),
              gate)) {
        watcher.start(pipeline::requestBuild);
        pipeline.start();
        long tPublished = System.nanoTime();
        int admin = freePort();
        try (EnvoyProcess envoy =
            EnvoyProcess.start(
                folder.resolveSibling("envoy-" + routes),
                EnvoyBootstrap.toJson(
                    EnvoyBootstrap.build(
                        NODE, AdsServer.DEFAULT_GROUP, "127.0.0.1", ads.port(), admin)),
                admin,
                "warning")) {
          awaitAck(ads, published.get(), envoy);
          long tReady = System.nanoTime();
          System.out.printf(
              "%d routes: ready %.0f ms (folder read %.0f, first build+translate+publish %.0f,"
                  + " Envoy start to ACK %.0f), JVM CPU %.0f ms%n",
              routes,
              ms(tReady - t0),
              ms(tRead - t0),
              ms(tPublished - tRead),
              ms(tReady - tPublished),
              (OS.getProcessCpuTime() - cpu0) / 1e6);
          List<double[]> samples = new ArrayList<>();
          for (int k = 0; k < edits; k++) {
            Thread.sleep(2000);
            String before = published.get();
            long cpu = OS.getProcessCpuTime();
            long tWrite = System.nanoTime();
            Files.writeString(edited, PropagationFolder.route(0, "team-000", (121 + k) + "s"));
            long deadline = tWrite + Duration.ofMinutes(5).toNanos();
            while (published.get().equals(before) && System.nanoTime() < deadline) {
              Thread.sleep(1);
            }
            String version = published.get();
            long tPub = publishedAt.get();
            awaitAck(ads, version, envoy);
            long tAck = System.nanoTime();
            double[] s = {
              ms(tPub - tWrite), ms(tAck - tWrite), (OS.getProcessCpuTime() - cpu) / 1e6
            };
            samples.add(s);
            System.out.printf(
                "%d routes, edit %d: write->published %.0f ms, write->Envoy ACK %.0f ms, JVM CPU"
                    + " %.0f ms%n",
                routes, k + 1, s[0], s[1], s[2]);
          }
          System.out.printf(
              "%d routes: median of %d edits: write->published %.0f ms, write->Envoy ACK %.0f"
                  + " ms, JVM CPU %.0f ms%n",
              routes, edits, median(samples, 0), median(samples, 1), median(samples, 2));
        }
      }
    }
  }

  private static void awaitAck(AdsServer ads, String version, EnvoyProcess envoy)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    while (!ads.tracker().status(NODE).ackedEverything(version)) {
      if (!envoy.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "Envoy did not acknowledge " + version + ":\n" + envoy.logTail(30));
      }
      Thread.sleep(1);
    }
  }

  private static double median(List<double[]> samples, int column) {
    double[] values = samples.stream().mapToDouble(s -> s[column]).sorted().toArray();
    return values[values.length / 2];
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
