// The library owns its paths: a method a path does not serve answers 405 with Allow, in the preset's error shape and
// with the security headers, for every path of every preset (the route table, read from the OpenAPI document);
// OPTIONS keeps working behind CORS middleware; the host's routes on other paths are untouched.
import type { NextFunction, Request, Response } from 'express';
import request from 'supertest';
import type { PresetName } from '../../lib';
import { createTestApp, type CreateTestAppOptions, type TestApp } from '../helpers/create-app';

const PRESETS: readonly PresetName[] = ['default', 'utmstack', 'storm', 'bforeai', 'datarhei'];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;

let t: TestApp;

afterEach(async () => {
  await t.close();
});

async function setup(preset: PresetName, options: CreateTestAppOptions = {}) {
  // Every optional route mounted, so the whole route table is exercised.
  t = await createTestApp({
    preset,
    rateLimit: false,
    passwordReset: { urlTemplate: 'https://app.example/reset?token={token}' },
    ...options,
  });
}

/** Each mounted path (parameters filled in) and the methods it serves, from the instance's own document. */
function routeTable(): { path: string; served: string[] }[] {
  const document = t.auth.openapi({ basePath: t.base }) as unknown as {
    paths: Record<string, Record<string, unknown>>;
  };
  const entries = Object.entries(document.paths).map(([path, operations]) => ({
    pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    path: path.replace(/\{[^}]+\}/g, 'some-id'),
    methods: Object.keys(operations).map((method) => method.toUpperCase()),
  }));
  // A path is served by every route it matches: bforeai's DELETE /authheader/:id also serves /authheader/add.
  return entries.map(({ path }) => ({
    path,
    served: [...new Set(entries.filter((e) => e.pattern.test(path)).flatMap((e) => e.methods))],
  }));
}

/** What Allow must say: the served methods, and HEAD wherever GET is served (Express answers HEAD with GET). */
function expectedAllow(served: readonly string[]): string[] {
  return [...new Set([...served, ...(served.includes('GET') ? ['HEAD'] : [])])].sort();
}

function errorShapeProblem(preset: PresetName, body: Record<string, unknown>): string | undefined {
  const keys = Object.keys(body).sort().join(',');
  switch (preset) {
    case 'default':
    case 'utmstack':
      return keys === 'error,message' && body.error === 'method_not_allowed' && typeof body.message === 'string'
        ? undefined
        : `keys ${keys}`;
    case 'storm':
    case 'bforeai':
      return keys === 'message' && typeof body.message === 'string' ? undefined : `keys ${keys}`;
    case 'datarhei':
      return keys === 'code,details,message' &&
        body.code === 405 &&
        JSON.stringify(body.details) === '["method_not_allowed"]'
        ? undefined
        : `keys ${keys}`;
  }
}

describe.each(PRESETS)('the %s preset', (preset) => {
  beforeEach(() => setup(preset));

  it('answers every method a path does not serve with 405, Allow, its error shape and the security headers', async () => {
    const table = routeTable();
    expect(table.length).toBeGreaterThan(0);
    for (const { path, served } of table) {
      for (const method of METHODS.filter((m) => !served.includes(m))) {
        const send = request(t.app)[method.toLowerCase() as 'put'];
        const res = await send(path).set('Content-Type', 'application/json').send('{}');
        const where = `${method} ${path}`;
        expect({ where, status: res.status }).toEqual({ where, status: 405 });
        expect({ where, allow: (res.headers.allow ?? '').split(/,\s*/).sort() }).toEqual({
          where,
          allow: expectedAllow(served),
        });
        expect({ where, problem: errorShapeProblem(preset, res.body as Record<string, unknown>) }).toEqual({
          where,
          problem: undefined,
        });
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.headers['x-content-type-options']).toBe('nosniff');
      }
    }
  });

  it('answers HEAD on a POST-only path with 405 too, and HEAD on a GET path as Express does (like GET)', async () => {
    const table = routeTable();
    const postOnly = table.find((entry) => !entry.served.includes('GET'));
    if (postOnly) {
      const res = await request(t.app).head(postOnly.path).expect(405);
      expect(res.headers.allow).toBeDefined();
      expect(res.headers['cache-control']).toBe('no-store');
    }
    const getPath = table.find((entry) => entry.served.includes('GET'));
    if (getPath) {
      const res = await request(t.app).head(getPath.path);
      expect(res.status).not.toBe(405);
    }
  });

  it('answers OPTIONS with 204 and Allow when it reaches the library (no CORS middleware answered it)', async () => {
    for (const { path, served } of routeTable()) {
      const res = await request(t.app).options(path);
      expect({ path, status: res.status }).toEqual({ path, status: 204 });
      expect((res.headers.allow ?? '').split(/,\s*/).sort()).toEqual(expectedAllow(served));
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it("leaves the host's routes on other paths alone", async () => {
    const base = t.base === '/' ? '' : t.base;
    t.app.put(`${base}/host-owned`, (_req, res) => void res.json({ host: true }));
    await request(t.app).put(`${base}/host-owned`).expect(200, { host: true });
    // The host's guarded route keeps Express's own answers for other methods.
    const res = await request(t.app).put('/api/protected');
    expect(res.status).toBe(404);
    expect(res.text).toMatch(/Cannot PUT \/api\/protected/);
  });
});

/** What the `cors` package does with a preflight (cors/lib/index.js): its headers, then 204 or, with preflightContinue, next(). */
function corsLike(preflightContinue: boolean) {
  return (req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.method !== 'OPTIONS') return next();
    res.setHeader('Access-Control-Allow-Methods', 'GET,HEAD,PUT,PATCH,POST,DELETE');
    res.setHeader('Access-Control-Allow-Headers', String(req.headers['access-control-request-headers'] ?? ''));
    if (preflightContinue) return next();
    res.statusCode = 204;
    res.setHeader('Content-Length', '0');
    res.end();
  };
}

describe('CORS preflights', () => {
  const preflight = (path: string) =>
    request(t.app)
      .options(path)
      .set('Origin', 'https://app.example')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type');

  it('CORS middleware before the router answers the preflight itself, as before', async () => {
    await setup('default', { configureApp: (app) => app.use(corsLike(false)) });
    const res = await preflight('/auth/login').expect(204);
    expect(res.headers['access-control-allow-methods']).toBe('GET,HEAD,PUT,PATCH,POST,DELETE');
    // A real request still passes the CORS middleware and reaches the library.
    const wrong = await request(t.app).put('/auth/login').expect(405);
    expect(wrong.headers['access-control-allow-origin']).toBe('*');
  });

  it('with preflightContinue the preflight reaches the library: 204 with Allow, the CORS headers kept', async () => {
    await setup('default', { configureApp: (app) => app.use(corsLike(true)) });
    const res = await preflight('/auth/sessions/some-id').expect(204);
    expect(res.headers.allow).toBe('DELETE');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-headers']).toBe('content-type');
  });
});
