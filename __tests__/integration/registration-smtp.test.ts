// Sign-up through a real SMTP server: register → the delivered mail → verify → login; an address already registered
// gets the same answer and its owner a notice with no usable token; an unverified login answers 403 only with the
// right password.
import request from 'supertest';
import { NodemailerMailer, type AuthOptions } from '../../lib';
import type { AuthEvent } from '../../lib/core/events';
import type { TestApp } from '../helpers/create-app';
import { readBodies, readHeader, type ReceivedMessage, type TestSmtpServer } from '../helpers/smtp-server';
import { postLogin } from '../helpers/session';
import { observable } from '../helpers/responses';
import { createMailingApp, smtpServerPerTest } from '../helpers/smtp-app';

const PASSWORD = 'a-long-enough-password';
let smtp: TestSmtpServer;
let mailer: NodemailerMailer;
let t: TestApp;
let events: AuthEvent[];

async function setup(options: Partial<AuthOptions> = {}): Promise<void> {
  ({ t, mailer, events } = await createMailingApp(smtp, 'ACME Accounts <no-reply@acme.test>', {
    registration: { urlTemplate: 'https://app.example/verify-email?token={token}' },
    ...options,
  }));
}

smtpServerPerTest(
  (server) => (smtp = server),
  () => ({ mailer, app: t, smtp }),
);

/** The verification token in a delivered message: the `token` parameter of the link alone on its line. */
function tokenIn(message: ReceivedMessage): string | undefined {
  const { text } = readBodies(message.raw);
  const link = /^(https:\/\/app\.example\/verify-email\?token=\S+?)\r?$/m.exec(text ?? '')?.[1];
  return link === undefined ? undefined : (new URL(link).searchParams.get('token') ?? undefined);
}

const register = (body: Record<string, unknown>) => request(t.app).post('/auth/register').send(body);
const verify = (token: string) => request(t.app).post('/auth/register/verify').send({ token });

describe('sign-up, as an SMTP server receives it', () => {
  test('register → mail → verify → login', async () => {
    await setup();
    await register({ username: 'alice', email: 'Alice@Example.org', password: PASSWORD }).expect(202);
    const message = await smtp.waitForMessage((m) => m.to.some((to) => to.toLowerCase() === 'alice@example.org'));
    expect(readHeader(message.raw, 'Subject')).toBe('Confirm your email address');
    const token = tokenIn(message);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const { text, html } = readBodies(message.raw);
    expect(text).toContain('"alice"');
    expect(text).toContain('It works once, for 24 hours.');
    expect(html).toContain(`href="https://app.example/verify-email?token=${token}"`);

    await postLogin(t, 'alice', { password: PASSWORD }).expect(403, /email_unverified/);
    await verify(token!).expect(204);
    const res = await postLogin(t, 'alice', { password: PASSWORD }).expect(200);
    expect(typeof res.body.accessToken).toBe('string');
    await verify(token!).expect(400, /verification_token_invalid/);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(JSON.stringify(events)).not.toContain(token);
  });

  test('an address already registered gets the same answer; its owner is told, with no usable token', async () => {
    await setup();
    const fresh = await register({ username: 'alice', email: 'alice@example.org', password: PASSWORD });
    const taken = await register({ username: 'mallory', email: 'guest@example.com', password: PASSWORD });
    expect(observable(taken, 'ratelimit')).toEqual(observable(fresh, 'ratelimit'));
    const notice = await smtp.waitForMessage((m) => m.to.includes('guest@example.com'));
    await smtp.waitForMessage((m) => m.to.includes('alice@example.org'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(smtp.messages.map((m) => m.to).sort()).toEqual([['alice@example.org'], ['guest@example.com']]);
    expect(readHeader(notice.raw, 'Subject')).toBe('Someone tried to sign up with your address');
    const { text } = readBodies(notice.raw);
    expect(text).toContain('already belongs to "guest"');
    expect(tokenIn(notice)).toBeUndefined();
    expect(text).not.toMatch(/token=/);
    // Nothing was made that could be verified or logged in with.
    await postLogin(t, 'mallory', { password: PASSWORD }).expect(401, /invalid_credentials/);
    expect(t.users.findByLogin('mallory')).toBeNull();
  });

  test('the unverified login answers 403 only with the right password; a wrong one gets the ordinary 401', async () => {
    await setup();
    await register({ username: 'alice', email: 'alice@example.org', password: PASSWORD }).expect(202);
    await smtp.waitForMessage();
    const right = await postLogin(t, 'alice', { password: PASSWORD });
    expect(right.status).toBe(403);
    expect(right.body).toMatchObject({ error: 'email_unverified' });
    const wrong = await postLogin(t, 'alice', { password: 'not-the-password' });
    const unknown = await postLogin(t, 'nobody-at-all', { password: 'not-the-password' });
    expect(wrong.status).toBe(401);
    expect(observable(wrong, 'ratelimit')).toEqual(observable(unknown, 'ratelimit'));
  });

  test('a resend delivers a new link and voids the old one', async () => {
    await setup();
    await register({ username: 'alice', email: 'alice@example.org', password: PASSWORD }).expect(202);
    const first = tokenIn(await smtp.waitForMessage())!;
    await request(t.app).post('/auth/register/resend').send({ email: 'alice@example.org' }).expect(202);
    const second = tokenIn(await smtp.waitForMessage((m) => tokenIn(m) !== first))!;
    await verify(first).expect(400, /verification_token_invalid/);
    await verify(second).expect(204);
    await postLogin(t, 'alice', { password: PASSWORD }).expect(200);
  });
});
