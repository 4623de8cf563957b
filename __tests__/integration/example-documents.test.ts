// What every example serves beside its routes: the OpenAPI document, and with a key pair the JWKS that a resource
// server holding only its URL (jose's createRemoteJWKSet) verifies our tokens with.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compileErrors, validate } from '@readme/openapi-parser';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import request from 'supertest';
import { buildExampleApp, DEMO_PASSWORDS } from '../../examples/shared/demo-server';
import type { PresetName } from '../../lib';
import { quietExampleConsole, useExampleEnvironment } from '../helpers/example-env';

const saved = { ...process.env };
let server: Server | undefined;

beforeEach(() => {
  // Memory stores and console mail: the examples' defaults without a database, Redis or SMTP.
  useExampleEnvironment('an-example-secret-that-is-long-enough-for-hs512-0123456789abcdef');
  quietExampleConsole();
});

afterEach(async () => {
  process.env = { ...saved };
  jest.restoreAllMocks();
  if (server) await new Promise((resolve) => server!.close(resolve));
  server = undefined;
});

test.each(['default', 'utmstack', 'storm', 'bforeai', 'datarhei'] as PresetName[])(
  'the %s example serves a valid /openapi.json of its mounted routes',
  async (preset) => {
    const { app } = await buildExampleApp({ preset, guardedRoute: '/api/protected' });
    const res = await request(app).get('/openapi.json').expect(200);
    expect(res.body.openapi).toBe('3.1.0');
    const result = await validate(res.body);
    if (!result.valid) throw new Error(compileErrors(result));
    await request(app).get('/.well-known/jwks.json').expect(404);
  },
);

test.each(['EdDSA', 'ES256', 'RS256'])(
  'with JWT_ALGORITHM=%s the example signs with a key pair a remote JWKS client verifies',
  async (algorithm) => {
    process.env.JWT_ALGORITHM = algorithm;
    const { app } = await buildExampleApp({ preset: 'default', guardedRoute: '/api/protected' });
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const jwks = await request(app).get('/.well-known/jwks.json').expect(200);
    expect(jwks.headers['cache-control']).toMatch(/max-age=[1-9]\d*/);
    expect(jwks.headers['cache-control']).not.toMatch(/no-store/);
    expect(jwks.body.keys).toEqual([expect.objectContaining({ kid: expect.any(String), alg: algorithm, use: 'sig' })]);
    expect(JSON.stringify(jwks.body)).not.toMatch(/"d":/);

    const login = await request(app)
      .post('/auth/login')
      .send({ username: 'admin', password: DEMO_PASSWORDS.admin })
      .expect(200);
    const token = login.body.accessToken as string;
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: algorithm, kid: jwks.body.keys[0].kid });
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`)), {
      algorithms: [algorithm],
      typ: 'at+jwt',
    });
    expect(payload).toMatchObject({ auth: 'ROLE_ADMIN,ROLE_USER' });
    await request(app).get('/api/protected').set('Authorization', `Bearer ${token}`).expect(200);
  },
);
