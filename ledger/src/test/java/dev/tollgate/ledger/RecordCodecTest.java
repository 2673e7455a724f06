package dev.tollgate.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class RecordCodecTest {
  @Test
  void aRecordSurvivesTheSpoolLineFormatUnchanged() {
    LedgerRecord r =
        TestRecords.record(
            "req-1",
            Instant.parse("2026-11-05T10:15:30.123456Z"),
            "team-a",
            "app\"1",
            "gpt-4o",
            12,
            34,
            "0.000123000");
    assertThat(RecordCodec.decode(RecordCodec.encode(r))).isEqualTo(r);
  }

  @Test
  void nullableFieldsStayNull() {
    LedgerRecord r =
        new LedgerRecord(
            Instant.parse("2026-11-05T10:15:30Z"),
            "req-2",
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            "other",
            401,
            0,
            0,
            0,
            null,
            null,
            LedgerRecord.Budget.NONE,
            0.5,
            null,
            null,
            "invalid_api_key");
    assertThat(RecordCodec.decode(RecordCodec.encode(r))).isEqualTo(r);
    assertThat(RecordCodec.encode(r)).doesNotContain("\n");
  }

  @Test
  void refusesATornLine() {
    String line =
        RecordCodec.encode(TestRecords.numbered(1, Instant.parse("2026-11-05T10:15:30Z")));
    assertThatThrownBy(() -> RecordCodec.decode(line.substring(0, line.length() / 2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a spooled record");
  }
}
