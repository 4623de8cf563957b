// Changing a second factor demands the factor the login would demand, and every code guess on every route is metered
// by the same per-account lockout as the login's.
import request from 'supertest';
import { totpCode } from '../../lib/primitives/totp';
import { createTestApp, PASSWORDS, type CreateTestAppOptions, type TestApp } from '../helpers/create-app';
import { postLogin } from '../helpers/session';

let t: TestApp;

afterEach(async () => {
  await t?.close();
});

async function setup(options: CreateTestAppOptions = {}): Promise<void> {
  t = await createTestApp({ rateLimit: false, ...options });
}

const codeNow = (secret: string): string => totpCode(secret, Math.floor(t.clock() / 30_000));

function enroll(access: string, body: Record<string, unknown>) {
  return request(t.app).post('/auth/tfa/totp/enroll').set('Authorization', `Bearer ${access}`).send(body);
}

function confirm(access: string, body: Record<string, unknown>) {
  return request(t.app).post('/auth/tfa/totp/confirm').set('Authorization', `Bearer ${access}`).send(body);
}

/** Logs guest in without a factor of its own; with `force`, through the forced emailed code. */
async function guestAccess(): Promise<string> {
  const res = await postLogin(t, 'guest');
  expect(res.status).toBe(200);
  if (res.body.accessToken) return res.body.accessToken as string;
  const code = t.mailer.last('guest@example.com')?.code;
  const verified = await request(t.app)
    .post('/auth/tfa/verify')
    .set('Authorization', `Bearer ${res.body.challengeToken}`)
    .send({ code });
  expect(verified.status).toBe(200);
  return verified.body.accessToken as string;
}

describe('enrolling an authenticator app proves the effective second factor', () => {
  test('with secondFactor.force, a user without a factor of their own must prove the forced emailed code', async () => {
    await setup({ secondFactor: { force: true } });
    const access = await guestAccess();
    t.mailer.clear();

    const started = await enroll(access, { password: PASSWORDS.guest });
    expect(started.status).toBe(200);
    expect(started.body.emailCodeSent).toBe(true);
    // The owner is told: a code went to the stored address.
    expect(t.mailer.last('guest@example.com')).toBeDefined();

    // A thief with the token and the password but not the mailbox cannot finish.
    const withoutEmailCode = await confirm(access, { code: codeNow(started.body.secret) });
    expect(withoutEmailCode.status).toBe(401);
    expect(withoutEmailCode.body).toMatchObject({ error: 'tfa_invalid' });
    expect((await t.users.findById('3'))?.secondFactor ?? null).toBeNull();

    // The owner, with the mailed code, can.
    const emailCode = t.mailer.last('guest@example.com')?.code;
    const withEmailCode = await confirm(access, { code: codeNow(started.body.secret), emailCode });
    expect(withEmailCode.status).toBe(200);
    expect((await t.users.findById('3'))?.secondFactor).toBe('TOTP');
  });
});

describe('code guesses during enrolment count toward the account lockout', () => {
  test('wrong currentCode guesses with the right password lock the account', async () => {
    await setup();
    const access = await guestAccess();
    const secret = (await enroll(access, { password: PASSWORDS.guest }).expect(200)).body.secret as string;
    await confirm(access, { code: codeNow(secret) }).expect(200);

    for (let i = 0; i < 10; i += 1) {
      const res = await enroll(access, { password: PASSWORDS.guest, currentCode: String(100000 + i) });
      if (res.status === 403) break;
      expect(res.status).toBe(401);
    }
    const afterwards = await postLogin(t, 'guest');
    expect(afterwards.status).toBe(403);
    expect(afterwards.body).toMatchObject({ error: 'login_blocked' });
  });

  test('a new enrolment does not renew the confirmation budget, and wrong emailed codes lock the account', async () => {
    await setup();
    const challenge = await postLogin(t, 'user').expect(200);
    const verified = await request(t.app)
      .post('/auth/tfa/verify')
      .set('Authorization', `Bearer ${challenge.body.challengeToken}`)
      .send({ code: t.mailer.last('user@example.com')?.code });
    const access = verified.body.accessToken as string;
    let wrongEvaluated = 0;
    for (let round = 0; round < 4; round += 1) {
      const started = await enroll(access, { password: PASSWORDS.user });
      if (started.status !== 200) break;
      expect(started.body.emailCodeSent).toBe(true);
      for (let i = 0; i < 5; i += 1) {
        const res = await confirm(access, { code: codeNow(started.body.secret), emailCode: String(100000 + i) });
        if (res.status !== 401 || res.body.error !== 'tfa_invalid') break;
        wrongEvaluated += 1;
      }
    }
    // Five per enrolment, renewed each time, gave 20 guesses: the budget is the user's, not the enrolment's.
    expect(wrongEvaluated).toBe(5);
    // And the wrong codes were counted as failures of the account: far fewer wrong passwords now reach the lockout.
    let wrongLoginsAllowed = 0;
    while ((await postLogin(t, 'user', { password: `wrong-${wrongLoginsAllowed}` })).status === 401)
      wrongLoginsAllowed += 1;
    expect(wrongLoginsAllowed).toBeLessThanOrEqual(10 - 5);
    expect((await postLogin(t, 'user')).body).toMatchObject({ error: 'login_blocked' });
  });

  test('a right password on a change-password forgives no failures of a user with a second factor', async () => {
    await setup();
    const challenge = await postLogin(t, 'user').expect(200);
    const code = t.mailer.last('user@example.com')?.code;
    const session = await request(t.app)
      .post('/auth/tfa/verify')
      .set('Authorization', `Bearer ${challenge.body.challengeToken}`)
      .send({ code });
    for (let i = 0; i < 9; i += 1) await postLogin(t, 'user', { password: `wrong-${i}` }).expect(401);
    const refused = await request(t.app)
      .post('/auth/account/password')
      .set('Authorization', `Bearer ${session.body.accessToken}`)
      .send({ currentPassword: PASSWORDS.user, newPassword: 'short' });
    expect(refused.status).toBe(400);

    await postLogin(t, 'user', { password: 'wrong-again' }).expect(401);
    const next = await postLogin(t, 'user');
    expect(next.status).toBe(403);
    expect(next.body).toMatchObject({ error: 'login_blocked' });
  });

  test('new passwords the policy refuses change nothing: no attempt is counted and the owner can still log in', async () => {
    await setup();
    const access = await guestAccess();
    for (let i = 0; i < 12; i += 1) {
      const res = await request(t.app)
        .post('/auth/account/password')
        .set('Authorization', `Bearer ${access}`)
        .send({ currentPassword: PASSWORDS.guest, newPassword: 'short' });
      expect(res.status).toBe(400);
    }
    await postLogin(t, 'guest').expect(200);
  });

  test('a completed login forgives earlier failures', async () => {
    await setup();
    for (let i = 0; i < 9; i += 1) await postLogin(t, 'guest', { password: `wrong-${i}` }).expect(401);
    await postLogin(t, 'guest').expect(200);
    for (let i = 0; i < 9; i += 1) await postLogin(t, 'guest', { password: `wrong-again-${i}` }).expect(401);
    expect((await postLogin(t, 'guest')).status).toBe(200);
  });
});

describe('code mails are budgeted', () => {
  async function challenge(): Promise<string> {
    const res = await postLogin(t, 'user');
    expect(res.body).toMatchObject({ tfaRequired: true });
    return res.body.challengeToken as string;
  }
  const resend = (challengeToken: string) =>
    request(t.app).post('/auth/tfa/resend').set('Authorization', `Bearer ${challengeToken}`);

  test('a locked account is sent no code on resend', async () => {
    await setup();
    const challengeToken = await challenge();
    for (let i = 0; i < 10; i += 1) await postLogin(t, 'user', { password: `wrong-${i}` });
    t.clock.advance(31_000);
    const mailsBefore = t.mailer.sent.length;
    const res = await resend(challengeToken);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: 'login_blocked' });
    expect(t.mailer.sent.length).toBe(mailsBefore);
  });

  test('resends across many challenges meet a per-account budget', async () => {
    await setup();
    const challenges = [await challenge(), await challenge(), await challenge()];
    const mailsBefore = t.mailer.sent.length;
    const statuses: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      t.clock.advance(31_000);
      for (const token of challenges) statuses.push((await resend(token)).status);
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
    expect(statuses.slice(5).every((status) => status === 429)).toBe(true);
    expect(t.mailer.sent.length - mailsBefore).toBe(5);
  });
});
