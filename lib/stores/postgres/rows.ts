// From pg's rows to the store's records. Each column is read for what it must be, whatever a driver's type parsers
// made of it, so a record never holds a value of another type than it declares.
import type { ApiKeyRecord, PasskeyRecord, User } from '../types';
import type { Row } from './sql';

/** The row an INSERT ... RETURNING wrote. */
export function firstRow(rows: Row[]): Row {
  const row = rows[0];
  if (!row) throw new Error('PostgresUserStore: the INSERT returned no row.');
  return row;
}

export const text = (row: Row, column: string): string => String(row[column]);
const optionalText = (row: Row, column: string): string | null => (row[column] == null ? null : String(row[column]));
// pg parses timestamptz into Date already; the conversion covers drivers or type parsers that return strings.
const optionalDate = (row: Row, column: string): Date | null => {
  const value = row[column];
  if (value == null) return null;
  return value instanceof Date ? value : new Date(String(value));
};
export const optionalTextArray = (row: Row, column: string): string[] | null => {
  const value = row[column];
  return Array.isArray(value) ? value.map(String) : null;
};

export function toUser(row: Row): User {
  const secondFactor = optionalText(row, 'second_factor');
  return {
    id: text(row, 'id'),
    login: text(row, 'login'),
    email: text(row, 'email'),
    passwordHash: text(row, 'password_hash'),
    authorities: optionalTextArray(row, 'authorities') ?? [],
    firstName: optionalText(row, 'first_name'),
    lastName: optionalText(row, 'last_name'),
    imageUrl: optionalText(row, 'image_url'),
    langKey: optionalText(row, 'lang_key'),
    disabled: row.disabled === true,
    secondFactor: secondFactor === 'EMAIL' || secondFactor === 'TOTP' ? secondFactor : null,
    totpSecret: optionalText(row, 'totp_secret'),
    passwordExpiresAt: optionalDate(row, 'password_expires_at'),
    lastLoginAt: optionalDate(row, 'last_login_at'),
    createdAt: optionalDate(row, 'created_at'),
    recoveryCodesRemaining: Array.isArray(row.recovery_code_hashes) ? row.recovery_code_hashes.length : null,
    emailVerified: row.email_verified !== false,
  };
}

export function toApiKey(row: Row): ApiKeyRecord {
  return {
    id: text(row, 'id'),
    ownerId: text(row, 'owner_id'),
    name: text(row, 'name'),
    keyHash: text(row, 'key_hash'),
    prefix: text(row, 'prefix'),
    roles: optionalTextArray(row, 'roles'),
    createdAt: optionalDate(row, 'created_at') ?? new Date(0),
    expiresAt: optionalDate(row, 'expires_at'),
    lastUsedAt: optionalDate(row, 'last_used_at'),
  };
}

export function toPasskey(row: Row): PasskeyRecord {
  return {
    id: text(row, 'id'),
    userId: text(row, 'user_id'),
    credentialId: text(row, 'credential_id'),
    publicKey: text(row, 'public_key'),
    // bigint arrives as a string from pg.
    counter: Number(row.counter),
    transports: optionalTextArray(row, 'transports') ?? [],
    name: text(row, 'name'),
    createdAt: optionalDate(row, 'created_at') ?? new Date(0),
    lastUsedAt: optionalDate(row, 'last_used_at'),
  };
}
