// The keys of a set with their schedule: when each signs from, retires and may be dropped. Plain data and functions
// over it; the KeySet owns the list and decides when to replace it.
import type { SigningAlgorithm } from './jws';
import { generateKeySpec } from './key-generation';
import { checkKid, prepareKey, quote } from './key-material';
import type { KeyState, KeyStatus } from './key-set-options';
import type { KeySpec, PreparedKey, PublicJwk } from './key-spec';

/** One key of a set with its schedule. */
export interface KeyEntry {
  readonly key: PreparedKey;
  /** When it signs from (ms); -Infinity for the key that signed before the set knew; undefined: it only verifies. */
  activation: number | undefined;
  /** When it stops signing: its retireAt or its successor's activation, whichever is first. */
  retiredAt: number | undefined;
  /** retiredAt + retainFor; Infinity while unknown. */
  dropBase: number;
  /** The latest exp (ms) of a token this process signed with it: the set never drops a key before that. */
  lastExpiryMs: number;
}

/** An entry for `key`, signing from `activation`, its retirement unknown until scheduleRetirements() runs. */
function newEntry(key: PreparedKey, activation: number | undefined, lastExpiryMs: number): KeyEntry {
  return { key, activation, retiredAt: undefined, dropBase: Number.POSITIVE_INFINITY, lastExpiryMs };
}

/** A fresh key for an in-process rotation, published now and signing from `activation`. */
export function generatedEntry(algorithm: SigningAlgorithm, activation: number): KeyEntry {
  return newEntry(prepareKey(generateKeySpec(algorithm, activation), 'rotation', { mustSign: true }), activation, 0);
}

/** A rotation never drops a key to make room: each may still be verifying tokens. */
export function checkRoomForAnotherKey(count: number, maxKeys: number): void {
  if (count >= maxKeys) {
    throw new Error(
      `The key set already holds ${count} keys ("maxKeys"), each still verifying tokens; rotate again once retired keys are dropped.`,
    );
  }
}

/** The entries of `specs` (validated as at start-up) by position and by kid; rejects duplicate kids and too many keys. */
export function prepareEntries(
  specs: readonly KeySpec[],
  signingKid: string | undefined,
  setPath: string,
  maxKeys: number,
  previous: ReadonlyMap<string, KeyEntry>,
): { entries: KeyEntry[]; byKid: Map<string, KeyEntry> } {
  const path = `${setPath}.keys`;
  const prepared = specs.map((spec, index) => prepareKey(spec, `${path}[${index}]`, { mustSign: false }));
  prepared.forEach((key, index) => {
    const duplicate = prepared.findIndex((other) => other.kid === key.kid);
    if (duplicate !== index)
      throw new TypeError(
        `${quote(`${path}[${index}].kid`)} duplicates ${quote(`${path}[${duplicate}].kid`)} ("${key.kid}"): every key needs its own kid.`,
      );
  });
  if (prepared.length > maxKeys) {
    throw new TypeError(
      `${quote(path)} lists ${prepared.length} keys; ${quote(`${setPath}.rotation.maxKeys`)} allows ${maxKeys}.`,
    );
  }
  const initialIndex = initialSignerIndex(prepared, signingKid, setPath);
  const byKid = new Map<string, KeyEntry>();
  const entries = prepared.map((key, index): KeyEntry => {
    const inChain = key.notBefore !== undefined || index === initialIndex;
    if (inChain && key.signingKey === undefined) {
      throw new TypeError(
        `${quote(`${path}[${index}].privateKey`)} is missing: this key ${key.notBefore === undefined ? 'signs now' : 'signs from its notBefore'}, and signing needs the private key.`,
      );
    }
    const activation = !inChain
      ? undefined
      : (key.notBefore ?? (index === initialIndex ? Number.NEGATIVE_INFINITY : undefined));
    const entry = newEntry(key, activation, previous.get(key.kid)?.lastExpiryMs ?? 0);
    byKid.set(key.kid, entry);
    return entry;
  });
  // Tokens signed before kids were shortened name their key by its old kid: it finds the same key, unless a key of
  // the set has that kid as its own.
  for (const entry of entries)
    for (const legacy of entry.key.legacyKids) if (!byKid.has(legacy)) byKid.set(legacy, entry);
  return { entries, byKid };
}

/** The index of the key that signs now: `signingKid`'s, else the first key without a notBefore (-1: none). */
function initialSignerIndex(prepared: readonly PreparedKey[], signingKid: string | undefined, setPath: string): number {
  if (signingKid === undefined) return prepared.findIndex((key) => key.notBefore === undefined);
  checkKid(signingKid, `${setPath}.signingKid`);
  const index = prepared.findIndex((key) => key.kid === signingKid);
  if (index < 0)
    throw new TypeError(
      `${quote(`${setPath}.signingKid`)} names no key of ${quote(`${setPath}.keys`)}: "${signingKid}".`,
    );
  return index;
}

/** Refuses keys of which none signs at `now`, or of which another than `signingKid` does (a notBefore has passed). */
export function checkSignerNow(
  entries: readonly KeyEntry[],
  signingKid: string | undefined,
  setPath: string,
  now: number,
): void {
  const signer = findSigner(entries, now);
  if (signer === undefined || (signingKid !== undefined && signer.key.kid !== signingKid)) {
    throw new TypeError(
      signer === undefined
        ? `${quote(`${setPath}.keys`)} has no key that can sign now: every notBefore is in the future, or every key is retired.`
        : `${quote(`${setPath}.signingKid`)} is "${signingKid}", but "${signer.key.kid}" has a notBefore that has passed and signs instead.`,
    );
  }
}

/** Recomputes each key's retirement from the order keys start signing in. */
export function scheduleRetirements(entries: readonly KeyEntry[], retainForMs: number): void {
  const chain = entries
    .filter((entry) => entry.activation !== undefined)
    .sort((a, b) => (a.activation as number) - (b.activation as number));
  for (const entry of entries) {
    const successor = chain[chain.indexOf(entry) + 1];
    const retiredAt = Math.min(
      entry.key.retireAt ?? Number.POSITIVE_INFINITY,
      entry.activation === undefined ? Number.POSITIVE_INFINITY : (successor?.activation ?? Number.POSITIVE_INFINITY),
    );
    entry.retiredAt = Number.isFinite(retiredAt) ? retiredAt : undefined;
    entry.dropBase = entry.retiredAt === undefined ? Number.POSITIVE_INFINITY : entry.retiredAt + retainForMs;
  }
}

/** The key signing at `now`: the latest activated one not yet retired. */
export function findSigner(entries: readonly KeyEntry[], now: number): KeyEntry | undefined {
  let signer: KeyEntry | undefined;
  for (const entry of entries) {
    if (entry.activation === undefined || entry.activation > now) continue;
    if (entry.retiredAt !== undefined && entry.retiredAt <= now) continue;
    if (signer === undefined || entry.activation > (signer.activation as number)) signer = entry;
  }
  return signer;
}

/** One key as listKeys() reports it: a signing start of -Infinity (signing before the set knew it) and infinite drop times read as unknown. */
export function keyStatusOf(entry: KeyEntry, state: KeyState, dropAt: number): KeyStatus {
  const signsFrom =
    entry.activation === undefined || entry.activation === Number.NEGATIVE_INFINITY ? undefined : entry.activation;
  return {
    kid: entry.key.kid,
    algorithm: entry.key.algorithm,
    state,
    signsFrom,
    retiredAt: entry.retiredAt,
    dropAt: Number.isFinite(dropAt) ? dropAt : undefined,
  };
}

/** Copies of the public JWKs (HMAC keys have none), signing key first, then the next key, then retired ones. */
export function newestPublicJwksFirst(
  entries: readonly KeyEntry[],
  stateOf: (entry: KeyEntry) => KeyState,
): PublicJwk[] {
  const order: Record<KeyState, number> = { signing: 0, next: 1, retired: 2 };
  return entries
    .filter((entry) => entry.key.publicJwk !== undefined)
    .sort((a, b) => order[stateOf(a)] - order[stateOf(b)])
    .map((entry) => ({ ...(entry.key.publicJwk as PublicJwk) }));
}
