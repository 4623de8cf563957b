// MemoryMailer, the test and demo mailer: what it records, its bound, its lookups, and simulated outages.
import { MemoryMailer, type SecondFactorMail } from '../../lib';

function mail(overrides: Partial<SecondFactorMail> = {}): SecondFactorMail {
  return {
    to: 'alice@example.com',
    displayName: 'Alice',
    login: 'alice',
    code: '012345',
    expiresInSeconds: 300,
    ...overrides,
  };
}

describe('MemoryMailer', () => {
  test('records each mail, oldest first, as a copy of what it was given', async () => {
    const mailer = new MemoryMailer();
    const first = mail();
    await mailer.sendSecondFactorCode(first);
    await mailer.sendSecondFactorCode(mail({ to: 'bob@example.com', code: '999999' }));

    expect(mailer.sent).toEqual([first, mail({ to: 'bob@example.com', code: '999999' })]);
    first.code = '000000';
    expect(mailer.sent[0]!.code).toBe('012345');
    expect(mailer.sent[0]).not.toBe(first);
  });

  test('keeps only the fields of a SecondFactorMail', async () => {
    const mailer = new MemoryMailer();
    await mailer.sendSecondFactorCode({ ...mail(), bcc: 'attacker@evil.test' } as SecondFactorMail);
    expect(Object.keys(mailer.sent[0]!).sort()).toEqual(['code', 'displayName', 'expiresInSeconds', 'login', 'to']);
  });

  test('last() is the newest mail, or the newest to one address; undefined when there is none', async () => {
    const mailer = new MemoryMailer();
    expect(mailer.last()).toBeUndefined();
    await mailer.sendSecondFactorCode(mail({ code: '111111' }));
    await mailer.sendSecondFactorCode(mail({ to: 'bob@example.com', code: '222222' }));
    await mailer.sendSecondFactorCode(mail({ code: '333333' }));

    expect(mailer.last()?.code).toBe('333333');
    expect(mailer.last('bob@example.com')?.code).toBe('222222');
    expect(mailer.last('carol@example.com')).toBeUndefined();
  });

  test('clear() forgets every mail', async () => {
    const mailer = new MemoryMailer();
    await mailer.sendSecondFactorCode(mail());
    mailer.clear();
    expect(mailer.sent).toEqual([]);
    expect(mailer.last()).toBeUndefined();
  });

  test('keeps at most maxKept mails, dropping the oldest', async () => {
    const mailer = new MemoryMailer({ maxKept: 3 });
    for (let i = 0; i < 5; i++) await mailer.sendSecondFactorCode(mail({ code: String(i).padStart(6, '0') }));
    expect(mailer.sent.map((m) => m.code)).toEqual(['000002', '000003', '000004']);
  });

  test('keeps 1000 mails by default', async () => {
    const mailer = new MemoryMailer();
    for (let i = 0; i < 1001; i++) await mailer.sendSecondFactorCode(mail({ code: String(i).padStart(6, '0') }));
    expect(mailer.sent).toHaveLength(1000);
    expect(mailer.sent[0]!.code).toBe('000001');
  });

  test('onSend sees each mail; its rejection or throw makes the send fail', async () => {
    const seen: string[] = [];
    const ok = new MemoryMailer({ onSend: (m) => void seen.push(m.code) });
    await ok.sendSecondFactorCode(mail());
    expect(seen).toEqual(['012345']);

    const rejecting = new MemoryMailer({ onSend: async () => Promise.reject(new Error('mail server down')) });
    await expect(rejecting.sendSecondFactorCode(mail())).rejects.toThrow('mail server down');
    const throwing = new MemoryMailer({
      onSend: () => {
        throw new Error('boom');
      },
    });
    await expect(throwing.sendSecondFactorCode(mail())).rejects.toThrow('boom');
  });

  test('refuses bad options with TypeErrors naming them', () => {
    expect(() => new MemoryMailer({ onSend: 'yes' as unknown as () => void })).toThrow(
      new TypeError('MemoryMailer: "onSend" must be a function.'),
    );
    for (const maxKept of [0, -1, 1.5, Number.NaN, Infinity]) {
      expect(() => new MemoryMailer({ maxKept })).toThrow(/"maxKept" must be a positive integer/);
    }
  });

  test('records reset links and recovery-code notices apart from the codes, bounded, and clears them all', async () => {
    const seen: string[] = [];
    const mailer = new MemoryMailer({ maxKept: 2, onSendAccountMail: (m) => void seen.push(m.to) });
    for (const to of ['a@example.com', 'b@example.com', 'c@example.com']) {
      await mailer.sendPasswordResetLink({
        to,
        displayName: 'A',
        login: 'a',
        url: `https://app.example/r?token=${to}`,
        expiresInSeconds: 3600,
      });
    }
    await mailer.sendRecoveryCodeUsed({ to: 'a@example.com', displayName: 'A', login: 'a', remaining: 9 });
    expect(mailer.resetLinks.map((m) => m.to)).toEqual(['b@example.com', 'c@example.com']);
    expect(mailer.recoveryCodeNotices).toEqual([{ to: 'a@example.com', displayName: 'A', login: 'a', remaining: 9 }]);
    expect(mailer.sent).toEqual([]);
    expect(seen).toEqual(['a@example.com', 'b@example.com', 'c@example.com', 'a@example.com']);
    mailer.clear();
    expect([mailer.resetLinks, mailer.recoveryCodeNotices]).toEqual([[], []]);
    const failing = new MemoryMailer({ onSendAccountMail: () => Promise.reject(new Error('down')) });
    await expect(
      failing.sendRecoveryCodeUsed({ to: 'a@example.com', displayName: 'A', login: 'a', remaining: 1 }),
    ).rejects.toThrow('down');
    expect(() => new MemoryMailer({ onSendAccountMail: 1 as unknown as () => void })).toThrow(
      new TypeError('MemoryMailer: "onSendAccountMail" must be a function.'),
    );
  });
});
