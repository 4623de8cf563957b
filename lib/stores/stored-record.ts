// Records the library keeps in a StateStore as JSON, checked against their schema when read back: a malformed or
// foreign value is refused with an error naming the record, never handed on as a wrongly typed object.
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { AuthError } from '../errors';

/** One kind of stored record: its JSON text written, and read back typed. */
export interface StoredRecord<T> {
  encode(record: T): string;
  /**
   * The record in `text`, or undefined for a missing key (null). A value that is not this record (corrupted, or written
   * by something else under our key) fails closed: `unavailable` (503), its cause naming the record.
   */
  decode(text: string | null): T | undefined;
}

/** A codec for records of `schema`, named `name` in errors. The schema is compiled once. */
export function storedRecord<S extends TSchema>(name: string, schema: S): StoredRecord<Static<S>> {
  const check = TypeCompiler.Compile(schema);
  return {
    encode: (record) => JSON.stringify(record),
    decode(text) {
      if (text === null) return undefined;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        value = undefined;
      }
      if (!check.Check(value)) {
        throw new AuthError('unavailable', {
          cause: new Error(`express-auth-kit: a stored ${name} record is malformed.`),
        });
      }
      return value;
    },
  };
}
