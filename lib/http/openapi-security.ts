// The OpenAPI document's security schemes and the cookie transport's marks on each operation (openapi.ts builds the
// document): which credentials an instance accepts, as its options turn them on.
import type { EdgeContext } from './context';
import { COOKIE_TRANSPORT_HEADER, COOKIE_TRANSPORT_VALUE } from './csrf';
import type { RouteDeclaration } from './route';

/** `components.securitySchemes`: the bearer tokens always, then each credential the instance's options turn on. */
export function securitySchemes(edge: EdgeContext): Record<string, unknown> {
  // The order of the keys is the document's: it must stay byte-identical.
  return { ...tokenSchemes(), ...apiKeyScheme(edge), ...deviceCookieSchemes(edge), ...sessionCookieSchemes(edge) };
}

function tokenSchemes(): Record<string, unknown> {
  return {
    accessToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from a login.' },
    challengeToken: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'The challenge token a login answered with, good only for the second-factor routes.',
    },
    refreshToken: {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'A refresh token (or send it in the body as `refreshToken`).',
    },
  };
}

function apiKeyScheme(edge: EdgeContext): Record<string, unknown> {
  const { apiKeys } = edge.settings;
  if (apiKeys === false) return {};
  return {
    apiKey:
      apiKeys.header === 'x-api-key'
        ? { type: 'apiKey', in: 'header', name: 'X-API-Key', description: `An API key (\`${apiKeys.prefix}…\`).` }
        : {
            type: 'apiKey',
            in: 'header',
            name: 'Authorization',
            description: `An API key (\`${apiKeys.prefix}…\`) as \`Bearer <key>\`${edge.preset.bareAuthorization ? ' or bare' : ''}.`,
          },
  };
}

/** The cookies that identify the browser (for per-device counting and "remember this browser"). */
function deviceCookieSchemes(edge: EdgeContext): Record<string, unknown> {
  const { deviceCookie, trustedDevices: trusted } = edge.settings;
  const schemes: Record<string, unknown> = {};
  if (deviceCookie !== false) {
    schemes.deviceCookie = {
      type: 'apiKey',
      in: 'cookie',
      name: deviceCookie.name,
      description:
        'The device cookie set by a completed login (OWASP device cookies): attempts that carry it are counted per device.',
    };
  }
  if (trusted !== false) {
    schemes.trustedDeviceCookie = {
      type: 'apiKey',
      in: 'cookie',
      name: trusted.cookieName,
      description:
        'The trusted-device cookie ("remember this browser"), set by a second-factor verify with `rememberDevice: true`. A login that carries it and the right password skips the second factor.',
    };
  }
  return schemes;
}

/** The tokens in HttpOnly cookies, when the cookie transport is on. */
function sessionCookieSchemes(edge: EdgeContext): Record<string, unknown> {
  const cookies = edge.settings.cookies;
  if (cookies === false) return {};
  const schemes: Record<string, unknown> = {
    refreshCookie: {
      type: 'apiKey',
      in: 'cookie',
      name: cookies.refreshCookieName,
      description: `The refresh token in its HttpOnly cookie, set when a request sends \`${COOKIE_TRANSPORT_HEADER}: ${COOKIE_TRANSPORT_VALUE}\`. State-changing requests it authenticates must come from a trusted Origin and carry that header or a JSON body (else 403 \`csrf_rejected\`).`,
    },
  };
  if (cookies.accessCookieName !== undefined) {
    schemes.accessCookie = {
      type: 'apiKey',
      in: 'cookie',
      name: cookies.accessCookieName,
      description:
        'The access token in its HttpOnly cookie, read when no Authorization header is sent; state-changing requests pass the same CSRF check.',
    };
  }
  return schemes;
}

// ---- the cookie transport ----

// The routes that answer tokens in cookies when the page opts in.
const COOKIE_TRANSPORT_ROUTES = new Set(['login', 'tfaVerify', 'refresh', 'logout', 'passkeyLogin']);
/** The route's error statuses, with 403 (`csrf_rejected`) where a cookie can authenticate it. */
export function errorStatuses(edge: EdgeContext, route: RouteDeclaration<never>): readonly number[] {
  const cookies = edge.settings.cookies;
  if (cookies === false || route.errors.includes(403)) return route.errors;
  return route.credential.cookieCarried(edge) ? [...route.errors, 403].sort((a, b) => a - b) : route.errors;
}

export function cookieTransportParameter(edge: EdgeContext, route: RouteDeclaration<never>): Record<string, unknown>[] {
  if (edge.settings.cookies === false || !COOKIE_TRANSPORT_ROUTES.has(route.path)) return [];
  return [
    {
      name: COOKIE_TRANSPORT_HEADER,
      in: 'header',
      required: false,
      schema: { type: 'string', enum: [COOKIE_TRANSPORT_VALUE] },
      description:
        'Browsers: answer in cookies. The refresh token is set in an HttpOnly, Secure, SameSite cookie and left out of the body; refresh and logout then read it from that cookie.',
    },
  ];
}
