import dev.tollgate.demo.DemoUpstream;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Starts Tollgate's demo upstream on its own, for bench/compare: every gateway under test proxies
 * to this one process. Run with the Tollgate jar on the class path:
 * {@code java -cp tollgate.jar:lib/* DemoUpstreamMain.java PORT KEY LATENCY_MS}.
 */
public final class DemoUpstreamMain {
  public static void main(String[] args) throws InterruptedException {
    int port = Integer.parseInt(args[0]);
    String key = args[1];
    long latencyMillis = Long.parseLong(args[2]);
    DemoUpstream upstream =
        DemoUpstream.start("127.0.0.1", port, List.of("demo-chat", "fast"), key, latencyMillis);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  upstream.close();
                  stopped.countDown();
                }));
    System.out.println("demo upstream ready on 127.0.0.1:" + upstream.port());
    stopped.await();
  }
}
