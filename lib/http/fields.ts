// The body fields routes share, as JSON Schema: limits that keep bodies small and refuse what no credential has.
import { Type } from '@sinclair/typebox';
import { MAX_API_KEY_LENGTH } from '../core/api-keys';

// No credential, name or code has a NUL, and PostgreSQL text cannot hold one: refused before any store call.
const NO_NUL = '^[^\\u0000]*$';

export const usernameField = Type.String({
  minLength: 1,
  maxLength: 320,
  pattern: NO_NUL,
  description: 'A login name or an email address.',
  examples: ['admin'],
});
// Long enough for any passphrase; bcrypt reads 72 bytes, and longer ones are refused rather than truncated.
// The examples are the demo users' default passwords (README, Examples): "Try it out" in a docs UI works against them.
export const passwordField = Type.String({
  minLength: 1,
  maxLength: 4096,
  pattern: NO_NUL,
  examples: ['admin-password'],
});
/** A new password: the password policy applies. */
export const newPasswordField = Type.String({
  ...passwordField,
  description: 'The new password; the password policy applies.',
  examples: ['correct-horse-battery-staple'],
});
export const codeField = Type.String({
  minLength: 1,
  maxLength: 16,
  pattern: NO_NUL,
  description: 'A six-digit code.',
  examples: ['123456'],
});
export const tokenField = Type.String({
  minLength: 1,
  maxLength: 8192,
  pattern: NO_NUL,
  examples: ['eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIiwidXNlZm9yIjoicmVmcmVzaCJ9.c2lnbmF0dXJl'],
});
export const keyNameField = Type.String({ minLength: 1, maxLength: 100, pattern: NO_NUL, examples: ['ci-deploy'] });
export const keyTextField = Type.String({
  minLength: 1,
  maxLength: MAX_API_KEY_LENGTH,
  pattern: NO_NUL,
  examples: ['eak_AbCdEfGhIjKlMnOpQrStUvWxYz012345'],
});
const TEN_YEARS_SECONDS = 10 * 365 * 86400;
export const expiresInField = Type.Integer({
  minimum: 1,
  maximum: TEN_YEARS_SECONDS,
  description: 'Seconds until the key expires.',
  examples: [7_776_000],
});
export const rolesField = Type.Array(
  Type.String({ minLength: 1, maxLength: 200, pattern: NO_NUL, examples: ['ROLE_USER'] }),
  {
    maxItems: 100,
    examples: [['ROLE_USER']],
    description: "A subset of the owner's roles the key may use; absent: all of them.",
  },
);
