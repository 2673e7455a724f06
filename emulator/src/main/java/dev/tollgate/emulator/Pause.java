package dev.tollgate.emulator;

/** Sleeps for the demo's delays, keeping the interrupt flag. */
final class Pause {
  private Pause() {}

  static void millis(long millis) {
    if (millis <= 0) {
      return;
    }
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
