// Every class of bad input to the login route: 400 (or 413) JSON in the preset's shape, never a 500, a stack or an echo.
import request from 'supertest';
import { createTestApp, PASSWORDS, type TestApp } from '../helpers/create-app';

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp({ rateLimit: false });
});

afterEach(async () => {
  await t.close();
});

/** A response body we wrote ourselves: JSON `{ error, message }`, no stack, no file path, nothing the client sent echoed. */
function expectCleanError(res: request.Response, status: number, code: string, sent = ''): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(Object.keys(res.body as object).sort()).toEqual(['error', 'message']);
  expect(res.body.error).toBe(code);
  expect(res.text).not.toMatch(/stack|\bat \S+ \(|\.ts:\d+|\.js:\d+|node_modules|SyntaxError|TypeError/);
  if (sent !== '') expect(res.text).not.toContain(sent);
  expect(res.headers['x-content-type-options']).toBe('nosniff');
}

function postRaw(body: string, contentType?: string) {
  const req = request(t.app).post('/auth/login');
  return (contentType === undefined ? req : req.set('Content-Type', contentType)).send(body);
}

afterEach(() => {
  // Bad input is the client's fault: nothing of it is logged as an unexpected error.
  expect(t.logger.errors).toEqual([]);
});

describe('bad JSON', () => {
  it.each([
    ['truncated', '{"username": "admin", "password": "admin-pa'],
    ['single quotes', "{'username': 'admin'}"],
    ['a trailing comma', '{"username": "admin", "password": "x",}'],
    ['not JSON at all', 'username=admin&password=admin-password'],
    ['a bare string (strict mode)', '"admin"'],
    ['a bare number (strict mode)', '42'],
    ['null (strict mode)', 'null'],
  ])('%s: 400 invalid_request', async (_name, body) => {
    expectCleanError(await postRaw(body, 'application/json'), 400, 'invalid_request', 'admin-pa');
  });

  it('a JSON array body: 400 invalid_request', async () => {
    const res = await postRaw(JSON.stringify([{ username: 'admin', password: PASSWORDS.admin }]), 'application/json');
    expectCleanError(res, 400, 'invalid_request', PASSWORDS.admin);
    expect(res.body.message).toBe('The request body must be a JSON object.');
  });
});

describe('wrong content type', () => {
  it.each([
    ['text/plain', 'text/plain'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['multipart', 'multipart/form-data; boundary=x'],
    ['xml', 'application/xml'],
  ])('%s: 400 unsupported_media_type, even when the body is JSON', async (_name, contentType) => {
    const res = await postRaw(JSON.stringify({ username: 'admin', password: PASSWORDS.admin }), contentType);
    expectCleanError(res, 400, 'unsupported_media_type', PASSWORDS.admin);
  });

  it('no Content-Type and no body: 400 invalid_request (a JSON body is required)', async () => {
    expectCleanError(await request(t.app).post('/auth/login'), 400, 'invalid_request');
  });

  it('an unsupported charset: 400 unsupported_media_type', async () => {
    const res = await postRaw(
      JSON.stringify({ username: 'admin', password: PASSWORDS.admin }),
      'application/json; charset=klingon',
    );
    expectCleanError(res, 400, 'unsupported_media_type');
  });

  it('an unknown Content-Encoding: 400 unsupported_media_type', async () => {
    const res = await request(t.app)
      .post('/auth/login')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'x-squash')
      .send('{}');
    expectCleanError(res, 400, 'unsupported_media_type');
  });

  it('a corrupt gzip body: 400 invalid_request', async () => {
    const res = await request(t.app)
      .post('/auth/login')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .send('not gzip at all');
    expectCleanError(res, 400, 'invalid_request');
  });

  it('application/*+json is JSON', async () => {
    const res = await postRaw(
      JSON.stringify({ username: 'admin', password: PASSWORDS.admin }),
      'application/vnd.api+json',
    );
    expect(res.status).toBe(200);
  });
});

describe('wrong field types', () => {
  const wrong: [string, unknown][] = [
    ['an object', { $ne: null }],
    ['an array', ['admin']],
    ['a number', 12345],
    ['a boolean', true],
  ];

  it.each(wrong)('username as %s: 400 naming the field', async (_name, value) => {
    const res = await request(t.app).post('/auth/login').send({ username: value, password: PASSWORDS.admin });
    expectCleanError(res, 400, 'invalid_request', PASSWORDS.admin);
    expect(res.body.message).toBe('The field "username" must be a string.');
  });

  it.each(wrong)('password as %s: 400 naming the field', async (_name, value) => {
    const res = await request(t.app).post('/auth/login').send({ username: 'admin', password: value });
    expectCleanError(res, 400, 'invalid_request');
    expect(res.body.message).toBe('The field "password" must be a string.');
  });

  it.each([
    ['a string', 'true'],
    ['a number', 1],
    ['an object', {}],
    ['an array', [true]],
  ])('rememberMe as %s: 400', async (_name, rememberMe) => {
    const res = await request(t.app)
      .post('/auth/login')
      .send({ username: 'admin', password: PASSWORDS.admin, rememberMe });
    expectCleanError(res, 400, 'invalid_request', PASSWORDS.admin);
    expect(res.body.message).toBe('The field "rememberMe" must be true or false.');
  });

  it('no token is issued for any of them', async () => {
    const res = await request(t.app)
      .post('/auth/login')
      .send({ username: ['admin'], password: PASSWORDS.admin });
    expect(res.text).not.toMatch(/eyJ/);
    expect((await t.users.findById('1'))?.lastLoginAt).toBeUndefined();
  });
});

describe('missing fields', () => {
  it.each([
    ['no username', 'username', { password: PASSWORDS.admin }],
    ['an empty username', 'username', { username: '', password: PASSWORDS.admin }],
    ['a null username', 'username', { username: null, password: PASSWORDS.admin }],
    ['no password', 'password', { username: 'admin' }],
    ['an empty password', 'password', { username: 'admin', password: '' }],
    ['an empty object', 'username', {}],
  ])('%s: 400 naming the field', async (_name, field, body) => {
    const res = await request(t.app).post('/auth/login').send(body);
    expectCleanError(res, 400, 'invalid_request', PASSWORDS.admin);
    expect(res.body.message).toBe(`The field "${field}" is required.`);
  });

  it('a field inherited through __proto__ does not count', async () => {
    const res = await postRaw(
      `{"__proto__": {"username": "admin", "password": "${PASSWORDS.admin}"}}`,
      'application/json',
    );
    expectCleanError(res, 400, 'invalid_request', PASSWORDS.admin);
  });
});

describe('oversized input', () => {
  it.each([20, 100, 1024])('a %d KiB body (the limit is 16 KiB): 413 payload_too_large', async (kib) => {
    const res = await request(t.app)
      .post('/auth/login')
      .send({ username: 'admin', password: PASSWORDS.admin, padding: 'x'.repeat(kib * 1024) });
    expectCleanError(res, 413, 'payload_too_large', PASSWORDS.admin);
  });

  it('an over-long field within the body limit: 400 naming it', async () => {
    const res = await request(t.app)
      .post('/auth/login')
      .send({ username: 'a'.repeat(321), password: PASSWORDS.admin });
    expectCleanError(res, 400, 'invalid_request');
    expect(res.body.message).toBe('The field "username" is too long.');
    const longPassword = await request(t.app)
      .post('/auth/login')
      .send({ username: 'admin', password: 'p'.repeat(4097) });
    expectCleanError(longPassword, 400, 'invalid_request');
    expect(longPassword.body.message).toBe('The field "password" is too long.');
  });
});

describe('the same on the other credential routes', () => {
  it('change-password: bad JSON, wrong type and missing field are 400s; oversized is 413', async () => {
    const path = '/auth/account/password';
    expectCleanError(
      await request(t.app).post(path).set('Content-Type', 'application/json').send('{"currentPassword":'),
      400,
      'invalid_request',
    );
    expectCleanError(
      await request(t.app).post(path).set('Content-Type', 'text/plain').send('{}'),
      400,
      'unsupported_media_type',
    );
    expectCleanError(
      await request(t.app).post(path).send({ username: 'admin', currentPassword: 1, newPassword: 'x' }),
      400,
      'invalid_request',
    );
    expectCleanError(
      await request(t.app).post(path).send({ username: 'admin', currentPassword: PASSWORDS.admin }),
      400,
      'invalid_request',
      PASSWORDS.admin,
    );
    expectCleanError(
      await request(t.app)
        .post(path)
        .send({ padding: 'z'.repeat(20 * 1024) }),
      413,
      'payload_too_large',
    );
  });
});

describe('a POST with no body at all', () => {
  it('is a 400 that says what is missing, never that JSON was not sent when it was', async () => {
    const t2 = await createTestApp();
    try {
      const bare = await request(t2.app).post('/auth/login');
      expect(bare.status).toBe(400);
      expect(bare.body).toEqual({ error: 'invalid_request', message: 'A JSON object body is required.' });
      const typed = await request(t2.app).post('/auth/login').set('Content-Type', 'application/json');
      expect(typed.status).toBe(400);
      expect(typed.body).toEqual({ error: 'invalid_request', message: 'The field "username" is required.' });
    } finally {
      await t2.close();
    }
  });
});
