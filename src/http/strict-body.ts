import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidInputError } from '../errors.ts';

/** A request body whose bytes are not UTF-8, or whose fields have the wrong JSON type. */
export class InvalidRequestBodyError extends InvalidInputError {
  override readonly code = 'invalid_request_body';
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * JSON bodies must be valid UTF-8. Fastify's own parser decodes leniently, turning bad bytes into
 * U+FFFD, so a malformed id would be queued as a different, well-formed one. Prototype poisoning
 * is still refused by fastify's parser, which this one hands the decoded text to.
 */
export function registerStrictJsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = UTF8.decode(body as Buffer);
    } catch {
      done(new InvalidRequestBodyError('the request body is not valid UTF-8'), undefined);
      return;
    }
    parseJson(request, text, done);
  });
}

interface JsonTypeSchema {
  type?: string;
  anyOf?: readonly { type?: string }[];
}

/**
 * A preValidation hook: each field of a JSON body has exactly the JSON type its schema declares.
 * The validator coerces types (needed for query strings), which would turn `"aggregateId": 42`
 * into "42" and `"expectedVersion": null` into 0: a malformed command would run as another one.
 */
export function exactJsonTypes(properties: Readonly<Record<string, JsonTypeSchema>>) {
  return async (request: FastifyRequest): Promise<void> => {
    const body = request.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) return;
    for (const [name, value] of Object.entries(body)) {
      const schema = properties[name];
      if (!schema) continue; // unknown fields are the schema's business
      const types = schema.anyOf ? schema.anyOf.map((s) => s.type) : [schema.type];
      if (!types.some((type) => type === undefined || isJsonType(value, type))) {
        throw new InvalidRequestBodyError(`${name} must be of type ${types.join(' or ')}, got ${jsonTypeOf(value)}`);
      }
    }
  };
}

function isJsonType(value: unknown, type: string): boolean {
  switch (type) {
    case 'string': return typeof value === 'string';
    case 'integer': return Number.isInteger(value);
    case 'number': return typeof value === 'number';
    case 'boolean': return typeof value === 'boolean';
    case 'object': return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'array': return Array.isArray(value);
    case 'null': return value === null;
    default: return false;
  }
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
