// docs/verifying-tokens.md's recipes, run as they are written: its code blocks are extracted, type-checked and
// executed against tokens of the basic example's configuration (the default preset, with issuer and audience set),
// so the page cannot drift. Each recipe accepts an access token and refuses a refresh token, a second-factor
// challenge token and an access token for another issuer and audience.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import ts from 'typescript';
import { generateKeyPair, type AsymmetricAlgorithm, type SecretOption } from '../../lib';
import { createTestApp, TEST_SECRET, type FakeClock, type TestApp } from '../helpers/create-app';
import { challengeToken, login } from '../helpers/session';

const DOCUMENT = path.join(__dirname, '../../docs/verifying-tokens.md');
const DOCUMENTED_ORIGIN = 'http://127.0.0.1:3000';
const ISSUER = 'https://auth.example.com';
const AUDIENCE = 'https://api.example.com';

// The verifiers check exp against the real time: the apps run on it too.
const realClock = Object.assign(() => Date.now(), { advance: () => undefined, set: () => undefined }) as FakeClock;

/** The page's ```ts blocks, each under the heading it follows. */
function recipes(): Map<string, string> {
  const found = new Map<string, string>();
  let heading = '';
  for (const part of readFileSync(DOCUMENT, 'utf8').split(/^(## .*|```ts\n[\s\S]*?```)$/m)) {
    if (part.startsWith('## ')) heading = part.slice(3).trim();
    else if (part.startsWith('```ts\n')) found.set(heading, part.slice(6, -3));
  }
  return found;
}

const RECIPES = recipes();
jest.setTimeout(60_000);
function recipe(headingStart: string): string {
  const entry = [...RECIPES].find(([heading]) => heading.startsWith(headingStart));
  if (!entry) throw new Error(`docs/verifying-tokens.md has no recipe under "## ${headingStart}..."`);
  return entry[1];
}

/**
 * Runs a recipe, transpiled to CommonJS, in a plain Node process (as the reader's service would: jwks-rsa 4 requires
 * jose 6, an ES module that Node 20.19 loads and jest's module registry does not), and verifies each token with its
 * verifyAccessToken: the claims, or null when it refused.
 */
async function runRecipe(
  code: string,
  origin: string,
  tokens: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<Array<Record<string, unknown> | null>> {
  const source = code.split(DOCUMENTED_ORIGIN).join(origin);
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  const child = spawn(process.execPath, ['-e', RUNNER], {
    cwd: __dirname,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output: Buffer[] = [];
  const errors: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => errors.push(chunk));
  child.stdin.end(JSON.stringify({ code: outputText, tokens, file: path.join(__dirname, 'recipe.js') }));
  const [status] = (await once(child, 'close')) as [number];
  if (status !== 0) throw new Error(`the recipe failed to run (${status}):\n${Buffer.concat(errors).toString('utf8')}`);
  return JSON.parse(Buffer.concat(output).toString('utf8')) as Array<Record<string, unknown> | null>;
}

const RUNNER = `
const { createRequire } = require('node:module');
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; }).on('end', async () => {
  const { code, tokens, file } = JSON.parse(input);
  const module = { exports: {} };
  new Function('exports', 'require', 'module', code)(module.exports, createRequire(file), module);
  if (typeof module.exports.verifyAccessToken !== 'function') throw new Error('the recipe exports no verifyAccessToken');
  const results = [];
  for (const token of tokens) results.push(await Promise.resolve().then(() => module.exports.verifyAccessToken(token)).catch(() => null));
  process.stdout.write(JSON.stringify(results));
  process.exit(0);
});`;

interface Tokens {
  access: string;
  refresh: string;
  challenge: string;
}

async function tokensOf(app: TestApp): Promise<Tokens> {
  const session = await login(app, 'admin');
  return { access: session.accessToken, refresh: session.refreshToken, challenge: await challengeToken(app, 'user') };
}

const opened: Array<{ app: TestApp; server: Server }> = [];
afterEach(async () => {
  for (const { app, server } of opened.splice(0)) {
    await new Promise((resolve) => server.close(resolve));
    await app.close();
  }
});

/** An app with the basic example's routes and a JWKS, listening; claims: issuer and audience, or neither. */
async function start(
  secret: SecretOption,
  claims: { issuer?: string; audience?: string },
): Promise<{ app: TestApp; origin: string }> {
  const app: TestApp = await createTestApp({
    clock: realClock,
    rateLimit: false,
    secret,
    tokens: claims,
    configureApp: (express) => express.get('/.well-known/jwks.json', (_req, res) => res.json(app.auth.jwks())),
  });
  const server = app.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  opened.push({ app, server });
  return { app, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function keyPair(algorithm: AsymmetricAlgorithm): SecretOption {
  const pair = generateKeyPair(algorithm);
  return { algorithm, privateKey: pair.privateKeyPem, publicKey: pair.publicKeyPem, kid: pair.kid };
}

/** The token with one character of its signature changed (away from the end, whose low bits may not count). */
function tampered(token: string): string {
  const at = token.length - 10;
  return `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
}

/** Runs the recipe against an app signing with `secret`, and against a second app without issuer or audience. */
async function check(code: string, secret: () => SecretOption, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const { app, origin } = await start(secret(), { issuer: ISSUER, audience: AUDIENCE });
  const tokens = await tokensOf(app);
  // Same keys, no issuer or audience: the recipe's checks refuse its access token.
  const { app: other } = await start(secret(), {});
  const otherAccess = (await tokensOf(other)).access;
  const [access, ...refused] = await runRecipe(
    code,
    origin,
    [tokens.access, tokens.refresh, tokens.challenge, tampered(tokens.access), otherAccess],
    env,
  );
  // The default preset's access tokens carry no usefor: their typ, which every recipe requires, says the kind.
  expect(access).toMatchObject({ sub: '1', iss: ISSUER, aud: AUDIENCE });
  expect(access).not.toHaveProperty('usefor');
  expect(refused).toEqual([null, null, null, null]);
}

describe('docs/verifying-tokens.md', () => {
  test('every recipe type-checks as written', () => {
    const files = new Map(
      [...RECIPES.values()].map((code, index) => [path.join(__dirname, `verifying-tokens.recipe-${index}.ts`), code]),
    );
    const options: ts.CompilerOptions = {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      esModuleInterop: true,
      skipLibCheck: true,
      types: ['node'],
    };
    const host = ts.createCompilerHost(options);
    const { getSourceFile, fileExists, readFile } = host;
    host.getSourceFile = (name, language, ...rest) =>
      files.has(name)
        ? ts.createSourceFile(name, files.get(name)!, language)
        : getSourceFile.call(host, name, language, ...rest);
    host.fileExists = (name) => files.has(name) || fileExists.call(host, name);
    host.readFile = (name) => files.get(name) ?? readFile.call(host, name);
    const program = ts.createProgram([...files.keys()], options, host);
    const errors = ts
      .getPreEmitDiagnostics(program)
      .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    expect(errors).toEqual([]);
    expect(files.size).toBe(3);
  }, 90_000);

  test('jose with the JWKS (EdDSA) accepts access tokens only', async () => {
    await check(recipe('jose with the JWKS'), () => keyPair('EdDSA'));
  });

  test.each(['ES256', 'RS256'] as const)(
    'jwks-rsa and jsonwebtoken (%s) accept access tokens only',
    async (algorithm) => {
      const code = recipe('jwks-rsa and jsonwebtoken').replace("algorithms: ['ES256']", `algorithms: ['${algorithm}']`);
      await check(code, () => keyPair(algorithm));
    },
  );

  test('jwks-rsa and jsonwebtoken cannot verify EdDSA, as the page says', async () => {
    const { app, origin } = await start(keyPair('EdDSA'), { issuer: ISSUER, audience: AUDIENCE });
    const code = recipe('jwks-rsa and jsonwebtoken').replace(
      "algorithms: ['ES256']",
      "algorithms: ['EdDSA' as 'ES256']",
    );
    expect(await runRecipe(code, origin, [(await tokensOf(app)).access])).toEqual([null]);
    expect(readFileSync(DOCUMENT, 'utf8')).toMatch(/jsonwebtoken cannot verify EdDSA/);
  });

  test('jsonwebtoken with the shared secret (HS256) accepts access tokens only', async () => {
    await check(recipe('jsonwebtoken with the shared secret'), () => TEST_SECRET, { JWT_SECRET: TEST_SECRET });
  });

  test("every recipe requires typ 'at+jwt', the issuer and the audience", () => {
    for (const code of RECIPES.values()) {
      expect(code).toMatch(/typ: 'at\+jwt'|typ !== 'at\+jwt'/);
      expect(code).toContain(`issuer: '${ISSUER}'`);
      expect(code).toContain(`audience: '${AUDIENCE}'`);
    }
  });
});
