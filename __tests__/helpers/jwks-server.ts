// A JWKS endpoint on 127.0.0.1 for identity-provider tests: generated RS256 keys, a request count, outages on demand.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type KeyLike } from 'jose';

/** A provider's signing key: the private half signs test tokens, the public half is what the JWKS publishes. */
export interface IdpKey {
  kid: string;
  privateKey: KeyLike;
  publicJwk: JWK;
}

/** A fresh RS256 key pair named `kid` (2048-bit RSA: generate once per file, it takes a moment). */
export async function createIdpKey(kid: string): Promise<IdpKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, publicJwk };
}

/** Signs `claims` with `key` (RS256, its kid in the header, unless `kid` overrides it). */
export function signIdpToken(key: IdpKey, claims: JWTPayload, options: { kid?: string } = {}): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: options.kid ?? key.kid })
    .sign(key.privateKey);
}

/**
 * How the server answers: `up` serves the published keys; `hang` accepts the request and never answers (a timeout);
 * `error` answers 500.
 */
export type JwksMode = 'up' | 'hang' | 'error';

export interface JwksServer {
  /** The JWKS URL, e.g. http://127.0.0.1:41234/.well-known/jwks.json */
  readonly url: string;
  /** Requests received for the JWKS so far. */
  readonly requests: number;
  /** Replaces the published keys. */
  publish(keys: readonly IdpKey[]): void;
  setMode(mode: JwksMode): void;
  /** Stops listening and drops every open connection (a hanging one included). */
  close(): Promise<void>;
}

const JWKS_PATH = '/.well-known/jwks.json';

export async function startJwksServer(keys: readonly IdpKey[]): Promise<JwksServer> {
  let published = keys.map((key) => key.publicJwk);
  let mode: JwksMode = 'up';
  let requests = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url !== JWKS_PATH) {
      res.writeHead(404).end();
      return;
    }
    requests += 1;
    if (mode === 'hang') return;
    if (mode === 'error') {
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end('upstream failure');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${JWKS_PATH}`,
    get requests() {
      return requests;
    },
    publish: (next) => {
      published = next.map((key) => key.publicJwk);
    },
    setMode: (next) => {
      mode = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback URL where nothing listens: a provider that is down. */
export async function unusedLoopbackUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return `http://127.0.0.1:${port}${JWKS_PATH}`;
}
