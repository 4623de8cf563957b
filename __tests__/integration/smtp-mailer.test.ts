// NodemailerMailer against a real in-process SMTP server: envelope, headers, body, and refused header injection.
import { createTransport } from 'nodemailer';
import { NodemailerMailer } from '../../lib/mailers/nodemailer-mailer';
import type { SecondFactorMail } from '../../lib/mailers/types';
import { extractCode, readBodies, readHeader, startSmtpServer } from '../helpers/smtp-server';
import type { TestSmtpServer } from '../helpers/smtp-server';

const FROM = 'ACME <no-reply@acme.test>';

function mailFor(overrides: Partial<SecondFactorMail> = {}): SecondFactorMail {
  return {
    to: 'alice@example.com',
    displayName: 'Alice Example',
    login: 'alice',
    code: '042917',
    expiresInSeconds: 300,
    ...overrides,
  };
}

let smtp: TestSmtpServer;

beforeEach(async () => {
  smtp = await startSmtpServer();
});

afterEach(async () => {
  await smtp.close();
});

describe('NodemailerMailer over SMTP', () => {
  test('delivers the code to exactly the given address, with the configured From and the default subject', async () => {
    const mailer = new NodemailerMailer({ transport: smtp.url, from: FROM });
    try {
      await mailer.sendSecondFactorCode(mailFor());
      const message = await smtp.waitForMessage();

      expect(message.to).toEqual(['alice@example.com']); // the RCPT TO envelope, not just the header
      expect(message.from).toBe('no-reply@acme.test');
      expect(readHeader(message.raw, 'From')).toBe('ACME <no-reply@acme.test>');
      expect(readHeader(message.raw, 'To')).toBe('Alice Example <alice@example.com>');
      expect(readHeader(message.raw, 'Subject')).toBe('Your verification code');
      expect(readHeader(message.raw, 'Bcc')).toBeUndefined();
      expect(extractCode(message.raw)).toBe('042917'); // leading zero kept
      const { text, html } = readBodies(message.raw);
      expect(text).toContain('\n042917\r\n'); // alone on its line, easy to read and to pick out
      expect(text).toContain('Hello Alice Example,');
      expect(text).toContain('It expires in 5 minutes.');
      expect(text).toContain('"alice"');
      expect(html).toContain('>042917</p>');
      expect(smtp.messages).toHaveLength(1);
    } finally {
      mailer.close();
    }
  });

  test('HTML-escapes every interpolated value in the default HTML body', async () => {
    const mailer = new NodemailerMailer({ transport: smtp.url, from: FROM });
    try {
      await mailer.sendSecondFactorCode(mailFor({ displayName: '<b>Al & "Bo"</b>', login: "<img src=x onerror='1'>" }));
      const { html } = readBodies((await smtp.waitForMessage()).raw);
      expect(html).toContain('&lt;b&gt;Al &amp; &quot;Bo&quot;&lt;/b&gt;');
      expect(html).toContain('&lt;img src=x onerror=&#39;1&#39;&gt;');
      expect(html).not.toContain('<b>Al');
      expect(html).not.toContain('<img');
    } finally {
      mailer.close();
    }
  });

  test('encodes a non-ASCII or punctuated display name rather than writing it raw into To:', async () => {
    const mailer = new NodemailerMailer({ transport: smtp.url, from: FROM });
    try {
      await mailer.sendSecondFactorCode(mailFor({ displayName: 'Ålice <bob@evil.test>, "x"' }));
      const message = await smtp.waitForMessage();
      expect(message.to).toEqual(['alice@example.com']);
      const to = readHeader(message.raw, 'To') ?? '';
      expect(to).toMatch(/^=\?UTF-8\?[QB]\?.+\?= <alice@example\.com>$/);
      expect(to).not.toContain('<bob@evil.test>');
    } finally {
      mailer.close();
    }
  });

  test('accepts transport options and custom subject, text and html renderers', async () => {
    const mailer = new NodemailerMailer({
      transport: { host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true },
      from: 'no-reply@acme.test',
      subject: (mail) => `Code for ${mail.login}`,
      text: (mail) => `CODE=${mail.code}`,
      html: (mail) => `<p>${mail.code}</p>`,
    });
    try {
      await mailer.sendSecondFactorCode(mailFor({ code: '777001' }));
      const message = await smtp.waitForMessage();
      expect(readHeader(message.raw, 'Subject')).toBe('Code for alice');
      expect(readHeader(message.raw, 'From')).toBe('no-reply@acme.test');
      const { text, html } = readBodies(message.raw);
      expect(text).toBe('CODE=777001');
      expect(html).toBe('<p>777001</p>');
    } finally {
      mailer.close();
    }
  });

  test('uses a transporter it is given, and close() leaves that transporter to its owner', async () => {
    const transporter = createTransport({ host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true });
    try {
      const mailer = new NodemailerMailer({ transport: transporter, from: FROM });
      await mailer.sendSecondFactorCode(mailFor());
      mailer.close();
      await transporter.sendMail({ from: 'x@acme.test', to: 'bob@example.com', text: 'still open' });
      expect((await smtp.waitForMessage((m) => m.to.includes('alice@example.com'))).to).toEqual(['alice@example.com']);
      expect((await smtp.waitForMessage((m) => m.to.includes('bob@example.com'))).to).toEqual(['bob@example.com']);
    } finally {
      transporter.close();
    }
  });

  test('rejects when the server cannot be reached, without the code in the error', async () => {
    const port = smtp.port;
    await smtp.close();
    const mailer = new NodemailerMailer({
      transport: { host: '127.0.0.1', port, secure: false, ignoreTLS: true, connectionTimeout: 2000 },
      from: FROM,
    });
    try {
      const error: unknown = await mailer.sendSecondFactorCode(mailFor({ code: '913246' })).catch((e: unknown) => e);
      // Not toBeInstanceOf(Error): a socket error comes from Node's realm, not the test sandbox's.
      expect(error).toEqual(expect.objectContaining({ message: expect.any(String) }));
      expect((error as { message: string }).message).not.toContain('913246');
    } finally {
      mailer.close();
    }
  });
});

describe('NodemailerMailer refuses header injection', () => {
  const injections: Array<[string, Partial<SecondFactorMail>]> = [
    ['a CRLF Bcc in the display name', { displayName: 'Alice\r\nBcc: evil@x' }],
    ['a CRLF Bcc in the address', { to: 'alice@example.com\r\nBcc: evil@x' }],
    ['a bare LF in the display name', { displayName: 'Alice\nBcc: evil@x' }],
    ['a bare CR in the address', { to: 'alice@example.com\rBcc: evil@x' }],
    ['a NUL in the display name', { displayName: 'Alice\u0000' }],
    ['a Unicode line separator in the display name', { displayName: 'Alice\u2028Bcc: evil@x' }],
    ['a second recipient after a comma', { to: 'alice@example.com, evil@x' }],
    ['a name-and-address form in the address', { to: 'Evil <evil@x>' }],
    ['a space in the address', { to: 'alice@example.com evil@x' }],
  ];

  test.each(injections)('throws a TypeError for %s, without the code in the message', async (_name, overrides) => {
    const mailer = new NodemailerMailer({ transport: smtp.url, from: FROM });
    try {
      const attempt = mailer.sendSecondFactorCode(mailFor({ code: '550123', ...overrides }));
      await expect(attempt).rejects.toThrow(TypeError);
      await expect(attempt).rejects.toThrow(
        expect.objectContaining({ message: expect.not.stringContaining('550123') }),
      );
    } finally {
      mailer.close();
    }
  });

  test('throws for a subject with a line break, from the option or from a subject function', async () => {
    expect(() => new NodemailerMailer({ transport: smtp.url, from: FROM, subject: 'Hi\r\nBcc: evil@x' })).toThrow(
      /"subject"/,
    );
    const mailer = new NodemailerMailer({ transport: smtp.url, from: FROM, subject: () => 'Hi\r\nBcc: evil@x' });
    try {
      await expect(mailer.sendSecondFactorCode(mailFor())).rejects.toThrow(TypeError);
    } finally {
      mailer.close();
    }
  });

  test('delivers nothing for refused mails: the next good mail is the only one the server sees', async () => {
    const mailer = new NodemailerMailer({ transport: smtp.url, from: FROM });
    try {
      for (const [, overrides] of injections) {
        await expect(mailer.sendSecondFactorCode(mailFor(overrides))).rejects.toThrow(TypeError);
      }
      expect(smtp.messages).toHaveLength(0);

      await mailer.sendSecondFactorCode(mailFor());
      await smtp.waitForMessage();
      expect(smtp.messages).toHaveLength(1);
      expect(smtp.messages[0]?.to).toEqual(['alice@example.com']);
      expect(smtp.messages.flatMap((m) => m.to)).not.toContain('evil@x');
      expect(smtp.messages[0]?.raw).not.toContain('evil@x');
    } finally {
      mailer.close();
    }
  });
});

describe('NodemailerMailer options', () => {
  const transport = 'smtp://127.0.0.1:2525';

  test.each([
    ['missing', undefined],
    ['empty', ''],
    ['not an address', 'no-reply'],
    ['two addresses', 'a@acme.test, b@acme.test'],
    ['a line break', 'no-reply@acme.test\r\nBcc: evil@x'],
    ['a broken name form', 'ACME <no-reply@acme.test'],
  ])('"from" %s is a TypeError naming the option', (_name, from) => {
    expect(() => new NodemailerMailer({ transport, from } as never)).toThrow(TypeError);
    expect(() => new NodemailerMailer({ transport, from } as never)).toThrow(/"from"/);
  });

  test.each(['ACME <no-reply@acme.test>', '"ACME, Inc." <no-reply@acme.test>', 'no-reply@localhost'])(
    '"from" %s is accepted',
    (from) => {
      new NodemailerMailer({ transport, from }).close();
    },
  );

  test.each([
    ['missing', undefined],
    ['null', null],
    ['a number', 25],
    ['an http URL', 'http://127.0.0.1:2525'],
    ['not a URL', 'localhost'],
  ])('"transport" %s is a TypeError naming the option', (_name, value) => {
    expect(() => new NodemailerMailer({ transport: value, from: FROM } as never)).toThrow(TypeError);
    expect(() => new NodemailerMailer({ transport: value, from: FROM } as never)).toThrow(/"transport"/);
  });

  test('a transport URL with a password is not echoed in the error', () => {
    expect(() => new NodemailerMailer({ transport: 'ftp://user:s3cret@host', from: FROM })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cret') }),
    );
  });

  test('"subject", "text" and "html" of the wrong type are TypeErrors naming the option', () => {
    expect(() => new NodemailerMailer({ transport, from: FROM, subject: 42 } as never)).toThrow(/"subject"/);
    expect(() => new NodemailerMailer({ transport, from: FROM, text: 'hello' } as never)).toThrow(/"text"/);
    expect(() => new NodemailerMailer({ transport, from: FROM, html: '<p>' } as never)).toThrow(/"html"/);
  });

  test('does not change the options object it is given', () => {
    const options = { transport, from: FROM };
    const before = JSON.stringify(options);
    new NodemailerMailer(options).close();
    expect(JSON.stringify(options)).toBe(before);
  });
});

describe('startSmtpServer().waitForMessage', () => {
  test('returns a message that arrived before the wait, and hands each message out once', async () => {
    const mailer = new NodemailerMailer({ transport: smtp.url, from: FROM });
    try {
      await mailer.sendSecondFactorCode(mailFor({ code: '111111' }));
      await mailer.sendSecondFactorCode(mailFor({ code: '222222' }));
      expect(extractCode((await smtp.waitForMessage()).raw)).toBe('111111');
      expect(extractCode((await smtp.waitForMessage()).raw)).toBe('222222');
      await expect(smtp.waitForMessage(undefined, 50)).rejects.toThrow(/no matching message within 50 ms/);
    } finally {
      mailer.close();
    }
  });

  test('waits for a message that arrives later and matches the predicate', async () => {
    const mailer = new NodemailerMailer({ transport: smtp.url, from: FROM });
    try {
      const waiting = smtp.waitForMessage((m) => m.to.includes('bob@example.com'));
      await mailer.sendSecondFactorCode(mailFor());
      await mailer.sendSecondFactorCode(mailFor({ to: 'bob@example.com', code: '333333' }));
      expect(extractCode((await waiting).raw)).toBe('333333');
    } finally {
      mailer.close();
    }
  });

  test('a throwing predicate rejects its own wait and a close rejects pending waits', async () => {
    const mailer = new NodemailerMailer({ transport: smtp.url, from: FROM });
    try {
      const throwing = smtp.waitForMessage(() => {
        throw new Error('bad predicate');
      });
      await mailer.sendSecondFactorCode(mailFor());
      await expect(throwing).rejects.toThrow('bad predicate');

      const pending = expect(smtp.waitForMessage((m) => m.to.includes('nobody@example.com'))).rejects.toThrow(/closed/);
      await smtp.close();
      await pending;
    } finally {
      mailer.close();
    }
  });
});
