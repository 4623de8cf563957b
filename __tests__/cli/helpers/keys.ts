// Signing and verifying with the files generate-keys writes, through jose (an independent JOSE implementation).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { SignJWT, createLocalJWKSet, importPKCS8, jwtVerify, type JSONWebKeySet } from 'jose';

export function readJwks(dir: string): JSONWebKeySet {
  return JSON.parse(readFileSync(path.join(dir, 'jwks.json'), 'utf8')) as JSONWebKeySet;
}

/** A token signed with DIR/private.pem (or another private key file of DIR), its kid in the header. */
export async function signWithKeyDir(dir: string, alg: string, kid: string, file = 'private.pem'): Promise<string> {
  const privateKey = await importPKCS8(readFileSync(path.join(dir, file), 'utf8'), alg);
  return new SignJWT({ sub: 'user-1' })
    .setProtectedHeader({ alg, kid })
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey);
}

/** Verifies `token` against a JWKS (the key chosen by the token's kid and alg); rejects when none fits. */
export async function verifyWithJwks(token: string, jwks: JSONWebKeySet): Promise<string | undefined> {
  const { payload } = await jwtVerify(token, createLocalJWKSet(jwks));
  return payload.sub;
}

/** The kid in generate-keys' first line (`kid <kid>`), or rotate-keys' (`created <kid>`). */
export function printedKid(stdout: string): string {
  const match = /^(?:kid|created) (\S+)/.exec(stdout);
  if (!match) throw new Error(`no kid in ${JSON.stringify(stdout)}`);
  return match[1]!;
}
