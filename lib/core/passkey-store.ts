// The user store's passkey methods, all or none: a store without them turns the passkey routes into 404s.
import { AuthError } from '../errors';
import type { UserStore } from '../stores/types';
import type { AuthContext } from './context';

/** The store's passkey methods, bound; 404 `not_found` when the store lacks any of them. */
export function passkeyStore(
  context: AuthContext,
): Required<
  Pick<
    UserStore,
    | 'createPasskey'
    | 'listPasskeys'
    | 'findPasskeyByCredentialId'
    | 'updatePasskeyUse'
    | 'renamePasskey'
    | 'deletePasskey'
  >
> {
  const users = context.users;
  const { createPasskey, listPasskeys, findPasskeyByCredentialId, updatePasskeyUse, renamePasskey, deletePasskey } =
    users;
  if (
    !createPasskey ||
    !listPasskeys ||
    !findPasskeyByCredentialId ||
    !updatePasskeyUse ||
    !renamePasskey ||
    !deletePasskey
  )
    throw new AuthError('not_found');
  return {
    createPasskey: createPasskey.bind(users),
    listPasskeys: listPasskeys.bind(users),
    findPasskeyByCredentialId: findPasskeyByCredentialId.bind(users),
    updatePasskeyUse: updatePasskeyUse.bind(users),
    renamePasskey: renamePasskey.bind(users),
    deletePasskey: deletePasskey.bind(users),
  };
}
