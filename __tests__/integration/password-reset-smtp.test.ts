// Password reset through a real SMTP server: the token read from the delivered message, identical answers for any
// address, single use, expiry, replacement, the policy, the authenticator app's proof, and the events' secrecy.
import request from 'supertest';
import { NodemailerMailer, type AuthOptions } from '../../lib';
import type { AuthEvent } from '../../lib/core/events';
import { generateTotpSecret, totpCode } from '../../lib/primitives/totp';
import { createTestApp, PASSWORDS, type TestApp } from '../helpers/create-app';
import {
  readBodies,
  readHeader,
  startSmtpServer,
  type ReceivedMessage,
  type TestSmtpServer,
} from '../helpers/smtp-server';
import { observable } from '../helpers/responses';
import { createMailingApp, smtpServerPerTest } from '../helpers/smtp-app';
import { expectUtmstackFinishOnce } from '../helpers/password-reset';

const NEW_PASSWORD = 'a-brand-new-password';
let smtp: TestSmtpServer;
let mailer: NodemailerMailer;
let t: TestApp;
let events: AuthEvent[];

async function setup(options: Partial<AuthOptions> = {}): Promise<void> {
  ({ t, mailer, events } = await createMailingApp(smtp, 'ACME Accounts <no-reply@acme.test>', {
    passwordReset: { urlTemplate: 'https://app.example/reset?token={token}' },
    ...options,
  }));
}

smtpServerPerTest(
  (server) => (smtp = server),
  () => ({ mailer, app: t, smtp }),
);

/** The reset token in a delivered message: the `token` parameter of the link alone on its line. */
function tokenIn(message: ReceivedMessage): string {
  const { text } = readBodies(message.raw);
  const link = /^(https:\/\/app\.example\/reset\?token=\S+?)\r?$/m.exec(text ?? '')?.[1];
  expect(link).toBeDefined();
  return new URL(link!).searchParams.get('token')!;
}

const forgot = (body: unknown, type = 'application/json') =>
  request(t.app)
    .post(`${t.base}${t.auth.preset.routes.passwordForgot}`)
    .set('Content-Type', type)
    .send(typeof body === 'string' && type === 'text/plain' ? body : JSON.stringify(body));

async function mailedToken(email = 'guest@example.com'): Promise<string> {
  await forgot({ email }).expect(202);
  return tokenIn(await smtp.waitForMessage((m) => m.to.includes(email)));
}

const reset = (body: Record<string, unknown>) => request(t.app).post('/auth/password/reset').send(body);

describe('the reset mail, as an SMTP server receives it', () => {
  test('goes to the stored address only, from the configured sender, with a link carrying a 256-bit base64url token', async () => {
    await setup();
    await forgot({ email: 'GUEST@example.com' }).expect(202);
    const message = await smtp.waitForMessage();
    expect(message.to).toEqual(['guest@example.com']);
    expect(readHeader(message.raw, 'Subject')).toBe('Reset your password');
    const token = tokenIn(message);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const { text, html } = readBodies(message.raw);
    expect(text).toContain('It works once, for 60 minutes.');
    expect(html).toContain(`href="https://app.example/reset?token=${token}"`);
    await reset({ token, newPassword: NEW_PASSWORD }).expect(204);
    await request(t.app).post('/auth/login').send({ username: 'guest', password: NEW_PASSWORD }).expect(200);
  });

  test('known, unknown and disabled addresses get identical answers; only the known one gets a message', async () => {
    await setup();
    const answers = [];
    for (const email of ['guest@example.com', 'nobody@example.com', 'disabled@example.com'])
      answers.push(observable(await forgot({ email }), 'ratelimit'));
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    await smtp.waitForMessage();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(smtp.messages.map((m) => m.to)).toEqual([['guest@example.com']]);
  });

  test('the SMTP server being down changes nothing in the answer', async () => {
    await setup();
    await smtp.close();
    const res = await forgot({ email: 'guest@example.com' });
    expect(res.status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(t.logger.errors).toHaveLength(1);
    expect(t.logger.errors[0]).toMatch(/^\[express-auth-kit\] sending a password-reset link failed: /);
    smtp = await startSmtpServer();
  });

  test('a token works once, also under 5 concurrent uses', async () => {
    await setup();
    const token = await mailedToken();
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) => reset({ token, newPassword: `${NEW_PASSWORD}-${i}` })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([204, 400, 400, 400, 400]);
    for (const refused of answers.filter((a) => a.status === 400))
      expect(refused.body.error).toBe('reset_token_invalid');
  });

  test('an expired, a replaced and an altered token are refused with reset_token_invalid', async () => {
    await setup();
    const expired = await mailedToken();
    t.clock.advance(60 * 60 * 1000 + 1);
    expect((await reset({ token: expired, newPassword: NEW_PASSWORD })).body.error).toBe('reset_token_invalid');
    const replaced = await mailedToken();
    const latest = await mailedToken();
    expect((await reset({ token: replaced, newPassword: NEW_PASSWORD })).body.error).toBe('reset_token_invalid');
    const altered = latest.startsWith('A') ? `B${latest.slice(1)}` : `A${latest.slice(1)}`;
    expect((await reset({ token: altered, newPassword: NEW_PASSWORD })).body.error).toBe('reset_token_invalid');
    await reset({ token: latest, newPassword: NEW_PASSWORD }).expect(204);
  });

  test('the policy applies and leaves the token usable', async () => {
    await setup({ passwords: { policy: { minLength: 12 } } });
    const token = await mailedToken();
    expect((await reset({ token, newPassword: 'elevenchars' })).body.error).toBe('weak_password');
    await reset({ token, newPassword: 'twelve-chars' }).expect(204);
  });

  test('a TOTP user must prove the app; the token stays usable after the refusal', async () => {
    await setup();
    const secret = generateTotpSecret();
    t.users.update('3', { secondFactor: 'TOTP', totpSecret: secret });
    const token = await mailedToken();
    const refused = await reset({ token, newPassword: NEW_PASSWORD });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('tfa_required');
    await reset({ token, newPassword: NEW_PASSWORD, code: totpCode(secret, Math.floor(t.clock() / 30_000)) }).expect(
      204,
    );
  });

  test("an EMAIL user's link suffices, and the reset ends the user's sessions", async () => {
    await setup();
    const challenge = await request(t.app)
      .post('/auth/login')
      .send({ username: 'user', password: PASSWORDS.user })
      .expect(200);
    const code = /^\s*(\d{6})\s*$/m.exec(readBodies((await smtp.waitForMessage()).raw).text ?? '')![1];
    const session = await request(t.app)
      .post('/auth/tfa/verify')
      .set('Authorization', `Bearer ${challenge.body.challengeToken}`)
      .send({ code })
      .expect(200);
    await request(t.app).get('/api/protected').set('Authorization', `Bearer ${session.body.accessToken}`).expect(200);
    await reset({ token: await mailedToken('user@example.com'), newPassword: NEW_PASSWORD }).expect(204);
    await request(t.app).get('/api/protected').set('Authorization', `Bearer ${session.body.accessToken}`).expect(401);
  });

  test('no event carries the password, the token or the code', async () => {
    await setup();
    const token = await mailedToken();
    await reset({ token, newPassword: 'short' }).expect(400);
    await reset({ token, newPassword: NEW_PASSWORD }).expect(204);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events.map((e) => e.event)).toEqual(
      expect.arrayContaining(['password.reset_requested', 'password.reset_completed']),
    );
    const json = JSON.stringify(events);
    for (const secret of [token, NEW_PASSWORD, 'short', PASSWORDS.guest]) expect(json).not.toContain(secret);
  });
});

describe('utmstack', () => {
  test('init with the bare address (text/plain and JSON string), finish with {key, newPassword}', async () => {
    await setup({ preset: 'utmstack' });
    const text = await forgot('guest@example.com', 'text/plain');
    const json = await forgot('nobody@example.com');
    expect(text.status).toBe(200);
    expect(observable(json, 'ratelimit')).toEqual(observable(text, 'ratelimit'));
    const key = tokenIn(await smtp.waitForMessage());
    await expectUtmstackFinishOnce(t, { key, username: 'guest', newPassword: NEW_PASSWORD });
  });
});

describe('NodemailerMailer: the account mails', () => {
  test('sends the recovery-code notice, and takes custom subjects and bodies for both account mails', async () => {
    mailer = new NodemailerMailer({
      transport: smtp.url,
      from: 'no-reply@acme.test',
      resetLink: { subject: 'ACME: new password', text: (mail) => `Go to ${mail.url}\n` },
    });
    t = await createTestApp();
    await mailer.sendRecoveryCodeUsed({ to: 'guest@example.com', displayName: 'Guest', login: 'guest', remaining: 1 });
    const notice = await smtp.waitForMessage();
    expect(readHeader(notice.raw, 'Subject')).toBe('A recovery code was used');
    expect(readBodies(notice.raw).text).toContain('1 unused code remain');
    await mailer.sendPasswordResetLink({
      to: 'guest@example.com',
      displayName: 'Guest',
      login: 'guest',
      url: 'https://app.example/r?token=abc',
      expiresInSeconds: 600,
    });
    const link = await smtp.waitForMessage();
    expect(readHeader(link.raw, 'Subject')).toBe('ACME: new password');
    expect(readBodies(link.raw).text?.trimEnd()).toBe('Go to https://app.example/r?token=abc');
  });

  test('the reset notice names the API keys revoked (escaped in HTML), and a reset through the router sends it', async () => {
    await setup();
    await mailer.sendPasswordResetCompleted({
      to: 'guest@example.com',
      displayName: 'Guest',
      login: 'guest',
      revokedApiKeys: ['deploy <bot>', 'ci'],
    });
    const notice = await smtp.waitForMessage();
    expect(readHeader(notice.raw, 'Subject')).toBe('Your password was reset');
    const bodies = readBodies(notice.raw);
    expect(bodies.text).toContain('These API keys were revoked: "deploy <bot>", "ci".');
    expect(bodies.html).toContain('<li>deploy &lt;bot&gt;</li>');
    await request(t.app)
      .post('/auth/password/reset')
      .send({ token: await mailedToken(), newPassword: NEW_PASSWORD })
      .expect(204);
    const sent = await smtp.waitForMessage(
      (m) => readHeader(m.raw, 'Subject') === 'Your password was reset' && m !== notice,
    );
    expect(readBodies(sent.raw).text).not.toContain('API keys were revoked');
  });

  test('refuses a malformed template at construction, naming it', () => {
    expect(
      () =>
        new NodemailerMailer({
          transport: smtp.url,
          from: 'no-reply@acme.test',
          resetLink: { subject: 'a\nBcc: x@y.z' },
        }),
    ).toThrow(new TypeError('NodemailerMailer: "resetLink.subject" must be a non-empty one-line string.'));
    expect(
      () =>
        new NodemailerMailer({
          transport: smtp.url,
          from: 'no-reply@acme.test',
          recoveryCodeUsed: { html: 'x' as unknown as () => string },
        }),
    ).toThrow(/"recoveryCodeUsed.html" must be a function/);
  });
});
