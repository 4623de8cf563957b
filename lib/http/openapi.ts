// The OpenAPI 3.1 document of exactly what an instance mounts, built from the same route table as the router.
import type { TSchema } from '@sinclair/typebox';
import { AUTH_ERROR_CATALOGUE } from '../errors';
import type { AnswerSpec } from '../presets/types';
import type { EdgeContext } from './context';
import { COOKIE_TRANSPORT_HEADER, COOKIE_TRANSPORT_VALUE } from './csrf';
import { isMounted, routeMethod } from './mount';
import type { RouteCredential, RouteDeclaration } from './route';

/** An OpenAPI 3.1 document, as plain JSON. */
export type OpenApiDocument = Record<string, unknown> & { openapi: '3.1.0'; paths: Record<string, Record<string, unknown>> };

export interface OpenApiOptions {
  /** Where the router is mounted; paths are prefixed with it. @default the preset's `mountPath` */
  basePath?: string;
  /** `info.title`. @default 'express-auth-kit (<preset>)' */
  title?: string;
  /** `info.version`. @default '1.0.0' */
  version?: string;
  /** `servers[0].url`, when given. */
  serverUrl?: string;
}

// TypeBox marks schemas with symbol keys; the document is plain JSON.
const plain = (schema: TSchema): Record<string, unknown> => JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;

const SECURITY: Record<RouteCredential, Record<string, string[]>[] | undefined> = {
  none: undefined,
  'access-token': [{ accessToken: [] }],
  'access-token-or-api-key': [{ accessToken: [] }, { apiKey: [] }],
  'challenge-token': [{ challengeToken: [] }],
  'refresh-token': [{ refreshToken: [] }, {}],
  'session-token': [{ refreshToken: [] }, { accessToken: [] }, {}],
  'access-token-or-none': [{ accessToken: [] }, {}],
};

function securitySchemes(edge: EdgeContext): Record<string, unknown> {
  const { apiKeys, deviceCookie } = edge.settings;
  const schemes: Record<string, unknown> = {
    accessToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from a login.' },
    challengeToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The challenge token a login answered with, good only for the second-factor routes.' },
    refreshToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A refresh token (or send it in the body as "refreshToken").' },
  };
  if (apiKeys !== false) {
    schemes.apiKey =
      apiKeys.header === 'x-api-key'
        ? { type: 'apiKey', in: 'header', name: 'X-API-Key', description: `An API key (${apiKeys.prefix}…).` }
        : { type: 'apiKey', in: 'header', name: 'Authorization', description: `An API key (${apiKeys.prefix}…) as "Bearer <key>"${edge.preset.bareAuthorization ? ' or bare' : ''}.` };
  }
  if (deviceCookie !== false) {
    schemes.deviceCookie = {
      type: 'apiKey',
      in: 'cookie',
      name: deviceCookie.name,
      description: 'The device cookie set by a completed login (OWASP device cookies): attempts that carry it are counted per device.',
    };
  }
  const trusted = edge.settings.trustedDevices;
  if (trusted !== false) {
    schemes.trustedDeviceCookie = {
      type: 'apiKey',
      in: 'cookie',
      name: trusted.cookieName,
      description:
        'The trusted-device cookie ("remember this browser"), set by a second-factor verify with rememberDevice: true. A login that carries it and the right password skips the second factor.',
    };
  }
  const cookies = edge.settings.cookies;
  if (cookies !== false) {
    schemes.refreshCookie = {
      type: 'apiKey',
      in: 'cookie',
      name: cookies.refreshCookieName,
      description: `The refresh token in its HttpOnly cookie, set when a request sends "${COOKIE_TRANSPORT_HEADER}: ${COOKIE_TRANSPORT_VALUE}". State-changing requests it authenticates must come from a trusted Origin and carry that header or a JSON body (else 403 csrf_rejected).`,
    };
    if (cookies.accessCookieName !== undefined) {
      schemes.accessCookie = {
        type: 'apiKey',
        in: 'cookie',
        name: cookies.accessCookieName,
        description: 'The access token in its HttpOnly cookie, read when no Authorization header is sent; state-changing requests pass the same CSRF check.',
      };
    }
  }
  return schemes;
}

// ---- the cookie transport ----

// The routes that answer tokens in cookies when the page opts in, and those a cookie can authenticate.
const COOKIE_TRANSPORT_ROUTES = new Set(['login', 'tfaVerify', 'refresh', 'logout', 'passkeyLogin']);
const GUARDED: ReadonlySet<RouteCredential> = new Set(['access-token', 'access-token-or-api-key', 'access-token-or-none']);

function cookieSecurity(edge: EdgeContext, route: RouteDeclaration<never>, security: Record<string, string[]>[] | undefined): Record<string, string[]>[] | undefined {
  const cookies = edge.settings.cookies;
  if (cookies === false || security === undefined) return security;
  const extra: Record<string, string[]>[] = [];
  if (route.credential === 'refresh-token' || route.credential === 'session-token') extra.push({ refreshCookie: [] });
  if (cookies.accessCookieName !== undefined && (GUARDED.has(route.credential) || route.credential === 'session-token')) extra.push({ accessCookie: [] });
  if (extra.length === 0) return security;
  // Anonymous access ({}) stays last, as the alternative of no credential at all.
  const anonymous = security.filter((requirement) => Object.keys(requirement).length === 0);
  return [...security.filter((requirement) => Object.keys(requirement).length > 0), ...extra, ...anonymous];
}

/** The route's error statuses, with 403 (`csrf_rejected`) where a cookie can authenticate it. */
function errorStatuses(edge: EdgeContext, route: RouteDeclaration<never>): readonly number[] {
  const cookies = edge.settings.cookies;
  if (cookies === false || route.errors.includes(403)) return route.errors;
  const cookieAuthenticated =
    route.credential === 'refresh-token' || route.credential === 'session-token' || (cookies.accessCookieName !== undefined && GUARDED.has(route.credential));
  return cookieAuthenticated ? [...route.errors, 403].sort((a, b) => a - b) : route.errors;
}

function cookieTransportParameter(edge: EdgeContext, route: RouteDeclaration<never>): Record<string, unknown>[] {
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

function content(spec: { schema: TSchema | null; contentType?: string }): Record<string, unknown> | undefined {
  if (spec.schema === null) return undefined;
  return { [spec.contentType ?? 'application/json']: { schema: plain(spec.schema) } };
}

function responses(edge: EdgeContext, route: RouteDeclaration<never>): Record<string, unknown> {
  const { preset } = edge;
  const result: Record<string, unknown> = {};
  const byStatus = new Map<number, AnswerSpec[]>();
  for (const spec of [...route.answers.map((name) => preset.answers[name]), ...(route.fixedAnswers ?? [])]) {
    byStatus.set(spec.status, [...(byStatus.get(spec.status) ?? []), spec]);
  }
  for (const [status, specs] of byStatus) {
    const withBody = specs.filter((spec) => spec.schema !== null);
    const description = specs.map((spec) => spec.description).join(' Or: ');
    if (withBody.length === 0) result[status] = { description };
    else if (withBody.length === 1) result[status] = { description, content: content(withBody[0]!) };
    else {
      const type = withBody[0]!.contentType ?? 'application/json';
      result[status] = { description, content: { [type]: { schema: { oneOf: withBody.map((spec) => plain(spec.schema as TSchema)) } } } };
    }
  }
  for (const status of errorStatuses(edge, route)) {
    const codes = Object.entries(AUTH_ERROR_CATALOGUE)
      .filter(([, entry]) => entry.status === status)
      .map(([code]) => code);
    result[status] = {
      description: `Refused: ${codes.join(', ')}.`,
      content: { 'application/json': { schema: plain(preset.errorSchema) } },
    };
  }
  return result;
}

/** Builds the OpenAPI 3.1 document of the mounted `routes`. */
export function buildOpenApiDocument(edge: EdgeContext, routes: readonly RouteDeclaration<never>[], options: OpenApiOptions = {}): OpenApiDocument {
  const { preset } = edge;
  const base = (options.basePath ?? preset.mountPath).replace(/\/+$/, '');
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    if (!isMounted(edge, route)) continue;
    const expressPath = preset.routes[route.path] as string;
    const parameters: Record<string, unknown>[] = [...expressPath.matchAll(/:([A-Za-z0-9_]+)/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
    parameters.push(...(route.queryParameters ?? []), ...cookieTransportParameter(edge, route));
    const path = `${base}${expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}` || '/';
    // A password login may carry the trusted-device cookie, which then stands in for the second factor.
    const security = route.path === 'login' && edge.settings.trustedDevices !== false ? [{}, { trustedDeviceCookie: [] }] : cookieSecurity(edge, route, SECURITY[route.credential]);
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body ? { requestBody: { required: route.bodyOptional?.(edge) !== true, content: { 'application/json': { schema: plain(route.body.schema) } } } } : {}),
      ...(!route.body && route.requestBody ? { requestBody: route.requestBody } : {}),
      responses: responses(edge, route),
      security: security ?? [],
    };
    paths[path] = { ...paths[path], [routeMethod(edge, route)]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: options.title ?? `express-auth-kit (${preset.name})`,
      version: options.version ?? '1.0.0',
      description: `Authentication routes in the "${preset.name}" wire format.`,
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    tags: [...new Set(routes.filter((route) => isMounted(edge, route)).map((route) => route.tag))].map((name) => ({ name })),
    paths,
    components: { securitySchemes: securitySchemes(edge) },
  };
}
