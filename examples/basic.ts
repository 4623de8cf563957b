// The default preset: `npm start`. Routes under /auth, a guarded demo route at /api/protected, and the browser demo
// page (examples/public) at GET /, which signs in with the cookie transport.
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import type { Express } from 'express';
import { runExample, type ExampleOptions } from './shared/demo-server';

/**
 * The origins whose pages may use the refresh cookie: this server's own `origin`, its loopback twin (127.0.0.1 and
 * localhost name the same server) and TRUSTED_ORIGINS (comma-separated).
 */
export function trustedOrigins(origin: string, extra = process.env.TRUSTED_ORIGINS ?? ''): string[] {
  const twins: string[] = [];
  // A bad HOST or PORT makes no URL: runExample refuses to start, naming it.
  if (URL.canParse(origin)) {
    const own = new URL(origin);
    twins.push(own.origin);
    if (own.hostname === '127.0.0.1' || own.hostname === 'localhost') {
      twins.push(
        `${own.protocol}//${own.hostname === 'localhost' ? '127.0.0.1' : 'localhost'}${own.port ? `:${own.port}` : ''}`,
      );
    }
  }
  const listed = extra
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return [...new Set([...twins, ...listed])];
}

/** The refresh cookie's name (the library's default, set here so the session hint reads the same name). */
const REFRESH_COOKIE = '__Host-eak-refresh';

/**
 * `GET /session-hint` → 200 `{ refreshCookie }`: whether the request carried a refresh cookie (present, not checked).
 * The page cannot see its HttpOnly cookie; with this it refreshes only when there may be a session, so a first visit
 * makes no request that fails. It says no more than the browser already knows.
 */
function sessionHint(app: Express): void {
  app.get('/session-hint', (req, res) => {
    const cookies = (req.headers.cookie ?? '').split(';').map((pair) => pair.trim());
    res.set('Cache-Control', 'no-store').json({
      refreshCookie: cookies.some(
        (pair) => pair.startsWith(`${REFRESH_COOKIE}=`) && pair.length > REFRESH_COOKIE.length + 1,
      ),
    });
  });
}

/** basic's options, for a server at `origin` (`http://HOST:PORT`). Tests build the app from these. */
export function basicExample(origin: string): ExampleOptions {
  return {
    preset: 'default',
    guardedRoute: '/api/protected',
    page: path.join(__dirname, 'public'),
    hostRoutes: sessionHint,
    extraOptions: {
      cookies: { trustedOrigins: trustedOrigins(origin), refreshCookieName: REFRESH_COOKIE },
      passkeys: demoPasskeys(origin),
    },
  };
}

/**
 * Passkeys for the demo: an IP address cannot be a WebAuthn relying party, so the RP ID is `localhost` and the page
 * works at `http://localhost:PORT/` (the same server as 127.0.0.1:PORT), plus the server's own origin when its host
 * is localhost or a name under it.
 */
export function demoPasskeys(origin: string): { rpId: string; rpName: string; origins: string[] } {
  const port = URL.canParse(origin) ? new URL(origin).port : '';
  const origins = [`http://localhost${port ? `:${port}` : ''}`];
  if (URL.canParse(origin) && /(^|\.)localhost$/.test(new URL(origin).hostname)) origins.push(new URL(origin).origin);
  return { rpId: 'localhost', rpName: 'express-auth-kit demo', origins: [...new Set(origins)] };
}

/** PORT=0 asks for a free port: pick it now, since the trusted origin must name it before the server starts. */
async function choosePort(host: string): Promise<void> {
  if (process.env.PORT !== '0') return;
  const probe = createServer().listen(0, host);
  await once(probe, 'listening');
  process.env.PORT = String((probe.address() as AddressInfo).port);
  await new Promise((resolve) => probe.close(resolve));
}

async function main(): Promise<void> {
  const host = process.env.HOST || '127.0.0.1';
  await choosePort(host);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  await runExample(basicExample(`http://${shownHost}:${process.env.PORT || 3000}`));
}

if (require.main === module) void main();
