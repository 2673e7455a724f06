-- One row per published configuration version (the audit trail of `tollgate audit`): when, for
-- which Envoy node group, the version it replaced, and each resource added, changed or removed
-- with its generation, one per line in `changes`. `problem` says why a version could not be
-- published (null when it was).
CREATE TABLE config_audit (
  published_at      TIMESTAMP WITH TIME ZONE NOT NULL,
  node_group        VARCHAR NOT NULL,
  version           VARCHAR NOT NULL,
  previous_version  VARCHAR,
  added             INTEGER NOT NULL,
  changed           INTEGER NOT NULL,
  removed           INTEGER NOT NULL,
  changes           VARCHAR NOT NULL,
  problem           VARCHAR,
  PRIMARY KEY (node_group, published_at, version)
);
