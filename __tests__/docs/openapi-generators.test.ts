// docs/openapi.md's typed client, run as it is written: openapi-typescript (its CLI, the page's command) generates
// types from the basic example's /openapi.json; the page's client code is type-checked against them in strict mode
// (no cast anywhere) and then run with openapi-fetch against that example's configuration, in-process on an
// ephemeral port: login → account → sessions → refresh → logout, every answer also checked against the document.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { basicExample } from '../../examples/basic';
import { buildExampleApp, DEMO_PASSWORDS } from '../../examples/shared/demo-server';
import { checkResponsesAgainstDocument } from '../helpers/openapi-conformance';
import { readDocBlock } from '../helpers/doc-blocks';
import { quietExampleConsole, useExampleEnvironment } from '../helpers/example-env';

const DOCUMENT = path.join(__dirname, '../../docs/openapi.md');
const DOCUMENTED_ORIGIN = 'http://127.0.0.1:3000';
const HEADING = 'A typed client with openapi-typescript and openapi-fetch';
jest.setTimeout(120_000);

/** The fenced blocks of `language` under the `## ` heading `title`. */
function blocks(title: string, language: string): string[] {
  const found: string[] = [];
  let heading = '';
  for (const part of readFileSync(DOCUMENT, 'utf8').split(/^(## .*|```\w+\n[\s\S]*?```)$/m)) {
    if (part.startsWith('## ')) heading = part.slice(3).trim();
    else if (heading === title && part.startsWith(`\`\`\`${language}\n`))
      found.push(part.slice(language.length + 4, -3));
  }
  if (found.length === 0) throw new Error(`docs/openapi.md has no \`\`\`${language} block under "## ${title}"`);
  return found;
}

// The client needs the types generated at test time, so this test type-checks it (code-blocks.test.ts does not).
const CLIENT = readDocBlock('docs/openapi.md', 'openapi-client');
/** The page's generate command: `npx openapi-typescript <document URL> -o <file>`. */
const GENERATE = blocks(HEADING, 'sh')[0]!
  .split('\n')
  .find((line) => line.startsWith('npx openapi-typescript '))!;

// Virtual files beside this test, so 'openapi-fetch' resolves as it would in the reader's project.
const TYPES_FILE = path.join(__dirname, 'auth-api.ts');
const CLIENT_FILE = path.join(__dirname, 'auth-client.ts');
const PROOF_FILE = path.join(__dirname, 'auth-types-proof.ts');

// What the types must refuse, or they would be `any` or `string`: each line is an error TypeScript must report.
const PROOF = `
import type { components } from './auth-api';
type User = components['schemas']['User'];
export const user: User = { id: '1', login: 'admin', email: 'admin@example.com', authorities: ['ROLE_ADMIN'] };
// @ts-expect-error -- not an error code
export const code: components['schemas']['ErrorCode'] = 'no_such_code';
// @ts-expect-error -- a session has no password
export const field: components['schemas']['Session']['password'] = '';
// @ts-expect-error -- a user's authorities are strings
export const wrong: User = { id: '1', login: 'admin', email: 'admin@example.com', authorities: [1] };
export type Exposed = [components['schemas']['Error'], components['schemas']['LoginSuccess'], components['schemas']['ApiKey']];
`;

let server: Server | undefined;
let origin = '';
let violations: string[] = [];
let generated = '';
const work = mkdtempSync(path.join(tmpdir(), 'eak-openapi-'));
const saved = { ...process.env };

beforeAll(async () => {
  // The basic example's configuration, with memory stores, console mail and a fixed secret.
  useExampleEnvironment('an-example-secret-that-is-long-enough-for-hs512-0123456789abcdef');
  quietExampleConsole();
  server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { app } = await buildExampleApp({
    ...basicExample(origin),
    onEvent: () => undefined,
    // Installed before the auth router: every answer the client gets is checked against the document.
    hostRoutes: (host, auth) => void (violations = checkResponsesAgainstDocument(host, auth, auth.preset.mountPath)),
  });
  server.on('request', app);
  generated = await generateTypes();
});

afterAll(async () => {
  process.env = { ...saved };
  jest.restoreAllMocks();
  if (server) await new Promise((resolve) => server!.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

/** Runs the page's command (openapi-typescript's own CLI) against the live document; answers the generated source. */
async function generateTypes(): Promise<string> {
  const [, , url, flag] = GENERATE.split(/\s+/);
  expect([url, flag]).toEqual([`${DOCUMENTED_ORIGIN}/openapi.json`, '-o']);
  const manifest = createRequire(__filename).resolve('openapi-typescript/package.json');
  const bin = path.join(
    path.dirname(manifest),
    (JSON.parse(readFileSync(manifest, 'utf8')) as { bin: Record<string, string> }).bin['openapi-typescript']!,
  );
  const output = path.join(work, 'auth-api.ts');
  const child = spawn(process.execPath, [bin, url!.replace(DOCUMENTED_ORIGIN, origin), '-o', output], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const errors: Buffer[] = [];
  child.stderr.on('data', (chunk: Buffer) => errors.push(chunk));
  const [status] = (await once(child, 'close')) as [number];
  if (status !== 0)
    throw new Error(`openapi-typescript failed (${status}):\n${Buffer.concat(errors).toString('utf8')}`);
  return readFileSync(output, 'utf8');
}

const STRICT: ts.CompilerOptions = {
  strict: true,
  noUncheckedIndexedAccess: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  esModuleInterop: true,
  skipLibCheck: true,
};

/** Type-checks `files` (virtual, by path) as one program; answers the diagnostics, formatted. */
function diagnosticsOf(files: Map<string, string>, options: ts.CompilerOptions): string[] {
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) =>
    files.has(name)
      ? ts.createSourceFile(name, files.get(name)!, language)
      : getSourceFile.call(host, name, language, ...rest);
  host.fileExists = (name) => files.has(name) || fileExists.call(host, name);
  host.readFile = (name) => files.get(name) ?? readFile.call(host, name);
  const program = ts.createProgram([...files.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const where =
      diagnostic.file && diagnostic.start !== undefined
        ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
        : undefined;
    return `${path.basename(diagnostic.file?.fileName ?? '')}:${where ? where.line + 1 : '?'}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
  });
}

/** Type-checks the generated types, the page's client and the proof together, as a browser or Node 18+ app would. */
function typeCheck(client = CLIENT): string[] {
  const files = new Map([
    [TYPES_FILE, generated],
    [CLIENT_FILE, client],
    [PROOF_FILE, PROOF],
  ]);
  return diagnosticsOf(files, { ...STRICT, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], types: [] });
}

describe('docs/openapi.md', () => {
  test('openapi-typescript generates the named schemas as importable types', () => {
    const schemas = generated.slice(
      generated.indexOf('export interface components {'),
      generated.indexOf('export type $defs'),
    );
    for (const name of [
      'User',
      'Session',
      'Error',
      'ErrorCode',
      'LoginSuccess',
      'RefreshSuccess',
      'SecondFactorChallenge',
      'ApiKey',
      'Account',
    ]) {
      expect(schemas).toMatch(new RegExp(`^ {8}${name}: `, 'm'));
    }
    expect(schemas).toMatch(/^ {8}ErrorCode: "invalid_request" \| /m);
    // Answers point at the named types instead of repeating them.
    expect(generated).toContain(
      'components["schemas"]["LoginSuccess"] | components["schemas"]["SecondFactorChallenge"]',
    );
  });

  test("the page's client code has no cast, and type-checks in strict mode against the generated types", () => {
    expect(CLIENT).not.toMatch(/\bas\s+(?!const\b)[\w{[(]|\bany\b|[\w)\]]!(?!=)|<[A-Z]\w*>\s*[\w(]/);
    expect(typeCheck()).toEqual([]);
  });

  test('the check can fail: a misspelt field or a path the document lacks is reported', () => {
    expect(typeCheck(CLIENT.replace('login.data.user', 'login.data.users'))).toEqual([
      expect.stringMatching(/^auth-client\.ts:\d+: Property 'users' does not exist/),
    ]);
    expect(
      typeCheck(CLIENT.replace("auth.GET('/auth/sessions'", "auth.GET('/auth/session-list'")).length,
    ).toBeGreaterThan(0);
  });

  test("the page's code that serves the document type-checks against the library", () => {
    const files = new Map([[path.join(__dirname, 'serve-openapi.ts'), blocks('Getting the document', 'ts')[0]!]]);
    const library = path.join(__dirname, '../../lib/index.ts');
    expect(
      diagnosticsOf(files, {
        ...STRICT,
        types: ['node'],
        baseUrl: __dirname,
        paths: { 'express-auth-kit': [library] },
      }),
    ).toEqual([]);
  });

  test("the page's client logs in, reads the account and the sessions, refreshes and logs out, with openapi-fetch", async () => {
    const source = CLIENT.split(DOCUMENTED_ORIGIN).join(origin);
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    const module = {
      exports: {} as { tour?: (username: string, password: string) => Promise<Record<string, unknown>> },
    };
    // The reader's project: 'openapi-fetch' from node_modules; './auth-api' holds types only and is erased.
    new Function('exports', 'require', 'module', outputText)(module.exports, createRequire(CLIENT_FILE), module);
    const result = await module.exports.tour!('admin', DEMO_PASSWORDS.admin);
    expect(result).toEqual({
      user: {
        id: expect.any(String),
        login: 'admin',
        email: 'admin@example.com',
        authorities: ['ROLE_ADMIN', 'ROLE_USER'],
      },
      firstName: 'Admin',
      sessions: [expect.objectContaining({ id: expect.any(String), current: true })],
      loggedOut: 204,
      refusal: 'token_revoked',
    });
    expect(violations).toEqual([]);
  });
});
