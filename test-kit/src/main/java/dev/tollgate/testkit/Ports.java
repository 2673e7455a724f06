package dev.tollgate.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Hands out loopback TCP ports that are free now, below Linux's ephemeral range, never the same one
 * twice in this JVM and never one that another JVM on this machine holds. Thread-safe.
 *
 * <p>Below the ephemeral range (32768-60999) because a port the kernel hands out for {@code
 * ServerSocket(0)} may be taken by an outgoing connection before the test's server binds it. Each
 * port handed out is held by a lock file until this JVM exits, so that test JVMs running at the
 * same time (two modules, two checkouts) cannot pick the same port between choosing and binding.
 */
public final class Ports {
  static final int FIRST = 20000;
  static final int LAST = 32000;
  private static final Path LOCKS =
      Path.of(System.getProperty("java.io.tmpdir"), "tollgate-test-ports");

  /** Processes start at different offsets, so that parallel runs rarely try the same ports. */
  private static int next = FIRST + (int) (ProcessHandle.current().pid() % 6000) * 2;

  /** The locks of the ports handed out, held (never closed) until the JVM exits. */
  private static final Map<Integer, FileLock> HELD = new HashMap<>();

  private Ports() {}

  /** Returns a port no other caller in this JVM or on this machine has been given. */
  public static synchronized int free() {
    for (int tries = 0; tries <= LAST - FIRST; tries++) {
      int candidate = next;
      next = candidate >= LAST ? FIRST : candidate + 1;
      if (reserve(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "no free port between " + FIRST + " and " + LAST + " (locks in " + LOCKS + ")");
  }

  /**
   * Takes {@code port} for this JVM if nobody holds it (this JVM, another JVM's lock, or a bound
   * socket) and returns whether it did.
   */
  static synchronized boolean reserve(int port) {
    if (HELD.containsKey(port)) {
      return false;
    }
    FileLock lock = lock(port);
    if (lock == null) {
      return false;
    }
    if (!bindable(port)) {
      release(lock);
      return false;
    }
    HELD.put(port, lock);
    return true;
  }

  /** Locks the port's file, or returns null when another process holds it. */
  private static FileLock lock(int port) {
    FileChannel channel = null;
    try {
      Files.createDirectories(LOCKS);
      channel =
          FileChannel.open(
              LOCKS.resolve(port + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = channel.tryLock();
      if (lock == null) {
        channel.close();
      }
      return lock;
    } catch (IOException e) {
      // Another user's lock file, or an unwritable folder: this port is not ours to hand out.
      closeQuietly(channel);
      return null;
    }
  }

  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
      socket.setReuseAddress(true);
      return true;
    } catch (IOException taken) {
      return false;
    }
  }

  private static void release(FileLock lock) {
    closeQuietly(lock.channel());
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel == null) {
      return;
    }
    try {
      channel.close();
    } catch (IOException ignored) {
      // Closing only gives the lock back early; the JVM's exit gives it back anyway.
    }
  }
}
