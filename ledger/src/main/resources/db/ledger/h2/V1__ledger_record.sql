-- The embedded ledger of `tollgate run`: the PostgreSQL table without partitions (retention
-- deletes old rows instead). The primary key makes writes idempotent.
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
);

CREATE INDEX ledger_record_namespace_time ON ledger_record (namespace, ended_at);
