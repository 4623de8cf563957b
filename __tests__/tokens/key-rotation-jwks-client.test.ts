// A real JWKS client (jose createRemoteJWKSet, over HTTP on 127.0.0.1) verifies our tokens across a rotation.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { KeySet } from '../../lib/tokens/key-set';
import { testTokenService } from '../helpers/keys';

const HOUR = 3_600_000;
let now = Date.UTC(2026, 0, 1, 12, 0, 0);
const clock = (): number => now;
let keys: KeySet;
let server: Server;
let url: URL;
let requests = 0;

beforeAll(async () => {
  keys = new KeySet({ rotation: { algorithm: 'EdDSA', publishAhead: '1h', retainFor: '3h' }, clock });
  server = createServer((req, res) => {
    requests += 1;
    res
      .writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': keys.jwksCacheControl() })
      .end(JSON.stringify(keys.jwks()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`);
});

afterAll(async () => {
  keys.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

it('a client that fetched the JWKS during the overlap verifies tokens of both keys without refetching; a fresh client after the drop knows only the new key', async () => {
  const tokens = testTokenService({
    keys,
    clock,
    verifiedCacheSize: 10,
  });
  const verify = (token: string, jwks: ReturnType<typeof createRemoteJWKSet>) =>
    jwtVerify(token, jwks, { algorithms: ['EdDSA'], currentDate: new Date(now) });

  const before = tokens.sign('access', { sub: 'before', auth: '' }, 2 * 3600).token;
  expect((await verify(before, createRemoteJWKSet(url))).payload.sub).toBe('before');

  keys.rotateKeys();
  // The overlap: a client refreshing its cache now (as max-age makes it) sees both keys.
  const client = createRemoteJWKSet(url);
  expect((await verify(before, client)).payload.sub).toBe('before');
  const fetched = requests;

  now += HOUR;
  const after = tokens.sign('access', { sub: 'after', auth: '' }, 3600).token;
  const [beforeKid, afterKid] = [before, after].map(
    (token) => JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()).kid,
  );
  expect(afterKid).not.toBe(beforeKid);
  expect((await verify(after, client)).payload.sub).toBe('after');
  expect((await verify(before, client)).payload.sub).toBe('before');
  expect(requests).toBe(fetched);

  // Past the old key's retention: it is gone from the JWKS, so a fresh client refuses what it signed.
  now += 3 * HOUR;
  const late = createRemoteJWKSet(url);
  await expect(
    jwtVerify(before, late, { algorithms: ['EdDSA'], currentDate: new Date(now - 3 * HOUR) }),
  ).rejects.toThrow(/no applicable key/i);
  expect(
    (await jwtVerify(after, late, { algorithms: ['EdDSA'], currentDate: new Date(now - 3 * HOUR) })).payload.sub,
  ).toBe('after');
});
