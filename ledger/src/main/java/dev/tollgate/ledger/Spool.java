package dev.tollgate.ledger;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records waiting for the database, on disk: segment files of JSON lines ({@code
 * spool-<sequence>.jsonl}) in one folder, appended and synced batch by batch, replayed oldest
 * first. The total size is bounded; past it, records are refused and counted. One process owns a
 * folder (a lock file says so). Not thread-safe: the ledger's writer thread owns it.
 */
final class Spool implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Spool.class);
  private static final String PREFIX = "spool-";
  private static final String SUFFIX = ".jsonl";

  private final Path folder;
  private final long maxBytes;
  private final long segmentBytes;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final TreeMap<Long, Path> segments = new TreeMap<>();
  private long bytes;
  private FileChannel current;
  private long currentSequence = -1;
  private long currentBytes;

  /**
   * Opens the spool in {@code folder}, finding the segments an earlier run left.
   *
   * @throws IllegalStateException when another process holds the folder
   */
  Spool(Path folder, long maxBytes, long segmentBytes) throws IOException {
    this.folder = Files.createDirectories(folder);
    this.maxBytes = maxBytes;
    this.segmentBytes = segmentBytes;
    this.lockChannel =
        FileChannel.open(
            folder.resolve("spool.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock held;
    try {
      held = lockChannel.tryLock();
    } catch (java.nio.channels.OverlappingFileLockException e) {
      held = null; // this process holds it already
    }
    this.lock = held;
    if (lock == null) {
      lockChannel.close();
      throw new IllegalStateException(
          "the ledger spool " + folder + " is in use by another process; give each its own");
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, PREFIX + "*" + SUFFIX)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        try {
          long sequence =
              Long.parseLong(name.substring(PREFIX.length(), name.length() - SUFFIX.length()));
          segments.put(sequence, file);
          bytes += Files.size(file);
        } catch (NumberFormatException e) {
          LOG.warn("ignoring {} in the ledger spool: not a segment name", file);
        }
      }
    }
  }

  /** Whether nothing is waiting. */
  boolean isEmpty() {
    return segments.isEmpty();
  }

  /** Bytes on disk waiting for replay. */
  long bytes() {
    return bytes;
  }

  /**
   * Appends a batch and syncs it to disk.
   *
   * @return how many records did not fit under the size bound (the last ones of the batch)
   */
  int append(List<LedgerRecord> batch) {
    StringBuilder text = new StringBuilder(batch.size() * 384);
    int refused = 0;
    long added = 0;
    for (LedgerRecord r : batch) {
      String line = RecordCodec.encode(r) + "\n";
      long size = line.getBytes(StandardCharsets.UTF_8).length;
      if (bytes + added + size > maxBytes) {
        refused++;
        continue;
      }
      text.append(line);
      added += size;
    }
    if (added == 0) {
      return refused;
    }
    try {
      if (current == null || currentBytes >= segmentBytes) {
        roll();
      }
      ByteBuffer buffer = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
      while (buffer.hasRemaining()) {
        current.write(buffer);
      }
      current.force(false);
      currentBytes += added;
      bytes += added;
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the ledger spool in " + folder, e);
    }
    return refused;
  }

  /**
   * Replays the oldest segment: its records go to {@code store} in batches of {@code batchSize},
   * then the file is deleted. A line that is not a whole record (a crash while writing) is skipped
   * and logged.
   *
   * @return the records replayed
   * @throws LedgerUnavailableException when the store refused a batch; the segment stays, and is
   *     replayed whole next time (writes are idempotent)
   */
  int replayOldest(LedgerStore store, int batchSize) {
    if (segments.isEmpty()) {
      return 0;
    }
    long sequence = segments.firstKey();
    if (sequence == currentSequence) {
      closeCurrent();
    }
    Path file = segments.get(sequence);
    int replayed = 0;
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      List<LedgerRecord> batch = new ArrayList<>(batchSize);
      String line;
      while ((line = in.readLine()) != null) {
        try {
          batch.add(RecordCodec.decode(line));
        } catch (IllegalArgumentException e) {
          LOG.warn("skipping a damaged line of the ledger spool {}: {}", file, e.getMessage());
          continue;
        }
        if (batch.size() == batchSize) {
          store.write(batch);
          replayed += batch.size();
          batch.clear();
        }
      }
      store.write(batch);
      replayed += batch.size();
      bytes -= Files.size(file);
      Files.delete(file);
      segments.remove(sequence);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read the ledger spool " + file, e);
    }
    return replayed;
  }

  private void roll() throws IOException {
    closeCurrent();
    long sequence = segments.isEmpty() ? System.currentTimeMillis() : segments.lastKey() + 1;
    sequence = Math.max(sequence, System.currentTimeMillis());
    Path file = folder.resolve(PREFIX + String.format("%020d", sequence) + SUFFIX);
    current =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE,
            StandardOpenOption.APPEND);
    currentSequence = sequence;
    currentBytes = 0;
    segments.put(sequence, file);
  }

  private void closeCurrent() {
    if (current != null) {
      try {
        current.close();
      } catch (IOException e) {
        LOG.warn("could not close a ledger spool segment", e);
      }
      current = null;
      currentSequence = -1;
    }
  }

  @Override
  public void close() {
    closeCurrent();
    try {
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      LOG.warn("could not release the ledger spool lock", e);
    }
  }
}
