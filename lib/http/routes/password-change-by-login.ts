// POST password change naming the user, without a token (bfore.ai's user/password): {username, old, new, confirm}.
import { Type } from '@sinclair/typebox';
import { changePasswordByLogin } from '../../core/account';
import { newPasswordField, passwordField, usernameField } from '../fields';
import { bodyReader } from '../request';
import { defineRoute } from '../route';
import { answer } from '../reply';
import { optionalAccessToken } from '../credentials';

const body = bodyReader(
  Type.Object({
    username: usernameField,
    old: { ...passwordField, description: 'The current password.' },
    new: newPasswordField,
    confirm: { ...newPasswordField, description: 'The new password again.' },
  }),
);

export const passwordChangeByLoginRoute = defineRoute({
  path: 'passwordChangeByLogin',
  method: 'post',
  operationId: 'changePasswordByLogin',
  summary: 'Change a password by login',
  description:
    'Changes a password naming the user and proving the current one, like a login; ends every session of the user.',
  tag: 'account',
  body,
  // A token is not needed; a user with a second factor sends theirs along (it must be their own).
  credential: optionalAccessToken(),
  // The login's budget: guessing a password here costs what it costs at the login.
  limiter: 'login',
  checksPassword: true,
  answers: ['passwordChanged'],
  errors: [400, 401, 403, 413, 429, 503],
  async handle(edge, { req, auth, deviceToken, fields }) {
    await changePasswordByLogin(edge.core, {
      username: fields.username,
      currentPassword: fields.old,
      newPassword: fields.new,
      confirmation: fields.confirm,
      deviceToken,
      tokenUserId: auth?.method === 'token' ? auth.userId : undefined,
    });
    return answer(edge, req, 'passwordChanged', undefined);
  },
});
