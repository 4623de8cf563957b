// The body fields routes share, as JSON Schema: limits that keep bodies small and refuse what no credential has.
import { Type } from '@sinclair/typebox';
import { MAX_API_KEY_LENGTH } from '../core/api-keys';

// No credential, name or code has a NUL, and PostgreSQL text cannot hold one: refused before any store call.
const NO_NUL = '^[^\\u0000]*$';

export const usernameField = Type.String({ minLength: 1, maxLength: 320, pattern: NO_NUL, description: 'A login name or an email address.' });
// Long enough for any passphrase; bcrypt reads 72 bytes, and longer ones are refused rather than truncated.
export const passwordField = Type.String({ minLength: 1, maxLength: 4096, pattern: NO_NUL });
export const codeField = Type.String({ minLength: 1, maxLength: 16, pattern: NO_NUL, description: 'A six-digit code.', examples: ['123456'] });
export const tokenField = Type.String({ minLength: 1, maxLength: 8192, pattern: NO_NUL });
export const keyNameField = Type.String({ minLength: 1, maxLength: 100, pattern: NO_NUL });
export const keyTextField = Type.String({ minLength: 1, maxLength: MAX_API_KEY_LENGTH, pattern: NO_NUL });
export const TEN_YEARS_SECONDS = 10 * 365 * 86400;
export const expiresInField = Type.Integer({ minimum: 1, maximum: TEN_YEARS_SECONDS, description: 'Seconds until the key expires.' });
export const rolesField = Type.Array(Type.String({ minLength: 1, maxLength: 200, pattern: NO_NUL }), {
  maxItems: 100,
  description: "A subset of the owner's roles the key may use; absent: all of them.",
});
