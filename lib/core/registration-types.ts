// Sign-up's settings and the host's hook, as types: the context and the options name them without importing the flow.
import type { User } from '../stores/types';

/** What a host's `registration.onRegister` hook is shown of a sign-up (never the password). */
export interface RegistrationAttempt {
  username: string;
  email: string;
  /** The body's optional `profile` object, as sent (strings only): invite codes, names, a language. */
  profile: Readonly<Record<string, string>>;
}

/**
 * What `registration.onRegister` decides: nothing (sign up with the defaults), profile fields and roles for the new
 * user, or `{ refuse: 'message' }` (403 `registration_refused` with that message: say why, e.g. "invite only").
 */
export type RegistrationDecision =
  | void
  | undefined
  | { refuse: string }
  | (Partial<Pick<User, 'firstName' | 'lastName' | 'imageUrl' | 'langKey'>> & {
      authorities?: readonly string[];
      refuse?: undefined;
    });

/** The host's sign-up hook: runs before anything is stored or mailed. */
export type RegistrationHook = (attempt: RegistrationAttempt) => RegistrationDecision | Promise<RegistrationDecision>;

/** Sign-up's settings, resolved (see the `registration` option). */
export interface RegistrationSettings {
  urlTemplate: string;
  tokenTtlSeconds: number;
  /** Verification mails (sign-ups and resends) per address per window; past it the answer is the same, unmailed. */
  mailLimit: { limit: number; windowSeconds: number };
  /** The roles of a new user unless the hook names others. */
  authorities: readonly string[];
  onRegister: RegistrationHook | undefined;
}
