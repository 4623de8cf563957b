// Signature checks of every algorithm: only the exact, canonical base64url spelling of the right signature verifies.
// Node's base64url decoder ignores stray bits and characters, so a check on the decoded bytes alone would accept other
// spellings of a signature (and a cache keyed by the token string would then hold one token under many names), and
// one that answered "yes" to a non-canonical spelling before any cryptography would accept forged tokens.
import { createSecretKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  ASYMMETRIC_ALGORITHMS,
  HMAC_ALGORITHMS,
  signJwt,
  verifyJwt,
  type SigningAlgorithm,
} from '../../lib/tokens/jws';

const RULES = { now: Math.floor(Date.now() / 1000), skewSeconds: 0, issuer: undefined, audience: undefined };
const HEADER = { typ: 'at+jwt', kid: 'k1' };
const HMAC_KEY = createSecretKey(Buffer.from('jws-test-secret-0123456789-0123456789-0123456789-0123456789-abcd'));

function keysFor(algorithm: SigningAlgorithm): { sign: KeyObject; verify: KeyObject } {
  switch (algorithm) {
    case 'EdDSA': {
      const pair = generateKeyPairSync('ed25519');
      return { sign: pair.privateKey, verify: pair.publicKey };
    }
    case 'ES256': {
      const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      return { sign: pair.privateKey, verify: pair.publicKey };
    }
    case 'RS256': {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      return { sign: pair.privateKey, verify: pair.publicKey };
    }
    default:
      return { sign: HMAC_KEY, verify: HMAC_KEY };
  }
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The same bytes spelled differently: the last character's unused low bits set (none exist when the length is a multiple of 3). */
function respelled(signature: string): string | undefined {
  const unusedBits = (signature.length * 6) % 8;
  if (unusedBits === 0) return undefined;
  const last = B64URL.indexOf(signature.at(-1)!);
  return `${signature.slice(0, -1)}${B64URL[last | 1]}`;
}

/** A token of `algorithm` for the claims `{ sub }`, split into its signing input and signature. */
function signed(algorithm: SigningAlgorithm, key: KeyObject, sub = '1'): { input: string; signature: string } {
  const token = signJwt(algorithm, key, HEADER, { sub, iat: RULES.now });
  const dot = token.lastIndexOf('.');
  return { input: token.slice(0, dot), signature: token.slice(dot + 1) };
}

/** Whether `input.signature` verifies under `key` (jsonwebtoken for HS*, RS256, ES256; node:crypto for EdDSA). */
function verifies(algorithm: SigningAlgorithm, input: string, signature: string, key: KeyObject): boolean {
  return verifyJwt(`${input}.${signature}`, algorithm, key, RULES) !== undefined;
}

describe.each([...HMAC_ALGORITHMS, ...ASYMMETRIC_ALGORITHMS])('%s', (algorithm) => {
  const keys = keysFor(algorithm);
  const { input: INPUT, signature } = signed(algorithm, keys.sign);
  const otherInput = signed(algorithm, keys.sign, '2').input;

  it('verifies its own signature, and nothing else', () => {
    expect(verifies(algorithm, INPUT, signature, keys.verify)).toBe(true);
    expect(verifies(algorithm, otherInput, signature, keys.verify)).toBe(false);
    expect(verifies(algorithm, INPUT, signed(algorithm, keys.sign, '2').signature, keys.verify)).toBe(false);
  });

  it('refuses another spelling of the right signature (stray bits set)', () => {
    const other = respelled(signature);
    if (other === undefined) return; // HS384: 48 bytes, a multiple of 3, spelled one way only (checked below)
    expect(Buffer.from(other, 'base64url').equals(Buffer.from(signature, 'base64url'))).toBe(true);
    expect(verifies(algorithm, INPUT, other, keys.verify)).toBe(false);
  });

  it('refuses the right signature with a stray character appended, and short or empty signatures', () => {
    expect(verifies(algorithm, INPUT, `${signature}A`, keys.verify)).toBe(false);
    for (const forged of ['', 'A', 'AB', 'AAAA', '_w'])
      expect(verifies(algorithm, INPUT, forged, keys.verify)).toBe(false);
  });

  it('refuses a canonical signature of the wrong length without throwing', () => {
    const bytes = Buffer.from(signature, 'base64url');
    const longer = Buffer.concat([bytes, Buffer.alloc(1)]).toString('base64url');
    const shorter = bytes.subarray(0, bytes.length - 1).toString('base64url');
    expect(verifies(algorithm, INPUT, longer, keys.verify)).toBe(false);
    expect(verifies(algorithm, INPUT, shorter, keys.verify)).toBe(false);
  });
});

it('every fixed-length signature has stray bits to respell (so the test above is never vacuous for them)', () => {
  for (const algorithm of ['HS256', 'HS384', 'HS512', 'ES256', 'EdDSA'] as const) {
    const keys = keysFor(algorithm);
    const { signature } = signed(algorithm, keys.sign);
    if (algorithm === 'HS384')
      expect(respelled(signature)).toBeUndefined(); // 48 bytes: no stray bits
    else expect(respelled(signature)).toBeDefined();
  }
});
