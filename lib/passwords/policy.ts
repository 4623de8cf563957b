// The password policy (NIST SP 800-63B: length and a denylist, no composition rules) applied wherever a password is set.

/** bcrypt reads only the first 72 bytes; we refuse longer passwords rather than silently truncate them. */
export const BCRYPT_MAX_BYTES = 72;

/** The rule a password failed, named in the 400 response (`reused`: change-password's new password is the current one). */
export type PasswordRule = 'min_length' | 'max_bytes' | 'denylist' | 'breached' | 'same_as_login' | 'reused';

export interface PasswordPolicyOptions {
  /** The fewest characters (Unicode code points) a new password may have. @default 8 */
  minLength?: number;
  /** Passwords refused outright, compared case-insensitively (common passwords, the product name, ...). @default [] */
  denylist?: Iterable<string>;
  /**
   * Asked for every new password; return true to refuse it as breached (e.g. a k-anonymity lookup against a
   * breach corpus you host). A throw refuses the change with a 503, so an outage never lets a password through.
   * @default none
   */
  isBreached?: (password: string) => boolean | Promise<boolean>;
}

export interface ResolvedPasswordPolicy {
  minLength: number;
  denylist: ReadonlySet<string>;
  isBreached: ((password: string) => boolean | Promise<boolean>) | undefined;
}

export interface PasswordRuleFailure {
  rule: PasswordRule;
  message: string;
}

export function resolvePasswordPolicy(options: PasswordPolicyOptions = {}): ResolvedPasswordPolicy {
  const minLength = options.minLength ?? 8;
  if (!Number.isSafeInteger(minLength) || minLength < 1 || minLength > BCRYPT_MAX_BYTES) {
    throw new TypeError(`"passwords.policy.minLength" must be an integer from 1 to ${BCRYPT_MAX_BYTES}.`);
  }
  if (options.isBreached !== undefined && typeof options.isBreached !== 'function') {
    throw new TypeError('"passwords.policy.isBreached" must be a function (password) => boolean | Promise<boolean>.');
  }
  const denylist = new Set<string>();
  for (const entry of options.denylist ?? []) {
    if (typeof entry !== 'string') throw new TypeError('"passwords.policy.denylist" must hold only strings.');
    denylist.add(entry.toLowerCase());
  }
  return { minLength, denylist, isBreached: options.isBreached };
}

/**
 * The form a password is checked and hashed in: Unicode NFKC (NIST SP 800-63B §5.1.1.2), so the same passphrase
 * typed on two keyboards that encode "é" or "ﬁ" differently is the same password.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/** Over bcrypt's 72 bytes, counted on the normalised form (the one that is hashed). */
export function passwordTooLong(password: string): boolean {
  return Buffer.byteLength(normalizePassword(password), 'utf8') > BCRYPT_MAX_BYTES;
}

/** The first rule `password` breaks, or null when it may be set. `login` and `email` are refused as passwords. */
export async function checkPasswordPolicy(
  password: string,
  policy: ResolvedPasswordPolicy,
  identity: { login?: string; email?: string } = {},
): Promise<PasswordRuleFailure | null> {
  password = normalizePassword(password);
  if ([...password].length < policy.minLength) {
    return { rule: 'min_length', message: `The password must have at least ${policy.minLength} characters.` };
  }
  if (passwordTooLong(password)) {
    return { rule: 'max_bytes', message: `The password must not be longer than ${BCRYPT_MAX_BYTES} bytes.` };
  }
  const lowered = password.toLowerCase();
  if (lowered === identity.login?.toLowerCase() || lowered === identity.email?.toLowerCase()) {
    return { rule: 'same_as_login', message: 'The password must not be the login or the email address.' };
  }
  if (policy.denylist.has(lowered)) {
    return { rule: 'denylist', message: 'The password is too common.' };
  }
  if (policy.isBreached && (await policy.isBreached(password))) {
    return { rule: 'breached', message: 'The password appears in a known data breach.' };
  }
  return null;
}
