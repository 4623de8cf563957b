// What makes the OpenAPI document usable by client generators and docs UIs: named, reused schemas; an example for
// every request body and body field (each one valid against its schema); one-line summaries; error codes in
// backticks; a small document; the same bytes every time.
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { Type } from '@sinclair/typebox';
import request from 'supertest';
import { AUTH_ERROR_CATALOGUE, definePreset, presets } from '../../lib';
import { createTestApp, PASSWORDS, type TestApp } from '../helpers/create-app';
import { documentVariants } from '../helpers/openapi-variants';

type Json = Record<string, unknown>;
let t: TestApp | undefined;

afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function documentOf(options: Parameters<typeof createTestApp>[0]): Promise<Json> {
  t = await createTestApp(options);
  return t.auth.openapi() as Json;
}

const DOCUMENT_ID = 'urn:test:openapi';
const pointer = (parts: readonly string[]): string =>
  `#${parts.map((part) => `/${encodeURIComponent(part.replace(/~/g, '~0').replace(/\//g, '~1'))}`).join('')}`;

/** Every schema node of the document (components and every media type's schema), with its path. */
function schemaNodes(document: Json): { path: string[]; node: Json }[] {
  const found: { path: string[]; node: Json }[] = [];
  const visit = (node: unknown, path: string[]) => {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return;
    found.push({ path, node: node as Json });
    const schema = node as Json;
    for (const key of ['items', 'additionalProperties', 'not']) visit(schema[key], [...path, key]);
    for (const key of ['anyOf', 'oneOf', 'allOf'])
      (schema[key] as unknown[] | undefined)?.forEach((branch, i) => visit(branch, [...path, key, String(i)]));
    for (const [name, property] of Object.entries((schema.properties as Json | undefined) ?? {}))
      visit(property, [...path, 'properties', name]);
  };
  const components = document.components as { schemas: Json; responses: Json };
  for (const [name, schema] of Object.entries(components.schemas)) visit(schema, ['components', 'schemas', name]);
  for (const [path, methods] of Object.entries(document.paths as Json)) {
    for (const [method, operation] of Object.entries(methods as Json)) {
      const op = operation as { requestBody?: { content: Json }; responses: Json };
      for (const [type, media] of Object.entries(op.requestBody?.content ?? {}))
        visit((media as Json).schema, ['paths', path, method, 'requestBody', 'content', type, 'schema']);
      for (const [status, response] of Object.entries(op.responses)) {
        for (const [type, media] of Object.entries(((response as Json).content as Json | undefined) ?? {}))
          visit((media as Json).schema, ['paths', path, method, 'responses', status, 'content', type, 'schema']);
      }
    }
  }
  return found;
}

function refsIn(value: unknown, refs = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((item) => refsIn(item, refs));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string') refs.add(item);
      else refsIn(item, refs);
    }
  }
  return refs;
}

function resolve(document: Json, ref: string): Json {
  const found = ref
    .slice(2)
    .split('/')
    .reduce<unknown>(
      (node, part) => (node as Json | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')],
      document,
    );
  if (found === undefined) throw new Error(`unresolvable ${ref}`);
  return found as Json;
}

/** The body fields, by path, that have no example: a leaf needs `examples` (or is a `const`/`enum`). */
function fieldsWithoutExample(document: Json, schema: Json, where: string, missing: string[] = []): string[] {
  const node = schema.$ref ? resolve(document, schema.$ref as string) : schema;
  if (node.examples !== undefined || node.const !== undefined || node.enum !== undefined) {
    if (node.type !== 'object') return missing;
  }
  if (node.type === 'object') {
    for (const [name, property] of Object.entries((node.properties as Json | undefined) ?? {}))
      fieldsWithoutExample(document, property as Json, `${where}.${name}`, missing);
    if (node.properties === undefined && node.examples === undefined && where.includes('.')) missing.push(where);
  } else if (node.type === 'array') fieldsWithoutExample(document, node.items as Json, `${where}[]`, missing);
  else if (node.anyOf || node.oneOf)
    for (const branch of (node.anyOf ?? node.oneOf) as Json[]) fieldsWithoutExample(document, branch, where, missing);
  else missing.push(where);
  return missing;
}

function operationsOf(document: Json): { where: string; operation: Json }[] {
  return Object.entries(document.paths as Json).flatMap(([path, methods]) =>
    Object.entries(methods as Json).map(([method, operation]) => ({
      where: `${method.toUpperCase()} ${path}`,
      operation: operation as Json,
    })),
  );
}

describe.each(documentVariants)('the document of %s', (_name, options) => {
  test("every $ref resolves, every named schema is used, and every error answer is the shared one with the preset's Error body", async () => {
    const document = await documentOf(options);
    const components = document.components as { schemas: Json; responses: Json };
    const refs = refsIn(document);
    for (const ref of refs) expect(() => resolve(document, ref)).not.toThrow();
    for (const name of Object.keys(components.schemas)) expect(refs).toContain(`#/components/schemas/${name}`);
    expect(components.schemas).toHaveProperty('Error');
    for (const { where, operation } of operationsOf(document)) {
      for (const [status, response] of Object.entries(operation.responses as Json)) {
        if (Number(status) < 400) continue;
        expect(`${where} ${status} ${JSON.stringify(response)}`).toMatch(
          /"\$ref":"#\/components\/responses\/[A-Za-z]+"/,
        );
        const shared = resolve(document, (response as { $ref: string }).$ref) as { content: Json };
        expect(shared.content).toEqual({ 'application/json': { schema: { $ref: '#/components/schemas/Error' } } });
      }
    }
  });

  test('every request body has an example, every body field has one, and each example is valid against its schema', async () => {
    const document = await documentOf(options);
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ ...document, $id: DOCUMENT_ID });
    const check = (schemaAt: string[], example: unknown, where: string) => {
      const validate = ajv.compile({ $ref: `${DOCUMENT_ID}${pointer(schemaAt)}` });
      if (!validate(example))
        throw new Error(`${where}: example ${JSON.stringify(example)} is invalid: ${ajv.errorsText(validate.errors)}`);
    };
    const missing: string[] = [];
    for (const [path, methods] of Object.entries(document.paths as Json)) {
      for (const [method, operation] of Object.entries(methods as Json)) {
        const body = (operation as { requestBody?: { content: Record<string, { schema: Json; example?: unknown }> } })
          .requestBody;
        for (const [type, media] of Object.entries(body?.content ?? {})) {
          const where = `${method.toUpperCase()} ${path} (${type})`;
          if (media.example === undefined) missing.push(`${where}: the body`);
          else check(['paths', path, method, 'requestBody', 'content', type, 'schema'], media.example, where);
          fieldsWithoutExample(document, media.schema, where, missing);
        }
      }
    }
    expect(missing).toEqual([]);
    // Field examples are true too, in requests and answers alike.
    for (const { path, node } of schemaNodes(document)) {
      for (const example of (node.examples as unknown[] | undefined) ?? []) check(path, example, path.join('/'));
    }
  });

  test('summaries are one short line; the details are in descriptions, with error codes in backticks', async () => {
    const document = await documentOf(options);
    const long = operationsOf(document).filter(({ operation }) => !/^[^\n.]{1,60}$/.test(String(operation.summary)));
    expect(long.map(({ where, operation }) => `${where}: ${String(operation.summary)}`)).toEqual([]);
    // Markdown reads `reset_token_invalid` bare as "reset<em>token</em>invalid": every code with an underscore, in
    // every description or summary, is in backticks.
    const codes = Object.keys(AUTH_ERROR_CATALOGUE).filter((code) => code.includes('_'));
    const texts: string[] = [];
    const collect = (value: unknown) => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (typeof value === 'object' && value !== null) {
        for (const [key, item] of Object.entries(value)) {
          if ((key === 'description' || key === 'summary') && typeof item === 'string') texts.push(item);
          else collect(item);
        }
      }
    };
    collect(document);
    const bare = texts.flatMap((text) =>
      codes
        .filter((code) => new RegExp(`(?<![\`\\w])${code}(?![\`\\w])`).test(text))
        .map((code) => `${code} in: ${text}`),
    );
    expect(bare).toEqual([]);
    // Nor any other word with an underscore, or an <angle> that Markdown would take for an HTML tag.
    const unsafe = texts.filter((text) => /\w_|_\w|<[^>\s]+>/.test(text.replace(/`[^`]*`/g, '')));
    expect(unsafe).toEqual([]);
  });

  test('is byte-identical from one instance to the next, with components sorted by name', async () => {
    const first = JSON.stringify(await documentOf(options));
    await t?.close();
    const second = JSON.stringify(await documentOf(options));
    expect(second).toBe(first);
    const components = JSON.parse(first).components as { schemas: Json; responses: Json };
    for (const names of [Object.keys(components.schemas), Object.keys(components.responses)])
      expect(names).toEqual([...names].sort());
  });
});

describe('the default preset', () => {
  test('names what clients import: User, Session, ApiKey, Error and ErrorCode, the token answers', async () => {
    const document = await documentOf({});
    const schemas = (document.components as { schemas: Json }).schemas;
    expect(Object.keys(schemas)).toEqual(
      expect.arrayContaining([
        'User',
        'Session',
        'SessionList',
        'ApiKey',
        'ApiKeyCreated',
        'Account',
        'Error',
        'ErrorCode',
        'LoginSuccess',
        'SecondFactorChallenge',
        'RefreshSuccess',
        'LoginRequest',
      ]),
    );
    expect((schemas.ErrorCode as { enum: string[] }).enum).toEqual(Object.keys(AUTH_ERROR_CATALOGUE));
    expect((schemas.Error as { properties: Json }).properties.error).toEqual({
      $ref: '#/components/schemas/ErrorCode',
    });
    expect((schemas.LoginSuccess as { properties: Json }).properties.user).toEqual({
      $ref: '#/components/schemas/User',
    });
    expect((schemas.SessionList as { properties: { sessions: Json } }).properties.sessions.items).toEqual({
      $ref: '#/components/schemas/Session',
    });
    const login = (document.paths as Record<string, Record<string, Json>>)['/auth/login']!.post!;
    expect(login.summary).toBe('Log in');
    expect(login.requestBody).toMatchObject({
      content: {
        'application/json': {
          schema: { $ref: '#/components/schemas/LoginRequest' },
          example: { username: 'admin', password: 'admin-password' },
        },
      },
    });
    expect((login.responses as Json)['200']).toMatchObject({
      content: {
        'application/json': {
          schema: {
            oneOf: [
              { $ref: '#/components/schemas/LoginSuccess' },
              { $ref: '#/components/schemas/SecondFactorChallenge' },
            ],
          },
        },
      },
    });
  });

  test('is at least three times smaller than before named schemas (340,933 bytes of JSON)', async () => {
    const document = await documentOf({});
    expect(Buffer.byteLength(JSON.stringify(document))).toBeLessThan(340_933 / 3);
  });
});

describe('the conformance check of the tests (helpers/openapi-conformance.ts)', () => {
  test('follows $ref: an answer that disagrees with a referenced schema is reported', async () => {
    // The default preset with an error schema that says `message` is a number: every refusal now disagrees with it.
    const preset = definePreset({
      ...presets.default,
      error: { ...presets.default.error, schema: Type.Object({ error: Type.String(), message: Type.Integer() }) },
    });
    t = await createTestApp({ preset });
    const document = t.auth.openapi() as Json;
    expect(
      (document.paths as Record<string, Record<string, { responses: Json }>>)['/auth/login']!.post!.responses['401'],
    ).toEqual({ $ref: '#/components/responses/Unauthorized' });
    await request(t.app)
      .post('/auth/login')
      .send({ username: 'admin', password: `${PASSWORDS.admin}-wrong` })
      .expect(401);
    const app = t;
    t = undefined;
    await expect(app.close()).rejects.toThrow(/POST \/auth\/login → 401: data\/message must be integer/);
  });
});
