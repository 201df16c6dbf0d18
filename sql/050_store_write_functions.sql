-- The application role writes the store's own tables only through the functions below. With direct
-- INSERT it could forge what only the system may set: an event with another transaction's id (the
-- relay and the projections, which read in commit order, would skip it while reads of the stream
-- serve it), a global position of its choosing, a created_at in the past, an event at a version its
-- stream head never reached, a stream head moved by hand, a snapshot planted at any version, or the
-- outcome of a command that has not run yet.
--
-- Why SECURITY DEFINER functions rather than column grants plus triggers: a column grant can keep
-- transaction_id, global_position and created_at out of the caller's reach, but keeping streams in
-- step with events (the version compare-and-set) would then need a trigger per event row, which
-- costs more than the statement it guards and splits one append across many places. A function owns
-- the whole write: the database stamps transaction_id (pg_current_xact_id() inside a function is
-- the caller's transaction), global_position (identity) and created_at (now(): the caller's
-- transaction start), and derives every event version from the stream head it moves. It is one
-- call, so a batch stays one round trip, and its write is the one statement it replaces, with the
-- same concurrency semantics (READ COMMITTED re-check of the compare-and-set on streams).
--
-- Each function runs as its owner (the migration owner), so it is written defensively: tables are
-- schema-qualified, search_path is pinned with pg_temp LAST (the application role may create
-- temporary tables, and pg_temp is otherwise searched first, which would let it put its own
-- "streams" in front of ours), and nothing in the caller's input is ever run as SQL. EXECUTE is
-- revoked from PUBLIC and granted to eventstore_app only.

-- Appends to any number of aggregates in one statement; see src/store/append-sql.ts for the contract.
-- Parameters (parallel arrays):
--   $1..$3   one entry per aggregate: aggregate_id, aggregate_type, expected (-1 any, 0 no stream, N exact)
--   $4..$10  one entry per event, in order within its aggregate: aggregate_id, event_id, event_type,
--            event_data, content_type, metadata, occurred_at
--   $11..$15 one entry per command: aggregate_id, command_id, command_type, last_idx (the place of its
--            last event among its aggregate's events in this call, from 1), event_ids (comma-separated)
-- The caller does not say how many events an aggregate has or where each goes: both are counted here
-- from the events, so no call can move a head by one thing and write events at another.
CREATE FUNCTION eventstore_append(text[], text[], bigint[],
                                  text[], uuid[], text[], bytea[], text[], jsonb[], timestamptz[],
                                  text[], text[], text[], int[], text[])
RETURNS TABLE (aggregate_id text, event_id text, event_version bigint, global_position bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $fn$
#variable_conflict use_column
BEGIN
  IF cardinality($1) IS DISTINCT FROM cardinality($2) OR cardinality($1) IS DISTINCT FROM cardinality($3)
     OR cardinality($4) IS DISTINCT FROM cardinality($5) OR cardinality($4) IS DISTINCT FROM cardinality($6)
     OR cardinality($4) IS DISTINCT FROM cardinality($7) OR cardinality($4) IS DISTINCT FROM cardinality($8)
     OR cardinality($4) IS DISTINCT FROM cardinality($9) OR cardinality($4) IS DISTINCT FROM cardinality($10)
     OR cardinality($11) IS DISTINCT FROM cardinality($12) OR cardinality($11) IS DISTINCT FROM cardinality($13)
     OR cardinality($11) IS DISTINCT FROM cardinality($14) OR cardinality($11) IS DISTINCT FROM cardinality($15) THEN
    RAISE EXCEPTION 'eventstore_append: the arrays of one kind (aggregates, events, commands) must have equal lengths'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- A command's record must name exactly the events it produced: a consecutive run of its own
  -- aggregate's events in this call, ending at last_idx, none of them named by another command.
  -- Checked on the input alone, before anything is written; only calls that record commands pay.
  IF cardinality($12) > 0 THEN
    IF EXISTS (
      WITH ev AS (
        SELECT e.aggregate_id, e.event_id, row_number() OVER (PARTITION BY e.aggregate_id ORDER BY e.ord) AS idx
        FROM unnest($4, $5) WITH ORDINALITY AS e(aggregate_id, event_id, ord)
      ),
      cmd AS (
        SELECT c.aggregate_id, c.last_idx, string_to_array(c.event_ids, ',')::uuid[] AS ids
        FROM unnest($11, $14, $15) AS c(aggregate_id, last_idx, event_ids)
      ),
      listed AS (
        SELECT cmd.aggregate_id, cmd.last_idx - cardinality(cmd.ids) + l.n AS idx, l.event_id
        FROM cmd, unnest(cmd.ids) WITH ORDINALITY AS l(event_id, n)
      )
      SELECT 1 FROM cmd WHERE coalesce(cardinality(cmd.ids), 0) = 0 OR cmd.last_idx IS NULL
      UNION ALL
      SELECT 1
      FROM (SELECT count(*) AS listed, count(DISTINCT listed.event_id) AS distinct_ids, count(ev.event_id) AS matching
            FROM listed LEFT JOIN ev USING (aggregate_id, idx, event_id)) t
      WHERE t.matching < t.listed OR t.distinct_ids < t.listed
    ) THEN
      RAISE EXCEPTION 'eventstore_append: each command must list a consecutive run of its own aggregate''s events in this call, ending at its last_idx, and no event may be listed twice'
        USING ERRCODE = 'invalid_parameter_value';
    END IF;
  END IF;
  RETURN QUERY
  WITH types AS (
    -- One row: each aggregate's type and expected version by id. A map, not a join (see `won`).
    SELECT jsonb_object_agg(a.aggregate_id, a.aggregate_type) AS type_of,
           jsonb_object_agg(a.aggregate_id, a.expected) AS expected_of
    FROM unnest($1, $2, $3) AS a(aggregate_id, aggregate_type, expected)
  ),
  ev AS (
    SELECT e.*, row_number() OVER (PARTITION BY e.aggregate_id ORDER BY e.ord) AS idx
    FROM unnest($4, $5, $6, $7, $8, $9, $10) WITH ORDINALITY
      AS e(aggregate_id, event_id, event_type, event_data, content_type, metadata, occurred_at, ord)
  ),
  cmd AS (
    SELECT c.* FROM unnest($11, $12, $13, $14, $15) AS c(aggregate_id, command_id, command_type, last_idx, event_ids)
  ),
  -- One row: the aggregates one of whose commands was processed before; they lose. A map, not a
  -- correlated NOT EXISTS, and materialized: inlined, the planner ran it once per aggregate, each
  -- time over all of processed_commands. The subquery per command is one primary-key probe.
  done AS MATERIALIZED (
    SELECT coalesce(jsonb_object_agg(cmd.aggregate_id, true), '{}') AS aggregates
    FROM cmd
    WHERE (SELECT true FROM public.processed_commands p WHERE p.command_id = cmd.command_id)
  ),
  req AS (
    SELECT n.aggregate_id, types.type_of ->> n.aggregate_id AS aggregate_type,
           (types.expected_of ->> n.aggregate_id)::bigint AS expected, n.n
    FROM (SELECT ev.aggregate_id, count(*) AS n FROM ev GROUP BY ev.aggregate_id) n, types, done
    WHERE types.type_of ? n.aggregate_id AND NOT done.aggregates ? n.aggregate_id
  ),
  -- Existing streams: the UPDATE takes the row lock and re-checks the version after any concurrent
  -- writer commits (READ COMMITTED re-evaluation), so exactly one of two racing writers wins.
  moved AS (
    UPDATE public.streams s
    SET version = s.version + req.n, updated_at = now()
    FROM req
    WHERE s.aggregate_id = req.aggregate_id
      AND s.aggregate_type = req.aggregate_type
      AND req.expected <> 0
      AND (req.expected = -1 OR s.version = req.expected)
    RETURNING s.aggregate_id, s.version - req.n AS from_version
  ),
  -- New streams: ON CONFLICT DO NOTHING makes a concurrent creator win and us lose, never both.
  created AS (
    INSERT INTO public.streams (aggregate_id, aggregate_type, version)
    SELECT req.aggregate_id, req.aggregate_type, req.n
    FROM req
    WHERE req.expected IN (-1, 0)
      AND NOT EXISTS (SELECT 1 FROM public.streams s WHERE s.aggregate_id = req.aggregate_id)
    ON CONFLICT (aggregate_id) DO NOTHING
    RETURNING aggregate_id, 0::bigint AS from_version
  ),
  -- One row: the version each winning aggregate had before this append. A map, not a join: the
  -- planner cannot see how many rows the CTEs above return, guesses one, and a nested loop over
  -- events x aggregates made large batches slow.
  won AS (
    SELECT jsonb_object_agg(w.aggregate_id, w.from_version) AS from_version
    FROM (SELECT * FROM moved UNION ALL SELECT * FROM created) w
  ),
  inserted AS (
    INSERT INTO public.events (event_id, aggregate_id, aggregate_type, event_type, event_version,
                               event_data, content_type, metadata, occurred_at)
    SELECT ev.event_id, ev.aggregate_id, types.type_of ->> ev.aggregate_id, ev.event_type,
           (won.from_version ->> ev.aggregate_id)::bigint + ev.idx,
           ev.event_data, ev.content_type, ev.metadata, ev.occurred_at
    FROM ev, won, types
    WHERE won.from_version ? ev.aggregate_id
    ORDER BY ev.aggregate_id, ev.idx
    RETURNING aggregate_id, event_id, event_version, global_position
  ),
  recorded AS (
    INSERT INTO public.processed_commands (command_id, command_type, aggregate_id, status, version, event_ids)
    SELECT cmd.command_id, cmd.command_type, cmd.aggregate_id, 'accepted',
           (won.from_version ->> cmd.aggregate_id)::bigint + cmd.last_idx, string_to_array(cmd.event_ids, ',')::uuid[]
    FROM cmd, won
    WHERE won.from_version ? cmd.aggregate_id
  )
  SELECT inserted.aggregate_id, inserted.event_id::text, inserted.event_version, inserted.global_position
  FROM inserted
  ORDER BY inserted.aggregate_id, inserted.event_version;
END;
$fn$;

-- Keeps a snapshot only for the stream's own type, at a version the stream has reached, and only when
-- it is newer than the stored one. The state itself is the workers' to compute: like the decisions
-- the application role appends, it is trusted (a cache of a fold of the events); verify checks that
-- every snapshot sits on its stream at a version it reached. Returns whether it was kept.
CREATE FUNCTION eventstore_save_snapshot(p_aggregate_id text, p_aggregate_type text, p_version bigint,
                                         p_state bytea, p_content_type text)
RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $fn$
  WITH kept AS (
    INSERT INTO public.snapshots AS kept (aggregate_id, aggregate_type, version, state, content_type)
    SELECT s.aggregate_id, s.aggregate_type, p_version, p_state, p_content_type
    FROM public.streams s
    WHERE s.aggregate_id = p_aggregate_id AND s.aggregate_type = p_aggregate_type AND p_version BETWEEN 1 AND s.version
    ON CONFLICT (aggregate_id) DO UPDATE
      SET aggregate_type = excluded.aggregate_type, version = excluded.version, state = excluded.state,
          content_type = excluded.content_type, created_at = now()
      WHERE kept.version < excluded.version
    RETURNING 1
  )
  SELECT count(*) > 0 FROM kept
$fn$;

-- Records a command decided without events because the domain refused it. The first outcome
-- recorded for a command id stands.
CREATE FUNCTION eventstore_record_rejection(p_command_id text, p_command_type text, p_aggregate_id text,
                                            p_reason_code text, p_reason text)
RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $fn$
  INSERT INTO public.processed_commands (command_id, command_type, aggregate_id, status, reason_code, reason)
  VALUES (p_command_id, p_command_type, p_aggregate_id, 'rejected', p_reason_code, p_reason)
  ON CONFLICT (command_id) DO NOTHING
$fn$;

-- Records a command decided without events and without error: accepted at the version it was decided
-- on, and only while that is still the stream head (0: no stream yet), which FOR SHARE holds still
-- until the caller commits. Returns the head, so the caller tells a stale decision (head differs,
-- nothing recorded) from a recorded one. The first outcome recorded for a command id stands.
CREATE FUNCTION eventstore_record_no_change(p_command_id text, p_command_type text, p_aggregate_id text,
                                            p_version bigint)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $fn$
DECLARE
  head bigint;
BEGIN
  SELECT s.version INTO head FROM public.streams s WHERE s.aggregate_id = p_aggregate_id FOR SHARE;
  head := coalesce(head, 0);
  IF head = p_version THEN
    INSERT INTO public.processed_commands (command_id, command_type, aggregate_id, status, version)
    VALUES (p_command_id, p_command_type, p_aggregate_id, 'accepted', p_version)
    ON CONFLICT (command_id) DO NOTHING;
  END IF;
  RETURN head;
END;
$fn$;

-- How far back processed_commands has been pruned (`eventstore prune-commands`, run as the owner):
-- a command processed before pruned_before may have lost its record, and may run again if resent.
-- verify reads it to tell a pruned record from a missing one. One row at most.
CREATE TABLE command_retention (
  singleton     boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
  pruned_before timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- The services: read everything, write the store's tables only through the functions above.
-- (040's default privileges gave them full rights on the new table: narrowed here.)
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON events, streams, processed_commands, snapshots FROM eventstore_app;
REVOKE ALL ON command_retention FROM eventstore_app;
GRANT SELECT ON command_retention TO eventstore_app;
-- Only the append takes global positions; nextval from outside would only burn them, but nothing needs it.
DO $$
BEGIN
  EXECUTE format('REVOKE ALL ON SEQUENCE %s FROM eventstore_app', pg_get_serial_sequence('public.events', 'global_position'));
END;
$$;

REVOKE ALL ON FUNCTION
  eventstore_append(text[], text[], bigint[], text[], uuid[], text[], bytea[], text[], jsonb[], timestamptz[], text[], text[], text[], int[], text[]),
  eventstore_save_snapshot(text, text, bigint, bytea, text),
  eventstore_record_rejection(text, text, text, text, text),
  eventstore_record_no_change(text, text, text, bigint)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
  eventstore_append(text[], text[], bigint[], text[], uuid[], text[], bytea[], text[], jsonb[], timestamptz[], text[], text[], text[], int[], text[]),
  eventstore_save_snapshot(text, text, bigint, bytea, text),
  eventstore_record_rejection(text, text, text, text, text),
  eventstore_record_no_change(text, text, text, bigint)
TO eventstore_app;
