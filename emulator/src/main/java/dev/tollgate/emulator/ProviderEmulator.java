package dev.tollgate.emulator;

import java.io.IOException;

/**
 * One provider API mounted on an {@link EmulatorServer}: it claims the requests that belong to it
 * (by path) and answers them as that provider would, refusals included. Implementations are
 * thread-safe.
 */
public interface ProviderEmulator {

  /** Returns whether this request is for this emulator's API (decided by its path alone). */
  boolean claims(ReceivedRequest request);

  /** Answers a claimed request. */
  void answer(ReceivedRequest request, Reply reply) throws IOException;
}
