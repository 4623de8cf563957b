// Wraps a UserStore so that any failure of its backend becomes a 503 `unavailable`: auth fails closed, never with a
// 500 that carries the store's message, wherever in a flow the store is called.
import { AuthError } from '../errors';
import { reportError, type Logger } from '../logger';
import type { UserStore } from './types';

type MethodName = Exclude<keyof UserStore, 'init' | 'shutdown'>;
const REQUIRED: readonly MethodName[] = ['findByLogin', 'findById', 'recordLogin', 'updatePassword'];
const OPTIONAL: readonly MethodName[] = [
  'updateSecondFactor',
  'replacePasswordHash',
  'replaceRecoveryCodes',
  'consumeRecoveryCode',
  'createUser',
  'markEmailVerified',
  'createApiKey',
  'listApiKeys',
  'findApiKeyByHash',
  'deleteApiKey',
  'touchApiKey',
  'createPasskey',
  'listPasskeys',
  'findPasskeyByCredentialId',
  'updatePasskeyUse',
  'renamePasskey',
  'deletePasskey',
];

export function failClosedUsers(store: UserStore, logger: Logger): UserStore {
  let reported = false;
  function guarded(name: MethodName): (...args: unknown[]) => Promise<unknown> {
    return async (...args) => {
      try {
        // Looked up on every call, not captured: a host (or a test) may replace a method on its store later.
        const result = await (store[name] as (...a: unknown[]) => unknown).apply(store, args);
        reported = false;
        return result;
      } catch (cause) {
        if (cause instanceof AuthError) throw cause;
        // Log once per outage, not once per request; only the message, which a store should keep free of secrets.
        if (!reported) reportError(logger, 'user store unavailable', cause);
        reported = true;
        throw new AuthError('unavailable', { cause });
      }
    };
  }
  const wrapped: Record<string, unknown> = {};
  for (const name of REQUIRED) wrapped[name] = guarded(name);
  // Optional methods stay absent when the store lacks them, so feature checks (`typeof users.x === 'function'`) hold.
  for (const name of OPTIONAL) if (typeof store[name] === 'function') wrapped[name] = guarded(name);
  return wrapped as unknown as UserStore;
}
