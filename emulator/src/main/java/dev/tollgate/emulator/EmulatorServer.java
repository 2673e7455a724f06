package dev.tollgate.emulator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP server on which provider emulators are mounted: each request goes to the first emulator
 * that claims it (so mount the most specific first, and an emulator that claims everything last, to
 * answer unknown paths in its provider's words). It remembers the last {@value #KEPT} requests and
 * the status each was answered with, so that a test can assert what the provider received and what
 * it made of it. Thread-safe.
 */
public final class EmulatorServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmulatorServer.class);
  private static final int KEPT = 1000;

  private final HttpServer server;
  private final ExecutorService executor;
  private final List<ProviderEmulator> emulators;
  private final long latencyMillis;
  private final Deque<ReceivedRequest> received = new ArrayDeque<>();
  private final Deque<AnsweredRequest> answered = new ArrayDeque<>();

  private EmulatorServer(
      HttpServer server,
      ExecutorService executor,
      List<ProviderEmulator> emulators,
      long latencyMillis) {
    this.server = server;
    this.executor = executor;
    this.emulators = List.copyOf(emulators);
    this.latencyMillis = latencyMillis;
  }

  /**
   * Starts a server.
   *
   * @param host address to bind
   * @param port port, 0 for any free port
   * @param emulators the mounted APIs, in the order they are asked to claim a request
   * @param latencyMillis delay before every answer
   */
  public static EmulatorServer start(
      String host, int port, List<ProviderEmulator> emulators, long latencyMillis) {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 1024);
      ExecutorService executor =
          Executors.newFixedThreadPool(
              64,
              r -> {
                Thread t = new Thread(r, "provider-emulator");
                t.setDaemon(true);
                return t;
              });
      EmulatorServer emulator = new EmulatorServer(server, executor, emulators, latencyMillis);
      server.createContext("/", emulator::handle);
      server.setExecutor(executor);
      server.start();
      return emulator;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot start the provider emulator on " + host + ":" + port, e);
    }
  }

  /** Returns the port the server listens on. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** Returns the requests received so far (the last {@value #KEPT}), oldest first. */
  public List<ReceivedRequest> received() {
    synchronized (received) {
      return new ArrayList<>(received);
    }
  }

  /** Returns the last request received, or null. */
  public ReceivedRequest lastReceived() {
    synchronized (received) {
      return received.peekLast();
    }
  }

  /**
   * Returns the requests answered so far (the last {@value #KEPT}), in the order their status lines
   * went out, each with its status. A request is here before its client reads the first byte of the
   * answer, so a test that has its response sees it.
   */
  public List<AnsweredRequest> answered() {
    synchronized (received) {
      return new ArrayList<>(answered);
    }
  }

  /**
   * Returns the requests received so far that carried a gateway-internal header ({@link
   * ReceivedRequest#gatewayHeaders}), each as its method, path and those headers' names: what a
   * test asserts is empty, since the provider a real request reaches must never see one.
   */
  public List<String> gatewayHeaderLeaks() {
    List<String> leaks = new ArrayList<>();
    for (ReceivedRequest request : received()) {
      List<String> names = request.gatewayHeaders();
      if (!names.isEmpty()) {
        leaks.add(request.method() + " " + request.path() + " " + names);
      }
    }
    return leaks;
  }

  /** Forgets the requests received and answered so far. */
  public void clearReceived() {
    synchronized (received) {
      received.clear();
      answered.clear();
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) {
    try (exchange) {
      ReceivedRequest request = read(exchange);
      synchronized (received) {
        if (received.size() == KEPT) {
          received.removeFirst();
        }
        received.addLast(request);
      }
      DemoControls controls = DemoControls.of(request);
      Pause.millis(latencyMillis + controls.delayMillis());
      Reply reply =
          new Reply(exchange, controls.chunkDelayMillis(), status -> answered(request, status));
      for (ProviderEmulator emulator : emulators) {
        if (emulator.claims(request)) {
          emulator.answer(request, reply);
          return;
        }
      }
      reply.send(404, "text/plain", "Not Found");
    } catch (IOException e) {
      LOG.debug("client went away: {}", e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn("provider emulator failed on {}", exchange.getRequestURI().getPath(), e);
    }
  }

  private void answered(ReceivedRequest request, int status) {
    synchronized (received) {
      if (answered.size() == KEPT) {
        answered.removeFirst();
      }
      answered.addLast(new AnsweredRequest(request, status));
    }
  }

  private static ReceivedRequest read(HttpExchange exchange) throws IOException {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    exchange
        .getRequestHeaders()
        .forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
    String query = exchange.getRequestURI().getRawQuery();
    return new ReceivedRequest(
        exchange.getRequestMethod(),
        exchange.getRequestURI().getPath(),
        query == null ? "" : query,
        headers,
        exchange.getRequestBody().readAllBytes());
  }
}
