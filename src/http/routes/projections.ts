import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { validateBusName } from '../../bus/errors.ts';
import { InvalidInputError } from '../../errors.ts';
import { DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT, type Projection, type ProjectionQuery } from '../../projections/projection.ts';
import type { Queryable } from '../../store/event-store.ts';
import { documentedOnly } from '../documented-only.ts';
import { errorSchema, projectionIdParams } from '../schemas.ts';

/** A query-string parameter of a projection query that its schema refuses. */
export class InvalidQueryParameterError extends InvalidInputError {
  override readonly code = 'invalid_query_parameter';
}

/** The API's own parameter of every projection query: how many rows at most. */
const limitSchema = z.coerce.number().int().min(1).max(MAX_QUERY_LIMIT).default(DEFAULT_QUERY_LIMIT);

const QUERY_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,99}$/;

const rowSchema = { type: 'object', additionalProperties: true } as const;

/**
 * Each projection's read side, as it declares it: `get` at /projections/<name>/:id and each query at
 * /projections/<name>/queries/<query>. One route per projection and query, so that the OpenAPI
 * document shows each one with its parameters; the catch-all routes after them tell an unknown
 * projection or query apart from an unknown row.
 */
export function registerProjectionRoutes(app: FastifyInstance, projections: readonly Projection[], db: Queryable): void {
  checkProjectionNames(projections);
  for (const projection of projections) {
    if (projection.get) registerGet(app, projection.name, projection.get, db);
    for (const [name, query] of Object.entries(projection.queries ?? {})) registerQuery(app, projection.name, name, query, db);
  }
  registerFallbacks(app, new Map(projections.map((p) => [p.name, p])));
}

/**
 * Projection and query names become path segments.
 * @throws InvalidBusNameError, InvalidInputError naming the first one that cannot be
 */
export function checkProjectionNames(projections: readonly Projection[]): void {
  for (const projection of projections) {
    validateBusName('projection name', projection.name);
    for (const name of Object.keys(projection.queries ?? {})) {
      if (!QUERY_NAME.test(name)) {
        throw new InvalidInputError(`projection ${projection.name}: query name ${JSON.stringify(name)} must be a letter, then letters, digits, '-' or '_'`);
      }
    }
  }
}

function registerGet(app: FastifyInstance, name: string, get: NonNullable<Projection['get']>, db: Queryable): void {
  app.get<{ Params: { id: string } }>(
    `/projections/${name}/:id`,
    {
      schema: {
        summary: `One row of the ${name} projection (a read model)`,
        description: 'Eventually consistent: it lags the event store by the relay and projector (see /status).',
        tags: ['projections'],
        params: projectionIdParams,
        response: { 200: { description: 'the row', ...rowSchema }, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const row = await get(db, request.params.id);
      if (row === undefined || row === null) {
        return reply.code(404).send({ error: 'not_found', message: `no row "${request.params.id}" in projection ${name}` });
      }
      return row;
    },
  );
}

function registerQuery(app: FastifyInstance, projection: string, name: string, query: ProjectionQuery<unknown>, db: Queryable): void {
  app.get(
    `/projections/${projection}/queries/${name}`,
    {
      // The query's zod schema validates; this JSON schema only documents it.
      ...documentedOnly,
      schema: {
        summary: query.description,
        description: `A bounded list: at most \`limit\` rows (1 to ${MAX_QUERY_LIMIT}, default ${DEFAULT_QUERY_LIMIT}).`,
        tags: ['projections'],
        querystring: queryStringSchema(query),
        response: {
          200: {
            description: 'the rows',
            type: 'object',
            properties: { items: { type: 'array', items: rowSchema }, limit: { type: 'integer' } },
          },
          400: errorSchema,
        },
      },
    },
    async (request) => {
      const { limit, params } = parseQueryString(request, query);
      const rows = await query.run(db, params, { limit });
      // A query that ignores its limit would make answers unbounded: cut, and say so in the log.
      if (rows.length > limit) request.log.warn({ projection, query: name, rows: rows.length, limit }, 'projection query returned more rows than its limit');
      return { items: rows.slice(0, limit), limit };
    },
  );
}

/** Unknown projection, unknown query, or a projection that serves no single rows: 404, said plainly. */
function registerFallbacks(app: FastifyInstance, byName: ReadonlyMap<string, Projection>): void {
  const hide = { hide: true, params: { type: 'object', properties: { name: { type: 'string' }, id: { type: 'string' }, query: { type: 'string' } } } };
  app.get<{ Params: { name: string; id: string } }>('/projections/:name/:id', { schema: hide }, async (request, reply) => {
    const projection = byName.get(request.params.name);
    const message = projection
      ? `projection ${projection.name} serves no rows by id`
      : `no projection "${request.params.name}"`;
    return reply.code(404).send({ error: 'not_found', message });
  });
  app.get<{ Params: { name: string; query: string } }>('/projections/:name/queries/:query', { schema: hide }, async (request, reply) => {
    const projection = byName.get(request.params.name);
    const message = projection
      ? `projection ${projection.name} has no query "${request.params.query}"`
      : `no projection "${request.params.name}"`;
    return reply.code(404).send({ error: 'not_found', message });
  });
}

function parseQueryString(request: FastifyRequest, query: ProjectionQuery<unknown>): { limit: number; params: unknown } {
  const { limit: rawLimit, ...rest } = (request.query ?? {}) as Record<string, unknown>;
  const limit = limitSchema.safeParse(rawLimit);
  if (!limit.success) {
    throw new InvalidQueryParameterError(`query parameter limit: must be a whole number from 1 to ${MAX_QUERY_LIMIT}`);
  }
  if (!query.params) {
    const [unknown] = Object.keys(rest);
    if (unknown !== undefined) throw new InvalidQueryParameterError(`query parameter ${unknown}: this query takes none but limit`);
    return { limit: limit.data, params: {} };
  }
  const params = query.params.safeParse(rest);
  if (!params.success) {
    const issues = params.error.issues.map((issue) => `query parameter ${describePath(issue)}: ${issue.message}`);
    throw new InvalidQueryParameterError(issues.join('; '), { cause: params.error });
  }
  return { limit: limit.data, params: params.data };
}

function describePath(issue: z.core.$ZodIssue): string {
  if (issue.path.length > 0) return issue.path.join('.');
  if (issue.code === 'unrecognized_keys') return issue.keys.join(', ');
  return '(all)';
}

/** The OpenAPI view of a query's parameters: its schema's properties, plus limit. */
function queryStringSchema(query: ProjectionQuery<unknown>) {
  const declared = query.params ? (z.toJSONSchema(query.params, { io: 'input', target: 'openapi-3.0', unrepresentable: 'any' }) as Record<string, any>) : {};
  return {
    type: 'object',
    properties: {
      ...(declared.properties ?? {}),
      limit: { type: 'integer', minimum: 1, maximum: MAX_QUERY_LIMIT, default: DEFAULT_QUERY_LIMIT, description: 'the most rows to answer with' },
    },
    ...(Array.isArray(declared.required) && declared.required.length > 0 ? { required: declared.required } : {}),
  };
}
