import { MAX_AGGREGATE_ID_LENGTH } from '../store/validation.ts';

/** The command client's limit (COMMAND_ID in src/commands/gate/command-job.ts). */
export const MAX_COMMAND_ID_LENGTH = 128;

/** JSON schemas shared by several routes (response serialisation and the OpenAPI document). */
export const errorSchema = {
  type: 'object',
  description: 'an error: a stable code and a sentence for a human',
  required: ['error', 'message'],
  properties: { error: { type: 'string' }, message: { type: 'string' } },
} as const;

/** Projection rows are keyed like aggregates (often they are one). */
export const MAX_PROJECTION_ID_LENGTH = MAX_AGGREGATE_ID_LENGTH;

/**
 * The longest path parameter the router takes (decoded, in UTF-16 code units like the id limits).
 * Above every id limit, so that an id a little too long is refused by its route's schema with a
 * 400 naming the limit; a longer one gets 414.
 */
export const MAX_PARAM_LENGTH = 2 * Math.max(MAX_AGGREGATE_ID_LENGTH, MAX_COMMAND_ID_LENGTH, MAX_PROJECTION_ID_LENGTH);

const idParamsOf = (maxLength: number, description: string) =>
  ({
    type: 'object',
    required: ['id'],
    properties: { id: { type: 'string', minLength: 1, maxLength, description } },
  }) as const;

export const aggregateIdParams = idParamsOf(MAX_AGGREGATE_ID_LENGTH, `aggregate id, up to ${MAX_AGGREGATE_ID_LENGTH} characters (percent-encoded in the path)`);
export const commandIdParams = idParamsOf(MAX_COMMAND_ID_LENGTH, `command id, up to ${MAX_COMMAND_ID_LENGTH} characters`);
export const projectionIdParams = idParamsOf(MAX_PROJECTION_ID_LENGTH, `row id, up to ${MAX_PROJECTION_ID_LENGTH} characters (percent-encoded in the path)`);
