// Attacks on the guard over HTTP: forged algorithms, key confusion, issuer/audience, dangerous headers and claims.
import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import request from 'supertest';
import { createTestApp, PASSWORDS, TEST_SECRET, type CreateTestAppOptions, type TestApp } from '../helpers/create-app';

let t: TestApp;

afterEach(async () => {
  await t.close();
});

async function app(options: CreateTestAppOptions = {}): Promise<TestApp> {
  t = await createTestApp(options);
  return t;
}

const b64 = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** An HMAC-signed token with any header and payload; the key defaults to the app's own secret. */
function forge(header: Record<string, unknown>, payload: unknown, key: string = TEST_SECRET, hash = 'sha256'): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac(hash, key).update(input).digest('base64url')}`;
}

/** Admin claims, valid now on the app's clock. */
function adminClaims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(t.clock() / 1000);
  return {
    sub: '1',
    auth: 'ROLE_ADMIN,ROLE_USER',
    usefor: 'access',
    iat: now,
    exp: now + 900,
    exi: 900,
    jti: 'forged',
    sv: '0',
    ...extra,
  };
}

async function expectRefused(token: string, code = 'token_invalid'): Promise<void> {
  const res = await request(t.app).get('/api/admin').set('Authorization', `Bearer ${token}`);
  expect(res.status).toBe(401);
  expect(res.body.error).toBe(code);
  expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="invalid_token"/);
  expect(res.text).not.toContain(token);
}

async function expectAdmitted(token: string): Promise<void> {
  const res = await request(t.app).get('/api/admin').set('Authorization', `Bearer ${token}`);
  expect(res.status).toBe(200);
}

describe('a control: a token forged with the real key and pinned algorithm is admitted', () => {
  // Each refusal below changes one thing from this token, so each proves its own check.
  it('admits it', async () => {
    await app();
    await expectAdmitted(forge({ alg: 'HS256', typ: 'JWT' }, adminClaims()));
  });
});

describe('algorithm attacks', () => {
  it('refuses alg "none", unsigned or signed', async () => {
    await app();
    await expectRefused(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(adminClaims())}.`);
    await expectRefused(forge({ alg: 'none', typ: 'JWT' }, adminClaims()));
    await expectRefused(forge({ alg: 'NONE', typ: 'JWT' }, adminClaims()));
  });

  it('refuses an HS256 token, made with the right secret, at an HS512 verifier', async () => {
    await app({ tokens: { algorithm: 'HS512' } });
    await expectRefused(forge({ alg: 'HS256', typ: 'JWT' }, adminClaims(), TEST_SECRET, 'sha256'));
    await expectAdmitted(forge({ alg: 'HS512', typ: 'JWT' }, adminClaims(), TEST_SECRET, 'sha512'));
  });

  it('refuses an HS512 token at an HS256 verifier', async () => {
    await app({ tokens: { algorithm: 'HS256' } });
    await expectRefused(forge({ alg: 'HS512', typ: 'JWT' }, adminClaims(), TEST_SECRET, 'sha512'));
  });

  describe('an RS256 verifier', () => {
    let pair: { privateKey: KeyObject; publicKey: KeyObject };

    beforeAll(() => {
      pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    });

    it('refuses its public key used as an HMAC secret (algorithm confusion)', async () => {
      await app({ secret: { algorithm: 'RS256', ...pair, kid: 'k1' } });
      const login = await request(t.app).post('/auth/login').send({ username: 'guest', password: PASSWORDS.guest });
      expect(login.status).toBe(200);
      // The public key is public: an attacker has it in every encoding a verifier might use.
      const spki = pair.publicKey.export({ type: 'spki', format: 'pem' }) as string;
      const pkcs1 = pair.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string;
      for (const key of [spki, pkcs1, spki.trim()]) {
        for (const [alg, hash] of [
          ['HS256', 'sha256'],
          ['HS512', 'sha512'],
        ] as const) {
          await expectRefused(forge({ alg, typ: 'JWT', kid: 'k1' }, adminClaims(), key, hash));
        }
        await expectRefused(forge({ alg: 'RS256', typ: 'JWT', kid: 'k1' }, adminClaims(), key, 'sha256'));
      }
      // Its own tokens still pass: the refusals are about the forgery.
      const own = await request(t.app).get('/api/protected').set('Authorization', `Bearer ${login.body.accessToken}`);
      expect(own.status).toBe(200);
    });
  });
});

describe('keys', () => {
  it("refuses a token signed with another app's secret", async () => {
    await app();
    await expectRefused(forge({ alg: 'HS256', typ: 'JWT' }, adminClaims(), `${TEST_SECRET}-someone-else`));
  });

  it('refuses tokens that bring their own key (jwk, jku, x5u, x5c) or a kid we never issued', async () => {
    await app();
    await expectRefused(
      forge({ alg: 'HS256', typ: 'JWT', jwk: { kty: 'oct', k: b64('attacker-key') } }, adminClaims()),
    );
    await expectRefused(forge({ alg: 'HS256', typ: 'JWT', jku: 'https://attacker.example/jwks.json' }, adminClaims()));
    await expectRefused(forge({ alg: 'HS256', typ: 'JWT', x5u: 'https://attacker.example/cert.pem' }, adminClaims()));
    await expectRefused(forge({ alg: 'HS256', typ: 'JWT', x5c: ['MIIBszCCAVmgAwIBAgIJ'] }, adminClaims()));
    await expectRefused(forge({ alg: 'HS256', typ: 'JWT', kid: '../../dev/null' }, adminClaims()));
  });

  it('refuses a crit header: we implement no extensions (RFC 7515 §4.1.11)', async () => {
    await app();
    await expectRefused(forge({ alg: 'HS256', typ: 'JWT', crit: ['b64'], b64: false }, adminClaims()));
    await expectRefused(forge({ alg: 'HS256', typ: 'JWT', crit: ['exp'] }, adminClaims()));
  });
});

describe('issuer and audience', () => {
  it('refuses a wrong or missing issuer', async () => {
    await app({ tokens: { issuer: 'https://auth.example' } });
    await expectAdmitted(forge({ alg: 'HS256', typ: 'JWT' }, adminClaims({ iss: 'https://auth.example' })));
    await expectRefused(forge({ alg: 'HS256', typ: 'JWT' }, adminClaims({ iss: 'https://auth.example.evil' })));
    await expectRefused(forge({ alg: 'HS256', typ: 'JWT' }, adminClaims()));
  });

  it('refuses a wrong or missing audience', async () => {
    await app({ tokens: { audience: 'orders-api' } });
    await expectAdmitted(forge({ alg: 'HS256', typ: 'JWT' }, adminClaims({ aud: 'orders-api' })));
    await expectRefused(forge({ alg: 'HS256', typ: 'JWT' }, adminClaims({ aud: 'billing-api' })));
    await expectRefused(forge({ alg: 'HS256', typ: 'JWT' }, adminClaims()));
  });

  it('refuses a token with an aud when no audience is configured', async () => {
    await app();
    await expectRefused(forge({ alg: 'HS256', typ: 'JWT' }, adminClaims({ aud: 'orders-api' })));
  });

  it("refuses another service's real token when both share a secret but not an issuer", async () => {
    const other = await createTestApp({ tokens: { issuer: 'service-a' } });
    const login = await request(other.app).post('/auth/login').send({ username: 'admin', password: PASSWORDS.admin });
    await other.close();
    await app({ tokens: { issuer: 'service-b' } });
    await expectRefused(login.body.accessToken as string);
  });
});

describe('claims', () => {
  it('refuses a token without exp: every token must expire', async () => {
    await app();
    const { exp: _exp, ...claims } = adminClaims();
    await expectRefused(forge({ alg: 'HS256', typ: 'JWT' }, claims));
  });

  it('refuses an iat more than the skew in the future', async () => {
    await app();
    const now = Math.floor(t.clock() / 1000);
    await expectRefused(forge({ alg: 'HS256', typ: 'JWT' }, adminClaims({ iat: now + 3600, exp: now + 7200 })));
    await expectRefused(forge({ alg: 'HS256', typ: 'JWT' }, adminClaims({ iat: now + 31 })));
  });

  it('refuses a payload that is not a JSON object', async () => {
    await app();
    for (const payload of ['"admin"', '["ROLE_ADMIN"]', '1', 'null', 'true']) {
      await expectRefused(forge({ alg: 'HS256', typ: 'JWT' }, payload));
    }
  });

  it('refuses an expired token with token_expired, whatever the skew allowed at most (60 s)', async () => {
    await app({ tokens: { clockSkewSeconds: 60 } });
    const now = Math.floor(t.clock() / 1000);
    await expectAdmitted(forge({ alg: 'HS256', typ: 'JWT' }, adminClaims({ iat: now - 1000, exp: now - 59 })));
    await expectRefused(
      forge({ alg: 'HS256', typ: 'JWT' }, adminClaims({ iat: now - 1000, exp: now - 60 })),
      'token_expired',
    );
  });

  it('refuses a token whose use is not access', async () => {
    await app();
    await expectRefused(forge({ alg: 'HS256', typ: 'JWT' }, adminClaims({ usefor: 'refresh', fam: 'f' })));
    await expectRefused(forge({ alg: 'HS256', typ: 'JWT' }, adminClaims({ usefor: 'tfa', cid: 'c' })));
    await expectRefused(forge({ alg: 'HS256', typ: 'JWT' }, adminClaims({ usefor: undefined })));
  });
});

describe('oversized and hostile input', () => {
  it('answers token_malformed to a huge token without working on it', async () => {
    await app();
    await expectRefused(`${b64({ alg: 'HS256' })}.${'A'.repeat(10_000)}.sig`, 'token_malformed');
  });

  it('answers token_malformed to a header that is not JSON, and never a 500', async () => {
    await app();
    for (const token of [
      `${b64('{"alg":')}.${b64(adminClaims())}.sig`,
      `${b64('"HS256"')}.${b64(adminClaims())}.sig`,
      '..',
      'a..b',
    ]) {
      await expectRefused(token, 'token_malformed');
    }
    expect(t.logger.errors).toEqual([]);
  });
});
