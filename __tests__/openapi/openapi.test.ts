// The OpenAPI 3.1 document: valid for every preset (checked by a real OpenAPI validator), and exactly what is mounted.
import { compileErrors, validate } from '@readme/openapi-parser';
import request from 'supertest';
import { createTestApp, type TestApp } from '../helpers/create-app';
import { documentVariants } from '../helpers/openapi-variants';

let t: TestApp | undefined;

afterEach(async () => {
  await t?.close();
  t = undefined;
});

const variants = documentVariants;

describe.each(variants)('the document of %s', (_name, options) => {
  test('is a valid OpenAPI 3.1 document', async () => {
    t = await createTestApp(options);
    const document = t.auth.openapi();
    expect(document.openapi).toBe('3.1.0');
    // The validator dereferences in place: give it a copy.
    const result = await validate(structuredClone(document) as never);
    if (!result.valid) throw new Error(compileErrors(result));
    expect(result.valid).toBe(true);
  });

  test('lists exactly the mounted routes: each answers, and the operation ids are unique', async () => {
    t = await createTestApp(options);
    const document = t.auth.openapi();
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        path,
        method,
        id: (operation as { operationId: string }).operationId,
      })),
    );
    expect(operations.length).toBeGreaterThan(0);
    expect(new Set(operations.map((operation) => operation.id)).size).toBe(operations.length);
    for (const { path, method } of operations) {
      const url = path.replace(/\{[^}]+\}/g, 'some-id');
      const send = request(t.app)[method as 'get' | 'post' | 'delete' | 'patch'];
      const res = await send(url).set('Content-Type', 'application/json').send('{}');
      // Express's own "Cannot POST" page means the route is not mounted; every documented one answers in our format.
      expect(`${method} ${url} ${res.status} ${res.type}`).not.toMatch(/ 404 text\/html$/);
    }
  });
});

test('an unmounted route is not documented: no refresh tokens, no refresh route', async () => {
  t = await createTestApp({ sessions: { refresh: { issue: false } } });
  const paths = Object.keys(t.auth.openapi().paths);
  expect(paths).not.toContain('/auth/token/refresh');
  expect(paths).toContain('/auth/login');
  await request(t.app).post('/auth/token/refresh').send({ refreshToken: 'x' }).expect(404);
});

test('basePath moves every path, and the security schemes name the device cookie and API keys', async () => {
  t = await createTestApp();
  const document = t.auth.openapi({ basePath: '/v1/auth', title: 'My API', version: '2.0.0' });
  expect(Object.keys(document.paths).every((path) => path.startsWith('/v1/auth/'))).toBe(true);
  expect(document.info).toMatchObject({ title: 'My API', version: '2.0.0' });
  expect((document.components as { securitySchemes: Record<string, unknown> }).securitySchemes).toMatchObject({
    accessToken: { type: 'http', scheme: 'bearer' },
    apiKey: { type: 'apiKey', in: 'header', name: 'Authorization' },
    deviceCookie: { type: 'apiKey', in: 'cookie', name: '__Host-eak-device' },
  });
});

test('with cookies on, the cookies are security schemes on what they authenticate, and X-Auth-Transport a header parameter', async () => {
  t = await createTestApp({ cookies: { trustedOrigins: ['https://app.example.com'], accessTokenCookie: true } });
  const document = t.auth.openapi();
  expect((document.components as { securitySchemes: Record<string, unknown> }).securitySchemes).toMatchObject({
    refreshCookie: { type: 'apiKey', in: 'cookie', name: '__Host-eak-refresh' },
    accessCookie: { type: 'apiKey', in: 'cookie', name: '__Host-eak-access' },
  });
  type Operation = {
    security: Record<string, string[]>[];
    parameters?: { name: string; in: string }[];
    responses: Record<string, unknown>;
  };
  const operation = (path: string, method = 'post') => document.paths[path]![method] as Operation;
  expect(operation('/auth/token/refresh').security).toEqual([{ refreshToken: [] }, { refreshCookie: [] }, {}]);
  expect(operation('/auth/logout').security).toContainEqual({ refreshCookie: [] });
  expect(operation('/auth/logout/all').security).toContainEqual({ accessCookie: [] });
  expect(operation('/auth/session', 'get').security).toContainEqual({ accessCookie: [] });
  for (const path of ['/auth/login', '/auth/tfa/verify', '/auth/token/refresh', '/auth/logout']) {
    expect(operation(path).parameters).toContainEqual(
      expect.objectContaining({ name: 'X-Auth-Transport', in: 'header' }),
    );
  }
  expect(operation('/auth/logout/all').parameters).toBeUndefined();
  // Where a cookie authenticates a state-changing request, 403 (csrf_rejected) is documented.
  for (const path of ['/auth/token/refresh', '/auth/logout', '/auth/logout/all'])
    expect(operation(path).responses).toHaveProperty('403');
});
