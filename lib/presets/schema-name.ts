// Names for body schemas: the OpenAPI document lists a named schema once, in `components.schemas`, and refers to it
// by `$ref` wherever it appears, so client generators make one importable type of it (`User`, `Session`, `Error`).
import type { TSchema } from '@sinclair/typebox';

// A symbol, like TypeBox's own markers: it survives TypeBox's spreads (`Type.Optional`) and never reaches the JSON.
const SCHEMA_NAME = Symbol.for('express-auth-kit/schema-name');

/**
 * Gives `schema` a name in the OpenAPI document's `components.schemas` (a copy; the schema itself is unchanged, and
 * validates as before). Two different schemas given one name in one document get `Name2`, `Name3`, … in the order met.
 */
export function named<T extends TSchema>(name: string, schema: T): T {
  return { ...schema, [SCHEMA_NAME]: name };
}

/** The name {@link named} gave `schema`, if any. */
export function schemaNameOf(schema: object): string | undefined {
  const name = (schema as { [SCHEMA_NAME]?: unknown })[SCHEMA_NAME];
  return typeof name === 'string' ? name : undefined;
}
