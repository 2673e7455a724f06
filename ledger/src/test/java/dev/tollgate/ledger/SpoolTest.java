package dev.tollgate.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {
  private static final Instant T = Instant.parse("2026-11-05T10:00:00Z");

  @TempDir Path folder;

  /** A store that keeps what it is given and can be told to refuse. */
  static final class ListStore implements LedgerStore {
    final List<LedgerRecord> written = new ArrayList<>();
    boolean down;

    @Override
    public void write(List<LedgerRecord> batch) {
      if (down) {
        throw new LedgerUnavailableException("down", null);
      }
      written.addAll(batch);
    }

    @Override
    public UsageReport report(UsageQuery query) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void close() {}
  }

  private static List<LedgerRecord> records(int from, int count) {
    List<LedgerRecord> out = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      out.add(TestRecords.numbered(i, T.plusSeconds(i)));
    }
    return out;
  }

  @Test
  void recordsLeftByOneRunAreReplayedByTheNextInOrder() throws IOException {
    try (Spool spool = new Spool(folder, 1 << 20, 1 << 20)) {
      assertThat(spool.append(records(0, 3))).isZero();
      assertThat(spool.append(records(3, 2))).isZero();
    }
    ListStore store = new ListStore();
    try (Spool spool = new Spool(folder, 1 << 20, 1 << 20)) {
      assertThat(spool.isEmpty()).isFalse();
      assertThat(spool.replayOldest(store, 2)).isEqualTo(5);
      assertThat(spool.isEmpty()).isTrue();
      assertThat(spool.bytes()).isZero();
    }
    assertThat(store.written).isEqualTo(records(0, 5));
  }

  @Test
  void aSegmentTheStoreRefusesStaysForTheNextReplay() throws IOException {
    ListStore store = new ListStore();
    try (Spool spool = new Spool(folder, 1 << 20, 1 << 20)) {
      spool.append(records(0, 4));
      store.down = true;
      assertThatThrownBy(() -> spool.replayOldest(store, 10))
          .isInstanceOf(LedgerUnavailableException.class);
      assertThat(spool.isEmpty()).isFalse();
      store.down = false;
      assertThat(spool.replayOldest(store, 10)).isEqualTo(4);
    }
    assertThat(store.written).isEqualTo(records(0, 4));
  }

  @Test
  void refusesRecordsPastItsBoundAndCountsThem() throws IOException {
    int one = (RecordCodec.encode(records(0, 1).get(0)) + "\n").length();
    try (Spool spool = new Spool(folder, one * 3L + one / 2, 1 << 20)) {
      assertThat(spool.append(records(0, 5))).isEqualTo(2);
      assertThat(spool.append(records(5, 1))).isEqualTo(1);
      ListStore store = new ListStore();
      spool.replayOldest(store, 100);
      assertThat(store.written).hasSize(3);
    }
  }

  @Test
  void skipsATornLastLineLeftByACrash() throws IOException {
    try (Spool spool = new Spool(folder, 1 << 20, 1 << 20)) {
      spool.append(records(0, 2));
    }
    Path segment;
    try (var files = Files.list(folder)) {
      segment = files.filter(p -> p.toString().endsWith(".jsonl")).findFirst().orElseThrow();
    }
    Files.writeString(
        segment, "{\"time\":\"2026-11-05T10", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    ListStore store = new ListStore();
    try (Spool spool = new Spool(folder, 1 << 20, 1 << 20)) {
      assertThat(spool.replayOldest(store, 10)).isEqualTo(2);
    }
    assertThat(store.written).isEqualTo(records(0, 2));
  }

  @Test
  void oneFolderServesOneProcessAtATime() throws IOException {
    try (Spool spool = new Spool(folder, 1 << 20, 1 << 20)) {
      assertThatThrownBy(() -> new Spool(folder, 1 << 20, 1 << 20))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("in use by another process");
    }
  }
}
