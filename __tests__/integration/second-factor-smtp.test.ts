// The login's second-factor mail as a real SMTP server receives it: envelope, headers, bodies, outages, hostile names.
import request from 'supertest';
import { NodemailerMailer, type NodemailerMailerOptions } from '../../lib';
import { createTestApp, PASSWORDS, type TestApp } from '../helpers/create-app';
import { extractCode, readBodies, readHeader, startSmtpServer, type TestSmtpServer } from '../helpers/smtp-server';
import { postLogin } from '../helpers/session';
import { smtpServerPerTest } from '../helpers/smtp-app';

let smtp: TestSmtpServer;
let mailer: NodemailerMailer;
let t: TestApp;

async function setup(mailerOptions: Partial<NodemailerMailerOptions> = {}): Promise<void> {
  mailer = new NodemailerMailer({ transport: smtp.url, from: 'ACME Sign-in <no-reply@acme.test>', ...mailerOptions });
  t = await createTestApp({ mailer });
}

smtpServerPerTest(
  (server) => (smtp = server),
  () => ({ mailer, app: t, smtp }),
);

describe('the mail a login sends', () => {
  test('goes to the stored address from the configured sender, with the code alone on a line; that code logs in', async () => {
    await setup();
    const res = await postLogin(t, 'user');
    expect(res.body).toMatchObject({ tfaRequired: true, method: 'EMAIL' });

    const message = await smtp.waitForMessage();
    expect(message.from).toBe('no-reply@acme.test');
    expect(message.to).toEqual(['user@example.com']);
    expect(readHeader(message.raw, 'From')).toBe('"ACME Sign-in" <no-reply@acme.test>');
    expect(readHeader(message.raw, 'To')).toBe('user <user@example.com>');
    expect(readHeader(message.raw, 'Subject')).toBe('Your verification code');
    const code = extractCode(message.raw)!;
    expect(code).toMatch(/^[0-9]{6}$/);
    const { text, html } = readBodies(message.raw);
    expect(text).toContain(`\n${code}\r\n`);
    expect(text).toContain('It expires in 5 minutes.');
    expect(text).toContain('to sign in as "user"');
    expect(html).toContain(`>${code}</p>`);

    const verified = await request(t.app)
      .post('/auth/tfa/verify')
      .set('Authorization', `Bearer ${res.body.challengeToken}`)
      .send({ code });
    expect(verified.status).toBe(200);
    expect(verified.body.accessToken).toEqual(expect.any(String));
  });

  test('greets the user by first and last name, encoded rather than written raw into To:', async () => {
    await setup();
    t.users.update('2', { firstName: 'Zoë', lastName: 'Ünal, Jr.' });
    await postLogin(t, 'user').expect(200);
    const message = await smtp.waitForMessage();
    expect(message.to).toEqual(['user@example.com']);
    const to = readHeader(message.raw, 'To')!;
    expect(to).toMatch(/^=\?UTF-8\?[BQ]\?.+\?= <user@example\.com>$|^".*" <user@example\.com>$/);
    expect(readBodies(message.raw).text).toContain('Hello Zoë Ünal, Jr.,');
  });

  test('uses the subject, text and HTML the host configured', async () => {
    await setup({
      subject: (mail) => `Sign-in code for ${mail.login}`,
      text: (mail) => `Code: ${mail.code} (${mail.expiresInSeconds}s)`,
      html: (mail) => `<p>Code: <b>${mail.code}</b></p>`,
    });
    await postLogin(t, 'user').expect(200);
    const message = await smtp.waitForMessage();
    expect(readHeader(message.raw, 'Subject')).toBe('Sign-in code for user');
    const code = extractCode(message.raw)!;
    expect(readBodies(message.raw)).toEqual({ text: `Code: ${code} (300s)`, html: `<p>Code: <b>${code}</b></p>` });
  });
});

describe('when the mail cannot go', () => {
  test('an unreachable SMTP server makes the login 503, with no token, and logs the failure', async () => {
    const port = smtp.port;
    await smtp.close();
    mailer = new NodemailerMailer({ transport: `smtp://127.0.0.1:${port}`, from: 'no-reply@acme.test' });
    t = await createTestApp({ mailer });

    const res = await postLogin(t, 'user');

    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: 'unavailable', message: expect.any(String) });
    expect(res.headers.authorization).toBeUndefined();
    expect(t.logger.errors.some((line) => line.includes('sending a second-factor code failed'))).toBe(true);
    smtp = await startSmtpServer(); // so afterEach has a server to close
  });

  test("a line break in the user's name cannot inject a header: nothing is sent and the login fails closed", async () => {
    await setup();
    t.users.update('2', { firstName: 'Eve\r\nBcc: attacker@evil.test\r\nX-Evil:' });

    const res = await postLogin(t, 'user');

    expect(res.status).toBe(503);
    expect(res.body.challengeToken).toBeUndefined();
    expect(smtp.messages).toHaveLength(0);
  });

  test('a stored address naming several recipients is refused, not split', async () => {
    await setup();
    t.users.add({
      id: '9',
      login: 'mallory',
      email: 'mallory@example.com,attacker@evil.test',
      passwordHash: (await t.users.findById('2'))!.passwordHash,
      authorities: ['ROLE_USER'],
      secondFactor: 'EMAIL',
    });

    const res = await postLogin(t, 'mallory', { password: PASSWORDS.user });

    expect(res.status).toBe(503);
    expect(smtp.messages).toHaveLength(0);
  });
});
