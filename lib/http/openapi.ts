// The OpenAPI 3.1 document of exactly what an instance mounts, built from the same route table as the router.
import type { TSchema } from '@sinclair/typebox';
import { AUTH_ERROR_CATALOGUE } from '../errors';
import { ANSWER_KINDS, schemaNameOf } from '../presets/types';
import type { AnswerSpec, Preset } from '../presets/types';
import type { EdgeContext } from './context';
import { isMounted, routeMethod } from './mount';
import { cookieTransportParameter, errorStatuses, securitySchemes } from './openapi-security';
import type { RouteDeclaration } from './route';

/** An OpenAPI 3.1 document, as plain JSON. */
export type OpenApiDocument = Record<string, unknown> & {
  openapi: '3.1.0';
  paths: Record<string, Record<string, unknown>>;
};

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

// ---- named schemas and shared responses ----

const SCHEMA_REF = '#/components/schemas/';
const RESPONSE_REF = '#/components/responses/';

/** The shared error answers in `components.responses`, by status (their body is the preset's `Error`). */
const ERROR_RESPONSE_NAMES: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'Unavailable',
};

const pascalCase = (id: string): string => id.charAt(0).toUpperCase() + id.slice(1);

/**
 * Collects the document's named schemas: each is written once under `components.schemas` and referred to by `$ref`
 * wherever it appears. TypeBox's symbol markers are dropped on the way (the document is plain JSON).
 */
class SchemaComponents {
  private readonly byName = new Map<string, { json: string; schema: Record<string, unknown> }>();
  private readonly names = new WeakMap<object, string>();

  /** `schema` as the document shows it: a `$ref` when it has a name (its own, else `name`), else inline. */
  use(schema: TSchema, name = schemaNameOf(schema)): Record<string, unknown> {
    return name === undefined ? this.inline(schema) : { $ref: SCHEMA_REF + this.register(schema, name) };
  }

  /** Every named schema, sorted by name: the document stays byte-identical whatever order they were met in. */
  sorted(): Record<string, Record<string, unknown>> {
    return Object.fromEntries(
      [...this.byName.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, { schema }]) => [name, schema]),
    );
  }

  private register(schema: object, name: string): string {
    const known = this.names.get(schema);
    if (known !== undefined) return known;
    const inline = this.inline(schema);
    const json = JSON.stringify(inline);
    // The same name for the same JSON is one schema (copies made by spreading); a different one gets a number.
    let unique = name;
    for (let n = 2; ; n += 1) {
      const existing = this.byName.get(unique);
      if (existing === undefined) {
        this.byName.set(unique, { json, schema: inline });
        break;
      }
      if (existing.json === json) break;
      unique = `${name}${n}`;
    }
    this.names.set(schema, unique);
    return unique;
  }

  private inline(schema: object): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(schema)) if (value !== undefined) result[key] = this.value(value);
    return result;
  }

  private value(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.value(item));
    if (typeof value !== 'object' || value === null) return value;
    const name = schemaNameOf(value);
    return name === undefined ? this.inline(value) : { $ref: SCHEMA_REF + this.register(value, name) };
  }
}

/**
 * A whole-body example for a request (what Swagger UI and Scalar fill the form with): the schema's own first
 * `examples` entry, else one made of its required properties' examples (optional ones are often alternatives, such as
 * `code` or `recoveryCode`: a body that needs one of them names its example itself).
 */
function exampleOf(schema: TSchema): unknown {
  const own = (schema.examples as unknown[] | undefined)?.[0];
  if (own !== undefined) return own;
  if (schema.type === 'object' && schema.properties) {
    const example: Record<string, unknown> = {};
    const required = new Set((schema.required as string[] | undefined) ?? []);
    for (const [key, property] of Object.entries(schema.properties as Record<string, TSchema>)) {
      if (!required.has(key)) continue;
      const value = exampleOf(property);
      if (value !== undefined) example[key] = value;
    }
    return example;
  }
  if (schema.type === 'array' && schema.items) {
    const item = exampleOf(schema.items as TSchema);
    return item === undefined ? undefined : [item];
  }
  if (schema.const !== undefined) return schema.const;
  return undefined;
}

function errorResponse(preset: Preset, components: SchemaComponents, status: number): Record<string, unknown> {
  const codes = Object.entries(AUTH_ERROR_CATALOGUE).filter(([, entry]) => entry.status === status);
  return {
    description: `Refused with one of these codes:\n\n${codes.map(([code, entry]) => `- \`${code}\`: ${entry.message}`).join('\n')}`,
    content: {
      'application/json': { schema: components.use(preset.error.schema, schemaNameOf(preset.error.schema) ?? 'Error') },
    },
  };
}

function responses(
  edge: EdgeContext,
  route: RouteDeclaration<never>,
  components: SchemaComponents,
  shared: Map<string, Record<string, unknown>>,
): Record<string, unknown> {
  const { preset } = edge;
  const result: Record<string, unknown> = {};
  const byStatus = new Map<number, { spec: AnswerSpec; name: string | undefined }[]>();
  const named: { spec: AnswerSpec; name: string | undefined }[] = [
    ...route.answers.map((answer) => ({ spec: preset.answers[answer], name: ANSWER_KINDS[answer].schemaName })),
    ...(route.fixedAnswers ?? []).map((spec) => ({ spec, name: undefined })),
  ];
  for (const entry of named) byStatus.set(entry.spec.status, [...(byStatus.get(entry.spec.status) ?? []), entry]);
  for (const [status, entries] of byStatus) {
    const withBody = entries.flatMap(({ spec, name }) =>
      spec.schema === null ? [] : [{ schema: spec.schema, name, contentType: spec.contentType }],
    );
    const description = entries.map(({ spec }) => spec.description).join(' Or: ');
    const schemaOf = ({ schema, name }: { schema: TSchema; name: string | undefined }) =>
      components.use(schema, schemaNameOf(schema) ?? name);
    if (withBody.length === 0) result[status] = { description };
    else {
      const type = withBody[0]!.contentType ?? 'application/json';
      const schema = withBody.length === 1 ? schemaOf(withBody[0]!) : { oneOf: withBody.map(schemaOf) };
      result[status] = { description, content: { [type]: { schema } } };
    }
  }
  for (const status of errorStatuses(edge, route)) {
    const name = ERROR_RESPONSE_NAMES[status] ?? `Error${status}`;
    if (!shared.has(name)) shared.set(name, errorResponse(preset, components, status));
    result[status] = { $ref: RESPONSE_REF + name };
  }
  return result;
}

function requestBody(
  edge: EdgeContext,
  route: RouteDeclaration<never>,
  components: SchemaComponents,
): Record<string, unknown> | undefined {
  if (route.body) {
    const { schema } = route.body;
    const example = exampleOf(schema);
    return {
      required: route.bodyOptional?.(edge) !== true,
      content: {
        'application/json': {
          schema: components.use(schema, schemaNameOf(schema) ?? `${pascalCase(route.operationId)}Request`),
          ...(example === undefined ? {} : { example }),
        },
      },
    };
  }
  return route.requestBody;
}

/** Builds the OpenAPI 3.1 document of the mounted `routes`. */
export function buildOpenApiDocument(
  edge: EdgeContext,
  routes: readonly RouteDeclaration<never>[],
  options: OpenApiOptions = {},
): OpenApiDocument {
  const { preset } = edge;
  const base = (options.basePath ?? preset.mountPath).replace(/\/+$/, '');
  const paths: Record<string, Record<string, unknown>> = {};
  const components = new SchemaComponents();
  const sharedResponses = new Map<string, Record<string, unknown>>();
  for (const route of routes) {
    if (!isMounted(edge, route)) continue;
    const expressPath = preset.routes[route.path] as string;
    const parameters: Record<string, unknown>[] = [...expressPath.matchAll(/:([A-Za-z0-9_]+)/g)].map(([, name]) => ({
      name,
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    parameters.push(...(route.queryParameters ?? []), ...cookieTransportParameter(edge, route));
    const path = `${base}${expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}` || '/';
    // A password login may carry the trusted-device cookie, which then stands in for the second factor.
    const security =
      route.path === 'login' && edge.settings.trustedDevices !== false
        ? [{}, { trustedDeviceCookie: [] }]
        : route.credential.security(edge);
    const body = requestBody(edge, route, components);
    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description === undefined ? {} : { description: route.description }),
      tags: [route.tag],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(body === undefined ? {} : { requestBody: body }),
      responses: responses(edge, route, components, sharedResponses),
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
    tags: [...new Set(routes.filter((route) => isMounted(edge, route)).map((route) => route.tag))].map((name) => ({
      name,
    })),
    paths,
    components: {
      schemas: components.sorted(),
      responses: Object.fromEntries([...sharedResponses.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
      securitySchemes: securitySchemes(edge),
    },
  };
}
