// The password policy (NIST SP 800-63B): length in characters, 72 bytes at most, denylist, breach check, not the login.
import {
  AuthError,
  BCRYPT_MAX_BYTES,
  checkPasswordPolicy,
  hashPassword,
  resolvePasswordPolicy,
  type PasswordPolicyOptions,
} from '../../lib';

const GUEST = { login: 'guest', email: 'guest@example.com' };

async function ruleOf(password: string, options: PasswordPolicyOptions = {}, identity = GUEST): Promise<string | null> {
  const failure = await checkPasswordPolicy(password, resolvePasswordPolicy(options), identity);
  return failure?.rule ?? null;
}

describe('checkPasswordPolicy', () => {
  it('accepts 8 characters by default and refuses 7, with no composition rules', async () => {
    expect(await ruleOf('abcdefgh')).toBeNull();
    expect(await ruleOf('abcdefg')).toBe('min_length');
    expect(await ruleOf('aaaaaaaaaaaa')).toBeNull();
  });

  it('counts characters, not bytes or UTF-16 units, for the minimum', async () => {
    expect(await ruleOf('ééééééé')).toBe('min_length'); // 7 characters, 14 bytes
    expect(await ruleOf('😀😀😀😀😀😀😀')).toBe('min_length'); // 7 characters, 14 UTF-16 units
    expect(await ruleOf('😀😀😀😀😀😀😀😀')).toBeNull();
  });

  it('follows minLength', async () => {
    expect(await ruleOf('abcdefghijk', { minLength: 12 })).toBe('min_length');
    expect(await ruleOf('abcdefghijkl', { minLength: 12 })).toBeNull();
  });

  it('refuses more than 72 bytes rather than letting bcrypt truncate, counting UTF-8 bytes', async () => {
    expect(BCRYPT_MAX_BYTES).toBe(72);
    expect(await ruleOf('a'.repeat(72))).toBeNull();
    expect(await ruleOf('a'.repeat(73))).toBe('max_bytes');
    expect(await ruleOf('é'.repeat(36))).toBeNull(); // 36 characters, 72 bytes
    expect(await ruleOf('é'.repeat(37))).toBe('max_bytes'); // 37 characters, 74 bytes
  });

  it('refuses denylisted passwords case-insensitively', async () => {
    const options = { denylist: ['Password123', 'express-auth-kit'] };
    expect(await ruleOf('password123', options)).toBe('denylist');
    expect(await ruleOf('EXPRESS-AUTH-KIT', options)).toBe('denylist');
    expect(await ruleOf('password1234', options)).toBeNull();
  });

  it('refuses the login or the email address as the password, in any case', async () => {
    const identity = { login: 'longlogin', email: 'someone@example.com' };
    expect(await ruleOf('LongLogin', {}, identity)).toBe('same_as_login');
    expect(await ruleOf('SOMEONE@example.com', {}, identity)).toBe('same_as_login');
    expect(await ruleOf('longlogin1', {}, identity)).toBeNull();
  });

  it('asks isBreached with the password and refuses when it says true', async () => {
    const isBreached = jest.fn(async (password: string) => password === 'in-a-breach');
    expect(await ruleOf('in-a-breach', { isBreached })).toBe('breached');
    expect(await ruleOf('not-in-any-breach', { isBreached })).toBeNull();
    expect(isBreached.mock.calls).toEqual([['in-a-breach'], ['not-in-any-breach']]);
  });

  it('lets a throwing isBreached reject, so a caller can fail closed', async () => {
    const policy = resolvePasswordPolicy({
      isBreached: () => {
        throw new Error('corpus down');
      },
    });
    await expect(checkPasswordPolicy('long-enough-password', policy)).rejects.toThrow('corpus down');
  });

  it('checks the cheap rules before asking isBreached', async () => {
    const isBreached = jest.fn(() => true);
    expect(await ruleOf('short', { isBreached })).toBe('min_length');
    expect(await ruleOf('a'.repeat(80), { isBreached })).toBe('max_bytes');
    expect(isBreached).not.toHaveBeenCalled();
  });

  it('names each rule in a readable message', async () => {
    const policy = resolvePasswordPolicy({ minLength: 10 });
    expect(await checkPasswordPolicy('short', policy)).toEqual({
      rule: 'min_length',
      message: 'The password must have at least 10 characters.',
    });
    expect(await checkPasswordPolicy('a'.repeat(73), policy)).toEqual({
      rule: 'max_bytes',
      message: 'The password must not be longer than 72 bytes.',
    });
  });
});

describe('resolvePasswordPolicy', () => {
  it('refuses wrong options with a TypeError naming them', () => {
    expect(() => resolvePasswordPolicy({ minLength: 0 })).toThrow(/"passwords.policy.minLength"/);
    expect(() => resolvePasswordPolicy({ minLength: 73 })).toThrow(/"passwords.policy.minLength"/);
    expect(() => resolvePasswordPolicy({ minLength: 8.5 })).toThrow(TypeError);
    expect(() => resolvePasswordPolicy({ isBreached: 'yes' as unknown as () => boolean })).toThrow(
      /"passwords.policy.isBreached"/,
    );
    expect(() => resolvePasswordPolicy({ denylist: [42 as unknown as string] })).toThrow(/"passwords.policy.denylist"/);
  });

  it("does not keep a reference to the caller's denylist", async () => {
    const denylist = ['first-password'];
    const policy = resolvePasswordPolicy({ denylist });
    denylist.push('second-password');
    expect(await checkPasswordPolicy('second-password', policy)).toBeNull();
  });
});

describe('hashPassword enforces the policy', () => {
  it('throws weak_password naming the rule, and hashes a good password', async () => {
    const error = await hashPassword('short', { cost: 4 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ code: 'weak_password', status: 400 });
    expect((error as AuthError).message).toMatch(/\(rule: min_length\)$/);

    await expect(hashPassword('x'.repeat(73), { cost: 4 })).rejects.toMatchObject({
      code: 'weak_password',
      message: expect.stringContaining('(rule: max_bytes)'),
    });
    await expect(hashPassword('letmein-now', { cost: 4, policy: { denylist: ['LetMeIn-Now'] } })).rejects.toMatchObject(
      {
        message: expect.stringContaining('(rule: denylist)'),
      },
    );
    expect(await hashPassword('a-good-passphrase', { cost: 4 })).toMatch(/^\$2[aby]\$04\$/);
  });
});

describe('Unicode normalisation (NIST SP 800-63B §5.1.1.2)', () => {
  it('hashes the NFKC form, so composed and decomposed spellings are one password', async () => {
    const { hashPassword } = await import('../../lib');
    const bcrypt = await import('bcryptjs');
    const composed = 'caf\u00e9-passphrase'; // é as one code point
    const decomposed = 'cafe\u0301-passphrase'; // e + combining acute accent
    expect(composed).not.toBe(decomposed);
    const hash = await hashPassword(decomposed, { cost: 4 });
    expect(bcrypt.compareSync(composed, hash)).toBe(true);
  });
});
