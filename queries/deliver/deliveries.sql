-- The delivery log: one row per (bulletin, recipient) with its state, and every sending attempt. Its own DuckDB
-- file beside the warehouse (<db>.deliveries.duckdb): the warehouse is written only by loads. The state is written
-- before and after each attempt, so a crash between the two is seen on the next run (state 'sending').
CREATE TABLE IF NOT EXISTS deliveries (
  bulletin VARCHAR NOT NULL,
  recipient VARCHAR NOT NULL,
  message_id VARCHAR NOT NULL,
  state VARCHAR NOT NULL,
  snapshot_id VARCHAR NOT NULL,
  attachments JSON NOT NULL,
  first_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  smtp_code INTEGER,
  smtp_response VARCHAR,
  PRIMARY KEY (bulletin, recipient)
);
COMMENT ON TABLE deliveries IS 'one row per bulletin and recipient: whether the mail was accepted by the server';
COMMENT ON COLUMN deliveries.bulletin IS 'operation/template/as-of/languages, e.g. reunion-2021/press/2021-11-30/en+zh';
COMMENT ON COLUMN deliveries.message_id IS 'the Message-ID header, the same for every attempt to this recipient';
COMMENT ON COLUMN deliveries.state IS 'sending (an attempt under way, or cut short by a crash), retrying (a temporary failure, nothing accepted), sent (accepted by the server), failed (refused, or temporary failures until the attempts ran out), uncertain (the message was sent but no answer came, or a crash during an attempt: it may have arrived)';
COMMENT ON COLUMN deliveries.attachments IS 'the attached files: name and sha256';

CREATE TABLE IF NOT EXISTS delivery_attempts (
  bulletin VARCHAR NOT NULL,
  recipient VARCHAR NOT NULL,
  message_id VARCHAR NOT NULL,
  attempt INTEGER NOT NULL,
  started_at TIMESTAMPTZ NOT NULL,
  finished_at TIMESTAMPTZ,
  smtp_code INTEGER,
  response VARCHAR,
  outcome VARCHAR
);
COMMENT ON TABLE delivery_attempts IS 'every sending attempt: recipient, Message-ID, SMTP answer, outcome, time';
COMMENT ON COLUMN delivery_attempts.outcome IS 'accepted, temporary, permanent or uncertain (NULL: cut short by a crash)';
