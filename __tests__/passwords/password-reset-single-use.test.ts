// A reset token works once, for an account still enabled: two resets racing with one token (both past every read
// before either consumes it) give exactly one new password, and an account disabled after the mail cannot be reset.
import request from 'supertest';
import type { User } from '../../lib';
import { createTestApp, PASSWORDS, type TestApp } from '../helpers/create-app';
import { settle } from '../helpers/session';

const NEW_PASSWORD = 'a-brand-new-password';

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp({ passwordReset: { urlTemplate: 'https://app.example/reset?token={token}' } });
});
afterEach(() => t.close());

async function mailedToken(email = 'guest@example.com'): Promise<string> {
  await request(t.app).post('/auth/password/forgot').send({ email }).expect(202);
  await settle();
  const mail = t.mailer.resetLinks.filter((m) => m.to === email).at(-1);
  return new URL(mail!.url).searchParams.get('token')!;
}

function reset(token: string, newPassword: string) {
  return request(t.app).post('/auth/password/reset').send({ token, newPassword });
}

function login(password: string) {
  return request(t.app).post('/auth/login').send({ username: 'guest', password });
}

it('two simultaneous resets with one token: exactly one succeeds, and only its password works', async () => {
  const token = await mailedToken();
  // Hold each reset at its user lookup (after it has read the token) until both have got there.
  // The store may answer asynchronously (UserStore allows promises), which the held lookups do.
  const users = t.users as unknown as { findById(id: string): User | null | Promise<User | null> };
  const findById = users.findById.bind(users);
  let waiting: (() => void) | undefined;
  let arrived = 0;
  users.findById = async (id: string) => {
    arrived += 1;
    if (arrived === 1) await new Promise<void>((resolve) => (waiting = resolve));
    else waiting?.();
    return findById(id);
  };
  const answers = await Promise.all([reset(token, `${NEW_PASSWORD}-1`), reset(token, `${NEW_PASSWORD}-2`)]);
  users.findById = findById;
  expect(arrived).toBe(2);
  expect(answers.map((a) => a.status).sort()).toEqual([204, 400]);
  expect(answers.find((a) => a.status === 400)!.body.error).toBe('reset_token_invalid');
  const winner = answers[0]!.status === 204 ? 1 : 2;
  await login(`${NEW_PASSWORD}-${winner}`).expect(200);
  await login(`${NEW_PASSWORD}-${3 - winner}`).expect(401);
});

it('an account disabled after the mail cannot be reset with it, and keeps its password', async () => {
  const token = await mailedToken();
  t.users.update('3', { disabled: true });
  const res = await reset(token, NEW_PASSWORD);
  expect(res.status).toBe(400);
  expect(res.body.error).toBe('reset_token_invalid');
  // Enabled again, the old password is the one that works: nothing was changed.
  t.users.update('3', { disabled: false });
  await login(NEW_PASSWORD).expect(401);
  await login(PASSWORDS.guest).expect(200);
});
