import { encodeCommand } from '../../../src/envelope/codec.ts';
import { decodeCommand } from '../../../src/envelope/codec.ts';
import { RESERVED_COMMAND_IDS } from '../../../src/commands/gate/command-job.ts';
import type { Random } from './random.ts';

/**
 * Malformed commands, by kind. Each is a JSON-able object for the client and the JSON API, or raw
 * bytes for the API (invalid UTF-8, truncated protobuf). None of them may be queued or written.
 */
export interface FuzzCase {
  kind: string;
  /** What goes to CommandClient.send (absent: an HTTP-only case). */
  command?: unknown;
  /** The HTTP request body, when it is not JSON.stringify(command). */
  raw?: { contentType: string; body: Buffer };
}

export const SQL_INJECTIONS = [
  `'; DROP TABLE events; --`,
  `x' OR '1'='1`,
  `1; TRUNCATE processed_commands CASCADE`,
  `$$; DELETE FROM streams; $$`,
  `') ON CONFLICT DO NOTHING; UPDATE events SET event_type='x' --`,
  `\\x00'); COMMIT; DROP SCHEMA public CASCADE; --`,
];
export const LUA_INJECTIONS = [
  `"]) redis.call('FLUSHALL') --`,
  `x\nFLUSHALL`,
  `{gate}:*`,
  `*`,
  `') end redis.call('DEL', KEYS[1]) if ('`,
  `\r\nCONFIG SET dir /tmp\r\n`,
];
const INJECTIONS = [...SQL_INJECTIONS, ...LUA_INJECTIONS];

const valid = (r: Random) => ({
  type: 'CreateOrder',
  aggregateId: `fuzz-${r.string(8)}`,
  payload: { customerId: `c-${r.string(4)}`, total: r.int(0, 1000) },
});

const WRONG_VALUES: unknown[] = [null, 42, -1, 3.5, true, false, [], ['a'], {}, { a: 1 }, '', ' ', '\u0000', 1e308];

function wrongTypes(r: Random): FuzzCase {
  const field = r.pick(['type', 'aggregateId', 'payload', 'commandId', 'expectedVersion', 'metadata', 'whole'] as const);
  const base: Record<string, unknown> = valid(r);
  if (field === 'whole') return { kind: 'wrong type', command: r.pick([null, 42, 'CreateOrder', [valid(r)], true]) };
  let value = r.pick(WRONG_VALUES);
  // A string payload or metadata is still wrong; a string type/id would be a valid command.
  if (field === 'payload' || field === 'metadata') value = r.pick([...WRONG_VALUES.filter((v) => v !== null && typeof v !== 'object'), ['x'], 'text']);
  if (field === 'type' || field === 'aggregateId') value = r.pick(WRONG_VALUES.filter((v) => typeof v !== 'string' || v.trim() === '' || v.includes('\u0000')));
  if (field === 'commandId') value = r.pick([42, 3.5, true, [], {}, '', 'has space', 'ü']); // null: "generate one"
  if (field === 'expectedVersion') value = r.pick(['5', null, true, 3.5, [], {}, '0']);
  if (field === 'payload' && r.next() < 0.5) {
    base.payload = { customerId: r.pick([42, null, [], {}, true]), total: r.pick(['42', null, [], {}, true, -1]) };
    return { kind: 'wrong type', command: base };
  }
  base[field] = value;
  return { kind: 'wrong type', command: base };
}

function hugeStrings(r: Random): FuzzCase {
  const field = r.pick(['aggregateId', 'type', 'commandId', 'customerId'] as const);
  const huge = r.string(r.pick([201, 300, 5_000, 100_000]));
  const command: Record<string, any> = valid(r);
  if (field === 'customerId') command.payload.customerId = r.string(r.int(201, 5000)); // schema: at most 200
  else command[field] = huge;
  return { kind: 'huge string', command };
}

function oversizedPayload(r: Random): FuzzCase {
  const command: Record<string, any> = valid(r);
  command.payload.customerId = r.string(2 * 1024 * 1024 + r.int(0, 1000));
  return { kind: 'payload over the size limit', command };
}

function deeplyNested(r: Random): FuzzCase {
  const depth = r.pick([100, 1_000, 5_000, 20_000]);
  // Built as text: JSON.stringify itself overflows the stack on the deepest of these.
  const open: string[] = [];
  for (let i = 0; i < depth; i++) open.push(r.next() < 0.5 ? '{"a":' : '[');
  const nested = open.join('') + '1' + open.reverse().map((o) => (o === '[' ? ']' : '}')).join('');
  const command = valid(r);
  const payload = r.next() < 0.5 ? `{"customerId":"c","total":1,"extra":${nested}}` : `{"customerId":${nested},"total":1}`;
  const text = `{"type":"${command.type}","aggregateId":"${command.aggregateId}","payload":${payload}}`;
  return { kind: 'deeply nested JSON', command: JSON.parse(text), raw: { contentType: 'application/json', body: Buffer.from(text) } };
}

function injectionIds(r: Random): FuzzCase {
  const injection = r.pick(INJECTIONS);
  const command: Record<string, any> = valid(r);
  // As the command id (only letters, digits, '_', '-', '.' are ids), or as the aggregate id of a
  // command that is otherwise malformed (an aggregate id with quotes is data, not an attack: see
  // the separate check that such ids are stored verbatim).
  if (r.next() < 0.5) command.commandId = injection;
  else {
    command.aggregateId = injection;
    command.payload = { customerId: injection, total: 'NaN' };
  }
  return { kind: 'SQL/Lua injection id', command };
}

/** BullMQ's own key names as command ids: the job key would be one of the queue's keys. */
function queueKeyIds(r: Random): FuzzCase {
  return { kind: 'BullMQ key name as command id', command: { ...valid(r), commandId: r.pick([...RESERVED_COMMAND_IDS]) } };
}

function badExpectedVersion(r: Random): FuzzCase {
  const command: Record<string, any> = valid(r);
  command.expectedVersion = r.pick([-1, -2, -(2 ** 31), -(2 ** 53), 2 ** 53, 2 ** 63, 1e20, 1e308, -0.5, 0.1]);
  return { kind: 'negative or huge expected version', command };
}

function unknownOrMissing(r: Random): FuzzCase {
  const command: Record<string, any> = valid(r);
  const what = r.pick(['unknown type', 'no type', 'no aggregate', 'no payload', 'extra field', 'schema']);
  if (what === 'unknown type') command.type = r.pick(['DropOrder', 'createorder', '__proto__', 'constructor', 'CreateOrder\u0000']);
  if (what === 'no type') delete command.type;
  if (what === 'no aggregate') delete command.aggregateId;
  if (what === 'no payload') delete command.payload;
  if (what === 'extra field') command.payload.admin = true;
  if (what === 'schema') command.payload = { customerId: 'c', total: -r.int(1, 100) };
  return { kind: 'unknown type or schema violation', command };
}

/** Bytes that are not UTF-8, inside an otherwise valid JSON command: the API must refuse them. */
function invalidUtf8(r: Random): FuzzCase {
  const bad = Buffer.from(r.pick([[0xff], [0xc3, 0x28], [0xe2, 0x28, 0xa1], [0xf0, 0x90, 0x28, 0xbc], [0xed, 0xa0, 0x80], [0xc0, 0xaf]]));
  const command = valid(r);
  const text = JSON.stringify(command);
  const at = text.indexOf(r.pick([command.aggregateId, command.payload.customerId]));
  const body = Buffer.concat([Buffer.from(text.slice(0, at + 2)), bad, Buffer.from(text.slice(at + 2))]);
  return { kind: 'invalid UTF-8', raw: { contentType: 'application/json', body } };
}

/** A protobuf CommandEnvelope cut short inside a field (cuts that happen to decode are skipped). */
function truncatedProtobuf(r: Random): FuzzCase {
  const command = valid(r);
  const bytes = Buffer.from(
    encodeCommand({
      commandId: `fuzz-${r.string(10)}`,
      commandType: command.type,
      aggregateId: command.aggregateId,
      payload: Buffer.from(JSON.stringify(command.payload)),
      contentType: 'application/json',
      metadata: { correlationId: r.string(12) },
      issuedAt: new Date(1_780_000_000_000 + r.int(0, 1_000_000_000)), // from the seed: the same cuts every run
    }),
  );
  for (;;) {
    const cut = bytes.subarray(0, r.int(1, bytes.length - 1));
    try {
      decodeCommand(cut);
    } catch {
      return { kind: 'truncated protobuf', raw: { contentType: 'application/x-protobuf', body: Buffer.from(cut) } };
    }
  }
}

/** Bodies that are not JSON at all, or JSON of the wrong shape. */
function garbageBody(r: Random): FuzzCase {
  const body = r.pick([
    '{', '{"type":', 'null', '[]', '"CreateOrder"', '{"type":"CreateOrder","aggregateId":"a","payload":{', '\u0000\u0001',
    `{"type":"CreateOrder","aggregateId":"a","payload":{"customerId":"c","total":1},"__proto__":{"admin":true}}`,
    r.string(r.int(1, 200), '{}[]":,abc\\ '),
  ]);
  return { kind: 'garbage body', raw: { contentType: 'application/json', body: Buffer.from(body) } };
}

const CLIENT_AND_HTTP = [wrongTypes, hugeStrings, deeplyNested, injectionIds, queueKeyIds, badExpectedVersion, unknownOrMissing];
const HTTP_ONLY = [invalidUtf8, truncatedProtobuf, garbageBody];

/** `n` cases for the client (objects) and `n` for the API (objects, raw bytes), in a fixed mix. */
export function fuzzCases(r: Random, n: number): { client: FuzzCase[]; http: FuzzCase[] } {
  const client: FuzzCase[] = [];
  const http: FuzzCase[] = [];
  for (let i = 0; i < n; i++) {
    client.push(i % 50 === 49 ? oversizedPayload(r) : r.pick(CLIENT_AND_HTTP)(r));
    http.push(i % 50 === 49 ? oversizedPayload(r) : r.pick(r.next() < 0.6 ? CLIENT_AND_HTTP : HTTP_ONLY)(r));
  }
  return { client, http };
}
