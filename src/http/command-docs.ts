import { z } from 'zod';
import type { CommandRegistry } from '../commands/domain/registry.ts';

type JsonSchema = Record<string, unknown>;

/** Name of the OpenAPI component that documents one command type's request body. */
export const commandComponentName = (commandType: string): string => `${commandType}Command`;

/**
 * The OpenAPI view of the registered commands: one body schema per command type (its `type`, the
 * envelope's fields, its payload schema converted from zod) and the enum of all command types.
 * Documentation only: the registry's zod schemas validate payloads (the command client runs them).
 */
export function commandComponents(registry: CommandRegistry, envelope: { properties: Record<string, unknown>; required: readonly string[] }) {
  const types = registry.commandTypes();
  const schemas: Record<string, JsonSchema> = {
    CommandType: { type: 'string', enum: types, description: 'the registered command types' },
  };
  for (const type of types) {
    schemas[commandComponentName(type)] = {
      type: 'object',
      required: [...envelope.required],
      additionalProperties: false,
      properties: {
        ...openapi30Properties(envelope.properties),
        type: { type: 'string', enum: [type] },
        payload: payloadSchema(registry, type),
      },
    };
  }
  return {
    schemas,
    body: {
      oneOf: types.map((type) => ({ $ref: `#/components/schemas/${commandComponentName(type)}` })),
      discriminator: {
        propertyName: 'type',
        mapping: Object.fromEntries(types.map((type) => [type, `#/components/schemas/${commandComponentName(type)}`])),
      },
    },
  };
}

/**
 * These schemas are added to the finished document, after swagger's own conversion: route-schema
 * keywords OpenAPI 3.0 does not know are converted here (`examples` is `example` there).
 */
function openapi30Properties(properties: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(properties).map(([name, schema]) => {
      const { examples, ...rest } = schema as { examples?: unknown[] };
      return [name, Array.isArray(examples) && examples.length > 0 ? { ...rest, example: examples[0] } : rest];
    }),
  );
}

function payloadSchema(registry: CommandRegistry, commandType: string): JsonSchema {
  const aggregate = registry.aggregateFor(commandType);
  const description = `payload of ${commandType} (aggregate ${aggregate.type})`;
  try {
    // 'input': what a caller sends, before zod's defaults and transforms. Recursive schemas
    // cannot be inlined here, so they are documented loosely rather than stopping the server.
    const schema = z.toJSONSchema(aggregate.commands[commandType]!, {
      io: 'input',
      target: 'openapi-3.0',
      unrepresentable: 'any',
      cycles: 'throw',
      reused: 'inline',
    }) as JsonSchema;
    delete schema.$schema;
    return { description, ...schema };
  } catch {
    return { type: 'object', description: `${description}; its schema cannot be shown in OpenAPI` };
  }
}

/** Swagger's transformObject step: puts the registered commands into POST /commands. */
export function withCommandDocs(document: any, components: ReturnType<typeof commandComponents>): any {
  const json = document.paths?.['/commands']?.post?.requestBody?.content?.['application/json'];
  if (json) json.schema = components.body;
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...components.schemas } };
  return document;
}
