// The lockout window of wrong second-factor codes is in seconds, like the password's: wrong codes spread over a
// minute still add up (within a one-minute window), and a wrong code from before the window has passed is forgiven.
// The clock is the app's fake one, moved across the window's boundary.
import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/create-app';
import { challenge } from '../helpers/session';

let t: TestApp;

beforeEach(async () => {
  // A window shorter than the challenge's 5 minutes, so the counter of a wrong code outlives the password step's.
  t = await createTestApp({ rateLimit: false, lockout: { maxFailures: 3, window: '1m', duration: '10m' } });
});
afterEach(() => t.close());

function verify(token: string, code: string) {
  return request(t.app).post('/auth/tfa/verify').set('Authorization', `Bearer ${token}`).send({ code });
}

const wrong = (code: string): string => (code === '000000' ? '000001' : '000000');

it('wrong codes a second apart count together: the third locks the account, and the right code is then refused', async () => {
  const { token } = await challenge(t);
  const code = t.mailer.last('user@example.com')!.code;
  // The password step's attempt has left the window; the wrong codes start a count of their own.
  t.clock.advance(61_000);
  for (let i = 0; i < 3; i++) {
    expect((await verify(token, wrong(code))).body.error).toBe('tfa_invalid');
    t.clock.advance(1000);
  }
  const res = await verify(token, code);
  expect(res.status).toBe(403);
  expect(res.body.error).toBe('login_blocked');
});

it('a wrong code older than the window is forgiven: the count starts over', async () => {
  const { token } = await challenge(t);
  const code = t.mailer.last('user@example.com')!.code;
  t.clock.advance(61_000);
  await verify(token, wrong(code)).expect(401);
  t.clock.advance(1000);
  await verify(token, wrong(code)).expect(401);
  // 60 s after the first wrong code its window is over.
  t.clock.advance(59_000);
  await verify(token, wrong(code)).expect(401);
  const res = await verify(token, code);
  expect(res.status).toBe(200);
  expect(res.body.accessToken).toEqual(expect.any(String));
});
