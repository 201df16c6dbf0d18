/**
 * The guarantee-mutation list: one deliberate break per guarantee the docs state, each a small
 * textual patch, and the test files that must catch it. `npm run test:mutations` applies each to a
 * temporary copy of the repository and runs its tests there (see run.ts).
 *
 * A patch names the exact number of matches it expects. When the code it targets changes, the
 * patch no longer applies and the run fails loudly naming the mutation and the file, instead of a
 * mutation that silently does nothing and "survives". Update `find` (and `count`) then.
 */

export interface Patch {
  /** Path from the repository root. */
  file: string;
  find: string;
  replace: string;
  /** How many times `find` must occur in `file` (every occurrence is replaced). */
  count: number;
}

export interface Mutation {
  id: string;
  /** The guarantee it breaks, as the docs state it. */
  guarantee: string;
  /** Where the docs state it. */
  docs: string;
  patches: Patch[];
  /** Test files (from the repository root) that must fail with the mutation in place. */
  tests: string[];
}

export const MUTATIONS: Mutation[] = [
  {
    id: 'checkpoint-outside-transaction',
    guarantee: 'Exactly-once effect: a projection\'s writes and its checkpoint commit in one transaction',
    docs: 'event-distribution.md#guarantees-of-event-distribution-and-their-limits',
    patches: [{
      file: 'src/projections/apply.ts',
      find: '    await applyFaultHooks.beforeCheckpoint?.(name, fresh);\n',
      replace: "    await client.query('COMMIT; BEGIN'); // mutation: the handler's writes commit alone\n    await applyFaultHooks.beforeCheckpoint?.(name, fresh);\n",
      count: 1,
    }],
    tests: ['test/projections/checkpoint-crash.int.test.ts'],
  },
  {
    id: 'no-checkpoint-skip',
    guarantee: 'Exactly-once effect: a redelivered, duplicate or older event is skipped',
    docs: 'event-distribution.md#guarantees-of-event-distribution-and-their-limits',
    patches: [{
      file: 'src/projections/apply.ts',
      find: 'const fresh = events.filter((event) => isAfter(event, checkpoint));',
      replace: 'const fresh = events.filter(() => checkpoint !== undefined);',
      count: 1,
    }],
    tests: ['test/projections/apply.int.test.ts', 'test/projections/exactly-once.int.test.ts'],
  },
  {
    id: 'checkpoint-not-locked',
    guarantee: 'Exactly-once effect: two appliers of one projection serialize on its checkpoint row',
    docs: 'event-distribution.md#guarantees-of-event-distribution-and-their-limits',
    patches: [{
      file: 'src/projections/apply.ts',
      find: "WHERE subscription = '${name}' FOR UPDATE`",
      replace: "WHERE subscription = '${name}'`",
      count: 1,
    }],
    tests: ['test/projections/apply.int.test.ts'],
  },
  {
    id: 'random-msg-id',
    guarantee: 'Duplicates on the wire: JetStream drops a re-published event id',
    docs: 'event-distribution.md#guarantees-of-event-distribution-and-their-limits',
    patches: [{
      file: 'src/bus/jetstream-bus.ts',
      find: "h.set('Nats-Msg-Id', message.msgId);",
      replace: "h.set('Nats-Msg-Id', `${message.msgId}.${Math.random()}`);",
      count: 1,
    }],
    tests: ['test/bus/jetstream-contract.int.test.ts'],
  },
  {
    id: 'advance-promotes-tail',
    guarantee: 'Order per aggregate: the gate promotes the next command (its head) when one finishes',
    docs: 'commands.md#guarantees-precisely',
    patches: [{
      file: 'src/commands/gate/lua/advance.lua',
      find: "local head = redis.call('LINDEX', KEYS[1], 0)",
      replace: "local head = redis.call('LINDEX', KEYS[1], -1)",
      count: 1,
    }],
    tests: ['test/commands/gate.int.test.ts'],
  },
  {
    id: 'claim-without-head-check',
    guarantee: 'Order per aggregate: only the head of an aggregate\'s gate may run',
    docs: 'commands.md#guarantees-precisely',
    patches: [{
      file: 'src/commands/gate/lua/claim.lua',
      find: "if position ~= 0 then return { 'parked', false } end\n",
      replace: '',
      count: 1,
    }],
    tests: ['test/commands/gate.int.test.ts'],
  },
  {
    id: 'enqueue-at-the-front',
    guarantee: 'Order per aggregate: commands run in the order the queue accepted them',
    docs: 'commands.md#guarantees-precisely',
    patches: [{
      file: 'src/commands/gate/lua/enqueue.lua',
      find: "position = redis.call('RPUSH', gate, commandId) - 1",
      replace: "redis.call('LPUSH', gate, commandId); position = 0",
      count: 1,
    }],
    tests: ['test/commands/gate.int.test.ts', 'test/commands/client.int.test.ts'],
  },
  {
    id: 'halt-policy-ignored',
    guarantee: 'Failure policy halt: a halted aggregate\'s later commands wait for an operator',
    docs: 'commands.md#failure-policy',
    patches: [{
      file: 'src/commands/gate/lua/advance.lua',
      find: "if ARGV[4] ~= '' then redis.call('HSET', KEYS[3], ARGV[1], ARGV[4]) end",
      replace: '-- mutation: the halt record is dropped',
      count: 1,
    }],
    tests: ['test/commands/failure-policy.int.test.ts'],
  },
  {
    id: 'no-idempotency-filter',
    guarantee: 'Idempotent commands: a command id is applied at most once, its first outcome stands',
    docs: 'architecture.md#guarantees-of-the-store',
    patches: [{
      file: 'sql/050_store_write_functions.sql',
      find: 'WHERE (SELECT true FROM public.processed_commands p WHERE p.command_id = cmd.command_id)',
      replace: 'WHERE false',
      count: 1,
    }],
    tests: ['test/store/append.int.test.ts', 'test/commands/client.int.test.ts'],
  },
  {
    id: 'no-compare-and-set',
    guarantee: 'Per-aggregate versions are gap-free and unique (compare-and-set on the stream head)',
    docs: 'architecture.md#guarantees-of-the-store',
    patches: [{
      file: 'sql/050_store_write_functions.sql',
      find: 'AND (req.expected = -1 OR s.version = req.expected)',
      replace: 'AND (req.expected = -1 OR s.version >= 0)',
      count: 1,
    }],
    tests: ['test/store/append.int.test.ts'],
  },
  {
    id: 'immutability-not-always',
    guarantee: 'Immutability: UPDATE, DELETE and TRUNCATE fail for every role, also in replica mode',
    docs: 'architecture.md#guarantees-of-the-store',
    patches: [{
      file: 'sql/001_event_store.sql',
      find: 'ALTER TABLE events ENABLE ALWAYS TRIGGER',
      replace: 'ALTER TABLE events ENABLE TRIGGER',
      count: 2,
    }],
    tests: ['test/store/immutability.int.test.ts'],
  },
  {
    id: 'read-all-without-xmin-bound',
    guarantee: 'Commit order without skips: readAll returns only events of transactions older than every running one',
    docs: 'architecture.md#guarantees-of-the-store',
    patches: [{
      file: 'src/store/event-store.ts',
      find: 'AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())',
      replace: 'AND transaction_id IS NOT NULL',
      count: 1,
    }],
    tests: ['test/store/read-all.int.test.ts', 'test/bus/relay.int.test.ts'],
  },
  {
    id: 'read-all-by-position-only',
    guarantee: 'Commit order: readAll and the event log follow (transaction_id, global_position)',
    docs: 'architecture.md#guarantees-of-the-store',
    patches: [{
      file: 'src/store/event-store.ts',
      find: 'ORDER BY events.transaction_id, events.global_position',
      replace: 'ORDER BY events.global_position',
      count: 1,
    }],
    tests: ['test/store/read-all.int.test.ts', 'test/reliability/read-all-xid-order.int.test.ts', 'test/bus/relay.int.test.ts'],
  },
  {
    id: 'relay-without-fencing',
    guarantee: 'No loss, order: a stale relay cannot interleave with a newer one (expected-last-sequence fencing)',
    docs: 'event-distribution.md#guarantees-of-event-distribution-and-their-limits',
    patches: [{
      file: 'src/bus/relay.ts',
      find: "bus.transport === 'jetstream' ? { expectedLastSequence: sequence } : {},",
      replace: '{},',
      count: 1,
    }],
    tests: ['test/bus/relay.int.test.ts'],
  },
  {
    id: 'rebuild-ends-partial',
    guarantee: 'A rebuild from the store waits for events the xmin rule holds back instead of ending partial',
    docs: 'event-distribution.md (projections and rebuilds)',
    patches: [{
      file: 'src/projections/rebuild.ts',
      find: 'if (!head || !isAfter(head, position)) return;',
      replace: 'if (!head || position) return;',
      count: 1,
    }],
    tests: ['test/projections/rebuild.int.test.ts'],
  },
  {
    id: 'subscription-not-strict',
    guarantee: 'Order: a strict subscription handles messages in log order, a failing one blocks what is behind it',
    docs: 'event-distribution.md#guarantees-of-event-distribution-and-their-limits',
    patches: [{
      file: 'src/bus/jetstream-bus.ts',
      find: 'max_ack_pending: options.maxInFlight ?? 1 }',
      replace: 'max_ack_pending: options.maxInFlight ?? 16 }',
      count: 1,
    }, {
      file: 'src/bus/jetstream-bus.ts',
      find: 'const strict = (options.maxInFlight ?? 1) === 1;',
      replace: 'const strict = (options.maxInFlight ?? 16) === 1;',
      count: 1,
    }],
    tests: ['test/bus/jetstream-contract.int.test.ts'],
  },
  {
    id: 'auth-any-token',
    guarantee: 'Auth: with API_TOKEN set, every route but /healthz requires the token',
    docs: 'security.md',
    patches: [{
      file: 'src/http/auth.ts',
      find: 'return timingSafeEqual(digest(candidate), expected);',
      replace: 'return candidate.length > 0 || timingSafeEqual(digest(candidate), expected);',
      count: 1,
    }],
    tests: ['test/http/auth.int.test.ts'],
  },
  {
    id: 'auth-basic-everywhere',
    guarantee: 'Auth: Basic auth (token as password) only for the browser pages, Bull Board and the docs',
    docs: 'security.md',
    patches: [{
      file: 'src/http/auth.ts',
      find: 'if (matches(request.headers.authorization, expected, browser)) return;',
      replace: 'if (matches(request.headers.authorization, expected, true)) return;',
      count: 1,
    }],
    tests: ['test/http/auth.int.test.ts'],
  },
];
