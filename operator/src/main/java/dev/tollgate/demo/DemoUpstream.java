package dev.tollgate.demo;

import dev.tollgate.api.v1alpha1.ProviderType;
import dev.tollgate.emulator.EmulatorServer;
import dev.tollgate.emulator.ProviderEmulator;
import dev.tollgate.emulator.anthropic.AnthropicEmulator;
import dev.tollgate.emulator.openai.AzureOpenAiEmulator;
import dev.tollgate.emulator.openai.EmulatedModel;
import dev.tollgate.emulator.openai.OpenAiEmulator;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local provider stand-in of {@code tollgate run}, the quickstart, end-to-end tests and
 * benchmarks: the strict emulators of the {@code emulator} module on one port. Azure OpenAI answers
 * under {@code /openai/}, Anthropic under {@code /v1/messages}, OpenAI everything else (its
 * refusals for unknown paths included); other emulators may be mounted before these. Each serves
 * only the models {@link DemoModels} lists, and every emulator takes the same key. The demo's knobs
 * ({@code x-demo-*} headers, {@code -unavailable} and {@code -ratelimited} models) are described in
 * {@link dev.tollgate.emulator.DemoControls}. Thread-safe.
 */
public final class DemoUpstream implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DemoUpstream.class);

  private final EmulatorServer server;

  private DemoUpstream(EmulatorServer server) {
    this.server = server;
  }

  /**
   * Starts the demo upstream.
   *
   * @param host address to bind
   * @param port port, 0 for any free port
   * @param models the models served
   * @param key the API key callers must present (as {@code Authorization: Bearer}, or {@code
   *     api-key} on Azure paths)
   * @param latencyMillis delay before every answer
   * @param mountedFirst further emulators, asked before Anthropic's, Azure OpenAI's and OpenAI's
   */
  public static DemoUpstream start(
      String host,
      int port,
      DemoModels models,
      String key,
      long latencyMillis,
      List<ProviderEmulator> mountedFirst) {
    Clock clock = Clock.systemUTC();
    List<ProviderEmulator> emulators = new ArrayList<>(mountedFirst);
    // Anthropic's Messages API, strict, for the providers of type Anthropic pointing here.
    emulators.add(new AnthropicEmulator(() -> models.names(ProviderType.Anthropic), key));
    emulators.add(new AzureOpenAiEmulator(() -> deployments(models), key, clock));
    emulators.add(
        new OpenAiEmulator(
            () ->
                models.names(ProviderType.OpenAI, ProviderType.OpenAICompatible).stream()
                    .map(EmulatedModel::named)
                    .toList(),
            key,
            clock));
    EmulatorServer server = EmulatorServer.start(host, port, emulators, latencyMillis);
    LOG.info("demo upstream listening on {}:{}", host, server.port());
    return new DemoUpstream(server);
  }

  /** Starts a demo upstream serving a fixed list of OpenAI-style models (as bench/ does). */
  public static DemoUpstream start(
      String host, int port, List<String> models, String key, long latencyMillis) {
    return start(host, port, DemoModels.fixed(models), key, latencyMillis, List.of());
  }

  /** Returns the port the server listens on. */
  public int port() {
    return server.port();
  }

  @Override
  public void close() {
    server.close();
  }

  private static Map<String, EmulatedModel> deployments(DemoModels models) {
    Map<String, EmulatedModel> deployments = new LinkedHashMap<>();
    models.deployments().forEach((d, m) -> deployments.put(d, EmulatedModel.named(m)));
    return deployments;
  }
}
