// A host's own preset, built as docs/presets.md shows: the default preset with one answer record replaced. The login
// answers in the new shape, the OpenAPI document says so, and every other answer is the default's.
import request from 'supertest';
import { Type } from '@sinclair/typebox';
import { definePreset, presets, type Answer, type LoginSuccess } from '../../lib';
import { createTestApp, PASSWORDS, type TestApp } from '../helpers/create-app';

const login: Answer<LoginSuccess> = {
  status: 200,
  description: 'The access token, and nothing else.',
  schema: Type.Object({ token: Type.String() }, { additionalProperties: false }),
  format: ({ access }) => ({ body: { token: access.token } }),
};
const tokenOnly = definePreset({
  ...presets.default,
  name: 'token-only',
  answers: { ...presets.default.answers, login },
});

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp({ preset: tokenOnly });
});
afterEach(() => t.close());

test('the replaced record answers the login; the rest are the default preset’s', async () => {
  const res = await request(t.app).post('/auth/login').send({ username: 'guest', password: PASSWORDS.guest });
  expect(res.status).toBe(200);
  expect(Object.keys(res.body)).toEqual(['token']);
  const account = await request(t.app).get('/auth/account').set('Authorization', `Bearer ${res.body.token}`);
  expect(account.status).toBe(200);
  expect(account.body.login).toBe('guest');
  const document = t.auth.openapi() as { paths: Record<string, { post?: { responses: Record<string, unknown> } }> };
  expect(JSON.stringify(document.paths['/auth/login']?.post?.responses['200'])).toContain(
    'The access token, and nothing else.',
  );
});

test('a preset missing an answer is refused at start-up, naming it', () => {
  const { login: _dropped, ...rest } = presets.default.answers;
  expect(() =>
    definePreset({ ...presets.default, name: 'broken', answers: rest as typeof presets.default.answers }),
  ).toThrow(/answers\.login/);
});
