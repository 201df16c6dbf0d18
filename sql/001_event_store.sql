-- The event store: immutable events, stream heads, snapshots, subscription checkpoints and the
-- outcomes of processed commands. Applied by `npm run migrate` inside one transaction.

-- One row per event. Never updated, never deleted (see the triggers below).
CREATE TABLE events (
  -- Taken at INSERT, visible at COMMIT: NOT commit order on its own (see readAll in src/store).
  global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The writer's transaction; (transaction_id, global_position) is the commit order.
  transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
  event_id        uuid        NOT NULL UNIQUE,
  aggregate_id    text        NOT NULL,
  aggregate_type  text        NOT NULL,
  event_type      text        NOT NULL,
  event_version   bigint      NOT NULL CHECK (event_version > 0),
  event_data      bytea       NOT NULL,
  content_type    text        NOT NULL,
  metadata        jsonb       NOT NULL DEFAULT '{}',
  occurred_at     timestamptz NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT events_aggregate_version_unique UNIQUE (aggregate_id, event_version)
);

-- readAll walks this index in commit order.
CREATE INDEX events_commit_order ON events (transaction_id, global_position);

-- The head of each aggregate's stream. Appends move `version` with a compare-and-set, so a batch
-- of many aggregates can commit the winners and skip the losers without writing half a stream.
CREATE TABLE streams (
  aggregate_id   text        PRIMARY KEY,
  aggregate_type text        NOT NULL,
  version        bigint      NOT NULL CHECK (version > 0),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- History cannot be rewritten, whoever connects. The triggers are ENABLE ALWAYS so that
-- session_replication_role = replica does not switch them off either.
CREATE FUNCTION events_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'events are immutable: % on table events is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'Append a compensating event instead of changing history.';
END;
$$;

CREATE TRIGGER events_no_update_delete BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION events_are_immutable();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION events_are_immutable();
ALTER TABLE events ENABLE ALWAYS TRIGGER events_no_update_delete;
ALTER TABLE events ENABLE ALWAYS TRIGGER events_no_truncate;

-- The latest snapshot of an aggregate (older ones are replaced: the events remain the truth).
CREATE TABLE snapshots (
  aggregate_id   text        PRIMARY KEY,
  aggregate_type text        NOT NULL,
  version        bigint      NOT NULL CHECK (version > 0),
  state          bytea       NOT NULL,
  content_type   text        NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);

-- Where each subscription (projection, relay) is, in commit order. Written in the same
-- transaction as the subscription's effect, which is what makes the effect exactly-once.
CREATE TABLE subscription_checkpoints (
  subscription    text        PRIMARY KEY,
  transaction_id  bigint      NOT NULL,
  global_position bigint      NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- The outcome of every command that reached a decision: the command id is an idempotency key.
-- Accepted commands are recorded in the same statement as their events.
CREATE TABLE processed_commands (
  command_id     text        PRIMARY KEY,
  command_type   text        NOT NULL,
  aggregate_id   text        NOT NULL,
  status         text        NOT NULL CHECK (status IN ('accepted', 'rejected')),
  version        bigint,                 -- the aggregate's version after an accepted command
  event_ids      uuid[]      NOT NULL DEFAULT '{}',
  reason_code    text,                   -- for rejected commands
  reason         text,
  processed_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX processed_commands_aggregate ON processed_commands (aggregate_id, processed_at);
