import type { CommandOutcome } from '../../envelope/codec.ts';
import type { EventView } from '../../http/event-view.ts';
import type { SystemStatus } from '../../observability/system-status.ts';
import type { HaltedAggregate, QueuedAggregate } from '../../commands/gate/gate.ts';
import { ApiClient } from '../api-client.ts';
import { defineCommand, integerOption, requirePositional, settingsOf, UsageError, type CliCommand } from '../command.ts';

const REMOTE = [
  '--url URL: the server (default EVENTSTORE_URL, else http://HOST:PORT of the local settings)',
  '--token TOKEN: the bearer token (default API_TOKEN; a flag shows in the process list, the variable does not)',
];
const REMOTE_OPTIONS = { url: { type: 'string' }, token: { type: 'string' } } as const;

/** The API client for --url / --token, falling back to the settings of the config or the environment. */
async function apiOf(values: Record<string, string | boolean | undefined>): Promise<ApiClient> {
  const url = values.url;
  const token = values.token;
  if (url !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(String(url));
    } catch { /* refused below */ }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) throw new UsageError(`--url must be an http(s) URL, got "${String(url)}"`);
  }
  if (token !== undefined && (typeof token !== 'string' || token === '' || /\s/.test(token))) {
    throw new UsageError('--token must be a non-empty token without whitespace');
  }
  return ApiClient.fromEnv(await settingsOf(values), { url: url as string | undefined, token: token as string | undefined });
}

export const remoteCommands: CliCommand[] = [
  defineCommand({
    name: 'send',
    summary: 'Sends a command through the HTTP API.',
    usage: "<type> <aggregateId> [payload-json] [--id ID] [--expected-version N] [--wait] [--timeout MS] [--url URL] [--token TOKEN]",
    details: [
      "payload-json: the payload as JSON (default {}), e.g. '{\"customerId\":\"c-1\",\"total\":42}'",
      '--id: the command id (idempotency key); default a random UUID',
      '--expected-version: the version the aggregate must be at (0: it must not exist yet)',
      '--wait: print the outcome instead of the queued id (--timeout: how long to wait, default 10000 ms)',
      'Exit code 0 when queued or accepted, 1 when rejected or refused (for example a reused command id).',
      ...REMOTE,
    ],
    options: {
      id: { type: 'string' },
      'expected-version': { type: 'string' },
      wait: { type: 'boolean' },
      timeout: { type: 'string' },
      ...REMOTE_OPTIONS,
    },
    run: async ({ positionals, values }) => {
      const type = requirePositional(positionals, 0, 'type');
      const aggregateId = requirePositional(positionals, 1, 'aggregateId');
      let payload: unknown;
      try {
        payload = JSON.parse(positionals[2] ?? '{}');
      } catch {
        throw new UsageError(`payload-json is not valid JSON: ${positionals[2]}`);
      }
      const expectedVersion = integerOption(values['expected-version'], 'expected-version');
      const timeout = integerOption(values.timeout, 'timeout', 1);
      const body = {
        type,
        aggregateId,
        payload,
        ...(values.id ? { commandId: values.id } : {}),
        ...(expectedVersion === undefined ? {} : { expectedVersion }),
        ...(values.wait || timeout ? { wait: timeout ?? true } : {}),
      };
      const { body: answer } = await (await apiOf(values)).request<CommandOutcome | { commandId: string; status: 'queued' }>(
        'POST',
        '/commands',
        body,
        [409, 422],
      );
      console.log(JSON.stringify(answer, null, 2));
      // A 409 or 422 without an outcome is a refusal (an error body): the command did not run.
      return answer.status === 'queued' || answer.status === 'accepted' ? 0 : 1;
    },
  }),
  defineCommand({
    name: 'events',
    summary: "Prints an aggregate's events, in version order.",
    usage: '<aggregateId> [--from-version N] [--json] [--url URL] [--token TOKEN]',
    details: ['--json: one JSON object per line (type, version, global position, metadata, data)', ...REMOTE],
    options: { 'from-version': { type: 'string' }, json: { type: 'boolean' }, ...REMOTE_OPTIONS },
    run: async ({ positionals, values }) => {
      const aggregateId = requirePositional(positionals, 0, 'aggregateId');
      const api = await apiOf(values);
      let from: number | undefined = integerOption(values['from-version'], 'from-version', 1) ?? 1;
      let count = 0;
      while (from !== undefined) {
        const path: string = `/aggregates/${encodeURIComponent(aggregateId)}/events?fromVersion=${from}`;
        const { body }: { body: { events: EventView[]; nextFromVersion?: number } } = await api.request('GET', path);
        for (const event of body.events) console.log(values.json ? JSON.stringify(event) : formatEvent(event));
        count += body.events.length;
        from = body.nextFromVersion;
      }
      if (!values.json) console.error(`${count} event(s) in ${aggregateId}`);
    },
  }),
  defineCommand({
    name: 'status',
    summary: 'Queue depth by state, gate backlog, halted aggregates, relay position and lag, subscription lag.',
    usage: '[--aggregates [--limit N]] [--json] [--url URL] [--token TOKEN]',
    details: [
      '--aggregates: the aggregates with queued commands (how many, the oldest one\'s age, the head command, its state and worker), then the halted ones with their failure',
      '--limit N: with --aggregates, list at most N aggregates (default 100)',
      '--json: the answer as JSON',
      ...REMOTE,
    ],
    options: { json: { type: 'boolean' }, aggregates: { type: 'boolean' }, limit: { type: 'string' }, ...REMOTE_OPTIONS },
    run: async ({ values }) => {
      const api = await apiOf(values);
      if (values.aggregates) return printAggregates(api, integerOption(values.limit, 'limit', 1) ?? 100, values.json === true);
      if (values.limit !== undefined) throw new UsageError('--limit goes with --aggregates');
      const { body } = await api.request<SystemStatus>('GET', '/status');
      console.log(values.json ? JSON.stringify(body, null, 2) : formatStatus(body));
    },
  }),
  defineCommand({
    name: 'resume',
    summary: 'Resumes a halted aggregate: its queued commands run again, in their order.',
    usage: '<aggregateId> [--url URL] [--token TOKEN]',
    details: ['An aggregate halts after a command failed for good when its failure policy is "halt".', ...REMOTE],
    options: { ...REMOTE_OPTIONS },
    run: async ({ positionals, values }) => {
      const aggregateId = requirePositional(positionals, 0, 'aggregateId');
      await (await apiOf(values)).request('POST', `/aggregates/${encodeURIComponent(aggregateId)}/resume`);
      console.log(`${aggregateId} resumed`);
    },
  }),
];

interface AggregatesPage {
  aggregates: Array<QueuedAggregate & { oldestQueuedAgeSeconds?: number }>;
  nextCursor?: string;
  halted?: HaltedAggregate[];
}

/** Walks GET /operations/aggregates until `limit` aggregates or the last page. */
async function printAggregates(api: ApiClient, limit: number, json: boolean): Promise<void> {
  const listed: AggregatesPage['aggregates'] = [];
  let halted: HaltedAggregate[] = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ limit: String(Math.min(limit - listed.length, 1000)), ...(cursor ? { cursor } : {}) });
    const { body }: { body: AggregatesPage } = await api.request('GET', `/operations/aggregates?${query}`);
    listed.push(...body.aggregates);
    if (body.halted) halted = body.halted;
    cursor = body.nextCursor;
  } while (cursor !== undefined && listed.length < limit);
  const shown = listed.slice(0, limit);
  if (json) {
    console.log(JSON.stringify({ aggregates: shown, halted, more: cursor !== undefined || listed.length > limit }, null, 2));
    return;
  }
  console.log(shown.length === 0 ? 'no aggregate has queued commands' : 'AGGREGATE\tQUEUED\tOLDEST\tHEAD\tSTATE\tWORKER');
  for (const a of shown) {
    const age = a.oldestQueuedAgeSeconds === undefined ? '-' : `${a.oldestQueuedAgeSeconds.toFixed(1)}s`;
    console.log(`${a.aggregateId}\t${a.queuedCommands}\t${age}\t${a.head.name} ${a.head.commandId}\t${a.head.state}${a.halted ? ' (halted)' : ''}\t${a.head.worker ?? '-'}`);
  }
  if (cursor !== undefined || listed.length > limit) console.log(`(more: raise --limit above ${limit})`);
  for (const h of halted) console.log(`halted: ${h.aggregateId} since ${h.haltedAt} by command ${h.commandId}: ${h.reason}`);
}

function formatEvent(event: EventView): string {
  const data = event.data === undefined ? `<${event.contentType}, ${event.dataBase64?.length ?? 0} base64 chars>` : JSON.stringify(event.data);
  const tracing = [event.metadata.correlationId && `correlation=${event.metadata.correlationId}`, event.metadata.causationId && `causation=${event.metadata.causationId}`]
    .filter(Boolean)
    .join(' ');
  return `v${event.version}\t${event.eventType}\tposition ${event.globalPosition}\t${event.occurredAt}\t${data}${tracing ? `\t${tracing}` : ''}`;
}

function formatStatus(status: SystemStatus): string {
  const lines = [`queue:         ${Object.entries(status.queue).map(([state, n]) => `${state} ${n}`).join(', ')}`];
  if (status.gate) {
    lines.push(
      `gates:         ${status.gate.parkedCommands} parked behind ${status.gate.aggregatesWithBacklog} busy aggregate(s), ${status.gate.haltedAggregates} halted`,
    );
  }
  if (status.workers !== undefined) {
    lines.push(`workers:       ${status.workers}${status.workers === 0 ? ' (queued commands do not run)' : ''}`);
  }
  if (status.gate?.oldestQueuedCommandAgeSeconds !== undefined) {
    lines.push(`oldest queued: ${status.gate.oldestQueuedCommandAgeSeconds.toFixed(1)} s`);
  }
  if (status.relay) {
    lines.push(`relay:         at ${JSON.stringify(status.relay.position)}, ${status.relay.lagEvents} event(s) / ${status.relay.lagSeconds.toFixed(1)} s behind`);
  }
  for (const sub of status.subscriptions ?? []) {
    lines.push(`subscription:  ${sub.subscription}: ${sub.lagEvents} event(s) / ${(sub.lagSeconds ?? 0).toFixed(1)} s behind`);
  }
  return lines.join('\n');
}
