// The refresh keyspace: a session's family record, its one live refresh token, the user's list of open families, and
// the rotation grace window's spent tokens and sealed successors. With refresh-family-records.ts (the keys and the
// records' shapes), the only module that knows them. Every time here is in milliseconds since the epoch.
import type { StateStore } from '../stores/types';
import {
  familyKey,
  liveTokenKey,
  userFamiliesKey,
  spentKey,
  successorKey,
  familyRecord,
  familyList,
  sealedSuccessor,
  ENDED,
  decodeFamily,
  type FamilyEntry,
  type FamilyRecord,
  type SealedSuccessor,
} from './refresh-family-records';
import { updateState } from './state-update';

export type { FamilyEntry, FamilyRecord, SealedSuccessor };

/** A family record as read, with its stored text: an update of it expects that text (compare-and-set). */
export interface FamilyRead {
  record: FamilyRecord;
  stored: string;
}

/** The user's list as read at some point: a compare-and-set that expects it saves reading it again. */
export interface FamilyListRead {
  value: string | null;
}

/** The open family `family`, or undefined once it has ended. */
export async function readFamily(state: StateStore, family: string): Promise<FamilyRead | undefined> {
  const stored = await state.get(familyKey(family));
  const record = decodeFamily(stored);
  return record === undefined || stored === null ? undefined : { record, stored };
}

/** Whether `family` is open, without reading its record (the guard asks). */
export async function familyIsOpen(state: StateStore, family: string): Promise<boolean> {
  const stored = await state.get(familyKey(family));
  return stored !== null && stored !== ENDED;
}

/** The list of `userId`'s families, read for a login that will add one (its compare-and-set then needs no read). */
export async function readFamilyList(state: StateStore, userId: string): Promise<FamilyListRead> {
  return { value: await state.get(userFamiliesKey(userId)) };
}

/** The open families of `userId`, oldest first. */
export async function listFamilies(state: StateStore, userId: string): Promise<FamilyEntry[]> {
  return familyList.decode(await state.get(userFamiliesKey(userId))) ?? [];
}

export interface NewFamilyOptions {
  now: number;
  /** The most families a user keeps: past it, the oldest are ended. */
  maxPerUser: number;
  /** The user's list as read earlier, saving a read. */
  listRead?: FamilyListRead | undefined;
}

/**
 * Stores a new family record and lists it among its user's. Past `maxPerUser` the oldest families are ended (their
 * records and tokens removed) and returned. One atomic update of the list (compare-and-set), so racing logins
 * neither drop each other's entries nor exceed the cap together.
 */
export async function createFamily(
  state: StateStore,
  family: string,
  record: FamilyRecord,
  options: NewFamilyOptions,
): Promise<FamilyEntry[]> {
  const ttlMs = Math.max(1, record.endsAt - options.now);
  const entry: FamilyEntry = { family, endsAt: record.endsAt };
  const stored = familyRecord.encode(record);
  if (state.compareAndSet) {
    // The record and the list entry in one round trip. Sent together, they may land in either order on a Redis Cluster
    // (two nodes, two connections), and a racing login that finds the entry first ends the family before its record
    // exists: the record is therefore created only where no value is, and that login leaves the ENDED mark.
    const [, ended] = await Promise.all([
      state.compareAndSet(familyKey(family), null, stored, ttlMs),
      addToList(state, record.userId, entry, options),
    ]);
    return ended;
  }
  // Without compare-and-set, the record first, then the list, each written before the next is sent: a login racing
  // this one that finds the entry and ends it deletes a record that exists (integration/session-index-race.test.ts).
  await state.set(familyKey(family), stored, ttlMs);
  return addToList(state, record.userId, entry, options);
}

async function addToList(
  state: StateStore,
  userId: string,
  entry: FamilyEntry,
  options: NewFamilyOptions,
): Promise<FamilyEntry[]> {
  const ended = await updateState(
    state,
    userFamiliesKey(userId),
    (stored) => {
      const open = (familyList.decode(stored) ?? []).filter((known) => known.endsAt > options.now);
      open.push(entry);
      const result = open.splice(0, Math.max(0, open.length - options.maxPerUser));
      return { result, write: listWrite(open, options.now) };
    },
    options.listRead !== undefined && state.compareAndSet ? options.listRead : undefined,
  );
  await Promise.all(ended.map((old) => deleteFamily(state, old.family, endedMarkMs(old, options.now))));
  return ended;
}

/** The list as stored: kept until its last family ends; an empty list is deleted. */
function listWrite(entries: FamilyEntry[], now: number): { value: string | null; ttlMs: number } {
  if (entries.length === 0) return { value: null, ttlMs: 1 };
  const lastEnd = Math.max(...entries.map((entry) => entry.endsAt));
  return { value: familyList.encode(entries), ttlMs: Math.max(1, lastEnd - now) };
}

function endedMarkMs(entry: FamilyEntry, now: number): number {
  return Math.max(1, entry.endsAt - now);
}

/**
 * Notes a refresh in the family's record: its last use, and the token it spent (removed with the family). An update
 * of the record as read, so a family ended meanwhile is not brought back.
 */
export async function touchFamily(
  state: StateStore,
  family: string,
  read: FamilyRead,
  now: number,
  spent?: { jti: string; until: number },
): Promise<void> {
  await updateState(
    state,
    familyKey(family),
    (stored) => {
      const record = decodeFamily(stored);
      if (record === undefined || record.endsAt <= now) return { result: undefined };
      const recentlySpent = record.recentlySpent.filter((known) => known.until > now);
      if (spent !== undefined) recentlySpent.push(spent);
      return {
        result: undefined,
        write: {
          value: familyRecord.encode({ ...record, lastUsedAt: now, recentlySpent }),
          ttlMs: record.endsAt - now,
        },
      };
    },
    { value: read.stored },
  );
}

/**
 * Moves a family's end out to `endsAt` (never in), in its record and its user's list. `ended` when the family has
 * ended, `foreign` when it is not `userId`'s.
 */
export async function extendFamily(
  state: StateStore,
  userId: string,
  family: string,
  endsAt: number,
  now: number,
): Promise<'extended' | 'ended' | 'foreign'> {
  const outcome = await updateState(state, familyKey(family), (stored) => {
    const record = decodeFamily(stored);
    if (record === undefined) return { result: 'ended' as const };
    if (record.userId !== userId) return { result: 'foreign' as const };
    if (record.endsAt >= endsAt) return { result: 'unchanged' as const };
    return {
      result: 'extended' as const,
      write: { value: familyRecord.encode({ ...record, endsAt, lastUsedAt: now }), ttlMs: endsAt - now },
    };
  });
  if (outcome === 'unchanged') return 'extended';
  if (outcome !== 'extended') return outcome;
  await updateState(state, userFamiliesKey(userId), (stored) => ({
    result: undefined,
    write: listWrite(
      (familyList.decode(stored) ?? []).map((entry) =>
        entry.family === family ? { ...entry, endsAt: Math.max(entry.endsAt, endsAt) } : entry,
      ),
      now,
    ),
  }));
  return outcome;
}

/** Ends `family` of `userId`: its record and tokens removed, and its entry in the user's list. */
export async function removeFamily(state: StateStore, userId: string, family: string, now: number): Promise<void> {
  await deleteFamily(state, family);
  await updateState(state, userFamiliesKey(userId), (stored) => {
    const families = familyList.decode(stored) ?? [];
    const remaining = families.filter((entry) => entry.family !== family);
    return { result: undefined, ...(remaining.length !== families.length ? { write: listWrite(remaining, now) } : {}) };
  });
}

/**
 * Ends every family of `userId` and returns them. The list is taken, not read then deleted: a login racing this keeps
 * its entry or has its family ended, never neither.
 */
export async function removeAllFamilies(state: StateStore, userId: string, now: number): Promise<FamilyEntry[]> {
  const families = familyList.decode(await state.take(userFamiliesKey(userId))) ?? [];
  await Promise.all(families.map((entry) => deleteFamily(state, entry.family, endedMarkMs(entry, now))));
  return families;
}

/**
 * Removes a family's record, its live token and its grace-window keys. With `endedMarkMs` (the family was found in
 * its user's list), a record not there yet is kept out by the ENDED mark for that long.
 */
async function deleteFamily(state: StateStore, family: string, endedMarkMs?: number): Promise<void> {
  const stored = await state.get(familyKey(family));
  let spent: FamilyRecord['recentlySpent'] = [];
  try {
    spent = decodeFamily(stored)?.recentlySpent ?? [];
  } catch {
    // A malformed record is removed all the same; its grace-window keys expire on their own within the window.
  }
  let removeRecord: Promise<void> | undefined;
  if (stored === null)
    removeRecord = endedMarkMs === undefined ? undefined : state.set(familyKey(family), ENDED, endedMarkMs);
  else if (stored !== ENDED) removeRecord = state.delete(familyKey(family));
  await Promise.all([
    removeRecord,
    state.delete(liveTokenKey(family)),
    ...spent.flatMap(({ jti }) => [state.delete(spentKey(jti)), state.delete(successorKey(jti))]),
  ]);
}

// ---- the live refresh token ----

/** Makes `jti` the family's live refresh token, until the family ends (its tokens never outlive it). */
export async function setLiveToken(
  state: StateStore,
  family: string,
  jti: string,
  at: { endsAt: number; now: number },
): Promise<void> {
  await state.set(liveTokenKey(family), jti, Math.max(1, at.endsAt - at.now));
}

/** The family's live token's jti; `take` removes it atomically (rotation: of racing refreshes, one gets it). */
export async function liveToken(state: StateStore, family: string, options: { take: boolean }): Promise<string | null> {
  return options.take ? state.take(liveTokenKey(family)) : state.get(liveTokenKey(family));
}

// ---- the rotation grace window ----

/** Counts a use of the refresh token `jti` within the grace window: 1 for its first. Atomic across instances. */
export async function countSpending(state: StateStore, jti: string, graceMs: number): Promise<number> {
  return (await state.increment(spentKey(jti), graceMs)).value;
}

export async function storeSuccessor(
  state: StateStore,
  jti: string,
  successor: SealedSuccessor,
  graceMs: number,
): Promise<void> {
  await state.set(successorKey(jti), sealedSuccessor.encode(successor), graceMs);
}

export async function readSuccessor(state: StateStore, jti: string): Promise<SealedSuccessor | undefined> {
  return sealedSuccessor.decode(await state.get(successorKey(jti)));
}
