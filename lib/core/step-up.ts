// The order of an authentication, in one place: every flow that checks a password or a second-factor code (login, the
// second-factor route, password changes, the reset, recovery codes, TOTP enrolment, step-up before a sensitive change)
// goes through here, so the security rules live in call order once:
//   1. a password attempt is reserved (and a locked identity refused) before the password is compared;
//   2. a locked identity is refused, and the flow's own budget taken, before any second-factor code is compared;
//   3. a wrong password or code counts against the identity (the account, or the device its cookie proves);
//   4. an app code's time step is spent once it matched, so it never works again;
//   5. earlier failures are forgiven only after the WHOLE authentication (never the password alone before a factor).
import { AuthError } from '../errors';
import type { SecondFactorMethod, User } from '../stores/types';
import type { AuthContext } from './context';
import { attemptIdentity } from './devices';
import { consumeTotpStep, emailedCodeMatches, matchAppCode, useRecoveryCode } from './factor-codes';
import { lockoutIdentity } from './lockout';
import { isActive } from './users';

// ---- 1 and 3 for passwords ----

declare const reserved: unique symbol;

/** An attempt counted under an identity before its password is compared: the only way to {@link verifyPassword}. */
export interface ReservedAttempt {
  readonly identity: string;
  /** The attempt's number in the identity's window. */
  readonly number: number;
  readonly [reserved]: true;
}

/**
 * Reserves one password attempt for `identity`, or refuses: 503 when the password workers are full (thrown at once,
 * before anything is counted or read), `login_blocked` when the identity is locked or its budget spent. Not `async`,
 * so a login can send the reservation in one round trip with its other reads.
 */
export function reservePasswordAttempt(context: AuthContext, identity: string): Promise<ReservedAttempt> {
  context.passwords.assertCapacity();
  return context.throttle.reserveAttempt(identity).then((number) => ({ identity, number }) as ReservedAttempt);
}

/**
 * One comparison of `password` for `user` (null when the name matched nobody: a comparison is burned, so it costs the
 * same) under a reserved attempt; a wrong password, an unknown or a disabled user is recorded and answers
 * `invalid_credentials`. A right password forgives nothing: see {@link completeAuthentication}.
 */
export async function verifyPassword(
  context: AuthContext,
  user: User | null,
  attempt: ReservedAttempt,
  password: string,
  signal?: AbortSignal,
): Promise<void> {
  let matches = false;
  if (user) matches = await context.passwords.verify(password, user.passwordHash, signal);
  else await context.passwords.burnComparison(password, signal);
  if (!matches || !isActive(user)) {
    await context.throttle.recordFailure(attempt.identity, attempt.number);
    throw new AuthError('invalid_credentials');
  }
}

/** {@link reservePasswordAttempt} then {@link verifyPassword}. */
export async function checkPassword(
  context: AuthContext,
  user: User | null,
  identity: string,
  password: string,
  signal?: AbortSignal,
): Promise<void> {
  await verifyPassword(context, user, await reservePasswordAttempt(context, identity), password, signal);
}

/** The second factor a login of `user` demands: their own, else the emailed code when it is forced, else none. */
export function effectiveSecondFactor(context: AuthContext, user: User): SecondFactorMethod | null {
  return user.secondFactor ?? (context.config.secondFactor.force ? 'EMAIL' : null);
}

// ---- 2, 3 and 4 for second-factor codes ----

/** One code that proves a second factor. */
export type FactorProof =
  /** The authenticator app's code, against the user's secret (or `secret`: an enrolment's pending one). */
  | { kind: 'app-code'; code: string; secret?: string | null | undefined }
  /** One of the user's recovery codes: used up when right. */
  | { kind: 'recovery-code'; code: string }
  /** A code mailed to the stored address, against the hash kept for it (a login challenge's, an enrolment's). */
  | { kind: 'emailed-code'; code: string; salt: string; codeHash: string | null };

/** The app code or the recovery code a request sent (the app code first, when both came), or null when neither did. */
export function appOrRecoveryCode(proof: {
  code?: string | undefined;
  recoveryCode?: string | undefined;
}): FactorProof | null {
  if (proof.code !== undefined) return { kind: 'app-code', code: proof.code };
  if (proof.recoveryCode !== undefined) return { kind: 'recovery-code', code: proof.recoveryCode };
  return null;
}

/** What a code guess costs in a flow. */
export interface FactorBudget {
  /** Before any code is compared: throws when the identity is locked or the flow's budget spent; may count the attempt. */
  open(): Promise<void>;
  /** After a wrong code. */
  charge(): Promise<void>;
}

/** The login's lockout of `identity`: a locked identity is refused; a wrong code counts as a failed login. */
export function lockoutBudget(context: AuthContext, identity: string): FactorBudget {
  return {
    open: () => context.throttle.assertNotLocked(identity),
    charge: () => context.throttle.recordSecondFactorFailure(identity),
  };
}

export interface ProveFactorOptions {
  /** A flow's own refusal that spends no guess (a challenge voided meanwhile): after the budget opened, before any compare. */
  beforeCompare?: (() => Promise<void>) | undefined;
  /** Emit `tfa.failed` for a wrong code (the login's second factor and the reset, which the audit log follows). */
  audit?: boolean | undefined;
  /** The message of the `tfa_invalid` answered for a wrong code. */
  message?: string | undefined;
}

/**
 * Proves `user`'s second factor with `proof` (all of them, when several are needed; null or none: nothing was sent,
 * which is a wrong guess), in the one order every flow shares: the budget refuses a locked identity (or takes the
 * flow's attempt) before any code is compared; a wrong code is charged and answers `tfa_invalid`; an app code's time
 * step is spent once every code matched (a replayed step answers `tfa_invalid` uncounted: the code was right once, and
 * counting it would let whoever watched it being typed lock the user out). A recovery code is used up as it is compared
 * (atomically, so two requests cannot both spend it): it never comes with another proof. `identity`, a string, is the
 * login's lockout.
 */
export async function proveFactor(
  context: AuthContext,
  user: User,
  identity: string | FactorBudget,
  proof: FactorProof | readonly FactorProof[] | null,
  options: ProveFactorOptions = {},
): Promise<void> {
  const budget = typeof identity === 'string' ? lockoutBudget(context, identity) : identity;
  await budget.open();
  await options.beforeCompare?.();
  const proofs: readonly FactorProof[] = proof === null ? [] : Array.isArray(proof) ? proof : [proof as FactorProof];
  const steps: number[] = [];
  let proven = proofs.length > 0;
  for (const one of proofs) {
    if (one.kind === 'app-code') {
      const step = matchAppCode(context, one.secret !== undefined ? one.secret : user.totpSecret, one.code);
      if (step === null) proven = false;
      else steps.push(step);
    } else if (one.kind === 'recovery-code') {
      if (!(await useRecoveryCode(context, user, one.code))) proven = false;
    } else if (!emailedCodeMatches(one.salt, one.code, one.codeHash)) proven = false;
  }
  if (!proven) {
    await budget.charge();
    if (options.audit === true)
      context.events.emit('tfa.failed', { userId: user.id, reason: 'tfa_invalid', method: auditMethod(proofs[0]) });
    throw new AuthError('tfa_invalid', options.message === undefined ? {} : { message: options.message });
  }
  for (const step of steps) await consumeTotpStep(context, user.id, step);
}

function auditMethod(proof: FactorProof | undefined): 'TOTP' | 'EMAIL' | 'recovery_code' | undefined {
  if (proof === undefined) return undefined;
  return proof.kind === 'app-code' ? 'TOTP' : proof.kind === 'emailed-code' ? 'EMAIL' : 'recovery_code';
}

// ---- 5: forgiveness ----

/** A whole authentication completed (the password and the factor a login demands): earlier failures are forgiven. */
export async function completeAuthentication(context: AuthContext, identity: string): Promise<void> {
  await context.throttle.recordSuccess(identity);
}

/**
 * A password reset completed (the mailbox, and the app for a user who has one): it proves more than a login, so it
 * also lifts the account's lockout, and that of the device its budget was counted under.
 */
export async function completeRecovery(context: AuthContext, user: User, identity: string): Promise<void> {
  const account = lockoutIdentity(user, user.login);
  await context.throttle.clear(account);
  if (identity !== account) await context.throttle.clear(identity);
}

// ---- the password and the factor, for a logged-in user (step-up) or a named one (password changes) ----

/**
 * What stands for the second factor a login of the user demands, in a flow that checks the password again. This is
 * where the emailed factor differs: a code cannot be mailed and checked within one request, so an EMAIL user is never
 * asked one here; the access token behind the request (from a login that passed the mailed code) stands in, and since
 * the mailbox was not proven just now, the password forgives nothing. (A flow that must prove the mailbox again mails
 * a code and proves it with {@link proveFactor}, as TOTP enrolment does.)
 */
export type FactorPolicy =
  /** Before a sensitive change: a TOTP user sends the app's current code (or a recovery code) with the password. */
  | 'step-up'
  /** A password change: no factor is asked (a token, or an expired password's way out, stands in), so the password forgives only a user whose login demands none. */
  | 'password-only';

export interface StepUpProof {
  /** The user's current password. */
  password: string;
  /** A current code from the authenticator app, for a user whose factor is one. */
  code?: string | undefined;
  /** One of the user's recovery codes, in place of `code`. */
  recoveryCode?: string | undefined;
  /** The client's device cookie: attempts are counted under the device it proves, as at login. */
  deviceToken?: string | undefined;
}

export interface StepUpResult {
  /** The second factor the user's login demands (null: none). For EMAIL, the proof is the login behind the caller's token. */
  factor: SecondFactorMethod | null;
  /** The identity attempts were counted under (the device, or the account). */
  identity: string;
}

export interface ReauthenticateOptions {
  /** Default `'step-up'`. */
  policy?: FactorPolicy | undefined;
  /** The body field the app's code is read from, for the error message (default `code`). */
  codeField?: string | undefined;
  /**
   * A flow's own refusal, checked once the password is right (so it tells nothing to whoever does not know it) and
   * before anything is forgiven or any code compared.
   */
  afterPassword?: ((user: User) => void | Promise<void>) | undefined;
}

/**
 * Checks that a logged-in `user` is still who the token says: the password, and — under the `'step-up'` policy, for a
 * user with an authenticator app — a current code from it (or a recovery code). Every attempt counts toward the
 * lockout of the account (or of the device its cookie proves), exactly as a login does; a whole authentication
 * forgives earlier failures (see {@link FactorPolicy} for the emailed factor). Throws `invalid_credentials`,
 * `login_blocked`, `tfa_invalid`, or 503 when the password workers are full.
 */
export async function reauthenticate(
  context: AuthContext,
  user: User,
  proof: StepUpProof,
  options: ReauthenticateOptions = {},
): Promise<StepUpResult> {
  const { factor, identity } = await reauthenticateAccount(context, user, user.login, proof, options);
  return { factor, identity };
}

/**
 * {@link reauthenticate} for a request that names the account (`user` read by that name, null when it matched
 * nobody, which answers like a wrong password at the same cost).
 */
export async function reauthenticateAccount(
  context: AuthContext,
  user: User | null,
  attemptedName: string,
  proof: StepUpProof,
  options: ReauthenticateOptions = {},
): Promise<StepUpResult & { user: User }> {
  const identity = attemptIdentity(context, user, attemptedName, proof.deviceToken);
  await checkPassword(context, user, identity, proof.password);
  const account = user as User;
  await options.afterPassword?.(account);
  const factor = effectiveSecondFactor(context, account);
  const appCodeAsked = factor === 'TOTP' && (options.policy ?? 'step-up') === 'step-up';
  if (appCodeAsked) {
    await proveFactor(context, account, identity, appOrRecoveryCode(proof), {
      message: `Send a current code from your authenticator app as "${options.codeField ?? 'code'}".`,
    });
  }
  // The password alone where no factor is demanded, or the password and the app's code: a whole authentication.
  if (factor === null || appCodeAsked) await completeAuthentication(context, identity);
  return { factor, identity, user: account };
}

/**
 * Whether the caller's access token comes from a login no older than `maxAgeSeconds` (its `auth_time`, which a
 * refreshed or renewed token carries over from the login, never its own `iat`). A token without one never counts.
 */
export function isRecentLogin(context: AuthContext, authTime: number | undefined, maxAgeSeconds: number): boolean {
  if (authTime === undefined || !Number.isFinite(authTime)) return false;
  const ageMs = context.config.clock() - authTime * 1000;
  return ageMs >= -60_000 && ageMs <= maxAgeSeconds * 1000;
}
