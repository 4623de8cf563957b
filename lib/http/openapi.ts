// The OpenAPI 3.1 document of exactly what an instance mounts, built from the same route table as the router.
import type { TSchema } from '@sinclair/typebox';
import { AUTH_ERROR_CATALOGUE } from '../errors';
import type { AnswerSpec } from '../presets/types';
import type { EdgeContext } from './context';
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
  return schemes;
}

function content(spec: { schema: TSchema | null; contentType?: string }): Record<string, unknown> | undefined {
  if (spec.schema === null) return undefined;
  return { [spec.contentType ?? 'application/json']: { schema: plain(spec.schema) } };
}

function responses(edge: EdgeContext, route: RouteDeclaration<never>): Record<string, unknown> {
  const { preset } = edge;
  const result: Record<string, unknown> = {};
  const byStatus = new Map<number, AnswerSpec[]>();
  for (const name of route.answers) {
    const spec = preset.answers[name];
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
  for (const status of route.errors) {
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
    const parameters = [...expressPath.matchAll(/:([A-Za-z0-9_]+)/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
    const path = `${base}${expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}` || '/';
    const security = SECURITY[route.credential];
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      tags: [route.tag],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body ? { requestBody: { required: route.bodyOptional?.(edge) !== true, content: { 'application/json': { schema: plain(route.body.schema) } } } } : {}),
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
