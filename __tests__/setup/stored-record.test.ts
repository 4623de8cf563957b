// Records kept in a StateStore are checked when read back: what is not the record fails closed with a clear cause.
import { Type } from '@sinclair/typebox';
import { AuthError } from '../../lib/errors';
import { storedRecord } from '../../lib/stores/stored-record';

const entry = storedRecord('test entry', Type.Object({ id: Type.String(), endsAt: Type.Number() }));

test('a record written is read back as it was; a missing key is undefined', () => {
  expect(entry.decode(entry.encode({ id: 'a', endsAt: 5 }))).toEqual({ id: 'a', endsAt: 5 });
  expect(entry.decode(null)).toBeUndefined();
});

test.each([
  ['not JSON', '{"id":'],
  ['a field of the wrong type', '{"id":"a","endsAt":"5"}'],
  ['a missing field', '{"id":"a"}'],
  ['another shape', '["a",5]'],
  ['JSON null', 'null'],
])('%s is refused as unavailable (503), naming the record', (_name, text) => {
  let thrown: unknown;
  try {
    entry.decode(text);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(AuthError);
  expect(thrown).toMatchObject({ code: 'unavailable' });
  expect(String((thrown as AuthError).cause)).toContain('stored test entry record is malformed');
});
