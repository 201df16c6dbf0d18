import type { FastifySchemaCompiler } from 'fastify';

/**
 * Route options for a schema that documents a request but does not check it, because another
 * validator is in charge (the zod schemas of commands and projection queries): two validators
 * would disagree at the edges (formats, coercion, trimming) and refuse valid requests.
 */
const acceptAll: FastifySchemaCompiler<unknown> = () => () => true;

export const documentedOnly = { validatorCompiler: acceptAll } as const;
