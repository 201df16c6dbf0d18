import { ACCEPTANCE_KEY } from '../commands/gate/gate.ts';
import { CheckRecorder, type CheckResult } from './report.ts';
import type { SnapshotReader } from './snapshot-reader.ts';

/**
 * The checks that need only the store. Each streams its query through the reader's cursor, so a
 * store of any size is checked in bounded memory; the heavy lifting (joins, windows) runs in
 * PostgreSQL.
 */

/** Every aggregate's versions run 1, 2, 3 ... with no gap and no duplicate, and its head agrees. */
export async function checkVersions(reader: SnapshotReader, limit: number): Promise<CheckResult> {
  const check = new CheckRecorder('versions', limit);
  let events = 0;
  let aggregates = 0;
  const rows = reader.stream<{ aggregate_id: string; event_version: string; prev_version: string | null; aggregate_type: string; prev_type: string | null }>(
    `SELECT aggregate_id, event_version, aggregate_type,
            lag(event_version) OVER w AS prev_version, lag(aggregate_type) OVER w AS prev_type
     FROM events
     WINDOW w AS (PARTITION BY aggregate_id ORDER BY event_version, global_position)
     ORDER BY aggregate_id, event_version, global_position`,
  );
  for await (const row of rows) {
    events++;
    const version = Number(row.event_version);
    const id = row.aggregate_id;
    if (row.prev_version === null) {
      aggregates++;
      if (version !== 1) check.violation('version_gap', `aggregate "${id}" starts at version ${version}, not 1`);
      continue;
    }
    const prev = Number(row.prev_version);
    if (version === prev) check.violation('version_duplicate', `aggregate "${id}" has version ${version} twice`);
    else if (version > prev + 1) {
      check.violation('version_gap', `aggregate "${id}" jumps from version ${prev} to ${version} (missing ${prev + 1}..${version - 1})`);
    }
    if (row.aggregate_type !== row.prev_type) {
      check.violation('aggregate_type_changed', `aggregate "${id}" changes type from ${row.prev_type} to ${row.aggregate_type} at version ${version}`);
    }
  }
  const heads = reader.stream<{ aggregate_id: string; head: string | null; last: string | null }>(
    `SELECT aggregate_id, s.version AS head, e.last
     FROM streams s
     FULL JOIN (SELECT aggregate_id, max(event_version) AS last FROM events GROUP BY aggregate_id) e USING (aggregate_id)
     WHERE s.version IS DISTINCT FROM e.last`,
  );
  for await (const row of heads) {
    check.violation('stream_head_mismatch', `aggregate "${row.aggregate_id}": stream head at version ${row.head ?? 'none'}, last event at ${row.last ?? 'none'}`);
  }
  return check.examined(`${events} events in ${aggregates} aggregates`);
}

/**
 * Every accepted command has its events exactly once: its recorded events exist, belong to its
 * aggregate, are consecutive and end at its recorded version (a command accepted with no change
 * records none, at a version its aggregate reached); no event is claimed by two commands; no
 * further events name it as their cause (a second run of the same command); and every event the
 * command path wrote (stamped with the gate's acceptance sequence) has its command's record.
 *
 * Records of commands processed before the idempotency window may have been pruned (see
 * command_retention): events older than the cut-off without a record, or from an earlier run of a
 * command id sent again after its record was pruned, are counted in notes, not as violations.
 */
export async function checkCommands(reader: SnapshotReader, limit: number): Promise<CheckResult> {
  const check = new CheckRecorder('commands', limit);
  const [retention] = await reader.query<{ pruned_before: Date | null }>('SELECT max(pruned_before) AS pruned_before FROM command_retention');
  const prunedBefore = retention?.pruned_before ?? new Date(0);
  const [{ accepted, rejected }] = await reader.query<{ accepted: string; rejected: string }>(
    `SELECT count(*) FILTER (WHERE status = 'accepted') AS accepted, count(*) FILTER (WHERE status = 'rejected') AS rejected
     FROM processed_commands`,
  ) as [{ accepted: string; rejected: string }];

  const recorded = reader.stream<{ command_id: string; aggregate_id: string; version: string | null; listed: number; found: string; foreign: string; min_version: string | null; max_version: string | null }>(
    `SELECT c.command_id, c.aggregate_id, c.version, cardinality(c.event_ids) AS listed,
            count(e.event_id) AS found, count(*) FILTER (WHERE e.aggregate_id <> c.aggregate_id) AS foreign,
            min(e.event_version) AS min_version, max(e.event_version) AS max_version
     FROM processed_commands c
     LEFT JOIN streams s ON s.aggregate_id = c.aggregate_id
     LEFT JOIN LATERAL unnest(c.event_ids) AS listed(event_id) ON true
     LEFT JOIN events e ON e.event_id = listed.event_id
     WHERE c.status = 'accepted'
     GROUP BY c.command_id, s.version
     HAVING CASE WHEN cardinality(c.event_ids) = 0
              -- accepted with no change: fine at a version its aggregate reached
              THEN c.version IS NULL OR c.version < 0 OR c.version > coalesce(s.version, 0)
              ELSE count(e.event_id) <> cardinality(c.event_ids)
                OR count(*) FILTER (WHERE e.aggregate_id <> c.aggregate_id) > 0
                OR max(e.event_version) <> c.version
                OR max(e.event_version) - min(e.event_version) + 1 <> cardinality(c.event_ids)
            END`,
  );
  for await (const row of recorded) {
    const id = `accepted command "${row.command_id}" (aggregate "${row.aggregate_id}")`;
    const found = Number(row.found);
    if (row.listed === 0) check.violation('command_without_events', `${id} has no events in the store, and its version ${row.version ?? 'none'} is not one its aggregate reached`);
    else if (found === 0) check.violation('command_without_events', `${id} has no events in the store`);
    else if (found < row.listed) check.violation('command_events_missing', `${id} lists ${row.listed} events, ${found} are in the store`);
    else if (Number(row.foreign) > 0) check.violation('command_events_foreign', `${id} lists ${row.foreign} event(s) of another aggregate`);
    else {
      check.violation(
        'command_version_mismatch',
        `${id} recorded version ${row.version}, its events span versions ${row.min_version}..${row.max_version}`,
      );
    }
  }

  const claimedTwice = reader.stream<{ event_id: string; commands: string[] }>(
    `SELECT listed.event_id::text, array_agg(c.command_id ORDER BY c.command_id) AS commands
     FROM processed_commands c, unnest(c.event_ids) AS listed(event_id)
     GROUP BY listed.event_id HAVING count(*) > 1`,
  );
  for await (const row of claimedTwice) {
    check.violation('event_claimed_twice', `event ${row.event_id} is listed by commands ${row.commands.join(', ')}`);
  }

  // A command that ran twice leaves a second set of events naming it as their cause. Unless the
  // first run was before the prune cut-off: its record was pruned, so the resend ran as new.
  const ranTwice = reader.stream<{ command_id: string; aggregate_id: string; status: string; extra: string; versions: string[] }>(
    `SELECT c.command_id, c.aggregate_id, c.status, count(*) AS extra, array_agg(e.event_version ORDER BY e.event_version) AS versions
     FROM events e
     JOIN processed_commands c ON c.command_id = e.metadata->>'causationId'
     WHERE NOT (e.event_id = ANY (c.event_ids)) AND e.created_at >= $1
     GROUP BY c.command_id, c.aggregate_id, c.status`,
    [prunedBefore],
  );
  for await (const row of ranTwice) {
    check.violation(
      'command_applied_twice',
      `${row.status} command "${row.command_id}" (aggregate "${row.aggregate_id}") caused ${row.extra} more event(s) than recorded, at version(s) ${row.versions.join(', ')}`,
    );
  }

  // The command path records each command in the statement that appends its events: events it
  // wrote (the gate's acceptance sequence, the command as cause) without that record lost it.
  const unrecorded = reader.stream<{ command_id: string; aggregate_id: string; events: string; versions: string[] }>(
    `SELECT e.metadata->>'causationId' AS command_id, e.aggregate_id, count(*) AS events,
            array_agg(e.event_version ORDER BY e.event_version) AS versions
     FROM events e
     WHERE e.metadata->'extra' ? '${ACCEPTANCE_KEY}' AND e.metadata ? 'causationId' AND e.created_at >= $1
       AND NOT EXISTS (SELECT 1 FROM processed_commands c WHERE c.command_id = e.metadata->>'causationId')
     GROUP BY 1, 2`,
    [prunedBefore],
  );
  for await (const row of unrecorded) {
    check.violation(
      'command_record_missing',
      `command "${row.command_id}" caused ${row.events} event(s) of aggregate "${row.aggregate_id}" (version(s) ${row.versions.join(', ')}) but has no record, and it is newer than any prune`,
    );
  }
  if (prunedBefore.getTime() > 0) {
    const [pruned] = await reader.query<{ unrecorded: string; rerun: string }>(
      `SELECT count(*) FILTER (WHERE c.command_id IS NULL AND e.metadata->'extra' ? '${ACCEPTANCE_KEY}') AS unrecorded,
              count(*) FILTER (WHERE c.command_id IS NOT NULL AND NOT (e.event_id = ANY (c.event_ids))) AS rerun
       FROM events e
       LEFT JOIN processed_commands c ON c.command_id = e.metadata->>'causationId'
       WHERE e.created_at < $1 AND e.metadata ? 'causationId'`,
      [prunedBefore],
    );
    check.note(
      `command records processed before ${prunedBefore.toISOString()} were pruned (idempotency window): ` +
        `${pruned!.unrecorded} older event(s) have no record any more, ${pruned!.rerun} are from an earlier run of a command id sent again after that`,
    );
  }
  return check.examined(`${accepted} accepted and ${rejected} rejected commands`);
}

/**
 * Every snapshot sits on its aggregate's stream, of the same type, at a version the stream reached.
 * Its state is a cache the workers compute from the events and is not re-derived here.
 */
export async function checkSnapshots(reader: SnapshotReader, limit: number): Promise<CheckResult> {
  const check = new CheckRecorder('snapshots', limit);
  const [{ count }] = await reader.query<{ count: string }>('SELECT count(*) FROM snapshots') as [{ count: string }];
  const rows = reader.stream<{ aggregate_id: string; aggregate_type: string; version: string; head: string | null; stream_type: string | null }>(
    `SELECT sn.aggregate_id, sn.aggregate_type, sn.version, s.version AS head, s.aggregate_type AS stream_type
     FROM snapshots sn LEFT JOIN streams s USING (aggregate_id)
     WHERE s.version IS NULL OR sn.version > s.version OR sn.aggregate_type <> s.aggregate_type`,
  );
  for await (const row of rows) {
    const id = `snapshot of "${row.aggregate_id}" (${row.aggregate_type}, version ${row.version})`;
    if (row.head === null) check.violation('snapshot_without_stream', `${id}: the aggregate has no stream`);
    else if (row.stream_type !== row.aggregate_type) check.violation('snapshot_type_mismatch', `${id}: the stream is of type ${row.stream_type}`);
    else check.violation('snapshot_ahead_of_stream', `${id}: the stream is at version ${row.head}`);
  }
  return check.examined(`${count} snapshots`);
}

/**
 * An aggregate's events follow the order in which their commands were accepted: along the versions,
 * the acceptance sequence never goes back. The sequence is read from each event's metadata
 * (`extra.acceptedSeq`, a per-aggregate number stamped when the command was accepted); events
 * without it cannot be checked and are counted in a note.
 */
export async function checkAcceptanceOrder(reader: SnapshotReader, limit: number): Promise<CheckResult> {
  const check = new CheckRecorder('acceptance order', limit);
  const seq = `CASE WHEN metadata->'extra'->>'${ACCEPTANCE_KEY}' ~ '^[0-9]{1,18}$' THEN (metadata->'extra'->>'${ACCEPTANCE_KEY}')::bigint END`;
  const [counts] = await reader.query<{ stamped: string; unstamped: string }>(
    `SELECT count(*) FILTER (WHERE ${seq} IS NOT NULL) AS stamped, count(*) FILTER (WHERE ${seq} IS NULL) AS unstamped FROM events`,
  );
  const rows = reader.stream<{ aggregate_id: string; event_version: string; seq: string; prev_seq: string; prev_version: string }>(
    `SELECT * FROM (
       SELECT aggregate_id, event_version, seq,
              lag(seq) OVER w AS prev_seq, lag(event_version) OVER w AS prev_version
       FROM (SELECT aggregate_id, event_version, ${seq} AS seq FROM events) stamped
       WHERE seq IS NOT NULL
       WINDOW w AS (PARTITION BY aggregate_id ORDER BY event_version)
     ) ordered
     WHERE seq < prev_seq`,
  );
  for await (const row of rows) {
    check.violation(
      'acceptance_order',
      `aggregate "${row.aggregate_id}": version ${row.event_version} comes from command accepted #${row.seq}, after version ${row.prev_version} from #${row.prev_seq}`,
    );
  }
  if (Number(counts!.unstamped) > 0) {
    check.note(`${counts!.unstamped} event(s) carry no acceptance sequence (metadata.extra.${ACCEPTANCE_KEY}) and were not checked`);
  }
  return check.examined(`${counts!.stamped} events with an acceptance sequence`);
}
