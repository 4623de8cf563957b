// The refresh keyspace's keys and record shapes (refresh-families.ts reads and writes them): a session's family record,
// its one live refresh token, the user's list of open families, and the rotation grace window's spent tokens and
// sealed successors. Every record is checked when read back.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { storedRecord, type StoredRecord } from '../stores/stored-record';

// The session (family) record: open while it exists.
export const familyKey = (family: string): string => `rt:family:${family}`;
// The family's one live refresh token: its jti. Rotation takes it atomically and writes the successor's; revocation
// deletes it with the family, so nothing a session held outlives its end.
export const liveTokenKey = (family: string): string => `rt:live:${family}`;
// The open families of a user, oldest first: bounds one user's share of the store, and lets "log out everywhere"
// remove what it ends.
export const userFamiliesKey = (userId: string): string => `rt:families:${userId}`;
// A refresh token's jti is "spent" from its first use for the grace window; its successor is kept that long, sealed.
export const spentKey = (jti: string): string => `rt:spent:${jti}`;
export const successorKey = (jti: string): string => `rt:successor:${jti}`;

const ClientSchema = Type.Object({
  userAgent: Type.Union([Type.String(), Type.Null()]),
  network: Type.Union([Type.String(), Type.Null()]),
});

const FamilySchema = Type.Object({
  userId: Type.String(),
  /** The family's absolute end: rotation never moves it (a renewal of bfore.ai's may move it out). */
  endsAt: Type.Number(),
  /** The identity provider's issuer, for a session opened with its token. */
  idp: Type.Optional(Type.String()),
  /**
   * The authorities of an identity with no local user record (an identity provider's subject), kept here because
   * refresh has nowhere else to read them: such a session is never looked up in the UserStore, where "not found"
   * would mean "deleted", and where an id equal to the subject would be someone else's.
   */
  authorities: Type.Optional(Type.Array(Type.String())),
  /** When the session was opened and last refreshed, and who opened it: shown in the sessions list. */
  createdAt: Type.Number(),
  lastUsedAt: Type.Number(),
  client: ClientSchema,
  /** Tokens spent within the grace window (jti, and until when): their records go when the family does. */
  recentlySpent: Type.Array(Type.Object({ jti: Type.String(), until: Type.Number() })),
});
export type FamilyRecord = Static<typeof FamilySchema>;

// The shapes the releases before this record format wrote (the end as `expiresAt`, in seconds; the rest optional).
// Sessions opened before an upgrade are read in them until they end, instead of answering 503 to their users.
const LegacyFamilySchema = Type.Object({
  userId: Type.String(),
  expiresAt: Type.Number(),
  idp: Type.Optional(Type.String()),
  authorities: Type.Optional(Type.Array(Type.String())),
  createdAt: Type.Optional(Type.Number()),
  lastUsedAt: Type.Optional(Type.Number()),
  client: Type.Optional(ClientSchema),
  recentlySpent: Type.Optional(Type.Array(Type.Object({ jti: Type.String(), until: Type.Number() }))),
});
type LegacyFamilyRecord = Static<typeof LegacyFamilySchema>;

function upgradeFamily(legacy: LegacyFamilyRecord): FamilyRecord {
  const { expiresAt, createdAt, lastUsedAt, client, recentlySpent, ...kept } = legacy;
  // No opening time recorded: 0 reads as "long ago", so a recent-login check refuses rather than admits.
  const opened = createdAt ?? 0;
  return {
    ...kept,
    endsAt: expiresAt * 1000,
    createdAt: opened,
    lastUsedAt: lastUsedAt ?? opened,
    client: client ?? { userAgent: null, network: null },
    recentlySpent: recentlySpent ?? [],
  };
}

/** A record of `name` stored in `schema`'s shape or, by an earlier release, in `legacy`'s, read as the current one. */
function withLegacy<S extends TSchema, L extends TSchema>(
  name: string,
  schema: S,
  legacy: L,
  upgrade: (old: Static<L>) => Static<S>,
  isCurrent: (value: Static<S> | Static<L>) => value is Static<S>,
): StoredRecord<Static<S>> {
  const either = storedRecord(name, Type.Union([schema, legacy]));
  return {
    encode: (record) => JSON.stringify(record),
    decode(text) {
      const value = either.decode(text);
      return value === undefined || isCurrent(value) ? value : upgrade(value);
    },
  };
}

export const familyRecord = withLegacy(
  'refresh family',
  FamilySchema,
  LegacyFamilySchema,
  upgradeFamily,
  (value): value is FamilyRecord => 'endsAt' in value,
);

const FamilyEntrySchema = Type.Object({ family: Type.String(), endsAt: Type.Number() });
const LegacyFamilyEntrySchema = Type.Object({ family: Type.String(), expiresAt: Type.Number() });
/** A user's open family as listed: its id and its end. */
export type FamilyEntry = Static<typeof FamilyEntrySchema>;
type ListedEntry = FamilyEntry | Static<typeof LegacyFamilyEntrySchema>;
export const familyList = withLegacy(
  'session list',
  Type.Array(FamilyEntrySchema),
  Type.Array(Type.Union([FamilyEntrySchema, LegacyFamilyEntrySchema])),
  (entries: ListedEntry[]) =>
    entries.map((entry) => ('endsAt' in entry ? entry : { family: entry.family, endsAt: entry.expiresAt * 1000 })),
  (value): value is FamilyEntry[] => value.every((entry: ListedEntry) => 'endsAt' in entry),
);

const SealedSuccessorSchema = Type.Object({
  /** The client that rotated: only the same client summary gets the successor. */
  client: Type.Union([ClientSchema, Type.Null()]),
  /** The successor pair, sealed under a key the store never sees (see refresh.ts). */
  sealed: Type.String(),
});
export type SealedSuccessor = Static<typeof SealedSuccessorSchema>;
export const sealedSuccessor = storedRecord('sealed successor', SealedSuccessorSchema);

/**
 * What the record key of a family ended through its user's list (an eviction past `sessions.maxPerUser`, "log out
 * everywhere") holds when the record was not there to delete: a login writes its record and its list entry together,
 * so on a Redis Cluster the record may land after a racing login ended the family through the list. A record is only
 * ever created where no value is, so this mark keeps such a late record out (and a record landing between the read
 * that found nothing and the mark is overwritten by it: ended all the same). It lasts as long as the family would
 * have; it is written only in that race (an ended family's record is otherwise there, and simply deleted), so ending
 * sessions does not fill the store.
 */
export const ENDED = '{"ended":true}';

/** The family record in `stored`; undefined for none and for the ENDED mark. */
export function decodeFamily(stored: string | null): FamilyRecord | undefined {
  return stored === ENDED ? undefined : familyRecord.decode(stored);
}
