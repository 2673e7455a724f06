package dev.tollgate.serving;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP/1.1 server for a few GET endpoints (probes, metrics, usage) that a slow or hostile
 * client cannot block: one selector thread reads requests and writes answers without ever waiting
 * on a client, a small bounded pool computes the answers, every connection is closed when its
 * request is not answered within the request timeout, and connections beyond the limit are closed
 * at once. One request per connection ({@code Connection: close}); request bodies are ignored.
 * Thread-safe.
 */
public final class HttpEndpoints implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpEndpoints.class);
  private static final byte[] END_OF_HEAD = {'\r', '\n', '\r', '\n'};

  /**
   * One answer.
   *
   * @param status the HTTP status
   * @param contentType its content type
   * @param body the body, sent as UTF-8
   */
  public record Response(int status, String contentType, String body) {}

  /** Computes the answer of an endpoint from the request's raw query string (null without one). */
  @FunctionalInterface
  public interface Endpoint {
    /** Returns the answer; an exception answers 500 without its message. */
    Response answer(String rawQuery);
  }

  /**
   * What one server allows.
   *
   * @param requestTimeout how long a connection may take from accept to its answer's last byte
   * @param maxHeadBytes the largest request line and headers read; beyond, 431
   * @param maxConnections open connections at a time; more are closed when accepted
   * @param workers threads computing answers
   */
  public record Limits(Duration requestTimeout, int maxHeadBytes, int maxConnections, int workers) {
    /** Five seconds, 8 KiB, 64 connections, two workers. */
    public static final Limits DEFAULTS = new Limits(Duration.ofSeconds(5), 8192, 64, 2);
  }

  private final ServerSocketChannel channel;
  private final Selector selector;
  private final Map<String, Endpoint> endpoints;
  private final Limits limits;
  private final ThreadPoolExecutor workers;
  private final Queue<Connection> answered = new ConcurrentLinkedQueue<>();
  private final Thread loop;
  private volatile boolean closed;

  private HttpEndpoints(
      ServerSocketChannel channel,
      Selector selector,
      Map<String, Endpoint> endpoints,
      Limits limits,
      String name) {
    this.channel = channel;
    this.selector = selector;
    this.endpoints = Map.copyOf(endpoints);
    this.limits = limits;
    this.workers =
        new ThreadPoolExecutor(
            limits.workers(),
            limits.workers(),
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(limits.maxConnections()),
            r -> daemon(r, name + "-worker"));
    this.loop = daemon(this::run, name);
  }

  /** Starts a server with the default limits; port 0 picks a free port. */
  public static HttpEndpoints start(
      String host, int port, String name, Map<String, Endpoint> endpoints) {
    return start(host, port, name, endpoints, Limits.DEFAULTS);
  }

  /**
   * Starts a server; port 0 picks a free port.
   *
   * @param name the name of its threads
   * @param endpoints the endpoints by exact path
   */
  public static HttpEndpoints start(
      String host, int port, String name, Map<String, Endpoint> endpoints, Limits limits) {
    try {
      ServerSocketChannel channel = ServerSocketChannel.open();
      channel.bind(new InetSocketAddress(host, port), 64);
      channel.configureBlocking(false);
      Selector selector = Selector.open();
      channel.register(selector, SelectionKey.OP_ACCEPT);
      HttpEndpoints server = new HttpEndpoints(channel, selector, endpoints, limits, name);
      server.loop.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + " on " + host + ":" + port, e);
    }
  }

  /** Returns the port. */
  public int port() {
    return channel.socket().getLocalPort();
  }

  /** The state of one connection; touched by the selector thread, and by one worker in between. */
  private static final class Connection {
    final SocketChannel socket;
    final long deadline;
    final ByteBuffer head;
    ByteBuffer answer;
    SelectionKey key;

    Connection(SocketChannel socket, long deadline, int maxHead) {
      this.socket = socket;
      this.deadline = deadline;
      this.head = ByteBuffer.allocate(maxHead);
    }
  }

  private void run() {
    while (!closed) {
      try {
        selector.select(100);
        for (SelectionKey key : selector.selectedKeys()) {
          handle(key);
        }
        selector.selectedKeys().clear();
        for (Connection c; (c = answered.poll()) != null; ) {
          if (c.key.isValid()) {
            c.key.interestOps(SelectionKey.OP_WRITE);
          }
        }
        long now = System.nanoTime();
        for (SelectionKey key : selector.keys()) {
          if (key.attachment() instanceof Connection c && now - c.deadline > 0) {
            close(key);
          }
        }
      } catch (IOException | RuntimeException e) {
        if (!closed) {
          LOG.warn("HTTP endpoint loop: {}", e.toString());
        }
      }
    }
  }

  private void handle(SelectionKey key) {
    try {
      if (!key.isValid()) {
        return;
      }
      if (key.isAcceptable()) {
        accept();
      } else if (key.isReadable()) {
        read(key, (Connection) key.attachment());
      } else if (key.isWritable()) {
        Connection c = (Connection) key.attachment();
        c.socket.write(c.answer);
        if (!c.answer.hasRemaining()) {
          close(key);
        }
      }
    } catch (IOException | RuntimeException e) {
      close(key);
    }
  }

  private void accept() throws IOException {
    SocketChannel socket = channel.accept();
    if (socket == null) {
      return;
    }
    if (selector.keys().size() > limits.maxConnections()) {
      socket.close();
      return;
    }
    socket.configureBlocking(false);
    Connection c =
        new Connection(
            socket, System.nanoTime() + limits.requestTimeout().toNanos(), limits.maxHeadBytes());
    c.key = socket.register(selector, SelectionKey.OP_READ, c);
  }

  private void read(SelectionKey key, Connection c) throws IOException {
    if (c.socket.read(c.head) < 0) {
      close(key);
      return;
    }
    if (endOfHead(c.head)) {
      key.interestOps(0);
      String head = new String(c.head.array(), 0, c.head.position(), StandardCharsets.ISO_8859_1);
      try {
        workers.execute(() -> answer(c, head));
      } catch (RejectedExecutionException e) {
        reply(c, new Response(503, "text/plain", "busy\n"), false);
      }
    } else if (!c.head.hasRemaining()) {
      key.interestOps(0);
      reply(c, new Response(431, "text/plain", "request header too large\n"), false);
    }
  }

  private void answer(Connection c, String head) {
    String line = head.substring(0, Math.max(0, head.indexOf("\r\n")));
    String[] parts = line.split(" ");
    if (parts.length != 3 || !parts[1].startsWith("/") || !parts[2].startsWith("HTTP/1.")) {
      reply(c, new Response(400, "text/plain", "bad request\n"), false);
      return;
    }
    boolean headOnly = parts[0].equals("HEAD");
    if (!parts[0].equals("GET") && !headOnly) {
      reply(c, new Response(405, "text/plain", "only GET\n"), false);
      return;
    }
    int question = parts[1].indexOf('?');
    String path = question < 0 ? parts[1] : parts[1].substring(0, question);
    String query = question < 0 ? null : parts[1].substring(question + 1);
    Endpoint endpoint = endpoints.get(path);
    Response response;
    if (endpoint == null) {
      response = new Response(404, "text/plain", "not found\n");
    } else {
      try {
        response = endpoint.answer(query);
      } catch (RuntimeException e) {
        LOG.warn("{} failed: {}", path, e.getClass().getSimpleName());
        response = new Response(500, "text/plain", "internal error\n");
      }
    }
    reply(c, response, headOnly);
  }

  private void reply(Connection c, Response response, boolean headOnly) {
    byte[] body = response.body().getBytes(StandardCharsets.UTF_8);
    byte[] head =
        ("HTTP/1.1 "
                + response.status()
                + " "
                + reason(response.status())
                + "\r\ncontent-type: "
                + response.contentType()
                + "\r\ncontent-length: "
                + body.length
                + "\r\nconnection: close\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1);
    ByteBuffer answer = ByteBuffer.allocate(head.length + (headOnly ? 0 : body.length));
    answer.put(head);
    if (!headOnly) {
      answer.put(body);
    }
    answer.flip();
    c.answer = answer;
    answered.add(c);
    selector.wakeup();
  }

  private static boolean endOfHead(ByteBuffer buffer) {
    byte[] a = buffer.array();
    int end = buffer.position();
    for (int i = 0; i + 4 <= end; i++) {
      if (a[i] == END_OF_HEAD[0]
          && a[i + 1] == END_OF_HEAD[1]
          && a[i + 2] == END_OF_HEAD[2]
          && a[i + 3] == END_OF_HEAD[3]) {
        return true;
      }
    }
    return false;
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 431 -> "Request Header Fields Too Large";
      case 500 -> "Internal Server Error";
      case 503 -> "Service Unavailable";
      default -> "Status";
    };
  }

  private static void close(SelectionKey key) {
    key.cancel();
    try {
      key.channel().close();
    } catch (IOException e) {
      // already gone
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  @Override
  public void close() {
    closed = true;
    selector.wakeup();
    try {
      loop.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    workers.shutdownNow();
    for (SelectionKey key : selector.keys()) {
      close(key);
    }
    try {
      selector.close();
      channel.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
