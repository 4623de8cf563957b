// Trusted devices ("remember this browser"): after a completed second factor, an opaque random cookie, recorded
// server-side under its user, lets a later login with the right password skip the second factor until it expires or
// is ended (password change, reset, "log out everywhere", or the user's own request).
import { Type, type Static } from '@sinclair/typebox';
import { constantTimeEqual, newId, newSecret, sha256Hex } from '../primitives/random';
import { storedRecord } from '../stores/stored-record';
import type { User } from '../stores/types';
import type { AuthContext } from './context';
import { currentRequest } from './request-scope';
import type { TrustedDeviceInfo } from './results';

/** What the state store keeps per trusted device: never the cookie's secret, only its salted SHA-256. */
const TrustedDeviceSchema = Type.Object({
  id: Type.String(),
  hash: Type.String(),
  /** The user's session version when the device was trusted: "log out everywhere" (a new version) ends the trust. */
  sv: Type.String(),
  /** ms since the epoch. */
  createdAt: Type.Number(),
  lastUsedAt: Type.Number(),
  expiresAt: Type.Number(),
  /** The request's ClientSummary (request-scope.ts). */
  client: Type.Object({
    userAgent: Type.Union([Type.String(), Type.Null()]),
    network: Type.Union([Type.String(), Type.Null()]),
  }),
});
type TrustedDeviceRecord = Static<typeof TrustedDeviceSchema>;
const trustedDeviceRecord = storedRecord('trusted device', TrustedDeviceSchema);

/** The cookie's value and lifetime, for the edge to set (never in a body). */
export interface TrustedDeviceCookie {
  token: string;
  /** Seconds. */
  lifetime: number;
}

// A user's trusted devices live in a fixed ring of `maxPerUser` slots: the cookie names its slot, a new device takes
// the next slot (an atomic counter, so racing logins never share one) and ends whatever held it. Ending every device
// deletes the slots, so no per-user list can lose an entry to a race and no device outlives its user's revocation.
const slotKey = (userId: string, slot: number): string => `td:${userId}:${slot}`;
const nextSlotKey = (userId: string): string => `td:next:${userId}`;
const SECRET_BYTES = 32;
const COOKIE_VALUE = /^(\d{1,4})\.([A-Za-z0-9_-]{43})$/;

function hashSecret(userId: string, secret: string): string {
  return sha256Hex(`trusted-device:${userId}:${secret}`);
}

function slotsOf(context: AuthContext): number[] {
  const settings = context.config.trustedDevices;
  return settings === false ? [] : Array.from({ length: settings.maxPerUser }, (_, slot) => slot);
}

async function readSlot(context: AuthContext, userId: string, slot: number): Promise<TrustedDeviceRecord | null> {
  const record = trustedDeviceRecord.decode(await context.state.get(slotKey(userId, slot)));
  return record !== undefined && record.expiresAt > context.config.clock() ? record : null;
}

/**
 * Trusts the client that just completed `user`'s second factor: records it and returns the cookie to set. `sessionVersion`
 * is the one the completed login carries; a later change of it (log out everywhere, password change, reset) ends the trust.
 */
export async function trustDevice(
  context: AuthContext,
  user: User,
  sessionVersion: string,
): Promise<TrustedDeviceCookie | undefined> {
  const settings = context.config.trustedDevices;
  if (settings === false) return undefined;
  const lifetimeMs = settings.lifetimeSeconds * 1000;
  const counter = await context.state.increment(nextSlotKey(user.id), lifetimeMs);
  const slot = (counter.value - 1) % settings.maxPerUser;
  const secret = newSecret(SECRET_BYTES);
  const now = context.config.clock();
  const record: TrustedDeviceRecord = {
    id: newId(),
    hash: hashSecret(user.id, secret),
    sv: sessionVersion,
    createdAt: now,
    lastUsedAt: now,
    expiresAt: now + lifetimeMs,
    client: currentRequest()?.client ?? { userAgent: null, network: null },
  };
  await context.state.set(slotKey(user.id, slot), trustedDeviceRecord.encode(record), lifetimeMs);
  context.events.emit('device.trusted', { userId: user.id, trustedDeviceId: record.id });
  return { token: `${slot}.${secret}`, lifetime: settings.lifetimeSeconds };
}

/**
 * The id of the trusted device the client's cookie proves for `user`, or undefined (no cookie, a forged or another user's
 * one, expired, ended, or trusted before the user's sessions were last ended). Called only after the right password, so
 * nothing about a trust is ever learned without it. A use is noted for the list.
 */
export async function trustedDeviceOf(
  context: AuthContext,
  user: User,
  token: string | undefined,
  sessionVersion: string | undefined,
): Promise<string | undefined> {
  const settings = context.config.trustedDevices;
  if (settings === false || token === undefined) return undefined;
  const match = COOKIE_VALUE.exec(token);
  if (match === null) return undefined;
  const slot = Number(match[1]);
  if (slot >= settings.maxPerUser) return undefined;
  const record = await readSlot(context, user.id, slot);
  if (record === null || !constantTimeEqual(hashSecret(user.id, match[2]!), record.hash)) return undefined;
  const currentVersion = sessionVersion ?? (await context.sessions.current(user.id));
  if (record.sv !== currentVersion) {
    // Sessions were ended since: this trust went with them (a record a racing revocation missed).
    await context.state.delete(slotKey(user.id, slot));
    return undefined;
  }
  const now = context.config.clock();
  await context.state.set(
    slotKey(user.id, slot),
    trustedDeviceRecord.encode({ ...record, lastUsedAt: now }),
    Math.max(1, record.expiresAt - now),
  );
  return record.id;
}

/** The user's trusted devices, newest first; `currentToken` (the caller's cookie) marks its own. */
export async function listTrustedDevices(
  context: AuthContext,
  userId: string,
  currentToken: string | undefined,
): Promise<TrustedDeviceInfo[]> {
  const match = currentToken === undefined ? null : COOKIE_VALUE.exec(currentToken);
  const currentHash = match === null ? undefined : hashSecret(userId, match[2]!);
  const records = await Promise.all(slotsOf(context).map((slot) => readSlot(context, userId, slot)));
  return records
    .filter((record): record is TrustedDeviceRecord => record !== null)
    .map((record) => ({
      id: record.id,
      createdAt: new Date(record.createdAt),
      lastUsedAt: new Date(record.lastUsedAt),
      expiresAt: new Date(record.expiresAt),
      client: record.client,
      current: currentHash !== undefined && constantTimeEqual(currentHash, record.hash),
    }))
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}

/**
 * Ends every trusted device of `userId`: the next login from any of them asks for the second factor again. Emits
 * `devices.untrusted` when there was one (`always`: even when none, for the user's own request). Returns how many.
 */
export async function untrustAllDevices(
  context: AuthContext,
  userId: string,
  options: { always?: boolean } = {},
): Promise<number> {
  if (context.config.trustedDevices === false) return 0;
  const slots = slotsOf(context);
  const records = await Promise.all(slots.map((slot) => readSlot(context, userId, slot)));
  await Promise.all(slots.map((slot) => context.state.delete(slotKey(userId, slot))));
  const ended = records.filter((record) => record !== null).length;
  if (ended > 0 || options.always === true)
    context.events.emit('devices.untrusted', { userId, untrustedDevices: ended });
  return ended;
}
