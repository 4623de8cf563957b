// A software WebAuthn authenticator for tests: ES256 keys from node:crypto, client data, authenticator data with the
// UP/UV flags and a signature counter, and a "none" attestation object in CBOR. Test-side only: the library itself
// never parses CBOR, attestations or signatures (that is @simplewebauthn/server's job).
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

// ---- a minimal CBOR encoder (RFC 8949): unsigned and negative integers, byte and text strings, maps ----

type Cbor = number | string | Uint8Array | Map<Cbor, Cbor>;

function head(major: number, value: number): Buffer {
  if (value < 24) return Buffer.from([(major << 5) | value]);
  if (value < 0x100) return Buffer.from([(major << 5) | 24, value]);
  if (value < 0x10000) return Buffer.from([(major << 5) | 25, value >> 8, value & 0xff]);
  const out = Buffer.alloc(5);
  out[0] = (major << 5) | 26;
  out.writeUInt32BE(value, 1);
  return out;
}

export function cbor(value: Cbor): Buffer {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), Buffer.from(value)]);
  const parts: Buffer[] = [head(5, value.size)];
  for (const [key, entry] of value) parts.push(cbor(key), cbor(entry));
  return Buffer.concat(parts);
}

const sha256 = (data: Uint8Array | string): Buffer => createHash('sha256').update(data).digest();
const b64url = (data: Uint8Array | string): string => Buffer.from(data).toString('base64url');

export const FLAG_UP = 0x01;
export const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

interface SoftCredential {
  id: Buffer;
  privateKey: KeyObject;
  cosePublicKey: Buffer;
  userHandle: string;
  rpId: string;
  counter: number;
}

export interface CeremonyOverrides {
  /** The page's origin (default: the authenticator's). */
  origin?: string;
  /** The RP ID hashed into the authenticator data (default: the options' RP ID). */
  rpId?: string;
  /** The client data's type (default: webauthn.create / webauthn.get). */
  type?: string;
  /** The flags (default: UP and UV). */
  flags?: number;
  /** The challenge signed (default: the options'). */
  challenge?: string;
}

export interface AssertionOverrides extends CeremonyOverrides {
  /** The signature counter to report (default: one more than the last). */
  counter?: number;
  /** Which credential answers (default: the last one made). */
  credentialId?: string;
  /** A userHandle to report instead of the credential's. */
  userHandle?: string;
}

interface CreationOptions {
  challenge: string;
  rp: { id?: string; name: string };
  user: { id: string; name: string };
}
interface RequestOptions {
  challenge: string;
  rpId?: string;
}

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];

  constructor(
    readonly origin: string,
    private readonly defaultRpId = new URL(origin).hostname,
  ) {}

  /** navigator.credentials.create(): a new ES256 credential, answered with a "none" attestation. */
  create(options: CreationOptions, over: CeremonyOverrides = {}) {
    const rpId = over.rpId ?? options.rp.id ?? this.defaultRpId;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cosePublicKey = cbor(
      new Map<Cbor, Cbor>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    );
    const credential: SoftCredential = {
      id: randomBytes(16),
      privateKey,
      cosePublicKey,
      userHandle: options.user.id,
      rpId,
      counter: 0,
    };
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credential.id.length);
    const counter = Buffer.alloc(4);
    const authData = Buffer.concat([
      sha256(rpId),
      Buffer.from([(over.flags ?? FLAG_UP | FLAG_UV) | FLAG_AT]),
      counter,
      Buffer.alloc(16), // AAGUID: none
      idLength,
      credential.id,
      cosePublicKey,
    ]);
    const clientDataJSON = JSON.stringify({
      type: over.type ?? 'webauthn.create',
      challenge: over.challenge ?? options.challenge,
      origin: over.origin ?? this.origin,
      crossOrigin: false,
    });
    const attestationObject = cbor(
      new Map<Cbor, Cbor>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    this.credentials.push(credential);
    return {
      id: b64url(credential.id),
      rawId: b64url(credential.id),
      type: 'public-key' as const,
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(attestationObject),
        transports: ['internal'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform' as const,
    };
  }

  /** navigator.credentials.get(): an assertion signed by a stored credential, its counter moved forward. */
  get(options: RequestOptions, over: AssertionOverrides = {}) {
    const credential = over.credentialId
      ? this.credentials.find((c) => b64url(c.id) === over.credentialId)
      : this.credentials[this.credentials.length - 1];
    if (!credential) throw new Error('SoftAuthenticator: no credential');
    credential.counter = over.counter ?? credential.counter + 1;
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(credential.counter);
    const authData = Buffer.concat([
      sha256(over.rpId ?? options.rpId ?? credential.rpId),
      Buffer.from([over.flags ?? FLAG_UP | FLAG_UV]),
      counter,
    ]);
    const clientDataJSON = Buffer.from(
      JSON.stringify({
        type: over.type ?? 'webauthn.get',
        challenge: over.challenge ?? options.challenge,
        origin: over.origin ?? this.origin,
        crossOrigin: false,
      }),
    );
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), credential.privateKey);
    return {
      id: b64url(credential.id),
      rawId: b64url(credential.id),
      type: 'public-key' as const,
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        userHandle: over.userHandle ?? credential.userHandle,
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform' as const,
    };
  }
}
