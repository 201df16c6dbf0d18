/**
 * The files `eventstore init` writes: a new service with one aggregate, one projection that owns
 * its table, and a decider test. Plain JavaScript (ESM, type-checked by // @ts-check), so it runs on
 * Node 20 with no build step; the package's type declarations type it in an editor.
 */
export interface ScaffoldOptions {
  name: string;
  /** How package.json depends on this package (a version range, or a path for local trials). */
  packageSpec: string;
  zodSpec: string;
}

export function scaffoldFiles(options: ScaffoldOptions): Record<string, string> {
  return {
    'package.json': `${JSON.stringify(
      {
        name: options.name,
        private: true,
        type: 'module',
        scripts: { start: 'eventstore start', migrate: 'eventstore migrate', test: 'node --test' },
        dependencies: { 'nats-eventstore': options.packageSpec, zod: options.zodSpec },
      },
      null,
      2,
    )}\n`,
    'eventstore.config.js': CONFIG,
    'test/ticket.test.js': TEST,
    '.env.example': ENV,
    'README.md': readme(options.name),
  };
}

const CONFIG = `// @ts-check
// This service's event store: its aggregates, its projections, default settings.
// Every \`eventstore\` command reads this file (or the one named by --config / EVENTSTORE_CONFIG).
import { defineAggregate, defineConfig, defineProjection, DomainRejectionError } from 'nats-eventstore';
import { z } from 'zod';

/** A support ticket: opened once, then closed once. */
export const Ticket = defineAggregate({
  type: 'Ticket',
  commands: {
    OpenTicket: z.object({ title: z.string().trim().min(1).max(200) }).strict(),
    CloseTicket: z.object({ resolution: z.string().trim().min(1).max(500) }).strict(),
  },
  events: {
    TicketOpened: z.object({ title: z.string() }),
    TicketClosed: z.object({ resolution: z.string() }),
  },
  /** @returns {{ status: 'none' | 'open' | 'closed'; title?: string }} */
  initialState: () => ({ status: 'none' }),
  decide(state, command) {
    switch (command.type) {
      case 'OpenTicket':
        if (state.status !== 'none') throw new DomainRejectionError(\`ticket \${command.aggregateId} already exists\`);
        return [{ type: 'TicketOpened', data: { title: command.payload.title } }];
      case 'CloseTicket':
        if (state.status !== 'open') throw new DomainRejectionError(\`ticket \${command.aggregateId} is not open\`);
        return [{ type: 'TicketClosed', data: { resolution: command.payload.resolution } }];
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'TicketOpened':
        return { status: 'open', title: event.data.title };
      case 'TicketClosed':
        return { ...state, status: 'closed' };
      default:
        return state; // events of a newer version of the domain are ignored
    }
  },
});

/** One row per ticket, in a table this projection owns (created by \`eventstore migrate\`). */
export const tickets = defineProjection({
  name: 'tickets',
  eventTypes: ['TicketOpened', 'TicketClosed'],
  migrations: [
    {
      version: 1,
      name: 'tickets_view',
      sql: \`CREATE TABLE tickets_view (
        ticket_id  text PRIMARY KEY,
        title      text NOT NULL,
        status     text NOT NULL,
        resolution text,
        version    bigint NOT NULL
      )\`,
    },
  ],
  tables: ['tickets_view'],
  // Runs inside the transaction that also moves the projection's checkpoint: exactly once in effect.
  async handle(event, tx) {
    const data = JSON.parse(Buffer.from(event.data).toString('utf8'));
    if (event.eventType === 'TicketOpened') {
      await tx.query(
        'INSERT INTO tickets_view (ticket_id, title, status, version) VALUES ($1, $2, $3, $4) ON CONFLICT (ticket_id) DO NOTHING',
        [event.aggregateId, data.title, 'open', event.eventVersion],
      );
    } else {
      await tx.query(
        "UPDATE tickets_view SET status = 'closed', resolution = $2, version = $3 WHERE ticket_id = $1 AND version < $3",
        [event.aggregateId, data.resolution, event.eventVersion],
      );
    }
  },
  async reset(tx) {
    await tx.query('TRUNCATE tickets_view');
  },
  // GET /projections/tickets/:id
  async get(db, id) {
    const { rows } = await db.query('SELECT ticket_id AS "ticketId", title, status, resolution, version::int FROM tickets_view WHERE ticket_id = $1', [id]);
    return rows[0];
  },
});

export default defineConfig({
  aggregates: [Ticket],
  projections: [tickets],
  // Defaults for settings the environment does not set (see .env.example); the environment wins.
  settings: { NATS_PREFIX: 'tickets', QUEUE_NAME: 'ticket-commands' },
});
`;

const TEST = `import { describe, it } from 'node:test';
import { DeciderSpecification } from 'nats-eventstore/testing';
import { Ticket } from '../eventstore.config.js';

const spec = DeciderSpecification.for(Ticket);

describe('Ticket', () => {
  it('opens a ticket', () => {
    spec.when({ type: 'OpenTicket', payload: { title: 'Printer on fire' } }).then([{ type: 'TicketOpened', data: { title: 'Printer on fire' } }]);
  });

  it('closes an open ticket', () => {
    spec
      .given([{ type: 'TicketOpened', data: { title: 'Printer on fire' } }])
      .when({ type: 'CloseTicket', payload: { resolution: 'extinguished' } })
      .then([{ type: 'TicketClosed', data: { resolution: 'extinguished' } }]);
  });

  it('refuses to close a ticket that was never opened', () => {
    spec.when({ type: 'CloseTicket', payload: { resolution: 'extinguished' } }).thenRejects(/is not open/);
  });
});
`;

const ENV = `# Settings, read from the environment (defaults in brackets). See the package's docs/operations.md.
# The services connect as the application role; migrations as the database's owner.
DATABASE_URL=postgres://eventstore_app@127.0.0.1:5432/tickets
MIGRATION_DATABASE_URL=postgres://postgres@127.0.0.1:5432/tickets
REDIS_URL=redis://127.0.0.1:6379
NATS_URL=nats://127.0.0.1:4222
# HOST=127.0.0.1
# PORT=3000
# API_TOKEN=a-long-random-secret   (required when HOST is not a loopback address; or API_AUTH=none)
`;

function readme(name: string): string {
  return `# ${name}

An event-sourced service on [nats-eventstore](https://www.npmjs.com/package/nats-eventstore).

- \`eventstore.config.js\`: the aggregates (what commands decide), the projections (read models) and settings.
- \`test/\`: decider tests (given events, when a command, then events).

With PostgreSQL, Redis and NATS (JetStream) running (see \`.env.example\`):

    npm install
    npm test                 # the decider tests, no services needed
    npx eventstore migrate   # the store's tables and the projections' own
    npx eventstore start     # every role in one process; in production run each role on its own

Then send a command:

    curl -s localhost:3000/commands -H 'content-type: application/json' \\
      -d '{"type":"OpenTicket","aggregateId":"ticket-1","payload":{"title":"Printer on fire"},"wait":true}'
    curl -s localhost:3000/projections/tickets/ticket-1
`;
}
