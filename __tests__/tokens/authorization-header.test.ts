// Reading the Authorization header: the scheme "Bearer" in any case, compared without copying the header.
import type { Request } from 'express';
import { readAuthorization, readBearer } from '../../lib/http/request';

const withHeader = (authorization: string | undefined): Request =>
  ({ headers: { authorization } }) as unknown as Request;

test.each([
  ['Bearer abc', 'abc'],
  ['bearer abc', 'abc'],
  ['BEARER abc', 'abc'],
  ['bEaReR abc', 'abc'],
  ['Bearer   abc  ', 'abc'],
])('%j carries the bearer value %j', (header, value) => {
  expect(readBearer(withHeader(header), false)).toBe(value);
  expect(readAuthorization(withHeader(header), false)).toEqual({ kind: 'bearer', value });
});

test.each([
  // One letter off in each position, in both cases, and characters whose code differs from a letter's by 0x20.
  ['Cearer abc', 'other-scheme'],
  ['Bfarer abc', 'other-scheme'],
  ['Bebrer abc', 'other-scheme'],
  ['Beaser abc', 'other-scheme'],
  ['Bearfr abc', 'other-scheme'],
  ['Beares abc', 'other-scheme'],
  ['"earer abc', 'other-scheme'],
  ['Bearer\tabc', 'other-scheme'],
  ['Basic dXNlcjpwYXNz', 'other-scheme'],
  ['Bearerabc', 'other-scheme'],
  [undefined, 'none'],
  ['', 'none'],
  ['Bearer    ', 'none'],
])('%j carries no bearer value (%s)', (header, kind) => {
  expect(readBearer(withHeader(header), false)).toBeUndefined();
  expect(readAuthorization(withHeader(header), false)).toEqual({ kind });
});

test('a preset taking bare tokens reads a value with no scheme, and still no value with another scheme', () => {
  expect(readBearer(withHeader('abc.def.ghi'), true)).toBe('abc.def.ghi');
  expect(readBearer(withHeader('Basic dXNlcjpwYXNz'), true)).toBeUndefined();
});
