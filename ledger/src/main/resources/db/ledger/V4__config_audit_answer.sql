-- Envoy's answer to each audited configuration version, one row per Envoy node: 'ack' when the
-- node acknowledged every resource type at that version, 'nack' when it rejected one (`detail`
-- holds Envoy's reason, on one line). A later answer of the same node to the same version
-- replaces the row. Joined to `config_audit` on node group and version.
CREATE TABLE config_audit_answer (
  node_group   VARCHAR NOT NULL,
  version      VARCHAR NOT NULL,
  node_id      VARCHAR NOT NULL,
  answer       VARCHAR NOT NULL,
  answered_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  detail       VARCHAR,
  PRIMARY KEY (node_group, version, node_id)
);
