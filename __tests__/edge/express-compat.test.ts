// Express 4.21 and 5 must answer alike. Run on 5 by `npm test`, on 4.21 by scripts/test-express4.sh.
import { readFileSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import http from 'node:http';
import { dirname, join } from 'node:path';
import request from 'supertest';
import { createTestApp, PASSWORDS, type TestApp } from '../helpers/create-app';

/** The major of the express every module in this run gets (jest.config.js maps it to 4.21 for AUTH_KIT_EXPRESS=4). */
function expressInUse(): { version: string; major: string } {
  const manifest = join(dirname(require.resolve('express')), 'package.json');
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  return { version, major: version.split('.')[0] ?? '' };
}

/** Sends `head` (request line and headers, no body) byte for byte: no Content-Length, no Transfer-Encoding added. */
async function sendHead(t: TestApp, head: string): Promise<{ status: number; body: unknown }> {
  const server = http.createServer(t.app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () =>
        socket.end(`${head}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`),
      );
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      socket.on('error', reject);
    });
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]);
    return { status, body: JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as unknown };
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ rateLimit: false });
});
afterAll(async () => {
  await t.close();
});

const REQUIRED = { error: 'invalid_request', message: 'A JSON object body is required.' };

it('runs on the Express this run asks for (AUTH_KIT_EXPRESS=4 means 4.21, else the dev install: 5)', () => {
  const { version, major } = expressInUse();
  if (process.env.AUTH_KIT_EXPRESS === '4') expect(version).toMatch(/^4\.21\./);
  else expect(major).toBe('5');
});

// Express 4's body-parser 1.x sets req.body = {} when it parses nothing; body-parser 2.x (Express 5) leaves it
// undefined. A "no body" test on req.body === undefined therefore sees a body on Express 4 and then answers that
// the (absent) body is not JSON.
describe('a POST with no body: "a JSON object body is required" on both majors', () => {
  it('no Content-Length, no Transfer-Encoding, no Content-Type', async () => {
    const res = await sendHead(t, 'POST /auth/login HTTP/1.1');
    expect(res).toEqual({ status: 400, body: REQUIRED });
  });

  it('Content-Length: 0 and no Content-Type', async () => {
    const res = await request(t.app).post('/auth/login').set('Content-Length', '0');
    expect(res.status).toBe(400);
    expect(res.body).toEqual(REQUIRED);
  });

  it('the same on another JSON route (change password), behind a valid token', async () => {
    const login = await request(t.app).post('/auth/login').send({ username: 'admin', password: PASSWORDS.admin });
    expect(login.status).toBe(200);
    const res = await sendHead(
      t,
      `POST /auth/account/password HTTP/1.1\r\nAuthorization: Bearer ${login.body.accessToken as string}`,
    );
    expect(res).toEqual({ status: 400, body: REQUIRED });
  });

  it('an empty JSON body (Content-Length: 0, JSON type) is a body: the missing field is named', async () => {
    const res = await request(t.app)
      .post('/auth/login')
      .set('Content-Type', 'application/json')
      .set('Content-Length', '0');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_request', message: 'The field "username" is required.' });
  });

  it('a body of another type is still unsupported_media_type', async () => {
    const res = await request(t.app).post('/auth/login').set('Content-Type', 'text/plain').send('x');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'unsupported_media_type' });
  });
});
