import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { CommandClient } from '../../../src/commands/gate/command-client.ts';
import type { SendCommand } from '../../../src/commands/gate/command-job.ts';
import type { OutcomeEvent } from '../../../src/commands/worker/command-worker.ts';
import { ORDER_STATUSES } from '../../../examples/orders/domain/order.ts';

/** When a command's send was called and when it resolved (accepted), in this process's clock. */
export interface Sent {
  commandId: string;
  aggregateId: string;
  calledAt: number;
  resolvedAt: number;
}

/** Sends commands in chunks with sendMany, recording each one's acceptance window. */
export async function sendRecorded(client: CommandClient, commands: Array<SendCommand & { commandId: string }>, sent: Sent[]): Promise<void> {
  const calledAt = performance.now();
  await client.sendMany(commands);
  const resolvedAt = performance.now();
  for (const c of commands) sent.push({ commandId: c.commandId, aggregateId: c.aggregateId, calledAt, resolvedAt });
}

export function statusUpdate(producer: number, round: number, aggregateId: string): SendCommand & { commandId: string } {
  return {
    commandId: `p${producer}-r${round}-${aggregateId}`,
    type: 'UpdateOrderStatus',
    aggregateId,
    payload: { status: ORDER_STATUSES[(producer + round) % ORDER_STATUSES.length] },
  };
}

export function shuffle<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/**
 * Every sent command was accepted exactly once, and for every two commands A, B of one aggregate
 * where A's send resolved before B's send was called, A's events come before B's.
 */
export async function assertAppliedOnceInAcceptanceOrder(pool: pg.Pool, sent: Sent[]): Promise<void> {
  const { rows } = await pool.query(`SELECT command_id, aggregate_id, status, version FROM processed_commands`);
  const byId = new Map(rows.map((r) => [r.command_id as string, r]));
  for (const s of sent) {
    const row = byId.get(s.commandId);
    assert.ok(row, `command ${s.commandId} was never processed`);
    assert.equal(row.status, 'accepted', `command ${s.commandId} was ${row.status}`);
  }
  const events = await pool.query(`SELECT count(*)::int AS n, count(DISTINCT metadata->>'causationId')::int AS causes FROM events`);
  assert.equal(events.rows[0].n, sent.length, 'one event per command: none lost, none applied twice');
  assert.equal(events.rows[0].causes, sent.length, 'no command caused two events');

  const perAggregate = new Map<string, Array<Sent & { version: number }>>();
  for (const s of sent) {
    const list = perAggregate.get(s.aggregateId) ?? [];
    list.push({ ...s, version: Number(byId.get(s.commandId)!.version) });
    perAggregate.set(s.aggregateId, list);
  }
  let pairs = 0;
  for (const [aggregateId, commands] of perAggregate) {
    for (const a of commands) {
      for (const b of commands) {
        if (a.resolvedAt < b.calledAt) {
          pairs++;
          assert.ok(a.version < b.version, `${aggregateId}: ${a.commandId} was accepted before ${b.commandId} was sent, but ran after it`);
        }
      }
    }
  }
  assert.ok(pairs > sent.length, 'the order check compared enough pairs to mean something');
}

/**
 * No two runs of one aggregate's commands overlapped in time, and no version conflict happened. A
 * run is a gate head with the followers appended in its statement (OutcomeEvent.ranWith): those are
 * decided one after another in one process, which the version order checks.
 */
export function assertNoOverlapNoConflicts(traces: OutcomeEvent[]): void {
  assert.equal(traces.reduce((sum, t) => sum + t.conflicts, 0), 0, 'version conflicts occurred');
  const perAggregate = new Map<string, OutcomeEvent[]>();
  // A follower ran inside its head's window, in the head's process: check the heads' windows.
  for (const t of traces.filter((t) => t.ranWith === t.commandId)) perAggregate.set(t.aggregateId, [...(perAggregate.get(t.aggregateId) ?? []), t]);
  for (const [aggregateId, list] of perAggregate) {
    list.sort((x, y) => x.startedAt - y.startedAt);
    let previous: OutcomeEvent | undefined;
    for (const t of list) {
      if (previous && previous.commandId !== t.commandId) {
        assert.ok(t.startedAt >= previous.finishedAt, `${aggregateId}: ${t.commandId} started at ${t.startedAt} while ${previous.commandId} ran until ${previous.finishedAt}`);
      }
      if (!previous || t.finishedAt >= previous.finishedAt) previous = t;
    }
  }
}
