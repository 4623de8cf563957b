// Notices mailed to a user as a side effect of a flow (a recovery code used, a reset link, a sign-up): sent off the
// request path, so their time and failure say nothing to the client.
import type { User } from '../stores/types';
import type { AuthContext } from './context';

/** The name mails greet the user by. */
export function displayNameOf(user: User): string {
  return [user.firstName, user.lastName].filter(Boolean).join(' ') || user.login;
}

/**
 * Sends a mail after the current request's work, never awaited by it: its time and its failure say nothing to the
 * client (a reset request for a known address must answer like one for an unknown address). A failure is logged
 * once, without the mail's content.
 */
export function mailOffThePath(context: AuthContext, what: string, send: () => Promise<void>): void {
  setImmediate(() => {
    Promise.resolve()
      .then(send)
      .catch((cause: unknown) => {
        context.config.logger.error(
          `[express-auth-kit] sending ${what} failed: ${cause instanceof Error ? cause.message : 'unknown error'}`,
        );
      });
  });
}
