-- The daily rollup: one row per UTC day and combination of every report dimension and currency,
-- with the sums a usage report shows. JdbcLedgerStore adds each batch's newly inserted records to it
-- in the same transaction as the records themselves (a record skipped as already stored adds
-- nothing), so a whole-day or whole-month report reads this table instead of every record.
-- Text keys are never null here ('' stands for null: a primary key cannot hold nulls); the reports
-- turn '' back into null.
CREATE TABLE ledger_daily (
  ended_on             DATE NOT NULL,
  namespace            VARCHAR NOT NULL,
  route                VARCHAR NOT NULL,
  client               VARCHAR NOT NULL,
  requested_model      VARCHAR NOT NULL,
  upstream_model       VARCHAR NOT NULL,
  provider             VARCHAR NOT NULL,
  api                  VARCHAR NOT NULL,
  status               INTEGER NOT NULL,
  budget               VARCHAR NOT NULL,
  currency             VARCHAR NOT NULL,
  requests             BIGINT NOT NULL,
  errors               BIGINT NOT NULL,
  input_tokens         BIGINT NOT NULL,
  cached_input_tokens  BIGINT NOT NULL,
  output_tokens        BIGINT NOT NULL,
  cost                 NUMERIC(24, 9) NOT NULL,
  PRIMARY KEY (ended_on, namespace, client, requested_model, upstream_model, provider, route, api,
               status, budget, currency)
);

-- Records stored before this migration.
INSERT INTO ledger_daily
SELECT CAST(ended_at AT TIME ZONE 'UTC' AS DATE), COALESCE(namespace, ''), COALESCE(route, ''),
       COALESCE(client, ''), COALESCE(requested_model, ''), COALESCE(upstream_model, ''),
       COALESCE(provider, ''), api, status, budget, COALESCE(currency, ''), COUNT(*),
       SUM(CASE WHEN status >= 400 OR error IS NOT NULL THEN 1 ELSE 0 END), SUM(input_tokens),
       SUM(cached_input_tokens), SUM(output_tokens), COALESCE(SUM(cost), 0)
FROM ledger_record
GROUP BY CAST(ended_at AT TIME ZONE 'UTC' AS DATE), COALESCE(namespace, ''), COALESCE(route, ''),
         COALESCE(client, ''), COALESCE(requested_model, ''), COALESCE(upstream_model, ''),
         COALESCE(provider, ''), api, status, budget, COALESCE(currency, '');
