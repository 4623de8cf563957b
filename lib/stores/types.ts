// The adapter contracts a host implements or picks from ours: where users live, and where short-lived state lives.

/** A second-factor method a user has turned on. */
export type SecondFactorMethod = 'EMAIL' | 'TOTP';

/** A user as the library reads it. Fields beyond `id`, `login`, `email`, `passwordHash`, `authorities` are optional. */
export interface User {
  /** Stable identifier; becomes the tokens' `sub`. */
  id: string;
  /** The login name (matched ignoring case, by `foldName()`: `toLowerCase()` equality). */
  login: string;
  /** The email address (matched ignoring case, like `login`); second-factor codes go only here. */
  email: string;
  /** A bcrypt hash (make one with `hashPassword()`). */
  passwordHash: string;
  /** Roles, such as `ROLE_ADMIN`; copied into access tokens and checked by `requireAuth({ roles })`. */
  authorities: readonly string[];
  firstName?: string | null;
  lastName?: string | null;
  imageUrl?: string | null;
  langKey?: string | null;
  /** A disabled user cannot log in and its tokens and keys stop working. */
  disabled?: boolean;
  /** The second factor this user has turned on, if any. */
  secondFactor?: SecondFactorMethod | null;
  /** The base32 TOTP secret of an enrolled authenticator app (it must be readable to verify codes). */
  totpSecret?: string | null;
  /** When the password stops being accepted (403 `password_expired` after a correct password). */
  passwordExpiresAt?: Date | null;
  /** When the user last logged in; `null` or absent means never, which makes `firstLogin` true. */
  lastLoginAt?: Date | null;
  createdAt?: Date | null;
  /** How many unused recovery codes the user has; undefined or null when the store keeps none (shown in the account). */
  recoveryCodesRemaining?: number | null;
  /**
   * False for a user who signed up (`registration`) and has not yet opened the mailed verification link: such a user
   * cannot log in (403 `email_unverified`, only after the right password). Absent or true: verified.
   */
  emailVerified?: boolean;
}

/** A user to create at sign-up: the store assigns the id (and `createdAt`). */
export type NewUser = Pick<User, 'login' | 'email' | 'passwordHash' | 'authorities'> &
  Partial<Pick<User, 'firstName' | 'lastName' | 'imageUrl' | 'langKey'>> & { emailVerified: boolean };

/** What {@link UserStore.createUser} did: created the user, or found the login or the email taken. */
export type CreateUserResult = { user: User } | { taken: 'login' | 'email' };

/** An API key as stored: never the secret, only its SHA-256. */
export interface ApiKeyRecord {
  id: string;
  ownerId: string;
  name: string;
  /** SHA-256 (hex) of the whole key text. */
  keyHash: string;
  /** The first characters of the key, shown in listings so the owner can tell keys apart. */
  prefix: string;
  /** A subset of the owner's roles this key may use; `null` means all of the owner's current roles. */
  roles: readonly string[] | null;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}

/** A passkey (WebAuthn credential) as stored: its public key only, never anything secret. */
export interface PasskeyRecord {
  /** Our id for it (in paths and lists). */
  id: string;
  userId: string;
  /** The credential id the authenticator chose (base64url); unique across users. */
  credentialId: string;
  /** The COSE public key, base64url. */
  publicKey: string;
  /** The last signature counter seen (0 for authenticators that keep none). */
  counter: number;
  /** The transports the browser reported (`internal`, `hybrid`, `usb`, ...), as hints for later ceremonies. */
  transports: readonly string[];
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

type MaybePromise<T> = T | Promise<T>;

/**
 * Where users live. Lookups ignore case on login and email by one rule, `foldName()` (`String.prototype.toLowerCase()`
 * equality, no normalisation), so that every store matches exactly the same names; a store backed by a database must
 * not rely on its collation (PostgreSQL's `lower()` folds `İ` to `i`, JavaScript to `i` + U+0307).
 * The API-key methods are needed only when the authheader router or key authentication is used.
 */
export interface UserStore {
  /**
   * The user whose login OR email folds (`foldName()`) to the same key as `loginOrEmail`; a login match wins over
   * another user's email match. Null when none, and null (not an error) for a name no store can hold, such as one
   * containing U+0000.
   */
  findByLogin(loginOrEmail: string): MaybePromise<User | null>;
  findById(id: string): MaybePromise<User | null>;
  /** Records a successful login at `at` (sets `lastLoginAt`). */
  recordLogin(id: string, at: Date): MaybePromise<void>;
  /** Replaces the password hash; `expiresAt` is the new password's expiry (null: never). */
  updatePassword(id: string, passwordHash: string, expiresAt: Date | null): MaybePromise<void>;
  /**
   * Compare-and-set of the password hash, for rehashing at login: replaces the hash with `newHash` only if the stored
   * one still equals `expectedHash`, and keeps `passwordExpiresAt` as it is (the password itself is unchanged).
   * Returns whether it replaced; false for an unknown id.
   *
   * Why not `updatePassword`: a login that read the old hash could otherwise write a rehash of the OLD password over
   * a password change that happened meanwhile, bringing the old password back. The check and the write must be one
   * atomic step (one conditional `UPDATE`, or synchronous code in memory). Optional: without it, hashes made at an
   * older bcrypt cost are simply kept.
   */
  replacePasswordHash?(id: string, expectedHash: string, newHash: string): MaybePromise<boolean>;
  /** Turns a second factor on or off (TOTP enrolment). Optional: without it, TOTP enrolment is unavailable. */
  updateSecondFactor?(id: string, method: SecondFactorMethod | null, totpSecret: string | null): MaybePromise<void>;

  /**
   * Replaces the user's recovery codes with `codeHashes` (SHA-256 hex of each code, salted by the library) in one
   * atomic write: the old set stops working. Optional, with {@link UserStore.consumeRecoveryCode}: without both,
   * recovery codes are unavailable (their route is not mounted and `recoveryCode` is refused).
   */
  replaceRecoveryCodes?(id: string, codeHashes: readonly string[]): MaybePromise<void>;
  /**
   * Removes `codeHash` from the user's recovery codes, atomically: of concurrent calls with one hash, exactly one
   * succeeds. Returns how many codes are left after removing it, or null when the user has no such code.
   */
  consumeRecoveryCode?(id: string, codeHash: string): MaybePromise<number | null>;

  /**
   * Creates a user, atomically refusing a login or email that folds (`foldName()`) to any stored login or email:
   * `{ taken: 'login' }` wins over `{ taken: 'email' }` when both are. Optional, with
   * {@link UserStore.markEmailVerified}: without both, the `registration` option is refused at start-up.
   */
  createUser?(user: NewUser): MaybePromise<CreateUserResult>;
  /** Sets `emailVerified` to true; false for an unknown id. */
  markEmailVerified?(id: string): MaybePromise<boolean>;

  createApiKey?(record: ApiKeyRecord): MaybePromise<void>;
  listApiKeys?(ownerId: string): MaybePromise<ApiKeyRecord[]>;
  findApiKeyByHash?(keyHash: string): MaybePromise<ApiKeyRecord | null>;
  /** Deletes the owner's key; false when the owner has no such key (someone else's key counts as none). */
  deleteApiKey?(ownerId: string, id: string): MaybePromise<boolean>;
  /**
   * Deletes every key of `ownerId` in one step and returns the records deleted (a password reset and "log out
   * everywhere" revoke them). Optional: without it the library lists the keys and deletes them one by one, which a key
   * created meanwhile can outlive.
   */
  deleteApiKeysOfOwner?(ownerId: string): MaybePromise<ApiKeyRecord[]>;
  touchApiKey?(id: string, at: Date): MaybePromise<void>;

  /**
   * Passkeys (all six methods, or none: without them the `passkeys` option is refused at start-up). Stores public
   * keys only. `createPasskey` throws when `credentialId` is already stored (for any user).
   */
  createPasskey?(record: PasskeyRecord): MaybePromise<void>;
  /** The user's passkeys, oldest first. */
  listPasskeys?(userId: string): MaybePromise<PasskeyRecord[]>;
  findPasskeyByCredentialId?(credentialId: string): MaybePromise<PasskeyRecord | null>;
  /**
   * After a sign-in: sets the counter and `lastUsedAt`, only if the stored counter is still `expectedCounter` (one
   * atomic compare-and-set). Returns whether it wrote.
   */
  updatePasskeyUse?(id: string, expectedCounter: number, counter: number, at: Date): MaybePromise<boolean>;
  /** Renames the user's passkey; false when the user has no such passkey (someone else's counts as none). */
  renamePasskey?(userId: string, id: string, name: string): MaybePromise<boolean>;
  /** Deletes the user's passkey; false when the user has no such passkey (someone else's counts as none). */
  deletePasskey?(userId: string, id: string): MaybePromise<boolean>;

  init?(): MaybePromise<void>;
  shutdown?(): MaybePromise<void>;
}

/** The result of an atomic increment. */
export interface Counter {
  value: number;
  /** Milliseconds until the counter expires. */
  ttlMs: number;
}

/**
 * Short-lived shared state: failure counters, lockouts, challenges, refresh-token families, revocations.
 * Every key has a TTL (milliseconds, > 0). Values are strings; the library serialises what it stores.
 */
export interface StateStore {
  get(key: string): Promise<string | null>;
  /** Sets the value and its TTL, replacing any previous value and TTL. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Atomically adds 1 and returns the new value. A key that did not exist starts at 1 with `ttlMs`;
   * an existing key keeps its TTL (a fixed window).
   */
  increment(key: string, ttlMs: number): Promise<Counter>;
  /** Atomically reads and deletes: of concurrent takes of one key, exactly one sees the value. */
  take(key: string): Promise<string | null>;
  /**
   * Optional: atomically replaces the value of `key` with `value` and its TTL with `ttlMs` (or deletes the key when
   * `value` is null), only if its current value is `expected` (null: the key does not exist or has expired). Returns
   * whether it did; of concurrent calls expecting one value, at most one succeeds. One Lua script, or synchronous code.
   *
   * The library keeps a few lists per user in one key each (the open sessions, the open second-factor challenges)
   * and updates them with this. Without it they are read and written in two steps: racing logins of one user can
   * then drop an entry, so that user may hold more than `sessions.maxPerUser` sessions (or challenges past the bound)
   * until they expire. A login also creates its session's record with it (expecting no value), so that the record can
   * be sent beside its list entry; without it, the record is written first and the list after, one round trip more.
   * Our memory and Redis stores have it.
   */
  compareAndSet?(key: string, expected: string | null, value: string | null, ttlMs: number): Promise<boolean>;
  /**
   * Optional: a store for express-rate-limit sharing this store's backend (one per limiter, with its own prefix).
   * Without it, rate limits are counted in process memory.
   */
  createRateLimitStore?(prefix: string): import('express-rate-limit').Store;
  init?(): Promise<void>;
  shutdown?(): Promise<void>;
}
