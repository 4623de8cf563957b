// TOTP against the RFC 4226 and RFC 6238 vectors, base32 against RFC 4648, and the matching window.
import {
  base32Decode,
  base32Encode,
  generateTotpSecret,
  matchTotp,
  totpCode,
  totpUri,
} from '../../lib/primitives/totp';

// The RFC test secret: the ASCII string "12345678901234567890".
const RFC_SECRET = base32Encode(Buffer.from('12345678901234567890', 'ascii'));
const PERIOD_MS = 30_000;

describe('base32', () => {
  test.each([
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ])('RFC 4648 §10: %j encodes to %j without padding', (plain, encoded) => {
    expect(base32Encode(Buffer.from(plain))).toBe(encoded);
    expect(base32Decode(encoded).toString()).toBe(plain);
  });

  test('the RFC secret encodes as the well-known string', () => {
    expect(RFC_SECRET).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  });

  test('decoding is case-insensitive and ignores spaces and padding', () => {
    expect(base32Decode('mzxw 6ytb oi======').toString()).toBe('foobar');
    expect(base32Decode('MZXW6===').toString()).toBe('foo');
    expect(base32Decode(' gezd gnbv\tgy3t qojq\n').toString()).toBe('1234567890');
  });

  test.each(['MZXW1', 'MZXW8', 'MZ=XW', 'MZXW6!', 'ÄBCD'])('rejects %j with a TypeError', (bad) => {
    expect(() => base32Decode(bad)).toThrow(TypeError);
  });

  test('round-trips random bytes of every length from 0 to 40', () => {
    for (let length = 0; length <= 40; length++) {
      const bytes = Buffer.from(Array.from({ length }, (_, i) => (i * 97 + length * 31) & 0xff));
      expect(base32Decode(base32Encode(bytes))).toEqual(bytes);
    }
  });
});

describe('generateTotpSecret', () => {
  test('is 20 random bytes as 32 unpadded base32 characters', () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(secret)).toHaveLength(20);
    expect(generateTotpSecret()).not.toBe(secret);
  });
});

describe('totpCode', () => {
  // RFC 6238 Appendix B, SHA1 column (8 digits, 30-second steps).
  test.each([
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ])('RFC 6238 at T=%d gives %s', (unixSeconds, expected) => {
    const step = Math.floor(unixSeconds / 30);
    expect(totpCode(RFC_SECRET, step, 8)).toBe(expected);
    // A 6-digit code is the same truncated value modulo 10^6.
    expect(totpCode(RFC_SECRET, step)).toBe(expected.slice(2));
  });

  // RFC 4226 Appendix D: HOTP values for counters 0 to 9, which TOTP uses as time steps.
  test.each([
    [0, '755224'],
    [1, '287082'],
    [2, '359152'],
    [3, '969429'],
    [4, '338314'],
    [5, '254676'],
    [6, '287922'],
    [7, '162583'],
    [8, '399871'],
    [9, '520489'],
  ])('RFC 4226 HOTP at counter %d gives %s', (counter, expected) => {
    expect(totpCode(RFC_SECRET, counter)).toBe(expected);
  });

  test('keeps leading zeros', () => {
    expect(totpCode(RFC_SECRET, Math.floor(1111111109 / 30), 8)).toBe('07081804');
    let step = 0;
    while (!totpCode(RFC_SECRET, step).startsWith('0')) step++;
    const code = totpCode(RFC_SECRET, step);
    expect(code).toMatch(/^0[0-9]{5}$/);
    expect(matchTotp(RFC_SECRET, code, step * PERIOD_MS)).toBe(step);
  });

  test.each([
    ['a negative step', -1, 6],
    ['a fractional step', 1.5, 6],
    ['5 digits', 1, 5],
    ['9 digits', 1, 9],
  ])('refuses %s with a TypeError', (_name, step, digits) => {
    expect(() => totpCode(RFC_SECRET, step, digits)).toThrow(TypeError);
  });

  test('refuses an empty secret', () => {
    expect(() => totpCode('', 1)).toThrow(TypeError);
  });
});

describe('matchTotp', () => {
  const step = 41152263; // T = 1234567890
  const now = 1234567890 * 1000;

  test('accepts the current step and returns it', () => {
    expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, step), now)).toBe(step);
  });

  test('accepts one step either side by default, returning the step that matched', () => {
    expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, step - 1), now)).toBe(step - 1);
    expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, step + 1), now)).toBe(step + 1);
  });

  test('refuses two steps either side by default', () => {
    expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, step - 2), now)).toBeNull();
    expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, step + 2), now)).toBeNull();
  });

  test('honours window and periodSeconds', () => {
    expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, step - 1), now, { window: 0 })).toBeNull();
    expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, step - 2), now, { window: 2 })).toBe(step - 2);
    const step60 = Math.floor(1234567890 / 60);
    expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, step60), now, { periodSeconds: 60 })).toBe(step60);
  });

  test('uses the step boundaries exactly', () => {
    const code = totpCode(RFC_SECRET, step);
    const stepStart = step * PERIOD_MS;
    expect(matchTotp(RFC_SECRET, code, stepStart, { window: 0 })).toBe(step);
    expect(matchTotp(RFC_SECRET, code, stepStart + PERIOD_MS - 1, { window: 0 })).toBe(step);
    expect(matchTotp(RFC_SECRET, code, stepStart - 1, { window: 0 })).toBeNull();
    expect(matchTotp(RFC_SECRET, code, stepStart + PERIOD_MS, { window: 0 })).toBeNull();
  });

  test('does not look at negative steps near the epoch', () => {
    expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, 0), 0)).toBe(0);
  });

  test.each([
    ['a wrong code', () => String((Number(totpCode(RFC_SECRET, 41152263)) + 1) % 1_000_000).padStart(6, '0')],
    ['an empty string', () => ''],
    ['five digits', () => totpCode(RFC_SECRET, 41152263).slice(1)],
    ['seven digits', () => `${totpCode(RFC_SECRET, 41152263)}0`],
    ['the 8-digit code', () => totpCode(RFC_SECRET, 41152263, 8)],
    ['letters', () => 'abcdef'],
    ['surrounding spaces', () => ` ${totpCode(RFC_SECRET, 41152263)} `],
    ['a trailing newline', () => `${totpCode(RFC_SECRET, 41152263)}\n`],
    ['a sign', () => `+${totpCode(RFC_SECRET, 41152263).slice(1)}`],
    ['Arabic-Indic digits', () => '٠١٢٣٤٥'],
    ['full-width digits', () => '０１２３４５'],
  ])('refuses %s with null, not a throw', (_name, makeCode) => {
    expect(matchTotp(RFC_SECRET, makeCode(), now)).toBeNull();
  });

  test('refuses a non-string code with null', () => {
    expect(matchTotp(RFC_SECRET, 287082 as unknown as string, now)).toBeNull();
  });

  test.each([
    ['a negative window', { window: -1 }],
    ['a fractional window', { window: 0.5 }],
    ['a huge window', { window: 1000 }],
    ['a zero period', { periodSeconds: 0 }],
  ])('refuses %s with a TypeError', (_name, options) => {
    expect(() => matchTotp(RFC_SECRET, '123456', now, options)).toThrow(TypeError);
  });

  test('refuses a non-finite time with a TypeError', () => {
    expect(() => matchTotp(RFC_SECRET, '123456', Number.NaN)).toThrow(TypeError);
  });
});

describe('totpUri', () => {
  test('builds the key URI with every parameter spelled out', () => {
    expect(totpUri({ secret: 'JBSWY3DPEHPK3PXP', accountName: 'alice@example.com', issuer: 'ACME' })).toBe(
      'otpauth://totp/ACME:alice%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME&algorithm=SHA1&digits=6&period=30',
    );
  });

  test('percent-encodes spaces and reserved characters, never as "+"', () => {
    const uri = totpUri({ secret: 'jbsw y3dp ehpk 3pxp', accountName: 'Alice Smith+1', issuer: 'ACME & Co/EU' });
    expect(uri).toBe(
      'otpauth://totp/ACME%20%26%20Co%2FEU:Alice%20Smith%2B1?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20%26%20Co%2FEU' +
        '&algorithm=SHA1&digits=6&period=30',
    );
    const parsed = new URL(uri);
    expect(parsed.searchParams.get('issuer')).toBe('ACME & Co/EU');
    expect(parsed.host).toBe('totp');
    expect(decodeURIComponent(parsed.pathname)).toBe('/ACME & Co/EU:Alice Smith+1');
  });

  test.each([
    ['a colon in the issuer', { issuer: 'ACME:EU' }, /"issuer"/],
    ['a colon in the account', { accountName: 'a:b' }, /"accountName"/],
    ['an empty issuer', { issuer: '' }, /"issuer"/],
    ['an empty account', { accountName: '' }, /"accountName"/],
    ['an invalid secret', { secret: 'not base32!' }, TypeError],
    ['an empty secret', { secret: '' }, /"secret"/],
  ])('refuses %s with a TypeError', (_name, overrides, expected) => {
    const options = { secret: 'JBSWY3DPEHPK3PXP', accountName: 'alice', issuer: 'ACME', ...overrides };
    expect(() => totpUri(options)).toThrow(TypeError);
    expect(() => totpUri(options)).toThrow(expected);
  });
});
