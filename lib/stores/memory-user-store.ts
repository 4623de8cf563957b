// The default UserStore: users and API keys in process memory, seeded from an array.
import { randomUUID } from 'node:crypto';
import { foldName, isStorableName } from './fold-name';
import type {
  ApiKeyRecord,
  CreateUserResult,
  NewUser,
  PasskeyRecord,
  SecondFactorMethod,
  User,
  UserStore,
} from './types';

/** A user to seed a {@link MemoryUserStore} with; `id` defaults to a random UUID, as a database would assign. */
export type UserSeed = Omit<User, 'id'> & { id?: string };

/**
 * In-memory {@link UserStore}: for demos, tests and small deployments with a fixed user list.
 *
 * @example
 * const users = new MemoryUserStore([
 *   { login: 'admin', email: 'admin@example.com', passwordHash: await hashPassword('s3cret-pass'), authorities: ['ROLE_ADMIN'] },
 * ]);
 */
export class MemoryUserStore implements UserStore {
  private readonly usersById = new Map<string, User>();
  private readonly idsByName = new Map<string, string>();
  private readonly apiKeysById = new Map<string, ApiKeyRecord>();
  private readonly apiKeyIdsByHash = new Map<string, string>();
  private readonly recoveryCodesById = new Map<string, Set<string>>();
  private readonly passkeysById = new Map<string, PasskeyRecord>();

  constructor(seeds: readonly UserSeed[] = []) {
    for (const seed of seeds) this.add({ ...seed, id: seed.id ?? randomUUID() });
  }

  /**
   * Adds a user (a copy of it); throws a TypeError when the id, login or email is taken (names compared by
   * `foldName()`), or when the login or email contains U+0000 or a lone surrogate (no PostgreSQL store could hold it).
   */
  add(user: User): void {
    if (!isStorableName(user.login) || !isStorableName(user.email)) {
      throw new TypeError(
        `MemoryUserStore: a login or email must not contain U+0000 or a lone surrogate (user "${user.id}").`,
      );
    }
    const names = [foldName(user.login), foldName(user.email)];
    if (this.usersById.has(user.id) || names.some((name) => this.idsByName.has(name))) {
      throw new TypeError(`MemoryUserStore: a user with the id, login or email of "${user.login}" already exists.`);
    }
    this.usersById.set(user.id, { ...user, authorities: [...user.authorities] });
    for (const name of names) this.idsByName.set(name, user.id);
  }

  /** Applies changes to a stored user (for tests and admin tools: disable, change roles, ...). */
  update(id: string, changes: Partial<Omit<User, 'id' | 'login' | 'email'>>): void {
    const user = this.usersById.get(id);
    if (!user) throw new TypeError(`MemoryUserStore: no user with id "${id}".`);
    Object.assign(user, changes);
  }

  findByLogin(loginOrEmail: string): User | null {
    if (!isStorableName(loginOrEmail)) return null;
    // A login key and an email key never collide in one map: add() refuses a name that equals any stored key.
    const id = this.idsByName.get(foldName(loginOrEmail));
    return id === undefined ? null : this.copy(id);
  }

  findById(id: string): User | null {
    return this.copy(id);
  }

  recordLogin(id: string, at: Date): void {
    const user = this.usersById.get(id);
    if (user) user.lastLoginAt = at;
  }

  updatePassword(id: string, passwordHash: string, expiresAt: Date | null): void {
    const user = this.usersById.get(id);
    if (user) Object.assign(user, { passwordHash, passwordExpiresAt: expiresAt });
  }

  replacePasswordHash(id: string, expectedHash: string, newHash: string): boolean {
    const user = this.usersById.get(id);
    if (!user || user.passwordHash !== expectedHash) return false;
    user.passwordHash = newHash;
    return true;
  }

  updateSecondFactor(id: string, method: SecondFactorMethod | null, totpSecret: string | null): void {
    const user = this.usersById.get(id);
    if (user) Object.assign(user, { secondFactor: method, totpSecret });
  }

  replaceRecoveryCodes(id: string, codeHashes: readonly string[]): void {
    if (this.usersById.has(id)) this.recoveryCodesById.set(id, new Set(codeHashes));
  }

  // Synchronous, so two concurrent consumers of one code cannot both see it.
  consumeRecoveryCode(id: string, codeHash: string): number | null {
    const codes = this.recoveryCodesById.get(id);
    if (!codes?.delete(codeHash)) return null;
    return codes.size;
  }

  // Synchronous, so of concurrent sign-ups with one login or email exactly one is created.
  createUser(user: NewUser): CreateUserResult {
    if (!isStorableName(user.login) || !isStorableName(user.email)) {
      throw new TypeError('MemoryUserStore: a login or email must not contain U+0000 or a lone surrogate.');
    }
    const loginKey = foldName(user.login);
    const emailKey = foldName(user.email);
    if (this.idsByName.has(loginKey) || loginKey === emailKey) return { taken: 'login' };
    if (this.idsByName.has(emailKey)) return { taken: 'email' };
    const id = randomUUID();
    this.add({ ...user, id, createdAt: new Date() });
    return { user: this.copy(id)! };
  }

  markEmailVerified(id: string): boolean {
    const user = this.usersById.get(id);
    if (!user) return false;
    user.emailVerified = true;
    return true;
  }

  createApiKey(record: ApiKeyRecord): void {
    this.apiKeysById.set(record.id, { ...record });
    this.apiKeyIdsByHash.set(record.keyHash, record.id);
  }

  listApiKeys(ownerId: string): ApiKeyRecord[] {
    return [...this.apiKeysById.values()].filter((key) => key.ownerId === ownerId).map((key) => ({ ...key }));
  }

  findApiKeyByHash(keyHash: string): ApiKeyRecord | null {
    const id = this.apiKeyIdsByHash.get(keyHash);
    const record = id === undefined ? undefined : this.apiKeysById.get(id);
    return record ? { ...record } : null;
  }

  deleteApiKey(ownerId: string, id: string): boolean {
    const record = this.apiKeysById.get(id);
    if (!record || record.ownerId !== ownerId) return false;
    this.apiKeysById.delete(id);
    this.apiKeyIdsByHash.delete(record.keyHash);
    return true;
  }

  deleteApiKeysOfOwner(ownerId: string): ApiKeyRecord[] {
    const deleted = this.listApiKeys(ownerId);
    for (const record of deleted) {
      this.apiKeysById.delete(record.id);
      this.apiKeyIdsByHash.delete(record.keyHash);
    }
    return deleted;
  }

  touchApiKey(id: string, at: Date): void {
    const record = this.apiKeysById.get(id);
    if (record) record.lastUsedAt = at;
  }

  createPasskey(record: PasskeyRecord): void {
    if (this.findPasskeyByCredentialId(record.credentialId))
      throw new Error('MemoryUserStore: this credential id is already stored.');
    this.passkeysById.set(record.id, { ...record, transports: [...record.transports] });
  }

  listPasskeys(userId: string): PasskeyRecord[] {
    return [...this.passkeysById.values()]
      .filter((passkey) => passkey.userId === userId)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id))
      .map((passkey) => ({ ...passkey, transports: [...passkey.transports] }));
  }

  findPasskeyByCredentialId(credentialId: string): PasskeyRecord | null {
    for (const passkey of this.passkeysById.values()) if (passkey.credentialId === credentialId) return { ...passkey };
    return null;
  }

  // Synchronous: of two concurrent sign-ins that read one counter, only the first writes.
  updatePasskeyUse(id: string, expectedCounter: number, counter: number, at: Date): boolean {
    const passkey = this.passkeysById.get(id);
    if (!passkey || passkey.counter !== expectedCounter) return false;
    Object.assign(passkey, { counter, lastUsedAt: at });
    return true;
  }

  renamePasskey(userId: string, id: string, name: string): boolean {
    const passkey = this.passkeysById.get(id);
    if (!passkey || passkey.userId !== userId) return false;
    passkey.name = name;
    return true;
  }

  deletePasskey(userId: string, id: string): boolean {
    const passkey = this.passkeysById.get(id);
    if (!passkey || passkey.userId !== userId) return false;
    return this.passkeysById.delete(id);
  }

  private copy(id: string): User | null {
    const user = this.usersById.get(id);
    if (!user) return null;
    const codes = this.recoveryCodesById.get(id);
    return { ...user, authorities: [...user.authorities], recoveryCodesRemaining: codes ? codes.size : null };
  }
}
