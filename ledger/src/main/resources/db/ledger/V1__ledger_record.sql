-- One row per finished request (no prompt or completion text). In PostgreSQL the table is
-- partitioned by month on the time the request ended; JdbcLedgerStore creates each
-- month's partition before its first write and drops partitions older than the retention setting.
-- The embedded H2 file has no partitions (the placeholder is empty; retention deletes rows). The
-- primary key makes writes idempotent: a record replayed from the spool is skipped.
CREATE TABLE ledger_record (
  ended_at             TIMESTAMP WITH TIME ZONE NOT NULL,
  request_id           VARCHAR NOT NULL,
  namespace            VARCHAR,
  route                VARCHAR,
  rule                 INTEGER,
  client               VARCHAR,
  requested_model      VARCHAR,
  upstream_model       VARCHAR,
  provider             VARCHAR,
  api                  VARCHAR NOT NULL,
  status               INTEGER NOT NULL,
  input_tokens         BIGINT NOT NULL,
  cached_input_tokens  BIGINT NOT NULL,
  output_tokens        BIGINT NOT NULL,
  cost                 NUMERIC(24, 9),
  currency             VARCHAR,
  budget               VARCHAR NOT NULL,
  latency_ms           DOUBLE PRECISION NOT NULL,
  ttft_ms              DOUBLE PRECISION,
  attempts             INTEGER,
  error                VARCHAR,
  PRIMARY KEY (request_id, ended_at)
) ${partitionBy};

CREATE INDEX ledger_record_namespace_time ON ledger_record (namespace, ended_at);
